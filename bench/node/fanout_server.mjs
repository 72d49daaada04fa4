// The Node.js reference: a socket.io server that emits every POST /emit body to all sockets on
// namespace /ws as a `system_alert` envelope shaped like Conveyor's. No auth, no persistence.
// Usage: node fanout_server.mjs PORT [--compression]
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';

const port = Number(process.argv[2] ?? 8100);
const compression = process.argv.includes('--compression');
let seq = 0;

const http = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/healthz') {
    response.end('{"status":"ok"}');
    return;
  }
  if (request.method !== 'POST' || request.url !== '/emit') {
    response.writeHead(404).end();
    return;
  }
  let body = '';
  request.on('data', (chunk) => { body += chunk; });
  request.on('end', () => {
    const alert = JSON.parse(body);
    const alertId = randomUUID();
    seq += 1;
    namespace.emit('system_alert', {
      id: randomUUID(),
      seq,
      event_type: 'system_alert',
      category: 'SYSTEM',
      priority: 'LOW',
      timestamp: new Date().toISOString(),
      project_id: null,
      data: {
        alertId,
        alert: { alertId, ...alert, status: 'open', createdAt: new Date().toISOString(), acknowledgedAt: null, resolvedAt: null },
      },
    });
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ alertId, seq }));
  });
});

const io = new Server(http, { transports: ['websocket'], perMessageDeflate: compression ? { threshold: 0 } : false });
const namespace = io.of('/ws');
http.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
