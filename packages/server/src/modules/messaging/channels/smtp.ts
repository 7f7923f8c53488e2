// SMTP through nodemailer: the relay URL of the app's settings, checked by the net guard (the
// relay must not be a local or private address unless the deployment allows it, checked on the
// resolved address at connection time), TLS required by default (smtps://, or STARTTLS — a relay
// that offers neither gets neither credentials nor mail), and every header built by nodemailer's
// address and header encoders, so no value can inject a header.
import { BlockedAddressError, type NetGuard } from '../../../lib/net-guard.ts';

export type SmtpOptions = { guard: NetGuard; requireTls: boolean; timeoutMs: number };

export type SmtpRelay = { host: string; port: number; secure: boolean; user: string | undefined; pass: string | undefined };

export class SmtpError extends Error {
  constructor(
    message: string,
    /** Worth retrying later: a 4xx reply, or trouble reaching the relay. */
    readonly temporary: boolean,
  ) {
    super(message);
  }
}

/** `smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465` (implicit TLS). */
export function parseSmtpUrl(url: string): SmtpRelay {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  if (u.protocol !== 'smtp:' && !secure) throw new SmtpError('SMTP URL must start with smtp:// or smtps://', false);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    pass: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

export const isAddress = (s: string) => /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]+$/.test(s) && s.length <= 254;

/** `Name <addr@host>` or `addr@host` as nodemailer's address object: the name is encoded and quoted by nodemailer, never written raw. */
export function mailbox(s: string): { name: string; address: string } {
  const m = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(s);
  const name = (m ? m[1]! : '').replace(/[\r\n\0]+/g, ' ').replace(/^"(.*)"$/, '$1');
  return { name, address: (m ? m[2]! : s).trim() };
}

export type Mail = { from: string; to: string; subject: string; text: string; messageId: string; date: Date; headers: Record<string, string> };

export async function sendMail(smtpUrl: string, mail: Mail, opts: SmtpOptions): Promise<void> {
  const relay = parseSmtpUrl(smtpUrl);
  let address: string;
  try {
    address = (await opts.guard.resolve(relay.host)).address;
  } catch (err) {
    if (err instanceof BlockedAddressError) throw new SmtpError(`SMTP relay refused: ${err.message}`, false);
    throw new SmtpError(`could not resolve the SMTP relay ${relay.host}: ${(err as Error).message}`, true);
  }
  // Loaded on the first mail, not at start-up (most servers send none).
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    // The checked address, so nodemailer connects where the guard looked; the name for TLS.
    host: address,
    port: relay.port,
    secure: relay.secure,
    requireTLS: opts.requireTls && !relay.secure,
    tls: { servername: relay.host },
    name: 'canyu.local',
    ...(relay.user !== undefined ? { auth: { user: relay.user, pass: relay.pass ?? '' } } : {}),
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    await transport.sendMail({
      from: mailbox(mail.from),
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      textEncoding: 'base64',
      messageId: `<${mail.messageId}>`,
      date: mail.date,
      headers: Object.fromEntries(Object.entries(mail.headers).map(([k, v]) => [k, v.replace(/[\r\n]+/g, ' ')])),
    });
  } catch (err) {
    const e = err as Error & { responseCode?: number; code?: string };
    const code = e.responseCode;
    const temporary = code === undefined ? e.code !== 'ETLS' && e.code !== 'EAUTH' && e.code !== 'EENVELOPE' && e.code !== 'EMESSAGE' : code >= 400 && code < 500;
    throw new SmtpError(`${e.code ? `${e.code}: ` : ''}${e.message}`.slice(0, 500), temporary);
  } finally {
    transport.close();
  }
}
