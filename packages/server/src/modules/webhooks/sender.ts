// One HTTP POST of a webhook, through keep-alive agents whose every new connection goes through
// the net guard (lib/net-guard.ts): a literal address is checked before the request, a name on
// each resolution, so an endpoint that resolves to a private or metadata address (even after
// being saved, by DNS rebinding) is refused without a connection. Redirects are never followed.
// Only a short snippet of an answer is kept, and only from destinations the guard let through.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { BlockedAddressError, type NetGuard } from '../../lib/net-guard.ts';

export type SendResult = { statusCode: number | null; error: string | null; responseBody: string | null; durationMs: number };

/** Characters of an answer kept in the delivery log. */
export const SNIPPET_CHARS = 256;
/** An answer longer than this is cut off (the connection is dropped rather than drained). */
const DRAIN_LIMIT = 64 * 1024;

export type Sender = {
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
  close(): void;
};

export function createSender(opts: { guard: NetGuard; timeoutMs: number; maxSockets?: number }): Sender {
  const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 64, maxFreeSockets: 16, scheduling: 'lifo' as const };
  const agents = { 'http:': new http.Agent(agentOpts), 'https:': new https.Agent(agentOpts) };

  function send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const t0 = performance.now();
    const done = (r: Omit<SendResult, 'durationMs'>): SendResult => ({ ...r, durationMs: Math.round(performance.now() - t0) });
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return Promise.resolve(done({ statusCode: null, error: 'invalid URL', responseBody: null }));
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.resolve(done({ statusCode: null, error: `unsupported scheme ${u.protocol}`, responseBody: null }));
    const hostname = u.hostname.replace(/^\[|\]$/g, '');
    // Node skips `lookup` for IP literals: those are checked here (the URL parser has already
    // turned spellings such as 127.1 or 2130706433 into the canonical address).
    const early = opts.guard.refusal(hostname);
    if (early) return Promise.resolve(done({ statusCode: null, error: `refused: ${new BlockedAddressError(early).message}`, responseBody: null }));

    return new Promise((resolve) => {
      let settled = false;
      const finish = (r: Omit<SendResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        resolve(done(r));
      };
      const req = (u.protocol === 'https:' ? https : http).request(
        {
          protocol: u.protocol,
          hostname,
          port: u.port || undefined,
          path: `${u.pathname}${u.search}`,
          method: 'POST',
          agent: u.protocol === 'https:' ? agents['https:'] : agents['http:'],
          lookup: opts.guard.lookup,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          signal: AbortSignal.timeout(opts.timeoutMs),
          ...(u.protocol === 'https:' && !net.isIP(hostname) ? { servername: hostname } : {}),
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let snippet = '';
          let seen = 0;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (snippet.length < SNIPPET_CHARS) snippet += chunk.slice(0, SNIPPET_CHARS - snippet.length);
            seen += chunk.length;
            if (seen > DRAIN_LIMIT) res.destroy();
          });
          const settle = () => {
            const redirect = status >= 300 && status < 400;
            finish({ statusCode: status, error: redirect ? `HTTP ${status}: redirects are not followed` : status < 200 || status >= 300 ? `HTTP ${status}` : null, responseBody: snippet });
          };
          res.on('end', settle);
          res.on('close', settle);
          res.on('error', settle);
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err instanceof BlockedAddressError) return finish({ statusCode: null, error: `refused: ${err.message}`, responseBody: null });
        if (err.name === 'AbortError' || err.name === 'TimeoutError') return finish({ statusCode: null, error: `timed out after ${opts.timeoutMs} ms`, responseBody: null });
        finish({ statusCode: null, error: `${err.code ?? err.name}: ${err.message}`.slice(0, 500), responseBody: null });
      });
      req.end(body);
    });
  }

  return {
    send,
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  };
}
