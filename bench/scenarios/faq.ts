// FAQ answers over a 5,000-entry knowledge base (half zh-CN, half English): POST /v1/faq/answer
// (retrieval + the top entry's answer; generative answers off) with the hand-written paraphrases of
// the retrieval test as questions, against a bare Fastify POST of the same bodies. Retrieval runs in
// memory on the server's index of the app; an answer reads the index stamp and the generative settings.
import { PARAPHRASES, SHOP_FAQ, type SeedEntry } from '../../packages/server/src/modules/faq/index.ts';
import { apiCall, type BenchEnv, type HttpResult, type Scenario } from '../lib.ts';

const ok = (what: string, r: HttpResult) => {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${what}: non-2xx ${r.non2xx} / errors ${r.errors}: ${JSON.stringify(r.status)}`);
};

const ENTRIES = 5000;

const ZH_ITEMS = ['蓝牙耳机', '保温杯', '运动鞋', '机械键盘', '羽绒服', '电饭煲', '扫地机器人', '行李箱', '护肤套装', '儿童绘本', '咖啡豆', '智能手表', '台灯', '瑜伽垫', '空气炸锅', '充电宝', '床上四件套', '登山包', '投影仪', '洗碗机'];
const EN_ITEMS = ['wireless earbuds', 'water bottle', 'running shoes', 'mechanical keyboard', 'down jacket', 'rice cooker', 'robot vacuum', 'suitcase', 'skincare set', 'picture book', 'coffee beans', 'smartwatch', 'desk lamp', 'yoga mat', 'air fryer', 'power bank', 'bedding set', 'hiking backpack', 'projector', 'dishwasher'];
const ZH_ASKS: [string, string, string][] = [
  ['{x}的保修期是多久？', '{x}保修几年', '{x}坏了能保修吗'],
  ['{x}支持七天无理由退货吗？', '{x}能退吗', '{x}不喜欢可以退货吗'],
  ['{x}什么时候补货？', '{x}缺货了', '{x}到货通知'],
  ['{x}有哪些颜色和尺寸？', '{x}规格', '{x}有几种型号'],
  ['{x}可以用积分兑换吗？', '积分换{x}', '{x}能用积分抵扣吗'],
  ['{x}参加满减活动吗？', '{x}有优惠吗', '{x}能用优惠券吗'],
  ['{x}怎么清洁保养？', '{x}怎么洗', '{x}保养方法'],
  ['{x}是正品吗？', '{x}假货', '{x}有防伪码吗'],
  ['{x}从哪个仓库发货？', '{x}发货地', '{x}几天能到'],
  ['{x}能开专票吗？', '{x}发票', '{x}企业采购'],
  ['{x}支持分期付款吗？', '{x}分期', '{x}花呗分期'],
  ['{x}的使用说明在哪里？', '{x}说明书', '{x}怎么用'],
];
const EN_ASKS: [string, string, string][] = [
  ['What is the warranty on the {x}?', 'How long is the {x} guaranteed?', 'My {x} broke, is it covered?'],
  ['Can I return the {x} within 7 days?', 'Is the {x} returnable?', 'I do not like my {x}, can I send it back?'],
  ['When will the {x} be back in stock?', 'The {x} is sold out', 'Notify me when the {x} is available'],
  ['Which colours and sizes does the {x} come in?', '{x} specifications', 'What models of {x} are there?'],
  ['Can I redeem the {x} with points?', 'Buy the {x} with points', 'Use points for the {x}'],
  ['Is the {x} part of the sale?', 'Any discount on the {x}?', 'Can I use a coupon on the {x}?'],
  ['How do I clean the {x}?', 'Washing the {x}', '{x} care instructions'],
  ['Is the {x} genuine?', 'Is my {x} fake?', 'Does the {x} have an authenticity code?'],
  ['Which warehouse ships the {x}?', 'Where does the {x} ship from?', 'How many days for the {x} to arrive?'],
  ['Can I get a VAT invoice for the {x}?', 'Invoice for the {x}', 'Buying the {x} for a company'],
  ['Can I pay for the {x} in instalments?', '{x} instalment plan', 'Monthly payments for the {x}'],
  ['Where is the manual for the {x}?', '{x} user guide', 'How do I use the {x}?'],
];

/** 5,000 entries: the shop FAQ, then product questions (item × question × batch) in both languages. */
export function knowledgeBase(): SeedEntry[] {
  const out: SeedEntry[] = [...SHOP_FAQ];
  for (let i = 0; out.length < ENTRIES; i++) {
    const zh = i % 2 === 0;
    const k = Math.floor(i / 2);
    const items = zh ? ZH_ITEMS : EN_ITEMS;
    const asks = zh ? ZH_ASKS : EN_ASKS;
    const item = items[k % items.length]!;
    const ask = asks[Math.floor(k / items.length) % asks.length]!;
    const batch = Math.floor(k / (items.length * asks.length));
    // Later batches are other sellers' editions of the product: same questions, other words around them.
    const x = batch === 0 ? item : zh ? `${item}（${batch}号店）` : `${item} (store ${batch})`;
    const fill = (s: string) => s.replace('{x}', x);
    out.push({ external_key: `bench-${i}`, category: zh ? '商品' : 'products', locale: zh ? 'zh-CN' : 'en', question: fill(ask[0]), variants: [fill(ask[1]), fill(ask[2])], answer: zh ? `关于${x}：请查看商品详情页的说明，或联系店铺客服。` : `About the ${x}: see the product page, or ask the store's support.` });
  }
  return out;
}

const QUESTIONS = [...PARAPHRASES.map((p) => ({ q: p.q, locale: p.locale })), { q: '扫地机器人坏了可以保修吗', locale: 'zh-CN' as const }, { q: 'is the air fryer on sale', locale: 'en' as const }];

async function answers(env: BenchEnv) {
  const connections = 20;
  const kb = knowledgeBase();
  const t0 = performance.now();
  for (let i = 0; i < kb.length; i += 1000) await apiCall(env, 'POST', '/v1/faq/entries/import', { entries: kb.slice(i, i + 1000) });
  const importS = (performance.now() - t0) / 1000;
  // The first answer after a write loads the app's index on this server.
  const t1 = performance.now();
  await apiCall(env, 'POST', '/v1/faq/answer', QUESTIONS[0]);
  const loadMs = performance.now() - t1;

  const canyu = await env.http({ method: 'POST', path: '/v1/faq/answer', headers: env.auth.secret, connections, body: (i) => QUESTIONS[i % QUESTIONS.length] });
  ok('faq answers', canyu);

  // Baseline: the bare Fastify JSON POST with the same bodies (no auth, no statements, no retrieval).
  const bare = await env.http({ method: 'POST', path: '/bare/echo', target: env.bare, connections, body: (i) => QUESTIONS[i % QUESTIONS.length] });
  env.report({
    metric: `FAQ answers over ${kb.length.toLocaleString('en')} entries (zh-CN + en), ${connections} conns`,
    value: canyu.rps,
    unit: 'answers/s',
    p99: canyu.p99,
    baseline: { label: 'bare Fastify JSON POST, same bodies', value: bare.rps },
    target: { maxP99: 50 },
    note: `import of ${kb.length} entries: ${importS.toFixed(1)} s; first answer after it (loads the index): ${loadMs.toFixed(0)} ms`,
  });
}

const scenario: Scenario = {
  name: 'faq',
  description: 'FAQ answers (retrieval, confidence, top answer) over 5,000 entries vs the same queries direct',
  async run(env) {
    await answers(env);
  },
};
export default scenario;
