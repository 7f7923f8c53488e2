// A webhook receiver on 127.0.0.1 for tests: records every request and answers as told.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseAllowList } from '../lib/net-guard.ts';

/**
 * Test-app config that lets webhooks reach receivers on 127.0.0.1 (a default deployment refuses
 * loopback destinations): `startTestApp({ config: allowReceivers })`.
 */
export const allowReceivers = { webhookAllowPrivate: parseAllowList('127.0.0.1') };

export type Received = { headers: http.IncomingHttpHeaders; body: string; at: number };

export type Receiver = {
  url: string;
  received: Received[];
  /** Status codes to answer in turn; the last one repeats. Default 200. */
  answer(codes: number[]): void;
  /** Never answer (to test timeouts) until `answer` is called again. */
  hang(): void;
  waitFor(n: number, ms?: number): Promise<boolean>;
  close(): Promise<void>;
};

export async function startReceiver(path = '/hooks'): Promise<Receiver> {
  const received: Received[] = [];
  let codes = [200];
  let hanging = false;
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      if (hanging) {
        open.add(res);
        return;
      }
      const code = codes.length > 1 ? codes.shift()! : codes[0]!;
      res.writeHead(code, { 'content-type': 'text/plain' }).end(code < 300 ? 'ok' : `no: ${code}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    answer(c) {
      codes = [...c];
      hanging = false;
    },
    hang() {
      hanging = true;
    },
    async waitFor(n, ms = 20_000) {
      const until = Date.now() + ms;
      while (received.length < n) {
        if (Date.now() > until) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    },
    async close() {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
