// User content is stored verbatim and HTML-escaped on the way out (README "User content"): no API
// client ever receives another user's markup or script as markup, whatever it does with the string.
// Presenters apply `userText` to every free-text field end users (and operators answering them)
// write; operator configuration (names, titles, templates) and opaque JSON are returned as written.
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

const UNESCAPES = new Map(Object.entries(ESCAPES).map(([c, e]) => [e, c]));

/**
 * What the user wrote, from a field `userText` escaped: for clients that insert text as text (the
 * console, widgets), never for building markup.
 */
export function unescapeHtml(s: string): string {
  return s.replace(/&(?:amp|lt|gt|quot|#39|#96);/g, (e) => UNESCAPES.get(e) ?? e);
}

/** A user-written text field as the API returns it: HTML-escaped; null stays null. */
export function userText<T extends string | null | undefined>(s: T): T {
  return (typeof s === 'string' ? escapeHtml(s) : s) as T;
}

/** The OpenAPI note on every field `userText` escapes. */
export const USER_TEXT_NOTE = 'User-written text, HTML-escaped (& < > " \' ` as entities): display it as text, never as markup';
