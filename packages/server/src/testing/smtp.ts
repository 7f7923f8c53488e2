// A local SMTP catcher for tests: listens on 127.0.0.1, speaks enough SMTP for a client to deliver
// (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT), and keeps every accepted message. It can be told to
// answer the next messages with a temporary (4xx) or permanent (5xx) failure.
import net from 'node:net';

export type CaughtMail = {
  from: string;
  to: string[];
  auth: string | null;
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
};

function decodeWords(v: string): string {
  // Whitespace between adjacent encoded-words is not part of the text (RFC 2047 §6.2).
  return v.replace(/(\?=)\s+(=\?)/g, '$1$2').replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
}

function parse(raw: string): Pick<CaughtMail, 'headers' | 'subject' | 'text'> {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const body = raw.slice(split + 4);
  const text = /base64/i.test(headers['content-transfer-encoding'] ?? '') ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  return { headers, subject: decodeWords(headers.subject ?? ''), text };
}

export async function startSmtpCatcher() {
  const mails: CaughtMail[] = [];
  const failures: { code: number; text: string }[] = [];
  let connections = 0;
  /** Every command verb received, in order (AUTH included, whatever its outcome). */
  const commands: string[] = [];
  const server = net.createServer((socket) => {
    connections++;
    socket.setEncoding('utf8');
    let buf = '';
    let inData = false;
    let from = '';
    let to: string[] = [];
    let auth: string | null = null;
    const reply = (s: string) => socket.write(`${s}\r\n`);
    reply('220 catcher ESMTP');
    socket.on('data', (d: string) => {
      buf += d;
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const raw = buf.slice(0, end + 2).replace(/^\.\./gm, '.');
          buf = buf.slice(end + 5);
          inData = false;
          const fail = failures.shift();
          if (fail) reply(`${fail.code} ${fail.text}`);
          else {
            mails.push({ from, to, auth, raw, ...parse(raw) });
            reply('250 2.0.0 queued');
          }
          from = '';
          to = [];
          continue;
        }
        const i = buf.indexOf('\r\n');
        if (i < 0) return;
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const cmd = line.slice(0, 4).toUpperCase();
        commands.push(line.split(' ')[0]!.toUpperCase());
        if (cmd === 'EHLO' || cmd === 'HELO') reply('250-catcher\r\n250-AUTH PLAIN\r\n250 8BITMIME');
        else if (cmd === 'AUTH') {
          auth = Buffer.from(line.split(' ')[2] ?? '', 'base64').toString('utf8').split('\u0000').slice(1).join(':');
          reply('235 2.7.0 ok');
        } else if (cmd === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          reply('250 ok');
        } else if (cmd === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 ok');
        } else if (cmd === 'DATA') {
          inData = true;
          reply('354 go ahead');
        } else if (cmd === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('502 unknown');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (user = 'mailer', pass = 's3cret') => `smtp://${user}:${pass}@127.0.0.1:${port}`,
    mails,
    commands,
    get connections() {
      return connections;
    },
    /** The next n messages are answered with this reply instead of being accepted. */
    failNext(n: number, code = 451, text = '4.3.0 try again later') {
      for (let i = 0; i < n; i++) failures.push({ code, text });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
