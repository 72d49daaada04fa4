// Load generator for bench/bench_ws_fanout.py: COUNT socket.io clients on namespace /ws that
// record when each `system_alert` arrives. Commands on stdin, one JSON line per answer on stdout:
//   (start)      -> {"type":"ready","sockets":N}    once every socket is connected (and authenticated)
//   status       -> {"type":"status","received":R}
//   report E     -> {"type":"report","recv":[[t,...] per event index],"lost":L,"duplicates":D,...}
// As a real client is told to (README "Live API in short"): a client whose connection ends
// without its asking (a `slow_consumer` error, a ping timeout) reconnects at once and, where the
// server authenticates (Conveyor), sends the last `seq` it saw as `lastSeq` to get what it missed;
// `lost` counts the deliveries still missing at the report, after every resume.
// Env: URL (http://127.0.0.1:PORT), COUNT, TOKEN (sent in the CONNECT auth; wait for `authenticated`),
//      SUBSCRIBE (JSON filter sent with the token, e.g. {"eventTypes":["system_alert"]}),
//      MAX_EVENTS, BATCH (connections opened at once), STALL and DROP (below).
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';

const url = process.env.URL;
const count = Number(process.env.COUNT ?? 100);
const token = process.env.TOKEN || null;
const subscribe = process.env.SUBSCRIBE ? JSON.parse(process.env.SUBSCRIBE) : undefined;
const maxEvents = Number(process.env.MAX_EVENTS ?? 10000);
const batch = Number(process.env.BATCH ?? 50);

const now = () => performance.timeOrigin + performance.now();
const recv = Array.from({ length: maxEvents }, () => []);
const clients = [];
let received = 0;
let disconnects = 0;
let resumes = 0;
let slowConsumerNotices = 0;
const disconnectReasons = {};
let stopping = false;
const RESUME_ATTEMPTS = 20;
const RESUME_RETRY_MS = 500;
// STALL=N:MS (a check of the resume path): the first N clients stop reading their TCP socket for
// MS ms after their first event, as a client on a stalled network would.
const [stallCount, stallMs] = (process.env.STALL ?? '0:0').split(':').map(Number);
// DROP=N:E (a reconnect storm): when event E arrives, the first N clients of each process lose
// their connection at once (the TCP socket destroyed, as a network failure would) and resume.
const [dropCount, dropAt] = (process.env.DROP ?? '0:-1').split(':').map(Number);

// One logical client: its receipts and last seq outlive the connections it reconnects with.
function open(index) {
  const client = {
    index, seen: new Uint16Array(maxEvents), seq: null, socket: null, stalled: false, dropped: false,
    resumes: 0, authenticatedAt: null, lastEventAt: null,
  };
  clients.push(client);
  return connect(client);
}

// Clients between losing their connection and being authenticated again: the benchmark waits
// for them before it counts what was lost.
let reconnecting = 0;

function resume(client, attempt) {
  if (attempt === 1) reconnecting += 1;
  connect(client).then(() => { reconnecting -= 1; }, (error) => {
    if (attempt >= RESUME_ATTEMPTS) {
      reconnecting -= 1;
      process.stderr.write(`resume of ${client.index} failed: ${error.message}\n`);
      return;
    }
    client.socket.removeAllListeners();
    client.socket.close();
    setTimeout(() => resume(client, attempt + 1), RESUME_RETRY_MS);
  });
}

function stall(client, socket) {
  client.stalled = true;
  const tcp = socket.io.engine?.transport?.ws?._socket;
  tcp?.pause();
  setTimeout(() => tcp?.resume(), stallMs);
}

function connect(client) {
  const auth = token ? { token, subscribe } : undefined;
  if (auth && client.seq !== null) auth.lastSeq = client.seq;
  const socket = io(`${url}/ws`, { transports: ['websocket'], forceNew: true, reconnection: false, auth });
  client.socket = socket;
  socket.on('system_alert', (event) => {
    const at = now();
    client.seq = event.seq;
    client.lastEventAt = at;
    if (client.index < stallCount && !client.stalled) stall(client, socket);
    const n = Number(event.data.alert.title.slice('bench-'.length));
    if (n === dropAt && client.index < dropCount && !client.dropped) {
      client.dropped = true;
      setImmediate(() => socket.io.engine?.transport?.ws?._socket?.destroy());
    }
    if (n >= 0 && n < maxEvents) {
      client.seen[n] += 1;
      recv[n].push(at);
      received += 1;
    }
  });
  socket.on('authenticated', (welcome) => {
    client.authenticatedAt = now();
    // Before any event, resume from where the server was when we joined (as the dashboard does).
    if (client.seq === null && typeof welcome.lastSeq === 'number') client.seq = welcome.lastSeq;
  });
  socket.on('error', (error) => {
    if (error?.code === 'slow_consumer') slowConsumerNotices += 1;
  });
  socket.on('disconnect', (reason) => {
    disconnects += 1;
    disconnectReasons[reason] = (disconnectReasons[reason] ?? 0) + 1;
    if (stopping || socket !== client.socket) return;
    socket.removeAllListeners();
    resumes += 1;
    client.resumes += 1;
    resume(client, 1);
  });
  return new Promise((resolve, reject) => {
    socket.on('connect_error', (error) => reject(new Error(`socket ${client.index}: ${error.message}`)));
    socket.on('auth_error', (error) => reject(new Error(`socket ${client.index}: ${JSON.stringify(error)}`)));
    socket.on(token ? 'authenticated' : 'connect', () => resolve());
  });
}

function report(events) {
  let lost = 0;
  let duplicates = 0;
  const lostByEvent = {};
  const lostClients = []; // the first few clients that miss deliveries, to tell why
  for (const client of clients) {
    const { seen } = client;
    const missing = [];
    for (let n = 0; n < events; n += 1) {
      if (seen[n] === 0) {
        lost += 1;
        lostByEvent[n] = (lostByEvent[n] ?? 0) + 1;
        missing.push(n);
      }
      if (seen[n] > 1) duplicates += seen[n] - 1;
    }
    if (missing.length && lostClients.length < 20) {
      const { index, seq, resumes: clientResumes, authenticatedAt, lastEventAt } = client;
      const connected = client.socket?.connected ?? false;
      lostClients.push({
        index, seq, resumes: clientResumes, connected, authenticatedAt, lastEventAt,
        firstMissing: missing[0], lastMissing: missing[missing.length - 1], missing: missing.length,
      });
    }
  }
  const times = recv.slice(0, events).map((list) => list.map((t) => Math.round(t * 1000) / 1000));
  return {
    type: 'report',
    sockets: clients.length,
    received,
    lost,
    lostByEvent,
    lostClients,
    duplicates,
    disconnects,
    disconnectReasons,
    resumes,
    slowConsumerNotices,
    recv: times,
  };
}

function answer(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

for (let start = 0; start < count; start += batch) {
  const opening = [];
  for (let i = start; i < Math.min(count, start + batch); i += 1) opening.push(open(i));
  await Promise.all(opening);
}
answer({ type: 'ready', sockets: clients.length });

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, argument] = line.trim().split(/\s+/);
  if (command === 'status') answer({ type: 'status', received, disconnects, resumes, reconnecting });
  if (command === 'report') answer(report(Number(argument)));
  if (command === 'exit') {
    stopping = true;
    for (const { socket } of clients) socket.close();
    process.exit(0);
  }
});
