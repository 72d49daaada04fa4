// Load generator for bench/bench_ws_fanout.py: COUNT socket.io clients on namespace /ws that
// record when each `system_alert` arrives. Commands on stdin, one JSON line per answer on stdout:
//   (start)      -> {"type":"ready","sockets":N}    once every socket is connected (and authenticated)
//   status       -> {"type":"status","received":R}
//   report E     -> {"type":"report","recv":[[t,...] per event index],"lost":L,"duplicates":D,...}
// Env: URL (http://127.0.0.1:PORT), COUNT, TOKEN (sent in the CONNECT auth; wait for `authenticated`),
//      SUBSCRIBE (JSON filter sent with the token, e.g. {"eventTypes":["system_alert"]}),
//      MAX_EVENTS, BATCH (connections opened at once).
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
const sockets = [];
let received = 0;
let disconnects = 0;

function open(index) {
  const seen = new Uint16Array(maxEvents);
  const socket = io(`${url}/ws`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: token ? { token, subscribe } : undefined,
  });
  socket.on('system_alert', (event) => {
    const at = now();
    const n = Number(event.data.alert.title.slice('bench-'.length));
    if (n >= 0 && n < maxEvents) {
      seen[n] += 1;
      recv[n].push(at);
      received += 1;
    }
  });
  socket.on('disconnect', () => { disconnects += 1; });
  sockets.push({ socket, seen });
  return new Promise((resolve, reject) => {
    socket.on('connect_error', (error) => reject(new Error(`socket ${index}: ${error.message}`)));
    socket.on('auth_error', (error) => reject(new Error(`socket ${index}: ${JSON.stringify(error)}`)));
    socket.on(token ? 'authenticated' : 'connect', () => resolve());
  });
}

function report(events) {
  let lost = 0;
  let duplicates = 0;
  for (const { seen } of sockets) {
    for (let n = 0; n < events; n += 1) {
      if (seen[n] === 0) lost += 1;
      if (seen[n] > 1) duplicates += seen[n] - 1;
    }
  }
  const times = recv.slice(0, events).map((list) => list.map((t) => Math.round(t * 1000) / 1000));
  return { type: 'report', sockets: sockets.length, received, lost, duplicates, disconnects, recv: times };
}

function answer(message) {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

for (let start = 0; start < count; start += batch) {
  const opening = [];
  for (let i = start; i < Math.min(count, start + batch); i += 1) opening.push(open(i));
  await Promise.all(opening);
}
answer({ type: 'ready', sockets: sockets.length });

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, argument] = line.trim().split(/\s+/);
  if (command === 'status') answer({ type: 'status', received, disconnects });
  if (command === 'report') answer(report(Number(argument)));
  if (command === 'exit') {
    for (const { socket } of sockets) socket.close();
    process.exit(0);
  }
});
