// What a message says: templates (stored, with declared variables) or inline content, compiled once
// per send and rendered per recipient in the recipient's language.
import { validationError, type FieldIssue } from '../../../http/errors.ts';
import type { Recipient } from '../../users/index.ts';
import type { Category } from '../rules/contact.ts';
import { BUILTIN_VARIABLES, languageOf, parseTemplate, render, TemplateSyntaxError, variablesOf, type Segment, type Values, type VariableSpec } from '../rules/template.ts';
import type { TemplateRow } from '../store/settings.ts';
import type { ContentInput } from '../types.ts';

type CompiledLang = { title: Segment[]; body: Segment[]; url: Segment[] | null };

export type Compiled = {
  category: Category;
  templateKey: string | null;
  zh: CompiledLang;
  en: CompiledLang;
  specs: Record<string, VariableSpec>;
  data: Values;
};

export type Rendered = { title: string; body: string; url: string | null };

const literal = (s: string): Segment[] => [{ text: s }];

export function compileTemplate(t: TemplateRow, data: Values): Compiled {
  const url = t.url === null ? null : parseTemplate(t.url);
  return {
    category: t.category as Category,
    templateKey: t.key,
    zh: { title: parseTemplate(t.titleZh), body: parseTemplate(t.bodyZh), url },
    en: { title: parseTemplate(t.titleEn), body: parseTemplate(t.bodyEn), url },
    specs: t.variables,
    data,
  };
}

/** Inline content is literal text: `{{` in it is not a placeholder. */
export function compileContent(content: ContentInput, url: string | null | undefined, category: Category): Compiled {
  const zh = content['zh-CN'] ?? content.en!;
  const en = content.en ?? content['zh-CN']!;
  const u = url ? literal(url) : null;
  return { category, templateKey: null, zh: { title: literal(zh.title), body: literal(zh.body), url: u }, en: { title: literal(en.title), body: literal(en.body), url: u }, specs: {}, data: {} };
}

export function builtins(r: Pick<Recipient, 'userId' | 'traits'>): Values {
  const t = r.traits;
  const nickname = typeof t.nickname === 'string' && t.nickname ? t.nickname : typeof t.name === 'string' && t.name ? t.name : r.userId;
  return { user_id: r.userId, nickname };
}

export function renderFor(c: Compiled, r: Recipient, defaultLocale: string): Rendered {
  const lang = c[languageOf(r.locale, defaultLocale)];
  const layers = { data: c.data, traits: r.traits, builtins: builtins(r), specs: c.specs };
  return { title: render(lang.title, layers), body: render(lang.body, layers), url: lang.url ? render(lang.url, layers) : null };
}

/** Every data key must be a declared variable of the template: a typo is a 400, not a blank. */
export function checkData(t: Pick<TemplateRow, 'key' | 'variables'>, data: Values | undefined, field: string): void {
  const declared = [...Object.keys(t.variables), ...BUILTIN_VARIABLES];
  const unknown = Object.keys(data ?? {}).filter((k) => !declared.includes(k));
  if (unknown.length === 0) return;
  const issues: FieldIssue[] = unknown.map((k) => ({ field: `${field}.${k}`, code: 'unknown_variable', message: `Template ${t.key} has no variable "${k}"`, expected: declared.length ? `one of ${declared.join(', ')}` : 'no variables (the template declares none)' }));
  throw validationError(issues, `Unknown template variable${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} for template ${t.key}`);
}

/** Each text's placeholders must be well-formed and declared. */
export function checkTexts(texts: { field: string; text: string | null | undefined }[], variables: Record<string, unknown>): void {
  const issues: FieldIssue[] = [];
  for (const { field, text } of texts) {
    if (!text) continue;
    try {
      for (const v of variablesOf(parseTemplate(text))) {
        if (!Object.hasOwn(variables, v) && !(BUILTIN_VARIABLES as readonly string[]).includes(v)) {
          issues.push({ field, code: 'unknown_variable', message: `{{${v}}} is not a declared variable; declare it in variables`, expected: `one of ${[...Object.keys(variables), ...BUILTIN_VARIABLES].join(', ')}` });
        }
      }
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
      issues.push({ field, code: 'invalid_template', message: err.message });
    }
  }
  if (issues.length) throw validationError(issues);
}
