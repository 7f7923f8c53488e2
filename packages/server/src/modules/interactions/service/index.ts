// createInteractions: wires the parts of the module. Each part is a plain object of use cases
// taking (ctx, …); they share the dependencies and call each other only through what is passed in.
import { createComments } from './comments.ts';
import { createDiscovery } from './discovery.ts';
import { createErasure } from './erase.ts';
import { createModeration } from './moderation.ts';
import { createReactions } from './reactions.ts';
import { createRecommendations } from './recommend.ts';
import { createSlots } from './slots.ts';
import { createSettings } from './settings.ts';
import { createSubjects } from './subjects.ts';
import { shared, type InteractionsDeps } from './context.ts';

export type { InteractionsDeps };

export function createInteractions(deps: InteractionsDeps) {
  const d = shared(deps);
  // Settings changes to hot weights rescore through discovery, which itself reads settings.
  let rescore: Parameters<typeof createSettings>[1]['onHotChanged'] = async () => {};
  const settings = createSettings(d, { onHotChanged: (ctx, appId, s) => rescore(ctx, appId, s) });
  const subjects = createSubjects(d, settings);
  const discovery = createDiscovery(d, settings, subjects);
  rescore = discovery.rescore;
  const reactions = createReactions(d, settings, subjects, discovery.touch);
  const comments = createComments(d, settings, subjects, discovery.touch);
  const moderation = createModeration(d, settings, comments);
  const slots = createSlots(d, subjects);
  const recommendations = createRecommendations(d, settings, subjects);

  // Erasing a user erases their interactions and corrects every counter they touched.
  const erase = createErasure(d, settings, comments, discovery.touch);
  deps.bus.on('interactions.erase_user', ['user.deleted'], (ctx, { appId, userId }) => erase(ctx, appId, userId));

  return {
    settings,
    subjects,
    reactions,
    comments,
    discovery,
    slots,
    recommendations,
    moderation,
    erase,
    /** Stops background refreshes and waits for a running one. */
    close: async () => {
      await reactions.idle();
      await discovery.close();
    },
  };
}

export type Interactions = ReturnType<typeof createInteractions>;
