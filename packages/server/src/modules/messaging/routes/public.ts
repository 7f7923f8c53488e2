// Links that work without signing in (the signed token is the credential): unsubscribe (GET shows a confirmation page, POST — including
// RFC 8058 one-click from mail clients — applies it) and tracked clicks (302 to the message's URL).
import { z } from 'zod';
import { errors, type Api } from '../../../http/route.ts';
import { prefersChinese } from '../../../http/messages.ts';
import type { Messaging } from '../service/index.ts';

const Token = z.strictObject({ token: z.string().min(10).max(2048) });

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}button{font-size:1rem;padding:.5rem 1.25rem}</style></head><body>${body}</body></html>`;
}

export function publicRoutes(api: Api, deps: { messaging: Messaging }): void {
  const { messaging: m } = deps;
  const tags = ['Messaging links'];

  api.get(
    '/v1/messaging/unsubscribe',
    {
      config: { auth: { public: true } },
      schema: { tags, summary: 'The page behind an unsubscribe link: asks to confirm (nothing changes on GET)', querystring: Token, security: [{ signedLink: [] }], response: { 200: z.string().describe('text/html'), ...errors(400) } },
    },
    async (req, reply) => {
      const c = await m.links.readUnsubscribe(req.query.token);
      const what = c.channel === '*' ? '' : ` (${c.channel})`;
      const html = page(
        '退订 Unsubscribe',
        `<h1>退订 · Unsubscribe</h1><p>不再接收此类消息${esc(what)}？</p><p>Stop receiving these messages${esc(what)}?</p>
<form method="post" action="?token=${esc(encodeURIComponent(req.query.token))}"><button type="submit">确认退订 · Unsubscribe</button></form>`,
      );
      return reply.type('text/html; charset=utf-8').serializer((x) => x as string).send(html);
    },
  );

  // One-click unsubscribe posts a form body ("List-Unsubscribe=One-Click"): accept it here only.
  void api.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) => done(null, null));
    (scope as unknown as Api).post(
      '/v1/messaging/unsubscribe',
      {
        config: { auth: { public: true }, audit: { exempt: "The user's own opt-out, through a signed link" } },
        schema: {
          tags,
          summary: 'Unsubscribe (one-click, RFC 8058): switches this category on this channel off for the user',
          querystring: Token,
          headers: z.object({ 'idempotency-key': z.string().max(255).optional().describe('Accepted; unsubscribing is idempotent anyway') }),
          security: [{ signedLink: [] }],
          response: { 200: z.object({ unsubscribed: z.literal(true), category: z.string(), channel: z.string() }), ...errors(400) },
        },
      },
      async (req, reply) => {
        const c = await m.unsubscribe(req.query.token);
        if (String(req.headers.accept ?? '').includes('text/html')) {
          const zh = prefersChinese(req.headers['accept-language']);
          return reply
            .type('text/html; charset=utf-8')
            .serializer((x) => x as string)
            .send(page('退订 Unsubscribe', zh ? '<h1>已退订</h1><p>你将不再收到此类消息。You have been unsubscribed.</p>' : '<h1>Unsubscribed</h1><p>You will not receive these messages any more. 已退订。</p>') as never);
        }
        return { unsubscribed: true as const, category: c.category, channel: c.channel };
      },
    );
  });

  api.get(
    '/v1/messaging/click',
    {
      config: { auth: { public: true } },
      schema: {
        tags,
        summary: "A tracked link: records the click and redirects (302) to the message's URL",
        description: 'With Accept: application/json the answer is 200 { url } instead of a redirect (apps resolving links themselves).',
        querystring: Token,
        security: [{ signedLink: [] }],
        response: { 200: z.object({ url: z.string() }), 302: z.null().describe('Redirect to the URL'), ...errors(400) },
      },
    },
    async (req, reply) => {
      const url = await m.click(req.query.token);
      if (String(req.headers.accept ?? '').startsWith('application/json')) return { url };
      return reply.redirect(url, 302);
    },
  );
}
