import { z } from 'zod';
import { cleanText, jsonObject } from '../../http/json.ts';
import { externalId } from '../../http/route.ts';

export const RoomBody = z.strictObject({
  title: cleanText(1, 200),
  chat: z
    .strictObject({ max: z.number().int().min(1).max(1000), window_seconds: z.number().int().min(1).max(3600) })
    .default({ max: 5, window_seconds: 10 })
    .describe('Per-user send rate: at most max messages per window_seconds'),
});
export type RoomInput = z.infer<typeof RoomBody>;

export const RoomParams = z.strictObject({ roomId: z.string().min(1).max(64) });

export const ChatBody = z.strictObject({
  text: cleanText(1, 200),
  user_id: externalId('user_id').optional().describe('With a secret key: who speaks (a user token speaks for its own user)'),
});

export const LikeBody = z.strictObject({ count: z.number().int().min(1).max(100).default(1).describe('Taps since the last call'), user_id: externalId('user_id').optional() });

export const InteractionBody = z.strictObject({
  kind: z.enum(['poll', 'lottery']),
  ref: z.string().min(1).max(255).describe('The poll or lottery id in the module that owns it'),
  title: cleanText(1, 200).optional(),
  data: jsonObject({ maxBytes: 2048, what: 'data' }).optional(),
});
export type InteractionInput = z.infer<typeof InteractionBody>;
