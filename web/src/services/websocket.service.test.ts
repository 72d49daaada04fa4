// The service against a real `conveyor serve` (started by test/globalSetup.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { api, baseUrl, login, raiseAlert, unique, until } from '../../test/support';
import {
  EventCategory,
  WebSocketService,
  type AnyEventEnvelope,
  type EventEnvelope,
  type FeedEvent,
} from './websocket.service';

const services: WebSocketService[] = [];
afterEach(() => {
  while (services.length) services.pop()?.reset();
});

function service(options: ConstructorParameters<typeof WebSocketService>[0] = {}): WebSocketService {
  const created = new WebSocketService({ url: baseUrl(), reconnectionDelay: 300, ...options });
  services.push(created);
  return created;
}

const authenticated = (s: WebSocketService, count = 1) =>
  until(() => s.getState().authentications >= count && s.getState().isConnected, s.onState, 10_000, 'authentication');

/** Resolves when `check` holds, re-checked at every event and state change of `s`. */
const eventually = (s: WebSocketService, check: () => boolean, what: string) =>
  until(
    check,
    (wake) => {
      const offEvents = s.onAny(wake);
      const offState = s.onState(wake);
      return () => {
        offEvents();
        offState();
      };
    },
    10_000,
    what,
  );

function collect(s: WebSocketService): FeedEvent[] {
  const seen: FeedEvent[] = [];
  s.onAny((event) => seen.push(event));
  return seen;
}

const alertsTitled = (events: FeedEvent[], titles: string[]) =>
  events.filter((e) => e.event_type === 'system_alert' && titles.includes(String(e.data.alert?.title)));

describe('WebSocketService against the real server', () => {
  it('authenticates with the token in the CONNECT auth and delivers per type, per category and to all', async () => {
    const token = await login();
    const live = service();
    const byType: EventEnvelope<'system_alert'>[] = [];
    const byCategory: FeedEvent[] = [];
    live.on('system_alert', (event) => byType.push(event));
    live.onCategory(EventCategory.SYSTEM, (event) => byCategory.push(event));
    const all = collect(live);

    await live.connect(token);
    await authenticated(live);
    expect(live.getState().user).toMatchObject({ username: 'admin' });
    expect(live.lastSeq).toBeTypeOf('number');

    const title = unique('typed');
    const alert = await raiseAlert(token, title, 'critical');
    await eventually(live, () => byType.some((e) => e.data.alertId === alert.alertId), 'the alert');

    const event = byType.find((e) => e.data.alertId === alert.alertId);
    expect(event).toMatchObject({ category: 'SYSTEM', priority: 'HIGH', project_id: null });
    expect(event?.data.alert.title).toBe(title);
    expect(byCategory.map((e) => e.seq)).toContain(event?.seq);
    expect(all.map((e) => e.seq)).toContain(event?.seq);
    expect(live.latest('system_alert')?.data.alertId).toBe(alert.alertId);
    expect(live.recent(EventCategory.SYSTEM).map((e) => e.seq)).toContain(event?.seq);
  });

  it('answers an auth_error with the authenticate event once a valid token is given', async () => {
    const live = service();
    await live.connect('not-a-token');
    await until(() => live.getState().status === 'unauthenticated', live.onState, 10_000, 'auth_error');
    expect(live.getState().authError).toBeTruthy();
    expect(live.getState().isConnected).toBe(false);

    live.authenticate(await login());
    await authenticated(live);
    expect(live.getState().authError).toBeNull();
  });

  it('asks the token provider for a fresh token after an auth_error', async () => {
    const fresh = await login();
    const live = service({ tokenProvider: () => fresh });
    await live.connect('expired-or-revoked');
    await authenticated(live);
    expect(live.currentToken).toBe(fresh);
  });

  it('resumes after the connection drops: what was missed arrives once, in order, with no gap', async () => {
    const token = await login();
    const live = service({ reconnectionDelay: 1_500, reconnectionDelayMax: 1_500 });
    const seen = collect(live);
    await live.connect(token);
    await authenticated(live);
    const before = live.lastSeq ?? 0;

    const dropped = live.lastSeq;
    // Drop the transport the way a network failure does; socket.io-client reconnects by itself.
    (live as unknown as { socket: { io: { engine: { close(): void } } } }).socket.io.engine.close();
    await until(() => !live.getState().isConnected, live.onState, 5_000, 'the drop');
    const titles = [unique('missed'), unique('missed'), unique('missed')];
    for (const title of titles) await raiseAlert(token, title);

    await authenticated(live, 2);
    expect(live.getState().resumeFrom).toBe(dropped);
    await eventually(live, () => alertsTitled(seen, titles).length === 3, 'the replay');

    const logged = await api<{ events: AnyEventEnvelope[] }>(`/events?afterSeq=${before}&limit=1000`, { token });
    const received = seen.filter((e) => e.seq > before).map((e) => e.seq);
    const expected = logged.events.map((e) => e.seq).filter((seq) => seq <= (live.lastSeq ?? 0));
    expect(received).toEqual(expected);
    expect(new Set(received).size).toBe(received.length);
    expect(alertsTitled(seen, titles).map((e) => e.data.alert?.title)).toEqual(titles);
  });

  it('forgets the session on reset', async () => {
    const live = service();
    await live.connect(await login());
    await authenticated(live);
    live.reset();
    expect(live.lastSeq).toBeNull();
    expect(live.recent()).toEqual([]);
    expect(live.getState()).toMatchObject({ status: 'idle', isConnected: false, user: null, generation: 1 });
  });
});
