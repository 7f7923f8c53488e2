// The FAQ knowledge base (AI客服's first answer): entries per app and locale, retrieval with a 0…1
// confidence, and optional generative phrasing grounded in the retrieved entries.
// Other modules (the customer-service bot) call `faq.search(ctx, appId, text, opts)` and
// `faq.compose(ctx, appId, text, hits)` and nothing else.
import type { Module } from '../../module.ts';
import type { Faq } from './service.ts';
import { faqRoutes } from './routes.ts';

export { createFaq, type Faq, type FaqDeps, type FaqHit, type Composed, type SearchOptions } from './service.ts';
export { LOCALES, type Locale } from './types.ts';
export { faqRoutes } from './routes.ts';

export function faqModule(faq: Faq): Module {
  return { name: 'faq', routes: (api, { ctx }) => faqRoutes(api, { faq, ctx }), erasure: faq.erasure };
}

// For the benchmark (bench/scenarios/faq.ts): the hand-written knowledge base and paraphrases the
// retrieval test uses.
export { PARAPHRASES } from './testdata/paraphrases.ts';
export { SHOP_FAQ, type SeedEntry } from './testdata/shop-faq.ts';
