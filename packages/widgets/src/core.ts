// What every widget shares: the client (one per page, set by configure() or built from the
// element's own attributes), the signed-in user's id, the language, the translated error
// messages, a DOM builder that only ever creates text nodes for content (never innerHTML: what
// users wrote is inert), and the base class with its shadow root and themable styles.
//
// The client is the SDK's typed API with the browser client's credentials (publishable key, user
// token refreshed before expiry or when refused), without its event tracker: widgets never track,
// and the tracker and the realtime client together would be a third of every widget's bytes
// (issue 17: 10 KB per widget). Widgets that need realtime (inbox, danmaku) import the SDK's
// createRealtime themselves, with connectionOf(client); the bundler puts it in their chunk only.
// Pages that track use '@canyu/sdk/browser' next to the widgets.
//
// The SDK's client and errors are imported from their files, not from the package's entry points:
// esbuild assigns whole files to chunks by what reaches them, and both '@canyu/sdk' and
// '@canyu/sdk/browser' reach realtime.ts, which would then land in the chunk every widget loads.
import { createClient, type CanyuApi } from '../../sdk/src/client.ts';
import { isCanyuError } from '../../sdk/src/errors.ts';
import { unescapeHtml } from '../../server/src/lib/text.ts';
import type { RealtimeOptions } from '@canyu/sdk';
import type { BrowserClientOptions } from '@canyu/sdk/browser';

export type WidgetClientOptions = Pick<BrowserClientOptions, 'baseUrl' | 'headers' | 'retry' | 'fetch' | 'publishableKey' | 'userToken' | 'refreshUserToken'>;
/** What configure() returns: the typed API as the signed-in user. */
export type WidgetClient = { api: CanyuApi; close(): void };
export type Lang = 'zh-CN' | 'en';
export type Messages = Record<Lang, Record<string, string>>;
type Connection = Pick<RealtimeOptions, 'baseUrl' | 'publishableKey' | 'userToken'>;

let shared: WidgetClient | null = null;
const byAttributes = new Map<string, WidgetClient>();
const userIds = new WeakMap<WidgetClient, Promise<string | null>>();
const connections = new WeakMap<WidgetClient, Connection>();

/** Seconds since epoch when the token expires, or null (as the SDK's browser.ts tokenExpiry, which would bring realtime.ts along). */
function tokenExpiry(token: string): number | null {
  try {
    const exp = (JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

/** Refresh this long before expiry, so a call in flight never carries a just-expired token. */
const REFRESH_EARLY_S = 30;

function createWidgetClient(o: WidgetClientOptions): WidgetClient {
  let token = o.userToken ?? null;
  let refreshing: Promise<string> | null = null;
  const refresh = (): Promise<string> =>
    (refreshing ??= o.refreshUserToken!().then(
      (t) => ((refreshing = null), (token = t)),
      (err: unknown) => {
        refreshing = null;
        throw err;
      },
    ));
  const currentToken = async (): Promise<string | null> => {
    if (refreshing) return refreshing;
    if (o.refreshUserToken && (token === null || (tokenExpiry(token) ?? Infinity) - REFRESH_EARLY_S < Date.now() / 1000)) return refresh();
    return token;
  };
  const api = createClient({
    baseUrl: o.baseUrl,
    ...(o.headers ? { headers: o.headers } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.retry !== undefined ? { retry: o.retry } : {}),
    async authorize(hd: Headers) {
      hd.set('authorization', `Bearer ${o.publishableKey}`);
      const t = await currentToken();
      if (t) hd.set('x-user-token', t);
    },
    onUserTokenRefused: async () => {
      if (!o.refreshUserToken) return false;
      await refresh();
      return true;
    },
  });
  const c: WidgetClient = { api, close() {} };
  connections.set(c, { baseUrl: o.baseUrl, publishableKey: o.publishableKey, userToken: currentToken });
  return c;
}

/**
 * Sets the client every widget on the page uses (publishable key + the signed-in user's token,
 * refreshed through your callback). Widgets already on the page load again with it.
 */
export function configure(o: WidgetClientOptions): WidgetClient {
  shared?.close();
  shared = createWidgetClient(o);
  document.dispatchEvent(new Event('canyu:configured'));
  return shared;
}

/** The client an element uses: its own `base-url` + `publishable-key` (+ `user-token`) attributes, else configure()'s. */
export function clientFor(el: Element): WidgetClient | null {
  const baseUrl = el.getAttribute('base-url');
  const publishableKey = el.getAttribute('publishable-key');
  if (baseUrl && publishableKey) {
    const userToken = el.getAttribute('user-token');
    const key = `${baseUrl}\n${publishableKey}\n${userToken ?? ''}`;
    let c = byAttributes.get(key);
    if (!c) byAttributes.set(key, (c = createWidgetClient({ baseUrl, publishableKey, userToken })));
    return c;
  }
  return shared;
}

/** What the SDK's createRealtime needs to connect as the client's user. */
export function connectionOf(c: WidgetClient): Connection {
  return connections.get(c)!;
}

/** The signed-in user's id (GET /v1/me, once per client), or null for a visitor without a user token. */
export function userIdOf(c: WidgetClient): Promise<string | null> {
  let p = userIds.get(c);
  if (!p) {
    p = c.api.GET('/v1/me').then(({ data }) => data?.user_id ?? null);
    p.catch(() => userIds.delete(c));
    userIds.set(c, p);
  }
  return p;
}

/** The element's language: its `lang` attribute, else the nearest ancestor's, else the page's. */
export function langOf(el: Element): Lang {
  const l = el.closest('[lang]')?.getAttribute('lang') || document.documentElement.lang || navigator.language || 'en';
  return l.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

const ERRORS: Messages = {
  'zh-CN': {
    network: '网络连接失败，请稍后重试',
    busy: '操作太频繁，请稍后再试',
    signin: '请先登录',
    forbidden: '没有权限执行该操作',
    invalid: '输入有误，请检查后再试',
    sensitive: '内容包含不允许的词语，请修改后再发',
    blocked: '你暂时不能互动',
    not_found: '内容不存在',
    no_points: '积分不足',
    generic: '出了点问题，请稍后再试',
  },
  en: {
    network: 'Network problem. Please try again.',
    busy: 'Too many tries. Please wait a moment.',
    signin: 'Please sign in first.',
    forbidden: 'You are not allowed to do this.',
    invalid: 'Please check what you entered.',
    sensitive: 'This contains words that are not allowed.',
    blocked: 'You cannot interact right now.',
    not_found: 'Not found.',
    no_points: 'Not enough points.',
    generic: 'Something went wrong. Please try again.',
  },
};

const BY_CODE: Record<string, string> = {
  network_error: 'network',
  aborted: 'network',
  rate_limited: 'busy',
  'live.rate_limited': 'busy',
  'interactions.posting_too_fast': 'busy',
  'auth.wrong_user': 'forbidden',
  'auth.forbidden': 'forbidden',
  validation_failed: 'invalid',
  'interactions.sensitive_content': 'sensitive',
  'interactions.user_blocked': 'blocked',
  'interactions.subject_not_found': 'not_found',
  'points.insufficient_balance': 'no_points',
};

/** The thing asked for does not exist (yet): a subject nobody interacted with, a deleted poll. */
export function isNotFound(err: unknown): boolean {
  return isCanyuError(err) && err.status === 404;
}

/**
 * A friendly message in the widget's language for any failure (never the raw server text):
 * `own` (a widget's messages, keyed by error code: 'polls.closed') first, then the common ones.
 */
export function errorMessage(err: unknown, lang: Lang, own: Record<string, string> = {}): string {
  let key = 'generic';
  if (err === 'signin') key = 'signin';
  else if (isCanyuError(err)) {
    const mine = own[err.code];
    if (mine) return mine;
    key = BY_CODE[err.code] ?? (err.code.startsWith('auth.') || err.status === 401 ? 'signin' : 'generic');
  }
  return ERRORS[lang][key]!;
}


const COMMON: Messages = {
  'zh-CN': { loading: '加载中…', more: '加载更多', retry: '重试' },
  en: { loading: 'Loading…', more: 'Load more', retry: 'Retry' },
};

type Props = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

/**
 * Builds an element. Strings among the children become text nodes, so whatever users wrote stays
 * text; props starting with "on" are listeners, `true` sets an empty attribute, null/false none.
 */
export function h(tag: string, props: Props = {}, ...children: (Node | string | number | null | undefined | false)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== null && v !== undefined && v !== false) el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'object' ? c : document.createTextNode(String(c)));
  return el;
}

/**
 * The server HTML-escapes user-written text in every answer (README "User content"); widgets
 * insert text as text nodes, so they undo it (the server's own inverse, lib/text.ts) to show what
 * the user wrote. The result is never parsed as HTML.
 */
export function userText(s: string | null | undefined): string {
  return unescapeHtml(s ?? '');
}

/** Formats a number the way the language does (1.2万 / 12.3K above ten thousand). */
export function compact(n: number, lang: Lang): string {
  if (n < 10_000) return String(n);
  return lang === 'zh-CN' ? `${+(n / 10_000).toFixed(1)}万` : `${+(n / 1000).toFixed(1)}K`;
}

/** Shared look: every colour, radius and font is a CSS variable the host page can set on the element. */
const BASE_CSS = `
:host{--_accent:var(--canyu-accent,#fb7299);--_text:var(--canyu-text,#18191c);--_muted:var(--canyu-muted,#61666d);
--_bg:var(--canyu-bg,#fff);--_border:var(--canyu-border,#e3e5e7);--_radius:var(--canyu-radius,8px);--_error:var(--canyu-error,#d93026);
font:var(--canyu-font,14px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif);color:var(--_text)}
[hidden]{display:none!important}
button{font:inherit;color:inherit;background:var(--_bg);border:1px solid var(--_border);border-radius:var(--_radius);padding:4px 12px;cursor:pointer}
button:hover:not(:disabled){border-color:var(--_accent);color:var(--_accent)}
button:disabled{opacity:.6;cursor:default}
button:focus-visible,textarea:focus-visible,select:focus-visible{outline:2px solid var(--_accent);outline-offset:1px}
button.primary,button.primary:hover:not(:disabled){background:var(--_accent);border-color:var(--_accent);color:#fff}
textarea,select{font:inherit;color:inherit;background:var(--_bg);border:1px solid var(--_border);border-radius:var(--_radius);padding:6px 8px;box-sizing:border-box}
.muted{color:var(--_muted);font-size:.9em}
.error{color:var(--_error);font-size:.9em}
`;

/**
 * The base of every widget: an open shadow root with the shared and the widget's styles, the
 * language (re-rendered when `lang` changes), the client, and an error line (role=alert).
 * Subclasses implement load() (fetch and render) and may set `observed` attributes.
 */
export abstract class CanyuElement extends HTMLElement {
  protected abstract readonly messages: Messages;
  protected abstract readonly css: string;
  protected body!: HTMLElement;
  protected errorLine!: HTMLElement;
  private started = false;
  private readonly onConfigured = () => this.reload();

  static get observedAttributes(): string[] {
    return ['lang', 'base-url', 'publishable-key', 'user-token'];
  }

  /** zh-CN or en, from the `lang` attribute (this element's or an ancestor's) or the page's. */
  get language(): Lang {
    return langOf(this);
  }

  /** A message in the widget's language, `{name}` replaced by vars.name. */
  t(key: string, vars: Record<string, string | number> = {}): string {
    return (this.messages[this.language][key] ?? COMMON[this.language][key] ?? key).replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
  }

  connectedCallback(): void {
    if (!this.shadowRoot) {
      const root = this.attachShadow({ mode: 'open' });
      const style = document.createElement('style');
      style.textContent = BASE_CSS + this.css;
      this.body = h('div', { part: 'body' });
      this.errorLine = h('div', { class: 'error', role: 'alert', part: 'error', hidden: true });
      root.append(style, this.body, this.errorLine);
    }
    document.addEventListener('canyu:configured', this.onConfigured);
    this.started = true;
    this.reload();
  }

  disconnectedCallback(): void {
    this.started = false;
    document.removeEventListener('canyu:configured', this.onConfigured);
    this.stop();
  }

  attributeChangedCallback(_name: string, old: string | null, next: string | null): void {
    if (this.started && old !== next) this.reload();
  }

  private pending = false;
  /** Loads again (batched: several attribute changes in one task load once). Hosts call it when they know the data changed. */
  reload(): void {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      if (!this.started) return;
      const c = clientFor(this);
      if (!c) {
        this.body.replaceChildren(h('span', { class: 'muted' }, this.t('loading')));
        return; // waits for configure()
      }
      this.showError(null);
      this.load(c).catch((err: unknown) => this.showError(err));
    });
  }

  protected abstract load(c: WidgetClient): Promise<void>;
  /** Releases what load() opened (realtime connections, timers). */
  protected stop(): void {}

  /** Shows a translated message for the failure (null hides it) and tells the host page through a `canyu-error` event. */
  protected showError(err: unknown): void {
    this.errorLine.hidden = err === null;
    this.errorLine.textContent = err === null ? '' : errorMessage(err, this.language, this.messages[this.language]);
    if (err !== null) this.dispatchEvent(new CustomEvent('canyu-error', { detail: err, bubbles: true, composed: true }));
  }

  /** Tells the host page what happened (e.g. `canyu-like` with { liked, likes }). */
  protected emit(type: string, detail: unknown): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }
}

/** Registers the element once (loading two bundles that both hold it is harmless). */
export function define(name: string, ctor: CustomElementConstructor): void {
  if (!customElements.get(name)) customElements.define(name, ctor);
}
