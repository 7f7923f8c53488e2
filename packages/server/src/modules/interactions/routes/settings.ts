import { appIdOf } from '../../../http/auth.ts';
import { errors, type Api, type RequestCtx } from '../../../http/route.ts';
import { SettingsPatch, SettingsSchema } from '../types.ts';
import type { Deps } from './common.ts';

const tags = ['Interactions'];
const Out = SettingsSchema.meta({ id: 'InteractionSettings' });

export function settingsRoutes(api: Api, deps: Deps & { ctx: RequestCtx }): void {
  const { interactions: ix, ctx } = deps;

  api.get(
    '/v1/interactions/settings',
    { config: { auth: { secret: true, operator: 'app.read' } }, schema: { tags, summary: "The app's interaction settings (defaults filled in)", response: { 200: Out, ...errors(401, 403) } } },
    async (req) => ix.settings.get(ctx(req), appIdOf(req)),
  );

  api.patch(
    '/v1/interactions/settings',
    {
      config: { auth: { secret: true, operator: 'app.manage' }, audit: 'recorded' },
      schema: {
        tags,
        summary: 'Change interaction settings (audited)',
        description: 'Nested objects merge key by key; arrays, triple.by_kind and featured_rule are replaced whole. Changing hot weights or decay rescores the app\'s hot list and rankings.',
        body: SettingsPatch,
        response: { 200: Out, ...errors(400, 401, 403) },
      },
    },
    async (req) => ix.settings.update(ctx(req), appIdOf(req), req.body),
  );
}
