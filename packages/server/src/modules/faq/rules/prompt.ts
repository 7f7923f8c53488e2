// What a generative answer is asked for, and what is kept of the reply. Pure: no I/O.

export type Source = { entryId: string; question: string; answer: string };
export type ChatMessage = { role: 'system' | 'user'; content: string };

const hasCjk = (s: string) => /[\u3400-\u9fff]/.test(s);

/**
 * Messages for an OpenAI-compatible chat endpoint: the instruction to answer only from the
 * numbered entries (grounding), in the user's language, citing them as [1], [2].
 */
export function groundedMessages(question: string, sources: readonly Source[]): ChatMessage[] {
  const zh = hasCjk(question);
  const system = zh
    ? '你是客服助手。只能依据下面编号的常见问题条目回答用户的问题，不得编造条目中没有的信息；如果条目不能回答，请直接说明并建议转人工客服。用中文简洁回答，并用 [编号] 标注所依据的条目。'
    : 'You are a customer-service assistant. Answer the user only from the numbered FAQ entries below and never add facts they do not contain; if they do not answer the question, say so and offer a human agent. Answer briefly in English and cite the entries you used as [number].';
  const kb = sources.map((s, i) => `[${i + 1}] Q: ${s.question}\nA: ${s.answer}`).join('\n\n');
  return [
    { role: 'system', content: `${system}\n\n${kb}` },
    { role: 'user', content: question },
  ];
}

/** The entries a reply cites as [n]; all of them when it cites none. */
export function citedSources(reply: string, sources: readonly Source[]): string[] {
  const cited = new Set<number>();
  for (const m of reply.matchAll(/\[(\d{1,2})\]/g)) {
    const i = Number(m[1]) - 1;
    if (i >= 0 && i < sources.length) cited.add(i);
  }
  const picked = cited.size ? [...cited].sort((a, b) => a - b) : sources.map((_, i) => i);
  return picked.map((i) => sources[i]!.entryId);
}

/** The chat completions URL of a configured endpoint: a base URL gets /v1/chat/completions. */
export function completionsUrl(endpoint: string): string {
  const u = endpoint.replace(/\/+$/, '');
  if (/\/chat\/completions$/.test(u)) return u;
  if (/\/v1$/.test(u)) return `${u}/chat/completions`;
  return `${u}/v1/chat/completions`;
}
