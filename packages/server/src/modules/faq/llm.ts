// The one outbound call of this module: a chat completion from an OpenAI-compatible endpoint the
// app configured. Every connection goes through the SSRF guard (lib/net-guard.ts): literal
// addresses are checked before the request, names at each resolution. Redirects are not followed,
// answers are read up to a limit, and the whole call is bounded by the app's timeout.
import http from 'node:http';
import https from 'node:https';
import { BlockedAddressError, type NetGuard } from '../../lib/net-guard.ts';
import type { ChatMessage } from './rules/prompt.ts';

const MAX_REPLY_BYTES = 256 * 1024;

export type Chat = (req: { url: string; apiKey: string | null; model: string; messages: ChatMessage[]; timeoutMs: number }) => Promise<string>;

export function createChat(guard: NetGuard): Chat {
  return ({ url, apiKey, model, messages, timeoutMs }) =>
    new Promise<string>((resolve, reject) => {
      const u = new URL(url);
      const hostname = u.hostname.replace(/^\[|\]$/g, '');
      const early = guard.refusal(hostname);
      if (early) return reject(new BlockedAddressError(early));
      const body = JSON.stringify({ model, messages, temperature: 0.2, stream: false });
      const req = (u.protocol === 'https:' ? https : http).request(
        {
          protocol: u.protocol,
          hostname,
          port: u.port || undefined,
          path: `${u.pathname}${u.search}`,
          method: 'POST',
          lookup: guard.lookup,
          signal: AbortSignal.timeout(timeoutMs),
          headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            res.resume();
            return reject(new Error(`HTTP ${status}`));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_REPLY_BYTES) res.destroy(new Error('reply too large'));
            else chunks.push(c);
          });
          res.on('error', reject);
          res.on('close', () => reject(new Error('connection closed before the reply ended')));
          res.on('end', () => {
            try {
              const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { choices?: { message?: { content?: unknown } }[] };
              const content = json.choices?.[0]?.message?.content;
              if (typeof content !== 'string' || !content.trim()) return reject(new Error('no message content in the reply'));
              resolve(content.trim());
            } catch (err) {
              reject(err as Error);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
