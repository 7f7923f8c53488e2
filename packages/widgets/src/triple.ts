// <canyu-triple kind="video" subject="BV1xx"></canyu-triple>: 一键三连. Three buttons — like,
// favourite, follow the author (when the subject has one that is not the viewer) — each a toggle,
// and a long press on the like button (or the 三连 button, for keyboards and screen readers) that
// does all of the app's triple set at once (POST …/triple: like + favourite + follow the author by
// default, settings.triple). Every change shows at once and is rolled back to what the server
// confirmed when it refuses, with the reason. With `coins="2"` (the app's coins.max_per_user) a
// 投币 button gives one coin per click (POST …/coins, paid in the app's coin points) up to that
// many, and a triple set with `coin` shows the coin it gave. Fires `canyu-triple` ({ parts, first,
// counts }), `canyu-toggle` ({ action, on }) and `canyu-coin` ({ total }).
import { CanyuElement, compact, define, h, isNotFound, userIdOf, type Messages, type WidgetClient } from './core.ts';

type Action = 'like' | 'favourite' | 'follow';
type State = { like: boolean; favourite: boolean; follow: boolean; likes: number; favourites: number; coin: number; coins: number };

const messages: Messages = {
  'zh-CN': { 'points.insufficient_balance': '硬币不足', 'interactions.coin_limit': '投币已达上限', coin: '投币', like: '点赞', favourite: '收藏', follow: '关注作者', following: '已关注', triple: '一键三连', hold: '长按点赞可一键三连', done: '三连成功' },
  en: { 'points.insufficient_balance': 'Not enough coins', 'interactions.coin_limit': 'You have given all the coins you can here', coin: 'Coin', like: 'Like', favourite: 'Favourite', follow: 'Follow author', following: 'Following', triple: 'Like, favourite and follow', hold: 'Hold the like button to do all three', done: 'All three done' },
};

const css = `
.row{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
button{display:inline-flex;align-items:center;gap:6px;border-radius:999px;position:relative;overflow:hidden}
button[aria-pressed=true]{color:var(--_accent);border-color:var(--_accent)}
.like::after{content:"";position:absolute;left:0;bottom:0;height:3px;width:0;background:var(--canyu-triple-progress,var(--_accent))}
.like.holding::after{width:100%;transition:width var(--_hold) linear}
.status{min-height:1.2em}
`;

export class CanyuTriple extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'kind', 'subject', 'coins'];
  }
  private c: WidgetClient | null = null;
  private me: string | null = null;
  private author: string | null = null;
  /** What the server last confirmed, and what is shown. */
  private confirmed: State = { like: false, favourite: false, follow: false, likes: 0, favourites: 0, coin: 0, coins: 0 };
  private shown: State = { ...this.confirmed };
  private buttons = {} as Record<Action | 'triple' | 'coin', HTMLButtonElement>;
  private status = h('div', { class: 'muted status', role: 'status', 'aria-live': 'polite', part: 'status' });
  private busy = 0;

  private get path() {
    return { kind: this.getAttribute('kind') ?? 'post', subjectId: this.getAttribute('subject') ?? '' };
  }
  /** How long a press is a long press (ms): `hold-ms`, default 600. */
  /** Coins one user may give (the app's coins.max_per_user); no coin button without it. */
  private get maxCoins(): number {
    return Math.max(0, Math.floor(Number(this.getAttribute('coins')) || 0));
  }
  private get holdMs(): number {
    return Number(this.getAttribute('hold-ms')) || 600;
  }

  protected async load(c: WidgetClient): Promise<void> {
    this.c = c;
    const [me, s] = await Promise.all([
      userIdOf(c),
      c.api.GET('/v1/subjects/{kind}/{subjectId}', { params: { path: this.path } }).then(
        (r) => r.data,
        (e: unknown) => {
          if (isNotFound(e)) return undefined; // created on the first interaction
          throw e;
        },
      ),
    ]);
    this.me = me;
    this.author = s?.author_id && s.author_id !== me ? s.author_id : null;
    let follow = false;
    if (this.author && me) follow = (await c.api.GET('/v1/users/{userId}/relationships/{targetId}', { params: { path: { userId: me, targetId: this.author } } })).data?.following ?? false;
    this.confirmed = { like: !!s?.viewer?.liked, favourite: !!s?.viewer?.favourited, follow, likes: s?.counts.likes ?? 0, favourites: s?.counts.favourites ?? 0, coin: s?.viewer?.coins ?? 0, coins: s?.counts.coins ?? 0 };
    this.shown = { ...this.confirmed };

    const like = h('button', { type: 'button', class: 'like', part: 'button like', title: this.t('hold') }) as HTMLButtonElement;
    like.style.setProperty('--_hold', `${this.holdMs}ms`);
    this.holdToTriple(like);
    const coin = h('button', { type: 'button', class: 'coin', part: 'button coin', hidden: !this.maxCoins, onclick: () => void this.coin() }) as HTMLButtonElement;
    const fav = h('button', { type: 'button', class: 'favourite', part: 'button favourite', onclick: () => void this.toggle('favourite') }) as HTMLButtonElement;
    const follow_ = h('button', { type: 'button', class: 'follow', part: 'button follow', hidden: !this.author, onclick: () => void this.toggle('follow') }) as HTMLButtonElement;
    const triple = h('button', { type: 'button', class: 'triple', part: 'button triple', onclick: () => void this.triple() }, this.t('triple')) as HTMLButtonElement;
    this.buttons = { like, coin, favourite: fav, follow: follow_, triple };
    this.body.replaceChildren(h('div', { class: 'row', role: 'group', 'aria-label': this.t('triple') }, like, coin, fav, follow_, triple), this.status);
    this.render();
  }

  /** A click toggles the like; holding the pointer down for hold-ms does the triple instead. */
  private holdToTriple(b: HTMLButtonElement): void {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let fired = false;
    const cancel = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      b.classList.remove('holding');
    };
    b.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      fired = false;
      b.classList.add('holding');
      timer = setTimeout(() => {
        cancel();
        fired = true;
        void this.triple();
      }, this.holdMs);
    });
    for (const type of ['pointerup', 'pointerleave', 'pointercancel']) b.addEventListener(type, cancel);
    b.addEventListener('contextmenu', (e) => e.preventDefault()); // a long touch opens no menu
    b.addEventListener('keydown', () => (fired = false)); // a long press that ended off the button leaves no click to swallow
    b.addEventListener('click', () => {
      if (fired) fired = false; // the click that ends a long press
      else void this.toggle('like');
    });
  }

  private render(): void {
    const s = this.shown;
    const { like, coin, favourite, follow, triple } = this.buttons;
    if (!like) return;
    const lang = this.language;
    like.setAttribute('aria-pressed', String(s.like));
    like.setAttribute('aria-label', `${this.t('like')} ${s.likes}`);
    like.replaceChildren(h('span', { 'aria-hidden': 'true' }, s.like ? '♥' : '♡'), h('span', { class: 'count', part: 'count' }, compact(s.likes, lang)));
    favourite.setAttribute('aria-pressed', String(s.favourite));
    favourite.setAttribute('aria-label', `${this.t('favourite')} ${s.favourites}`);
    favourite.replaceChildren(h('span', { 'aria-hidden': 'true' }, s.favourite ? '★' : '☆'), h('span', { class: 'count', part: 'count' }, compact(s.favourites, lang)));
    coin.setAttribute('aria-pressed', String(s.coin > 0));
    coin.setAttribute('aria-label', `${this.t('coin')} ${s.coins}`);
    coin.disabled = s.coin >= this.maxCoins;
    coin.replaceChildren(h('span', { 'aria-hidden': 'true' }, '🪙'), h('span', { class: 'count', part: 'count' }, compact(s.coins, lang)));
    follow.setAttribute('aria-pressed', String(s.follow));
    follow.textContent = this.t(s.follow ? 'following' : 'follow');
    for (const b of [like, coin, favourite, follow, triple]) b.setAttribute('aria-busy', String(this.busy > 0));
  }

  /** Shows `next` at once, runs `call`, and keeps what it confirms or puts back what the server had. */
  private async change(next: Partial<State>, call: () => Promise<Partial<State>>): Promise<boolean> {
    if (!this.c) return false;
    const before = this.shown;
    this.shown = { ...before, ...next };
    this.busy++;
    this.showError(null);
    this.render();
    try {
      this.confirmed = { ...this.confirmed, ...next, ...(await call()) };
      this.shown = { ...this.shown, ...this.confirmed };
      return true;
    } catch (e) {
      this.shown = { ...this.confirmed };
      this.showError(e);
      return false;
    } finally {
      this.busy--;
      this.render();
    }
  }

  private async toggle(a: Action): Promise<void> {
    const on = !this.shown[a];
    const api = this.c!.api;
    const params = { path: this.path };
    const d = on ? 1 : -1;
    let ok: boolean;
    if (a === 'like') {
      ok = await this.change({ like: on, likes: this.shown.likes + d }, async () => {
        const { data } = on ? await api.PUT('/v1/subjects/{kind}/{subjectId}/like', { params, body: {} }) : await api.DELETE('/v1/subjects/{kind}/{subjectId}/like', { params });
        return data ? { like: data.liked, likes: data.likes } : {};
      });
    } else if (a === 'favourite') {
      ok = await this.change({ favourite: on, favourites: this.shown.favourites + d }, async () => {
        const { data } = on ? await api.PUT('/v1/subjects/{kind}/{subjectId}/favourite', { params, body: {} }) : await api.DELETE('/v1/subjects/{kind}/{subjectId}/favourite', { params });
        return data ? { favourite: data.favourited, favourites: data.favourites } : {};
      });
    } else {
      if (!this.me || !this.author) return;
      const p = { params: { path: { userId: this.me, targetId: this.author } } };
      ok = await this.change({ follow: on }, async () => ({ follow: (on ? await api.PUT('/v1/users/{userId}/following/{targetId}', p) : await api.DELETE('/v1/users/{userId}/following/{targetId}', p)).data?.following ?? on }));
    }
    if (ok) this.emit('canyu-toggle', { action: a, on });
  }

  /** 投币: one more coin, up to the app's cap; the server refuses (and the count goes back) without coins. */
  async coin(): Promise<void> {
    const s = this.shown;
    if (s.coin >= this.maxCoins) return;
    const ok = await this.change({ coin: s.coin + 1, coins: s.coins + 1 }, async () => {
      const { data } = await this.c!.api.POST('/v1/subjects/{kind}/{subjectId}/coins', { params: { path: this.path }, body: { coins: 1 } });
      return data ? { coin: data.total, coins: data.counts.coins } : {};
    });
    if (ok) this.emit('canyu-coin', { total: this.confirmed.coin });
  }

  /** 一键三连: everything on at once, confirmed (or rolled back) by one call. */
  async triple(): Promise<void> {
    const s = this.shown;
    let data: { parts: Record<string, string | undefined>; first: boolean; counts: { likes: number; favourites: number; coins: number } } | undefined;
    const ok = await this.change(
      { like: true, favourite: true, follow: s.follow || !!this.author, likes: s.likes + (s.like ? 0 : 1), favourites: s.favourites + (s.favourite ? 0 : 1) },
      async () => {
        data = (await this.c!.api.POST('/v1/subjects/{kind}/{subjectId}/triple', { params: { path: this.path }, body: {} })).data;
        if (!data) return {};
        const p = data.parts;
        const done = (x: string | undefined, was: boolean) => (x === 'new' || x === 'existing' ? true : was);
        // What the app's triple set did not include stays as the server had it.
        const coin = p.coin === 'new' ? this.confirmed.coin + 1 : this.confirmed.coin;
        return { like: done(p.like, this.confirmed.like), favourite: done(p.favourite, this.confirmed.favourite), follow: done(p.follow_author, this.confirmed.follow), likes: data.counts.likes, favourites: data.counts.favourites, coin, coins: data.counts.coins };
      },
    );
    if (ok && data) {
      this.shown = { ...this.confirmed };
      this.render();
      this.status.textContent = this.t('done');
      this.emit('canyu-triple', data);
    }
  }
}

define('canyu-triple', CanyuTriple);
