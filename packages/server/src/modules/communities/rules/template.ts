// Fills a welcome or follow-up template. Values are inserted as given (plain text: the inbox shows
// text, never HTML), and a value's own `{{…}}` is not expanded again.

export type TemplateVars = { name: string; group: string; rules: string };

export function fill(template: string, vars: TemplateVars): string {
  return template.replace(/\{\{\s*(name|group|rules)\s*\}\}/g, (_m, k: keyof TemplateVars) => vars[k]);
}

export type Localized = { title: string; body: string };

/** Fills every language of a `{ 'zh-CN'?, en? }` template; the result is the messaging module's `content`. */
export function fillContent(tpl: Record<string, Localized>, vars: TemplateVars): Record<string, Localized> {
  const out: Record<string, Localized> = {};
  for (const [lang, l] of Object.entries(tpl)) out[lang] = { title: fill(l.title, vars).slice(0, 200), body: fill(l.body, vars).slice(0, 5000) };
  return out;
}
