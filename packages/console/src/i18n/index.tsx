// Translations: zh-CN by default, English switchable and remembered (localStorage). Every string
// of the console goes through t(key); the dictionaries must have the same keys (the compiler
// checks en against zh-CN, and test/i18n.test.ts checks both against every key used in src/).
// Dates and numbers use Intl in the operator's language and the app's time zone.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { en } from './en.ts';
import { zhCN, type MessageKey } from './zh-CN.ts';

export type Locale = 'zh-CN' | 'en';
export type { MessageKey };
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
export const dictionaries: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

const STORE = 'canyu.console.locale';
let active: Locale = (() => {
  try {
    const v = localStorage.getItem(STORE);
    return v === 'en' || v === 'zh-CN' ? v : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
})();

if (typeof document !== 'undefined') document.documentElement.lang = active;

export const currentLocale = (): Locale => active;

/** A missing key shows as ⟦key⟧, which the browser tests look for. */
export function translate(locale: Locale, key: MessageKey, vars?: Record<string, string | number>): string {
  const s = dictionaries[locale][key] as string | undefined;
  if (s === undefined) return `⟦${key}⟧`;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : s;
}

type I18n = {
  locale: Locale;
  setLocale(l: Locale): void;
  t(key: MessageKey, vars?: Record<string, string | number>): string;
  /** The app's time zone (from its settings), or the browser's. */
  timeZone: string | undefined;
  setTimeZone(tz: string | undefined): void;
  date(iso: string | null | undefined): string;
  day(isoDay: string): string;
  num(n: number | null | undefined): string;
};

const Ctx = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(active);
  const [timeZone, setTimeZone] = useState<string | undefined>(undefined);
  const setLocale = useCallback((l: Locale) => {
    active = l;
    try {
      localStorage.setItem(STORE, l);
    } catch {
      // no storage: remembered for this page only
    }
    document.documentElement.lang = l;
    setLocaleState(l);
  }, []);
  const value = useMemo<I18n>(() => {
    const tz = (() => {
      try {
        return timeZone ? (new Intl.DateTimeFormat('en', { timeZone }), timeZone) : undefined;
      } catch {
        return undefined;
      }
    })();
    const dtf = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', ...(tz ? { timeZone: tz } : {}) });
    const df = new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' });
    const nf = new Intl.NumberFormat(locale);
    return {
      locale,
      setLocale,
      timeZone: tz,
      setTimeZone,
      t: (key, vars) => translate(locale, key, vars),
      date: (iso) => (iso ? dtf.format(new Date(iso)) : '—'),
      day: (d) => df.format(new Date(`${d}T00:00:00Z`)),
      num: (n) => (n === null || n === undefined ? '—' : nf.format(n)),
    };
  }, [locale, setLocale, timeZone]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const v = useContext(Ctx);
  if (!v) throw new Error('useI18n outside I18nProvider');
  return v;
}
