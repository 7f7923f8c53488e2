// The bare WebSocket baseline: a `ws` server with no auth, no database and no hub. POST /broadcast
// sends its body to every connected client. Run as its own process by bench/scenarios/messaging.ts;
// prints its port on stdout.
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const clients = new Set<WebSocket>();
const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/broadcast') {
    res.writeHead(404).end();
    return;
  }
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    for (const c of clients) c.send(body);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ sent: clients.size }));
  });
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws) => {
  clients.add(ws);
  ws.on('close', () => clients.delete(ws));
  ws.send(JSON.stringify({ type: 'hello' }));
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
});
process.on('SIGTERM', () => {
  for (const c of clients) c.terminate();
  server.close(() => process.exit(0));
});
