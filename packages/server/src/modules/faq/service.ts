// The FAQ knowledge base: entries (question, paraphrases, answer) per app and locale, retrieval
// that works on Chinese without spaces, and optional generative phrasing of the answer.
//
// Each question and variant is stored as an array of terms (rules/tokens.ts). Retrieval runs in
// memory: a server loads an app's rows into an index (rules/search.ts) and keeps it while the app's
// stamp (faq_versions, renewed by every write in its transaction) is unchanged. A search reads the
// stamp — one primary-key lookup — so two servers on one database answer alike, and a write on
// either is seen by the next search on both.
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Ctx } from '../../context.ts';
import type { Db } from '../../db/index.ts';
import type { Erasure } from '../../erasure.ts';
import { AppError, fieldError } from '../../http/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { createNetGuard, type NetGuard } from '../../lib/net-guard.ts';
import type { SecretBox } from '../../lib/secrets.ts';
import type { Audit } from '../audit/index.ts';
import './errors.ts';
import { createChat, type Chat } from './llm.ts';
import { citedSources, completionsUrl, groundedMessages, type Source } from './rules/prompt.ts';
import { buildIndex, searchIndex, type SearchIndex } from './rules/search.ts';
import { terms as termsOf } from './rules/tokens.ts';
import * as store from './store.ts';
import type { EntryRow, SettingsRow } from './store.ts';
import type { CreateEntryInput, ImportEntry, Locale, SettingsInput, UpdateEntryInput } from './types.ts';

export type FaqDeps = {
  clock: Clock;
  audit: Audit;
  secrets: SecretBox;
  /** The SSRF guard for the generative endpoint (tests allow 127.0.0.1). */
  guard?: NetGuard;
  /** Replaces the HTTP client of the generative endpoint (tests). */
  chat?: Chat;
};

export type SearchOptions = { locale?: Locale | undefined; limit?: number | undefined; category?: string | undefined };

/** A retrieved entry and how sure retrieval is that it answers the question (0…1). */
export type FaqHit = { entry_id: string; question: string; answer: string; category: string | null; locale: Locale; score: number };

export type Composed = { answer: string; sources: string[]; generated: boolean };

/** Entries scored exactly per search; the pre-ranking keeps the best this many. */
const CANDIDATES = 40;
/** Entries under this share of the best hit's score are not sent to the generative endpoint. */
const GROUNDING_SHARE = 0.5;

const entryNotFound = (id: string) => new AppError('faq.entry_not_found', `FAQ entry ${id} does not exist in this app`, { entry_id: id });

/**
 * The rows retrieval matches for an entry: its question (seq 0), each variant (1…), and the whole
 * entry with its answer as one document (seq -1), which term frequencies count.
 */
const phrasesOf = (e: Pick<EntryRow, 'question' | 'variants' | 'answer'>): { seq: number; terms: string[] }[] => {
  const own = [e.question, ...e.variants].map((p, seq) => ({ seq, terms: termsOf(p) }));
  const doc = new Set([...own.flatMap((p) => p.terms), ...termsOf(e.answer, 512)]);
  return [...own, { seq: store.DOC_SEQ, terms: [...doc] }];
};

/** Every write renews the app's stamp first: one writer per app at a time, and every server's index of it is stale. */
const lockApp = (tx: Db, appId: string) => store.touch(tx, appId, randomUUID());

/** Bound of the in-memory indexes of all apps on a server (rough bytes); the least recently searched go first. */
const INDEX_BYTES = 256 * 1024 * 1024;

const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export function createFaq(deps: FaqDeps) {
  const { clock } = deps;
  const chat = deps.chat ?? createChat(deps.guard ?? createNetGuard());
  const audit = (ctx: Ctx, tx: Db, appId: string, action: string, targetId: string | null, after?: unknown, before?: unknown) =>
    deps.audit.record({ ...ctx, db: tx }, { appId, action, targetType: 'faq_entry', targetId, before, after });
  const shape = (e: EntryRow) => ({ external_key: e.externalKey, question: e.question, variants: e.variants, answer: e.answer, category: e.category, locale: e.locale, enabled: e.enabled });

  const mustEntry = async (db: Db, appId: string, id: string, forUpdate = false) => {
    const e = await store.findEntry(db, appId, id, forUpdate);
    if (!e) throw entryNotFound(id);
    return e;
  };

  // Per app: the index loaded at a stamp. Concurrent searches at a new stamp share one load.
  const indexes = new LRUCache<string, { stamp: string; index: SearchIndex }>({ maxSize: INDEX_BYTES, sizeCalculation: (v) => Math.max(1, v.index.bytes) });
  const loading = new Map<string, Promise<{ stamp: string | null; index: SearchIndex }>>();
  async function indexOf(ctx: Ctx, appId: string, known?: string | null): Promise<SearchIndex | null> {
    const stamp = known === undefined ? await store.stampOf(ctx.db, appId) : known;
    if (stamp === null) return null;
    const have = indexes.get(appId);
    if (have?.stamp === stamp) return have.index;
    const key = `${appId}\u0000${stamp}`;
    let p = loading.get(key);
    if (!p) {
      p = store.indexRows(ctx.db, appId).then((r) => {
        const index = buildIndex(r.entries, r.phrases);
        if (r.stamp !== null) indexes.set(appId, { stamp: r.stamp, index });
        return { stamp: r.stamp, index };
      });
      loading.set(key, p);
      void p.then(
        () => loading.delete(key),
        () => loading.delete(key),
      );
    }
    // Loaded at this stamp or a later one: either way current as of this search's start.
    return (await p).index;
  }

  /** `stamp`: the index stamp when the caller has just read it (answer() reads it with the settings). */
  async function search(ctx: Ctx, appId: string, text: string, opts: SearchOptions = {}, stamp?: string | null): Promise<FaqHit[]> {
    const limit = Math.max(1, Math.min(opts.limit ?? 5, 50));
    const qTerms = termsOf(text);
    if (!qTerms.length) return [];
    const index = await indexOf(ctx, appId, stamp);
    if (!index) return [];
    return searchIndex(index, qTerms, { limit, candidates: CANDIDATES, locale: opts.locale, category: opts.category }).map(({ entry: e, score }) => ({
      entry_id: e.id,
      question: e.question,
      answer: e.answer,
      category: e.category,
      locale: e.locale as Locale,
      score: Math.round(score * 1000) / 1000,
    }));
  }

  /** `known`: the app's settings when the caller has just read them (null: it has none). */
  async function compose(ctx: Ctx, appId: string, text: string, hits: readonly FaqHit[], known?: SettingsRow | null): Promise<Composed> {
    const top = hits[0];
    if (!top) return { answer: '', sources: [], generated: false };
    const fallback: Composed = { answer: top.answer, sources: [top.entry_id], generated: false };
    const s = known === undefined ? await store.findSettings(ctx.db, appId) : known;
    if (!s?.generative || !s.endpointUrl || !s.model) return fallback;
    const sources: Source[] = hits.filter((h) => h.score >= top.score * GROUNDING_SHARE).map((h) => ({ entryId: h.entry_id, question: h.question, answer: h.answer }));
    try {
      const apiKey = s.apiKey ? deps.secrets.open(s.apiKey) : null;
      const reply = await withTimeout(chat({ url: completionsUrl(s.endpointUrl), apiKey, model: s.model, messages: groundedMessages(text, sources), timeoutMs: s.timeoutMs }), s.timeoutMs);
      return { answer: reply, sources: citedSources(reply, sources), generated: true };
    } catch {
      // Timeouts, refusals, non-2xx and malformed replies: the retrieved answer still stands.
      return fallback;
    }
  }

  const presentSettings = (s: SettingsRow | undefined) => ({
    generative: s?.generative ?? false,
    endpoint_url: s?.endpointUrl ?? null,
    model: s?.model ?? null,
    api_key_set: !!s?.apiKey,
    timeout_ms: s?.timeoutMs ?? 5000,
    updated_at: s ? s.updatedAt.toISOString() : null,
  });

  return {
    erasure: {
      eraseApp: async (db: Db, appId: string) => {
        await db.transaction((tx) => store.eraseApp(tx, appId));
        indexes.delete(appId);
      },
    } satisfies Erasure,

    search,
    compose,

    /** Retrieval and composition in one call (POST /v1/faq/answer): one read of the stamp and settings. */
    async answer(ctx: Ctx, appId: string, text: string, opts: SearchOptions = {}) {
      const state = await store.answerState(ctx.db, appId);
      const hits = await search(ctx, appId, text, opts, state.stamp);
      return { ...(await compose(ctx, appId, text, hits, state.settings ?? null)), hits };
    },

    // ---- entries --------------------------------------------------------------------------------
    async createEntry(ctx: Ctx, appId: string, input: CreateEntryInput): Promise<EntryRow> {
      const now = clock.now();
      const e: EntryRow = { id: newId('faq'), appId, externalKey: input.external_key ?? null, question: input.question, variants: input.variants, answer: input.answer, category: input.category ?? null, locale: input.locale, enabled: input.enabled, createdAt: now, updatedAt: now };
      await ctx.db.transaction(async (tx) => {
        await lockApp(tx, appId);
        if (e.externalKey !== null && (await store.entriesByKeys(tx, appId, [e.externalKey])).length) {
          throw new AppError('faq.duplicate_key', `An entry with external_key ${e.externalKey} already exists; import to update it`, { field: 'body.external_key', external_key: e.externalKey });
        }
        await store.insertEntries(tx, [e]);
        await store.reindex(tx, appId, [{ entryId: e.id, phrases: phrasesOf(e) }]);
        await audit(ctx, tx, appId, 'faq.entry.create', e.id, shape(e));
      });
      return e;
    },

    getEntry: (ctx: Ctx, appId: string, id: string) => mustEntry(ctx.db, appId, id),

    listEntries: (ctx: Ctx, appId: string, q: Parameters<typeof store.listEntries>[2]) => store.listEntries(ctx.db, appId, q),

    async updateEntry(ctx: Ctx, appId: string, id: string, input: UpdateEntryInput): Promise<EntryRow> {
      return ctx.db.transaction(async (tx) => {
        await lockApp(tx, appId);
        const before = await mustEntry(tx, appId, id, true);
        const patch: Partial<EntryRow> = { updatedAt: clock.now() };
        if (input.question !== undefined) patch.question = input.question;
        if (input.variants !== undefined) patch.variants = input.variants;
        if (input.answer !== undefined) patch.answer = input.answer;
        if (input.category !== undefined) patch.category = input.category;
        if (input.locale !== undefined) patch.locale = input.locale;
        if (input.enabled !== undefined) patch.enabled = input.enabled;
        const after = await store.updateEntry(tx, id, patch);
        if (after.question !== before.question || after.answer !== before.answer || !same(after.variants, before.variants)) await store.reindex(tx, appId, [{ entryId: id, phrases: phrasesOf(after) }]);
        await audit(ctx, tx, appId, 'faq.entry.update', id, shape(after), shape(before));
        return after;
      });
    },

    async deleteEntry(ctx: Ctx, appId: string, id: string): Promise<void> {
      await ctx.db.transaction(async (tx) => {
        await lockApp(tx, appId);
        const before = await mustEntry(tx, appId, id, true);
        await store.reindex(tx, appId, [{ entryId: id, phrases: [] }]);
        await store.deleteEntry(tx, appId, id);
        await audit(ctx, tx, appId, 'faq.entry.delete', id, undefined, shape(before));
      });
    },

    /**
     * Creates or updates entries by external key in one transaction: importing the same array twice
     * leaves everything as it was (`unchanged`), and two imports at once queue on the app's lock.
     */
    async importEntries(ctx: Ctx, appId: string, items: ImportEntry[]): Promise<{ created: number; updated: number; unchanged: number; ids: string[] }> {
      const keys = items.map((i) => i.external_key);
      const dup = keys.findIndex((k, i) => keys.indexOf(k) !== i);
      if (dup >= 0) throw fieldError(`body.entries.${dup}.external_key`, `external_key ${keys[dup]} appears twice in the import`, 'unique keys');
      const now = clock.now();
      return ctx.db.transaction(async (tx) => {
        await lockApp(tx, appId);
        const existing = new Map((await store.entriesByKeys(tx, appId, keys)).map((e) => [e.externalKey!, e]));
        const fresh: EntryRow[] = [];
        const reindex: { entryId: string; phrases: { seq: number; terms: string[] }[] }[] = [];
        const ids: string[] = [];
        let updated = 0;
        let unchanged = 0;
        for (const it of items) {
          const want = { question: it.question, variants: it.variants, answer: it.answer, category: it.category ?? null, locale: it.locale, enabled: it.enabled };
          const old = existing.get(it.external_key);
          if (!old) {
            const e: EntryRow = { id: newId('faq'), appId, externalKey: it.external_key, ...want, createdAt: now, updatedAt: now };
            fresh.push(e);
            reindex.push({ entryId: e.id, phrases: phrasesOf(e) });
            ids.push(e.id);
            continue;
          }
          ids.push(old.id);
          const changed = old.question !== want.question || !same(old.variants, want.variants) || old.answer !== want.answer || old.category !== want.category || old.locale !== want.locale || old.enabled !== want.enabled;
          if (!changed) {
            unchanged++;
            continue;
          }
          await store.updateEntry(tx, old.id, { ...want, updatedAt: now });
          if (old.question !== want.question || old.answer !== want.answer || !same(old.variants, want.variants)) reindex.push({ entryId: old.id, phrases: phrasesOf(want) });
          updated++;
        }
        for (let i = 0; i < fresh.length; i += 500) await store.insertEntries(tx, fresh.slice(i, i + 500));
        await store.reindex(tx, appId, reindex);
        await audit(ctx, tx, appId, 'faq.entry.import', null, { created: fresh.length, updated, unchanged, keys: keys.slice(0, 100) });
        return { created: fresh.length, updated, unchanged, ids };
      });
    },

    // ---- settings -------------------------------------------------------------------------------
    async getSettings(ctx: Ctx, appId: string) {
      return presentSettings(await store.findSettings(ctx.db, appId));
    },

    async putSettings(ctx: Ctx, appId: string, input: SettingsInput) {
      const guard = deps.guard ?? createNetGuard();
      if (input.endpoint_url) {
        const host = new URL(input.endpoint_url).hostname.replace(/^\[|\]$/g, '');
        const refused = guard.refusal(host);
        if (refused) throw fieldError('body.endpoint_url', `${host} is a ${refused.reason.replace('_', '-')} address; outbound connections there are refused`, 'a public http(s) URL');
      }
      return ctx.db.transaction(async (tx) => {
        const old = await store.findSettings(tx, appId);
        const row: SettingsRow = {
          appId,
          generative: input.generative,
          endpointUrl: input.endpoint_url !== undefined ? input.endpoint_url : (old?.endpointUrl ?? null),
          model: input.model !== undefined ? input.model : (old?.model ?? null),
          apiKey: input.api_key === undefined ? (old?.apiKey ?? null) : input.api_key === null ? null : deps.secrets.seal(input.api_key),
          timeoutMs: input.timeout_ms ?? old?.timeoutMs ?? 5000,
          updatedAt: clock.now(),
        };
        if (row.generative && !row.endpointUrl) throw fieldError('body.endpoint_url', 'generative answers need the chat endpoint URL', 'an http(s) URL');
        if (row.generative && !row.model) throw fieldError('body.model', 'generative answers need the model name', 'a model name');
        const saved = await store.upsertSettings(tx, row);
        const view = presentSettings(saved);
        await deps.audit.record({ ...ctx, db: tx }, { appId, action: 'faq.settings.update', targetType: 'faq_settings', targetId: appId, before: old ? presentSettings(old) : undefined, after: view });
        return view;
      });
    },
  };
}

export type Faq = ReturnType<typeof createFaq>;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms + 50)))]).finally(() => clearTimeout(timer));
}
