// @mentions written in comment text. A handle is the host's own user id as given (`@u_123`,
// `@张三`), 1-255 characters. It ends at whitespace and at common punctuation, ASCII or Chinese
// (，。！？：；、…); a "." or ":" stays inside it only when more of the handle follows
// (`@john.doe.` names john.doe). An "@" right after an ASCII letter or digit or one of `._%+-/=` is
// part of an e-mail address or a URL (`a@b.com`, `/@user`), not a mention; after Chinese text it
// is one (`谢谢@张三`). The full-width ＠ counts too.
// Pure: no I/O.

/** Most users one comment may mention (explicit list and text together); the rest are ignored. */
export const MAX_MENTIONS = 20;
const MAX_HANDLE = 255;

const STOP = String.raw`\s,!?;()\[\]{}<>"'\x60@＠，。！？：；、（）【】《》〈〉「」『』“”‘’…—～`;
const CHAR = `[^${STOP}.:]`;
const MENTION = new RegExp(String.raw`(?<![A-Za-z0-9._%+\-/=])[@＠](${CHAR}+(?:[.:]+${CHAR}+)*)`, 'gu');

/** The user ids mentioned in `text`, in order of first appearance, without repeats. */
export function parseMentions(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(MENTION)) {
    const id = m[1]!;
    if ([...id].length <= MAX_HANDLE) out.add(id);
  }
  return [...out];
}

/**
 * Who a comment mentions: the explicit list, then the handles in its text; without repeats and
 * without its author, at most MAX_MENTIONS.
 */
export function mentionsOf(authorId: string, text: string, explicit: readonly string[] = []): string[] {
  return [...new Set([...explicit, ...parseMentions(text)])].filter((u) => u !== authorId).slice(0, MAX_MENTIONS);
}
