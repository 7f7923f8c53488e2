// What the bot does with a user's message while a conversation is with the bot: hand over to a
// person (asked for, a hand-over word, or a second unsure answer in a row), answer (the best FAQ
// entry is confident enough), or offer the best few entries as suggestions. Pure.

export type BotHit = { entry_id: string; question: string; answer: string; score: number };
export type BotDecision =
  | { kind: 'handover'; reason: 'keyword' | 'low_confidence' }
  | { kind: 'answer'; hit: BotHit }
  | { kind: 'suggest'; hits: BotHit[] };

/** Case-insensitive, and whole words for Latin keywords ("agent" is not in "reagent"). */
export function mentions(text: string, keyword: string): boolean {
  const k = keyword.trim().toLowerCase();
  if (!k) return false;
  const t = text.toLowerCase();
  if (/^[\p{Script=Latin}\d\s'-]+$/u.test(k)) return new RegExp(`(^|[^\\p{L}\\d])${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\d])`, 'u').test(t);
  return t.includes(k);
}

export function decide(text: string, hits: readonly BotHit[], o: { threshold: number; keywords: readonly string[]; lowConfidenceSoFar: number }): BotDecision {
  if (o.keywords.some((k) => mentions(text, k))) return { kind: 'handover', reason: 'keyword' };
  const best = hits[0];
  if (best && best.score >= o.threshold) return { kind: 'answer', hit: best };
  if (o.lowConfidenceSoFar >= 1) return { kind: 'handover', reason: 'low_confidence' };
  // Unsure: the best few entries (none: ask to rephrase); a second unsure answer hands over.
  return { kind: 'suggest', hits: hits.slice(0, 3) };
}

/** The bot's own words, in the conversation's language. */
export const BOT_TEXT = {
  suggest: { 'zh-CN': '我不太确定你的意思，是想问下面这些问题吗？', en: 'I am not sure I understood. Did you mean one of these?' },
  rephrase: { 'zh-CN': '抱歉，我没有找到答案。可以换个说法，或者输入“人工”联系客服。', en: 'Sorry, I found no answer. Could you put it another way, or type "human" to reach a person?' },
  handover: { 'zh-CN': '正在为你转接人工客服，请稍候。', en: 'Connecting you to a person. Please wait a moment.' },
  queued: { 'zh-CN': '人工客服暂时都在忙，你已进入排队，我们会尽快回复。', en: 'All our agents are busy; you are in the queue and will hear from us soon.' },
} as const;
