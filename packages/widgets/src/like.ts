// <canyu-like kind="video" subject="BV1xx"></canyu-like>: a like button with the count. A click
// shows the new state at once (optimistic); the server's answer then sets the count, and a failure
// puts back the last state the server confirmed and says why. Clicks while a call is in flight
// are folded: only the final wanted state is sent. Fires `canyu-like` with { liked, likes }.
// For a signed-in user the count follows everyone's likes live (realtime topic subject:<kind>:<id>;
// data-live="joined" once it does).
import { CanyuElement, compact, define, h, isNotFound, userIdOf, type WidgetClient, type Messages } from './core.ts';
import { followCounts } from './live-counts.ts';

const messages: Messages = {
  'zh-CN': { like: '点赞', liked: '已点赞', count: '{n} 人点赞' },
  en: { like: 'Like', liked: 'Liked', count: '{n} likes' },
};

const css = `
button{display:inline-flex;align-items:center;gap:6px;border-radius:999px}
button[aria-pressed=true]{color:var(--_accent);border-color:var(--_accent)}
.icon{font-size:1.1em;line-height:1}
`;

export class CanyuLike extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'kind', 'subject'];
  }

  private client: WidgetClient | null = null;
  /** What the server last said. */
  private confirmed = { liked: false, likes: 0 };
  /** What the user wants (the last click). */
  private want = false;
  private busy = false;
  private button: HTMLButtonElement | null = null;
  private unfollow: (() => void) | null = null;

  private get path() {
    return { kind: this.getAttribute('kind') ?? 'post', subjectId: this.getAttribute('subject') ?? '' };
  }

  protected async load(c: WidgetClient): Promise<void> {
    this.client = c;
    this.stop();
    const [me] = await Promise.all([userIdOf(c), this.fetch(c)]);
    this.want = this.confirmed.liked;
    this.button = h('button', { type: 'button', part: 'button', onclick: () => this.toggle() }) as HTMLButtonElement;
    this.body.replaceChildren(this.button);
    this.render();
    if (!me) return; // a visitor (no user token) has no realtime connection
    const { kind, subjectId } = this.path;
    this.unfollow = followCounts(c, kind, subjectId, {
      // Counts that change while a click is in flight wait for its answer, which carries them.
      counts: (n) => {
        if (this.busy) return;
        this.confirmed = { ...this.confirmed, likes: n.likes };
        this.render();
      },
      joined: (again) => {
        this.dataset.live = 'joined';
        if (again && !this.busy) void this.fetch(c).then(() => this.render(), () => {});
      },
    });
  }

  /** What the server has: the viewer's like and the count. */
  private async fetch(c: WidgetClient): Promise<void> {
    const { data } = await c.api.GET('/v1/subjects/{kind}/{subjectId}', { params: { path: this.path } }).catch((err: unknown) => {
      if (isNotFound(err)) return { data: undefined }; // nobody interacted yet: created on the first like
      throw err;
    });
    this.confirmed = { liked: data?.viewer?.liked ?? false, likes: data?.counts.likes ?? 0 };
  }

  protected override stop(): void {
    this.unfollow?.();
    this.unfollow = null;
    delete this.dataset.live;
  }

  /** The shown state: the wanted one, counted against what the server confirmed. */
  get liked(): boolean {
    return this.want;
  }
  get likes(): number {
    const { liked, likes } = this.confirmed;
    return likes + (this.want === liked ? 0 : this.want ? 1 : -1);
  }

  private render(): void {
    const b = this.button;
    if (!b) return;
    b.setAttribute('aria-pressed', String(this.want));
    b.setAttribute('aria-busy', String(this.busy)); // true while the server has not confirmed the shown state
    b.setAttribute('aria-label', `${this.t(this.want ? 'liked' : 'like')}, ${this.t('count', { n: this.likes })}`);
    b.replaceChildren(h('span', { class: 'icon', 'aria-hidden': 'true' }, this.want ? '♥' : '♡'), h('span', { part: 'count', class: 'count' }, compact(this.likes, this.language)));
  }

  /** Flips the wanted state and shows it at once. */
  toggle(): void {
    if (!this.client) return;
    this.want = !this.want;
    this.showError(null);
    this.render();
    void this.sync();
  }

  private async sync(): Promise<void> {
    const c = this.client;
    if (this.busy || !c) return;
    this.busy = true;
    this.render();
    try {
      while (this.want !== this.confirmed.liked) {
        const params = { path: this.path };
        const { data } = this.want ? await c.api.PUT('/v1/subjects/{kind}/{subjectId}/like', { params, body: {} }) : await c.api.DELETE('/v1/subjects/{kind}/{subjectId}/like', { params });
        if (data) this.confirmed = { liked: data.liked, likes: data.likes };
      }
      this.emit('canyu-like', { liked: this.confirmed.liked, likes: this.confirmed.likes });
    } catch (err) {
      this.want = this.confirmed.liked; // roll back to what the server has
      this.showError(err);
    } finally {
      this.busy = false;
      this.render();
    }
  }
}

define('canyu-like', CanyuLike);
