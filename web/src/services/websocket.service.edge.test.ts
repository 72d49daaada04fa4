// Reconnection edge cases the real server cannot be made to produce on demand (a token that
// expires, duplicated or replayed events, the server closing the socket), played by a small
// real socket.io server that speaks the same protocol.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../../test/support';
import { WebSocketService, type AnyEventEnvelope } from './websocket.service';

interface Credentials {
  token?: string;
  lastSeq?: number;
}

class FakeConveyor {
  readonly http: HttpServer = createServer();
  readonly io = new Server(this.http, { transports: ['websocket'] });
  readonly connects: Credentials[] = [];
  readonly authenticates: Credentials[] = [];
  sockets: ServerSocket[] = [];
  validTokens = new Set(['good']);
  head = 10;

  async start(): Promise<string> {
    this.io.of('/ws').on('connection', (socket) => {
      this.sockets.push(socket);
      const auth = socket.handshake.auth as Credentials;
      this.connects.push(auth);
      if (auth.token) this.welcome(socket, auth);
      socket.on('authenticate', (credentials: Credentials) => {
        this.authenticates.push(credentials);
        this.welcome(socket, credentials);
      });
    });
    await new Promise<void>((done) => this.http.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  welcome(socket: ServerSocket, credentials: Credentials): void {
    if (!credentials.token || !this.validTokens.has(credentials.token)) {
      socket.emit('auth_error', { message: 'invalid token' });
      return;
    }
    socket.emit('authenticated', {
      user: { username: 'fake' },
      projects: {},
      lastSeq: this.head,
      resumeFrom: credentials.lastSeq ?? null,
      expiresAt: null,
      filter: { categories: null, eventTypes: null, projectIds: null, minPriority: 'LOW' },
    });
  }

  send(socket: ServerSocket, seq: number, title = `alert ${seq}`): void {
    const envelope: AnyEventEnvelope = {
      id: `e${seq}`,
      seq,
      event_type: 'system_alert',
      category: 'SYSTEM',
      priority: 'LOW',
      timestamp: new Date().toISOString(),
      project_id: null,
      data: {
        alertId: `a${seq}`,
        alert: {
          alertId: `a${seq}`,
          title,
          severity: 'info',
          message: '',
          source: 'test',
          status: 'open',
          createdAt: new Date().toISOString(),
          acknowledgedAt: null,
          resolvedAt: null,
          cause: null,
        },
      },
    };
    socket.emit('system_alert', envelope);
  }

  get last(): ServerSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no socket yet');
    return socket;
  }

  async stop(): Promise<void> {
    await new Promise<void>((done) => this.io.close(() => done()));
  }
}

let fake: FakeConveyor;
let url: string;
const services: WebSocketService[] = [];

beforeEach(async () => {
  fake = new FakeConveyor();
  url = await fake.start();
});
afterEach(async () => {
  while (services.length) services.pop()?.reset();
  await fake.stop();
});

function service(options: ConstructorParameters<typeof WebSocketService>[0] = {}): WebSocketService {
  const created = new WebSocketService({ url, reconnectionDelay: 100, reconnectionDelayMax: 200, ...options });
  services.push(created);
  return created;
}

const state = (s: WebSocketService, check: (st: ReturnType<WebSocketService['getState']>) => boolean, what: string) =>
  until(() => check(s.getState()), s.onState, 5_000, what);

const seqs = (s: WebSocketService): number[] => {
  const seen: number[] = [];
  s.onAny((event) => seen.push(event.seq));
  return seen;
};

describe('WebSocketService edge cases', () => {
  it('sends the token and no lastSeq on the first CONNECT, then adopts the server head', async () => {
    const live = service();
    await live.connect('good');
    await state(live, (st) => st.isConnected, 'authenticated');
    expect(fake.connects).toEqual([{ token: 'good' }]);
    expect(live.lastSeq).toBe(10);
  });

  it('drops events it has already seen, whatever order they come in', async () => {
    const live = service();
    const seen = seqs(live);
    await live.connect('good');
    await state(live, (st) => st.isConnected, 'authenticated');
    for (const seq of [11, 12, 12, 11, 9, 13]) fake.send(fake.last, seq);
    await until(() => seen.includes(13), (wake) => live.onAny(wake), 5_000, 'seq 13');
    expect(seen).toEqual([11, 12, 13]);
    expect(live.duplicatesDropped).toBe(3);
  });

  it('on "token expired" asks the provider and authenticates again with the fresh token and lastSeq', async () => {
    let current = 'good';
    const live = service({ tokenProvider: () => current });
    await live.connect();
    await state(live, (st) => st.isConnected, 'authenticated');
    fake.send(fake.last, 11);
    await until(() => live.lastSeq === 11, (wake) => live.onAny(wake), 5_000, 'seq 11');

    fake.validTokens = new Set(['fresh']);
    current = 'fresh';
    fake.last.emit('auth_error', { message: 'token expired' });
    await until(() => fake.authenticates.length === 1, live.onState, 5_000, 'authenticate');
    expect(fake.authenticates).toEqual([{ token: 'fresh', lastSeq: 11 }]);
    await state(live, (st) => st.isConnected && st.authentications === 2, 'authenticated again');
  });

  it('does not loop when the provider has nothing fresher: it reports the refusal', async () => {
    const live = service({ tokenProvider: () => 'good' });
    await live.connect();
    await state(live, (st) => st.isConnected, 'authenticated');
    fake.validTokens.clear();
    fake.last.emit('auth_error', { message: 'token expired' });
    await state(live, (st) => st.status === 'unauthenticated', 'unauthenticated');
    expect(live.getState().authError).toBe('token expired');
    expect(fake.authenticates).toEqual([]);
  });

  it('reconnects when the server closes the socket, resuming from the last seen seq', async () => {
    const live = service();
    await live.connect('good');
    await state(live, (st) => st.isConnected, 'authenticated');
    fake.send(fake.last, 14);
    await until(() => live.lastSeq === 14, (wake) => live.onAny(wake), 5_000, 'seq 14');

    fake.last.disconnect(true);
    await state(live, (st) => st.authentications === 2 && st.isConnected, 'reconnected');
    expect(fake.connects.at(-1)).toEqual({ token: 'good', lastSeq: 14 });
    expect(live.getState().resumeFrom).toBe(14);
  });

  it('re-authenticates the live socket when given another token', async () => {
    fake.validTokens.add('other');
    const live = service();
    await live.connect('good');
    await state(live, (st) => st.isConnected, 'authenticated');
    await live.connect('other');
    await state(live, (st) => st.authentications === 2, 'authenticated again');
    expect(fake.connects).toHaveLength(1);
    expect(fake.authenticates).toEqual([{ token: 'other', lastSeq: 10 }]);
  });
});
