// A small SMTP client on node:net / node:tls: EHLO, STARTTLS when offered (or smtps:// implicit
// TLS), AUTH PLAIN, one message per connection. Enough for a relay (a provider's SMTP endpoint or
// a local MTA); errors keep the server's reply code so callers can tell temporary (4xx) from
// permanent (5xx) failures.
import net from 'node:net';
import tls from 'node:tls';

export type SmtpConfig = { host: string; port: number; secure: boolean; user?: string | undefined; pass?: string | undefined; timeoutMs: number; name: string };

export class SmtpError extends Error {
  constructor(
    message: string,
    /** The server's reply code, or 0 when the connection itself failed. */
    readonly code: number,
  ) {
    super(message);
  }
  /** Worth retrying later: a 4xx reply, or no reply at all (network trouble). */
  get temporary(): boolean {
    return this.code === 0 || (this.code >= 400 && this.code < 500);
  }
}

export function parseSmtpUrl(url: string, opts: { timeoutMs?: number; name?: string } = {}): SmtpConfig {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  if (u.protocol !== 'smtp:' && !secure) throw new Error('SMTP URL must start with smtp:// or smtps://');
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    pass: u.password ? decodeURIComponent(u.password) : undefined,
    timeoutMs: opts.timeoutMs ?? 15_000,
    name: opts.name ?? 'canyu.local',
  };
}

/** The bare address of `Name <addr@host>` or `addr@host`. */
export function addressOf(mailbox: string): string {
  const m = /<([^<>]+)>\s*$/.exec(mailbox);
  return (m ? m[1]! : mailbox).trim();
}

export const isAddress = (s: string) => /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]+$/.test(s) && s.length <= 254;

type Reply = { code: number; text: string };

class Session {
  private buf = '';
  private waiter: ((r: Reply | Error) => void) | null = null;
  private failure: Error | null = null;
  constructor(
    private socket: net.Socket,
    private timeoutMs: number,
  ) {
    this.attach(socket);
  }

  private attach(s: net.Socket) {
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      this.buf += d;
      this.pump();
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      const w = this.waiter;
      this.waiter = null;
      w?.(err);
    };
    s.on('error', fail);
    s.on('close', () => fail(new SmtpError('connection closed by the SMTP server', 0)));
  }

  private pump() {
    if (!this.waiter) return;
    // A reply is complete at a line "ddd text" (a dash after the code means more lines follow).
    const lines = this.buf.split('\r\n');
    for (let i = 0; i < lines.length - 1; i++) {
      const m = /^(\d{3})([ -])(.*)$/.exec(lines[i]!);
      if (m && m[2] === ' ') {
        const text = lines.slice(0, i + 1).map((l) => l.slice(4)).join('\n');
        this.buf = lines.slice(i + 1).join('\r\n');
        const w = this.waiter;
        this.waiter = null;
        w({ code: Number(m[1]), text });
        return;
      }
    }
  }

  read(): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new SmtpError(`no reply from the SMTP server within ${this.timeoutMs} ms`, 0));
        this.socket.destroy();
      }, this.timeoutMs);
      this.waiter = (r) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      this.pump();
    });
  }

  async command(line: string | null, expect: number[]): Promise<Reply> {
    if (line !== null) this.socket.write(`${line}\r\n`);
    const r = await this.read();
    if (!expect.includes(r.code)) throw new SmtpError(`SMTP ${line === null ? 'greeting' : line.split(' ')[0]} answered ${r.code} ${r.text}`, r.code);
    return r;
  }

  write(data: string) {
    this.socket.write(data);
  }

  upgrade(host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.removeAllListeners('data');
      this.socket.removeAllListeners('close');
      this.socket.removeAllListeners('error');
      const secure = tls.connect({ socket: this.socket, servername: host }, () => resolve());
      secure.once('error', reject);
      this.socket = secure;
      this.buf = '';
      this.attach(secure);
    });
  }

  end() {
    this.socket.end();
  }
}

function connect(cfg: SmtpConfig): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = cfg.secure ? tls.connect({ host: cfg.host, port: cfg.port, servername: cfg.host }) : net.connect({ host: cfg.host, port: cfg.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new SmtpError(`could not connect to ${cfg.host}:${cfg.port} within ${cfg.timeoutMs} ms`, 0));
    }, cfg.timeoutMs);
    s.once(cfg.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(new SmtpError(`could not connect to ${cfg.host}:${cfg.port}: ${err.message}`, 0));
    });
  });
}

/** Sends one message (RFC 5322 text, CRLF line ends) to one recipient. */
export async function sendMail(cfg: SmtpConfig, mail: { from: string; to: string; message: string }): Promise<{ response: string }> {
  const session = new Session(await connect(cfg), cfg.timeoutMs);
  try {
    await session.command(null, [220]);
    let ehlo = await session.command(`EHLO ${cfg.name}`, [250]);
    if (!cfg.secure && /^STARTTLS$/im.test(ehlo.text)) {
      await session.command('STARTTLS', [220]);
      await session.upgrade(cfg.host);
      ehlo = await session.command(`EHLO ${cfg.name}`, [250]);
    }
    if (cfg.user !== undefined) {
      const token = Buffer.from(`\u0000${cfg.user}\u0000${cfg.pass ?? ''}`).toString('base64');
      await session.command(`AUTH PLAIN ${token}`, [235]);
    }
    await session.command(`MAIL FROM:<${addressOf(mail.from)}>`, [250]);
    await session.command(`RCPT TO:<${addressOf(mail.to)}>`, [250, 251]);
    await session.command('DATA', [354]);
    // Dot-stuffing: a line starting with "." gets another one.
    const body = mail.message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    session.write(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
    const done = await session.command(null, [250]);
    await session.command('QUIT', [221]).catch(() => {});
    return { response: done.text };
  } finally {
    session.end();
  }
}

/** RFC 2047 encoded-words for a header value with non-ASCII text, folded to fit line limits. */
export function encodeHeader(value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(clean)) return clean;
  const words: string[] = [];
  let chunk = '';
  for (const ch of clean) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join('\r\n ');
}

export function buildMessage(m: { from: string; to: string; subject: string; text: string; messageId: string; date: Date; headers?: Record<string, string> }): string {
  const body = Buffer.from(m.text.replace(/\r?\n/g, '\r\n')).toString('base64').replace(/.{76}/g, '$&\r\n');
  const headers: [string, string][] = [
    ['From', m.from],
    ['To', m.to],
    ['Subject', encodeHeader(m.subject)],
    ['Date', m.date.toUTCString().replace('GMT', '+0000')],
    ['Message-ID', `<${m.messageId}>`],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Transfer-Encoding', 'base64'],
    ...Object.entries(m.headers ?? {}).map(([k, v]): [string, string] => [k, v.replace(/[\r\n]+/g, ' ')]),
  ];
  return `${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}\r\n`;
}
