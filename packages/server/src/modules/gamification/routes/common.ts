import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RequestCtx } from '../../../http/route.ts';
import type { Gamification } from '../service/index.ts';
import type { ClientMeta } from '../service/index.ts';

export type RouteDeps = { gamification: Gamification; ctx: RequestCtx };

/** The caller's address and reported device, for limits and abuse flags. */
export function metaOf(req: FastifyRequest): ClientMeta {
  const d = req.headers['x-device-id'];
  return { ip: req.ip, deviceId: typeof d === 'string' && d.length > 0 ? d : undefined };
}

export const RewardOut = z.object({ type: z.string(), amount: z.number() });

export const EntryBrief = z.object({ id: z.string(), type: z.string(), amount: z.number(), balance_after: z.number() }).describe('Ledger entries the call wrote');

export const brief = (e: { id: number; type: string; amount: number; balanceAfter: number }) => ({ id: String(e.id), type: e.type, amount: e.amount, balance_after: e.balanceAfter });
