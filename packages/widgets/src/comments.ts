// <canyu-comments kind="video" subject="BV1xx"></canyu-comments>: the thread of a subject, sorted
// hot/new/top, paged with "load more"; post, reply (replies shown under their root), like and
// report. Every body and user id is inserted as text.
import { CanyuElement, define, h, isNotFound, userText, type WidgetClient, type Messages } from './core.ts';
import type { components } from '@canyu/sdk/browser';

type Comment = components['schemas']['Comment'];

const messages: Messages = {
  'zh-CN': { placeholder: '发一条友善的评论', post: '发布', reply: '回复', replies: '{n} 条回复', like: '点赞', report: '举报', reported: '已举报', hot: '最热', new: '最新', top: '最多赞', sort: '排序', empty: '还没有评论', deleted: '该评论已删除', featured: '精彩', pinned: '置顶',
    'interactions.comment_too_long': '内容太长了', 'interactions.comment_deleted': '内容已被删除', 'interactions.comment_not_found': '内容已被删除' },
  en: { placeholder: 'Add a kind comment', post: 'Post', reply: 'Reply', replies: '{n} replies', like: 'Like', report: 'Report', reported: 'Reported', hot: 'Hot', new: 'Newest', top: 'Top', sort: 'Sort', empty: 'No comments yet', deleted: 'This comment was deleted', featured: 'Featured', pinned: 'Pinned',
    'interactions.comment_too_long': 'That is too long.', 'interactions.comment_deleted': 'This was deleted.', 'interactions.comment_not_found': 'This was deleted.' },
};

const css = `
form{display:flex;gap:8px;margin:8px 0}textarea{flex:1;min-height:2.5em;resize:vertical}
ul{list-style:none;margin:0;padding:0}li{padding:8px 0;border-top:1px solid var(--_border)}
ul ul{margin-left:24px}.who{font-weight:600}.tag{margin-left:6px;padding:0 6px;border-radius:4px;font-size:.8em;color:#fff;background:var(--canyu-comments-tag,var(--_accent))}.text{white-space:pre-wrap;word-break:break-word;margin:2px 0}
.actions{display:flex;gap:6px}.actions button{padding:0 8px;font-size:.85em}
button[aria-pressed=true]{color:var(--_accent);border-color:var(--_accent)}
`;

export class CanyuComments extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'kind', 'subject', 'sort'];
  }
  private c: WidgetClient | null = null;
  private list!: HTMLUListElement;
  private more!: HTMLButtonElement;
  private cursor: string | null = null;

  private get path() {
    return { kind: this.getAttribute('kind') ?? 'post', subjectId: this.getAttribute('subject') ?? '' };
  }
  private get sort(): 'hot' | 'new' | 'top' {
    const s = this.getAttribute('sort');
    return s === 'new' || s === 'top' ? s : 'hot';
  }

  protected async load(c: WidgetClient): Promise<void> {
    this.c = c;
    const select = h('select', { 'aria-label': this.t('sort'), part: 'sort', onchange: (e) => this.setAttribute('sort', (e.target as HTMLSelectElement).value) }) as HTMLSelectElement;
    for (const s of ['hot', 'new', 'top']) select.append(h('option', { value: s, selected: s === this.sort }, this.t(s)));
    const text = h('textarea', { 'aria-label': this.t('placeholder'), placeholder: this.t('placeholder'), maxlength: 10000 }) as HTMLTextAreaElement;
    const form = h('form', { part: 'form', onsubmit: (e) => (e.preventDefault(), void this.post(text)) }, text, h('button', { type: 'submit', class: 'primary' }, this.t('post')));
    this.list = h('ul', { part: 'list' }) as HTMLUListElement;
    this.more = h('button', { type: 'button', hidden: true, onclick: () => void this.page().catch((e: unknown) => this.showError(e)) }, this.t('more')) as HTMLButtonElement;
    this.body.replaceChildren(select, form, this.list, this.more);
    this.cursor = null;
    await this.page();
  }

  private async page(): Promise<void> {
    const { data } = await this.c!.api
      .GET('/v1/subjects/{kind}/{subjectId}/comments', { params: { path: this.path, query: { sort: this.sort, limit: 20, ...(this.cursor ? { cursor: this.cursor } : {}) } } })
      .catch((e: unknown) => {
        if (isNotFound(e)) return { data: { data: [] as Comment[], next_cursor: null } }; // created with the first comment
        throw e;
      });
    if (!data) return;
    for (const cm of data.data) this.list.append(this.item(cm));
    this.cursor = data.next_cursor;
    this.more.hidden = !this.cursor;
    if (!this.list.children.length) this.list.append(h('li', { class: 'muted empty' }, this.t('empty')));
  }

  private item(cm: Comment): HTMLElement {
    const liked = !!cm.viewer?.liked;
    const likeBtn = h('button', { type: 'button', 'aria-pressed': String(liked), 'aria-label': this.t('like') }, `♥ ${cm.likes}`);
    let state = { liked, likes: cm.likes };
    likeBtn.addEventListener('click', () => {
      const want = !state.liked;
      const prev = state;
      state = { liked: want, likes: state.likes + (want ? 1 : -1) };
      const show = () => (likeBtn.setAttribute('aria-pressed', String(state.liked)), (likeBtn.textContent = `♥ ${state.likes}`));
      show();
      const params = { path: { commentId: cm.id } };
      (want ? this.c!.api.PUT('/v1/comments/{commentId}/like', { params, body: {} }) : this.c!.api.DELETE('/v1/comments/{commentId}/like', { params })).then(
        ({ data }) => ((state = data ? { liked: data.liked, likes: data.likes } : state), show()),
        (e: unknown) => ((state = prev), show(), this.showError(e)),
      );
    });
    const report = h('button', { type: 'button' }, this.t('report'));
    report.addEventListener('click', () => {
      this.c!.api.POST('/v1/comments/{commentId}/reports', { params: { path: { commentId: cm.id } }, body: { reason: 'other' } }).then(
        () => ((report.textContent = this.t('reported')), report.setAttribute('disabled', '')),
        (e: unknown) => this.showError(e),
      );
    });
    const replies = h('ul');
    const tag = (on: boolean | undefined, key: string) => (on ? h('span', { class: `tag ${key}`, part: `tag ${key}` }, this.t(key)) : null);
    const li = h('li', { 'data-id': cm.id, part: 'comment' }, h('span', { class: 'who' }, userText(cm.user_id)), tag(cm.pinned, 'pinned'), tag(cm.featured, 'featured'), h('div', { class: 'text' }, cm.body === null ? this.t('deleted') : userText(cm.body)));
    const actions = h('div', { class: 'actions' }, likeBtn, report);
    if (!cm.root_id) {
      const replyBtn = h('button', { type: 'button' }, this.t('reply'));
      replyBtn.addEventListener('click', () => {
        const text = h('textarea', { 'aria-label': this.t('reply') }) as HTMLTextAreaElement;
        const form = h('form', { onsubmit: (e) => (e.preventDefault(), void this.reply(cm.id, text, replies, form)) }, text, h('button', { type: 'submit', class: 'primary' }, this.t('reply')));
        li.insertBefore(form, replies);
        text.focus();
      });
      actions.append(replyBtn);
      if (cm.reply_count > 0) {
        const open = h('button', { type: 'button', 'aria-expanded': 'false' }, this.t('replies', { n: cm.reply_count }));
        open.addEventListener('click', () => {
          open.remove();
          this.c!.api.GET('/v1/comments/{commentId}/replies', { params: { path: { commentId: cm.id }, query: { limit: 50 } } }).then(
            ({ data }) => data && replies.replaceChildren(...data.data.map((r) => this.item(r))),
            (e: unknown) => this.showError(e),
          );
        });
        actions.append(open);
      }
    }
    li.append(actions, replies);
    return li;
  }

  private async post(text: HTMLTextAreaElement): Promise<void> {
    const body = text.value.trim();
    if (!body) return;
    this.showError(null);
    try {
      const { data } = await this.c!.api.POST('/v1/subjects/{kind}/{subjectId}/comments', { params: { path: this.path }, body: { body } });
      if (data) {
        this.list.querySelector('.empty')?.remove();
        this.list.prepend(this.item(data));
        text.value = '';
        this.emit('canyu-comment', data);
      }
    } catch (e) {
      this.showError(e);
    }
  }

  private async reply(rootId: string, text: HTMLTextAreaElement, replies: HTMLElement, form: HTMLElement): Promise<void> {
    const body = text.value.trim();
    if (!body) return;
    try {
      const { data } = await this.c!.api.POST('/v1/comments/{commentId}/replies', { params: { path: { commentId: rootId } }, body: { body } });
      if (data) replies.append(this.item(data));
      form.remove();
    } catch (e) {
      this.showError(e);
    }
  }
}

define('canyu-comments', CanyuComments);
