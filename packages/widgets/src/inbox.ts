// <canyu-inbox></canyu-inbox>: a bell with the unread count; it opens the list (newest first,
// "load more"), marks an item read when opened, or all at once. New messages arrive over the
// realtime connection and raise the count at once.
import { createRealtime } from '@canyu/sdk';
import { CanyuElement, connectionOf, define, h, userIdOf, userText, type WidgetClient, type Messages } from './core.ts';

const messages: Messages = {
  'zh-CN': { inbox: '消息', unread: '{n} 条未读', readAll: '全部已读', empty: '暂无消息', signin: '请先登录' },
  en: { inbox: 'Inbox', unread: '{n} unread', readAll: 'Mark all read', empty: 'No messages', signin: 'Please sign in first.' },
};
const css = `
.bell{position:relative;border-radius:999px}.badge{background:var(--_accent);color:#fff;border-radius:999px;padding:0 6px;font-size:.8em;margin-left:4px}
.panel{border:1px solid var(--_border);border-radius:var(--_radius);background:var(--_bg);margin-top:6px;padding:8px;max-width:360px}
ul{list-style:none;margin:0;padding:0}li{padding:6px 0;border-top:1px solid var(--_border);cursor:pointer}
li.unread .title{font-weight:700}.title{display:block}.text{white-space:pre-wrap;word-break:break-word}
`;

export class CanyuInbox extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  private c: WidgetClient | null = null;
  private user = '';
  private unread = 0;
  private badge = h('span', { class: 'badge', part: 'badge' });
  private bell = h('button', { type: 'button', class: 'bell', part: 'bell', 'aria-expanded': 'false' }) as HTMLButtonElement;
  private panel = h('div', { class: 'panel', part: 'panel', hidden: true });
  private list = h('ul') as HTMLUListElement;
  private rt: { close(): void } | null = null;

  protected async load(c: WidgetClient): Promise<void> {
    this.c = c;
    this.stop();
    const user = await userIdOf(c);
    if (!user) {
      this.body.replaceChildren(h('span', { class: 'muted' }, this.t('signin')));
      return;
    }
    this.user = user;
    this.bell.onclick = () => void this.toggle();
    this.panel.replaceChildren(h('button', { type: 'button', class: 'read-all', onclick: () => void this.readAll() }, this.t('readAll')), this.list);
    this.body.replaceChildren(this.bell, this.panel);
    const rt = createRealtime(connectionOf(c));
    rt.on('message', () => void this.refresh());
    rt.on('announcement', () => void this.refresh());
    this.rt = rt;
    await this.refresh();
  }

  protected override stop(): void {
    this.rt?.close();
    this.rt = null;
  }

  /** The unread count, and the list when it is open. */
  private async refresh(): Promise<void> {
    try {
      const { data } = await this.c!.api.GET('/v1/users/{userId}/inbox/unread', { params: { path: { userId: this.user } } });
      this.unread = data?.total ?? 0;
      this.bell.replaceChildren(h('span', { 'aria-hidden': 'true' }, '🔔 '), this.t('inbox'), this.badge);
      this.badge.textContent = String(this.unread);
      this.badge.hidden = this.unread === 0;
      this.bell.setAttribute('aria-label', `${this.t('inbox')}, ${this.t('unread', { n: this.unread })}`);
      if (!this.panel.hidden) await this.fill();
    } catch (e) {
      this.showError(e);
    }
  }

  private async fill(): Promise<void> {
    const { data } = await this.c!.api.GET('/v1/users/{userId}/inbox', { params: { path: { userId: this.user }, query: { limit: 50 } } });
    const items = data?.data ?? [];
    this.list.replaceChildren(...items.map((it) => {
      const li = h('li', { class: it.read_at ? '' : 'unread', tabindex: 0, 'data-id': it.id }, h('span', { class: 'title' }, userText(it.title)), h('span', { class: 'text' }, userText(it.body)));
      const open = () => void this.read(it.id, !it.read_at);
      li.addEventListener('click', open);
      li.addEventListener('keydown', (e) => (e.key === 'Enter' ? open() : undefined));
      return li;
    }));
    if (!items.length) this.list.append(h('li', { class: 'muted' }, this.t('empty')));
  }

  private async toggle(): Promise<void> {
    this.panel.hidden = !this.panel.hidden;
    this.bell.setAttribute('aria-expanded', String(!this.panel.hidden));
    if (!this.panel.hidden) await this.fill().catch((e: unknown) => this.showError(e));
  }

  private async read(itemId: string, wasUnread: boolean): Promise<void> {
    if (!wasUnread) return;
    try {
      await this.c!.api.POST('/v1/users/{userId}/inbox/{itemId}/read', { params: { path: { userId: this.user, itemId } } });
    } catch (e) {
      this.showError(e);
    }
    await this.refresh();
  }

  private async readAll(): Promise<void> {
    try {
      await this.c!.api.POST('/v1/users/{userId}/inbox/read', { params: { path: { userId: this.user } }, body: {} });
    } catch (e) {
      this.showError(e);
    }
    await this.refresh();
  }
}

define('canyu-inbox', CanyuInbox);
