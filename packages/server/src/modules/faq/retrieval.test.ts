// Retrieval quality on a hand-written FAQ (testdata/shop-faq.ts) and hand-written paraphrases of
// its questions (testdata/paraphrases.ts), on a real PostgreSQL: top-1 accuracy must reach 90%.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, startTestApp, type Tenant, type TestApp } from '../../testing/app.ts';
import { PARAPHRASES } from './testdata/paraphrases.ts';
import { SHOP_FAQ } from './testdata/shop-faq.ts';

let t: TestApp;
let tenant: Tenant;
const idOfKey = new Map<string, string>();

before(async () => {
  t = await startTestApp();
  tenant = await t.newTenant();
  const res = await t.inject({ method: 'POST', url: '/v1/faq/entries/import', headers: bearer(tenant.secretKey), payload: { entries: SHOP_FAQ } });
  assert.equal(res.statusCode, 200, res.body);
  const ids = res.json().ids as string[];
  SHOP_FAQ.forEach((e, i) => idOfKey.set(e.external_key, ids[i]!));
});
after(() => t.close());

describe('faq retrieval', () => {
  it('the test set is hand-written paraphrases, not the stored questions or variants', () => {
    assert.ok(PARAPHRASES.length >= 50, `${PARAPHRASES.length} paraphrases`);
    const stored = new Set(SHOP_FAQ.flatMap((e) => [e.question, ...e.variants]).map((s) => s.toLowerCase().replace(/[\s?？。.!,，]/g, '')));
    for (const p of PARAPHRASES) {
      assert.ok(!stored.has(p.q.toLowerCase().replace(/[\s?？。.!,，]/g, '')), `"${p.q}" is a stored question`);
      assert.ok(SHOP_FAQ.some((e) => e.external_key === p.key), `unknown key ${p.key}`);
    }
    assert.ok(PARAPHRASES.some((p) => p.locale === 'zh-CN') && PARAPHRASES.some((p) => p.locale === 'en'));
  });

  it('finds the right entry first for at least 90% of the paraphrases', async () => {
    const ctx = t.systemCtx();
    const misses: string[] = [];
    let right = 0;
    for (const p of PARAPHRASES) {
      const hits = await t.services.faq.search(ctx, tenant.appId, p.q, { locale: p.locale, limit: 10 });
      if (hits[0]?.entry_id === idOfKey.get(p.key)) right++;
      else misses.push(`  ${p.q} → ${hits[0] ? `${SHOP_FAQ.find((e) => idOfKey.get(e.external_key) === hits[0]!.entry_id)?.external_key} (${hits[0].score})` : 'nothing'}, wanted ${p.key} (rank ${hits.findIndex((h) => h.entry_id === idOfKey.get(p.key)) + 1}, ${hits.find((h) => h.entry_id === idOfKey.get(p.key))?.score})`);
    }
    const accuracy = right / PARAPHRASES.length;
    console.log(`faq retrieval: top-1 accuracy ${(accuracy * 100).toFixed(1)}% (${right}/${PARAPHRASES.length})${misses.length ? `\n${misses.join('\n')}` : ''}`);
    assert.ok(accuracy >= 0.9, `top-1 accuracy ${accuracy}`);
  });
});
