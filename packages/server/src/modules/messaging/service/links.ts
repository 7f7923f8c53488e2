// Login-free links signed with the app's messaging secret: unsubscribe (per category and channel)
// and click tracking (redirects to the message's URL and records the click).
import type { Db } from '../../../db/index.ts';
import { AppError } from '../../../http/errors.ts';
import { peekToken, signToken, verifyToken } from '../rules/signing.ts';
import * as settingsStore from '../store/settings.ts';

export type UnsubscribeClaim = { appId: string; userId: string; category: string; channel: string };
export type ClickClaim = { appId: string; messageId: number };

export function createLinks(deps: { db: Db; publicUrl: string }) {
  const base = deps.publicUrl.replace(/\/+$/, '');

  async function verified(token: string): Promise<Record<string, unknown>> {
    const p = peekToken(token);
    const invalid = new AppError('messaging.invalid_link', 'This link is not valid (it may have been altered or cut off)');
    if (!p || typeof p.a !== 'string') throw invalid;
    const secret = await settingsStore.findSettingsSecret(deps.db, p.a);
    if (!secret || !verifyToken(token, secret)) throw invalid;
    return p;
  }

  return {
    async unsubscribeToken(db: Db, c: UnsubscribeClaim): Promise<string> {
      const s = await settingsStore.getSettings(db, c.appId);
      return signToken({ k: 'u', a: c.appId, u: c.userId, c: c.category, ch: c.channel }, s.signingSecret);
    },
    async unsubscribeUrl(db: Db, c: UnsubscribeClaim): Promise<string> {
      return `${base}/v1/messaging/unsubscribe?token=${await this.unsubscribeToken(db, c)}`;
    },
    async clickUrl(db: Db, c: ClickClaim): Promise<string> {
      const s = await settingsStore.getSettings(db, c.appId);
      return `${base}/v1/messaging/click?token=${signToken({ k: 'c', a: c.appId, m: c.messageId }, s.signingSecret)}`;
    },
    async readUnsubscribe(token: string): Promise<UnsubscribeClaim> {
      const p = await verified(token);
      if (p.k !== 'u' || typeof p.u !== 'string' || typeof p.c !== 'string' || typeof p.ch !== 'string') throw new AppError('messaging.invalid_link', 'This is not an unsubscribe link');
      return { appId: p.a as string, userId: p.u, category: p.c, channel: p.ch };
    },
    async readClick(token: string): Promise<ClickClaim> {
      const p = await verified(token);
      if (p.k !== 'c' || typeof p.m !== 'number') throw new AppError('messaging.invalid_link', 'This is not a message link');
      return { appId: p.a as string, messageId: p.m };
    },
  };
}

export type Links = ReturnType<typeof createLinks>;
