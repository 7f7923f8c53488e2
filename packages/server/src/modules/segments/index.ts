import type { Module } from '../../module.ts';
import type { Segments } from './service.ts';
import { segmentsRoutes } from './routes.ts';

export { createSegments, type Segments, type SegmentsDeps } from './service.ts';
export { segmentsRoutes } from './routes.ts';
export { RFM_CLASS_NAMES, type RfmClass } from './rules/rfm.ts';

export function segmentsModule(segments: Segments): Module {
  return {
    name: 'segments',
    routes: (api, { ctx }) => segmentsRoutes(api, { segments, ctx }),
    jobs(jobs) {
      // Users also leave a rolling window by doing nothing: every segment is recomputed in full.
      jobs.define('canyu.segments.refresh', async () => {
        await segments.refreshAll();
      });
      jobs.schedule('canyu.segments.refresh', '*/10 * * * *');
      // RFM and core users of every configured app, then the segments that read them.
      jobs.define('canyu.segments.rfm', async () => {
        await segments.rfm.computeAll();
      });
      jobs.schedule('canyu.segments.rfm', '7 * * * *');
    },
    erasure: segments.erasure,
  };
}
