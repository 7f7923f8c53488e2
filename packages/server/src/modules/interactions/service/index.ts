// createInteractions: wires the parts of the module. Each part is a plain object of use cases
// taking (ctx, …); they share the dependencies and call each other only through what is passed in.
import { createComments } from './comments.ts';
import { createDiscovery } from './discovery.ts';
import { createErasure } from './erase.ts';
import { createModeration } from './moderation.ts';
import { createOwned } from './owned.ts';
import { createCountsFeed } from './feed.ts';
import { createReactions } from './reactions.ts';
import { createRecommendations } from './recommend.ts';
import { createSlots } from './slots.ts';
import { createSettings } from './settings.ts';
import { createSubjects } from './subjects.ts';
import { shared, type InteractionsDeps } from './context.ts';
import type { Db } from '../../../db/index.ts';
import type { Erasure } from '../../../erasure.ts';
import * as eraseStore from '../store/erase.ts';

export type { InteractionsDeps };

/** Rows one erasure step deletes (and commits) when an app is deleted. */
const ERASE_BATCH = 5000;

export function createInteractions(deps: InteractionsDeps) {
  const d = shared(deps);
  // Settings changes to hot weights rescore through discovery, which itself reads settings.
  let rescore: Parameters<typeof createSettings>[1]['onHotChanged'] = async () => {};
  const settings = createSettings(d, { onHotChanged: (ctx, appId, s) => rescore(ctx, appId, s) });
  const subjects = createSubjects(d, settings);
  const discovery = createDiscovery(d, settings, subjects);
  rescore = discovery.rescore;
  // A change to subjects' counters: hot scores and rankings refresh soon, subscribers hear the counts.
  const feed = createCountsFeed(d, deps.realtime);
  const changed = (subjectIds: number[]) => {
    discovery.touch();
    feed.changed(subjectIds);
  };
  const reactions = createReactions(d, settings, subjects, changed);
  const comments = createComments(d, settings, subjects, changed);
  const moderation = createModeration(d, settings, comments);
  const owned = createOwned(d, comments, moderation);
  const slots = createSlots(d, subjects);
  const recommendations = createRecommendations(d, settings, subjects);

  // Erasing a user erases their interactions and corrects every counter they touched; a deleted
  // app's rows go in bounded steps, each committed on its own (wired in app.ts).
  const erase = createErasure(d, settings, comments, discovery.touch);
  const erasure = {
    eraseUser: (db: Db, appId: string, userId: string) => erase({ db, actor: { type: 'system', id: null } }, appId, userId),
    async eraseApp(_db: Db, appId: string): Promise<void> {
      await reactions.idle();
      while (await eraseStore.eraseAppStep(deps.db, appId, ERASE_BATCH));
    },
  } satisfies Erasure;

  return {
    settings,
    subjects,
    reactions,
    comments,
    discovery,
    slots,
    recommendations,
    moderation,
    /** Reserved subjects (`canyu.*`) and their comments, for the Canyu module that owns them. */
    owned,
    erase,
    erasure,
    /** Stops background refreshes and waits for a running one. */
    close: async () => {
      await reactions.idle();
      await discovery.close();
      await feed.close();
    },
  };
}

export type Interactions = ReturnType<typeof createInteractions>;
