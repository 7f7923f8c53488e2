// The email channel: plain-text mail over SMTP to the address in the user's `email` trait, with a
// signed one-click unsubscribe link (List-Unsubscribe, RFC 8058) and a tracked link to the message.
import type { Db } from '../../../db/index.ts';
import type { SecretBox } from '../../../lib/secrets.ts';
import { DeliveryFailure, type ChannelSender } from '../service/dispatch.ts';
import type { Links } from '../service/links.ts';
import { languageOf } from '../rules/template.ts';
import { isAddress, sendMail, SmtpError, type SmtpOptions } from './smtp.ts';

const FOOTER = {
  zh: (url: string) => `不想再收到此类邮件？退订：${url}`,
  en: (url: string) => `Don't want these emails? Unsubscribe: ${url}`,
};

export function emailSender(deps: { db: Db; links: Links; smtp: SmtpOptions; secrets: SecretBox }): ChannelSender {
  return async ({ delivery, message, recipient, settings }) => {
    if (!settings.email) throw new DeliveryFailure('email is not configured for this app (PATCH /v1/messaging/settings)', false);
    const to = recipient.traits.email;
    if (typeof to !== 'string' || !isAddress(to)) return { suppressed: 'the user has no valid email trait' };
    const lang = languageOf(recipient.locale, settings.defaultLocale);
    const unsubscribe = await deps.links.unsubscribeUrl(deps.db, { appId: message.appId, userId: message.userId, category: message.category, channel: 'email' });
    const link = message.url ? await deps.links.clickUrl(deps.db, { appId: message.appId, messageId: message.id }) : null;
    const text = [message.body, ...(link ? ['', link] : []), '', '--', FOOTER[lang](unsubscribe), ''].join('\n');
    try {
      await sendMail(
        deps.secrets.open(settings.email.smtpUrl),
        {
          from: settings.email.from,
          to,
          subject: message.title,
          text,
          messageId: `dlv_${delivery.id}.${message.appId}@canyu`,
          date: new Date(),
          headers: { 'List-Unsubscribe': `<${unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click', 'X-Canyu-Delivery': `dlv_${delivery.id}` },
        },
        deps.smtp,
      );
    } catch (err) {
      if (err instanceof SmtpError) throw new DeliveryFailure(err.message, err.temporary);
      throw err;
    }
    return 'sent';
  };
}
