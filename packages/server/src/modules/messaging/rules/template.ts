// Message templates: `{{name}}` placeholders in a title and a body, one version per language.
// Pure: parsing, checking a template's placeholders against its declared variables, rendering.
// Values are inserted as plain text (inbox, push and plain-text email are not HTML).

export type Segment = { text: string } | { variable: string };

/** Variables every template may use without declaring them. */
export const BUILTIN_VARIABLES = ['user_id', 'nickname'] as const;

export type VariableSpec = { sample: string | number; fallback?: string | number | undefined };

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

/** Splits text into literal and `{{ variable }}` segments; an unclosed or malformed `{{` is an error. */
export function parseTemplate(text: string): Segment[] {
  const out: Segment[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: text.slice(i) });
      break;
    }
    if (open > i) out.push({ text: text.slice(i, open) });
    const close = text.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateSyntaxError(`"{{" at position ${open} is never closed with "}}"`, open);
    const name = text.slice(open + 2, close).trim();
    if (!NAME.test(name)) throw new TemplateSyntaxError(`"{{${text.slice(open + 2, close)}}}" at position ${open} is not a variable name (letters, digits and _, starting with a letter or _)`, open);
    out.push({ variable: name });
    i = close + 2;
  }
  return out;
}

export function variablesOf(segments: Segment[]): string[] {
  const names = new Set<string>();
  for (const s of segments) if ('variable' in s) names.add(s.variable);
  return [...names];
}

/** Variables a text uses that are not declared; throws TemplateSyntaxError on bad syntax. */
export function undeclaredVariables(text: string, declared: Record<string, unknown>): string[] {
  return variablesOf(parseTemplate(text)).filter((v) => !Object.hasOwn(declared, v));
}

export type Values = Record<string, unknown>;

function show(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/**
 * Renders parsed segments. Each variable takes, in order: the send's data, the user's traits,
 * built-ins (`user_id`, and `nickname` falling back to the user id), the declared fallback, else ''.
 */
export function render(segments: Segment[], layers: { data?: Values | undefined; traits?: Values | undefined; builtins?: Values | undefined; specs?: Record<string, VariableSpec> | undefined }): string {
  let out = '';
  for (const s of segments) {
    if ('text' in s) {
      out += s.text;
      continue;
    }
    const name = s.variable;
    out += show(layers.data?.[name]) ?? show(layers.traits?.[name]) ?? show(layers.builtins?.[name]) ?? show(layers.specs?.[name]?.fallback) ?? '';
  }
  return out;
}

/** Renders once with literal values (preview, digests). */
export function renderText(text: string, values: Values): string {
  return render(parseTemplate(text), { data: values });
}

/** 'zh' for any Chinese locale, else 'en'; the app's default when the user has none. */
export function languageOf(locale: string | null | undefined, fallback: string): 'zh' | 'en' {
  const l = (locale ?? fallback).toLowerCase();
  return l === 'zh' || l.startsWith('zh-') ? 'zh' : 'en';
}
