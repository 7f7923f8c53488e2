// The question a feature restricted to a segment asks ("may this user take part?"). The segments
// module answers it; app.ts wires it in, so features never import segments (which reads them).
import type { Ctx } from '../context.ts';

export type SegmentGate = {
  /** Does the segment exist in the app (checked when an operator restricts a feature to it)? */
  exists(ctx: Ctx, appId: string, segmentId: string): Promise<boolean>;
  /** Is the user in the segment now? */
  isMember(ctx: Ctx, appId: string, segmentId: string, userId: string): Promise<boolean>;
};
