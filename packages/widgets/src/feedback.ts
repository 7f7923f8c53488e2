// <canyu-feedback-board board="board_…"></canyu-feedback-board>: the feature requests of a board,
// most voted or newest first, each with its status badge and a vote toggle (optimistic, rolled back
// on refusal), "load more", and a form to post a new request (idea, bug or question; the author's
// vote comes with it). Titles and bodies are inserted as text. Fires `canyu-feedback-vote`
// ({ post, voted }) and `canyu-feedback-post` (the new post).
import { CanyuElement, compact, define, h, userIdOf, userText, type Messages, type WidgetClient } from './core.ts';
import type { components } from '@canyu/sdk';

type Post = components['schemas']['FeedbackPost'];

const messages: Messages = {
  'zh-CN': {
    top: '最多投票', new: '最新', sort: '排序', vote: '投票', votes: '{n} 票', title: '标题', body: '详细描述（可选）', submit: '提交建议', type: '类型',
    idea: '建议', bug: '问题', question: '提问', empty: '还没有反馈，来提第一条吧', new_post: '提交新的反馈', official: '官方回复',
    open: '待处理', under_review: '评估中', planned: '已计划', in_progress: '开发中', done: '已完成', declined: '未采纳',
    'feedback.board_not_found': '反馈板不存在', 'feedback.post_not_found': '反馈不存在', 'feedback.post_merged': '该反馈已合并到另一条反馈',
  },
  en: {
    top: 'Most voted', new: 'Newest', sort: 'Sort', vote: 'Vote', votes: '{n} votes', title: 'Title', body: 'Details (optional)', submit: 'Submit', type: 'Type',
    idea: 'Idea', bug: 'Bug', question: 'Question', empty: 'No requests yet. Be the first!', new_post: 'Post a request', official: 'Official response',
    open: 'Open', under_review: 'Under review', planned: 'Planned', in_progress: 'In progress', done: 'Done', declined: 'Declined',
    'feedback.board_not_found': 'This board does not exist.', 'feedback.post_not_found': 'This request does not exist.', 'feedback.post_merged': 'This request was merged into another one.',
  },
};

const css = `
.bar{display:flex;gap:8px;align-items:center;justify-content:space-between;margin-bottom:8px}
form{display:grid;gap:6px;margin:8px 0;padding:8px;border:1px solid var(--_border);border-radius:var(--_radius)}
input{font:inherit;color:inherit;background:var(--_bg);border:1px solid var(--_border);border-radius:var(--_radius);padding:6px 8px}
input:focus-visible{outline:2px solid var(--_accent);outline-offset:1px}
textarea{min-height:3em;resize:vertical}
ul{list-style:none;margin:0;padding:0}li{display:flex;gap:12px;padding:10px 0;border-top:1px solid var(--_border)}
.vote{display:flex;flex-direction:column;align-items:center;min-width:3.2em;padding:4px 6px;line-height:1.2}
.vote[aria-pressed=true]{color:var(--_accent);border-color:var(--_accent)}
.main{flex:1;min-width:0}.title{font-weight:600;word-break:break-word}.text{white-space:pre-wrap;word-break:break-word;margin:2px 0}
.badge{display:inline-block;font-size:.8em;padding:0 6px;border-radius:999px;margin-left:6px;background:var(--canyu-badge-bg,var(--_border));color:var(--_text)}
.badge.planned,.badge.in_progress{background:var(--canyu-badge-active,#e6f4ff)}.badge.done{background:var(--canyu-badge-done,#e8f7ec)}.badge.declined{opacity:.7}
.response{border-left:3px solid var(--_accent);padding-left:8px;margin-top:4px}
`;

export class CanyuFeedbackBoard extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'board', 'sort'];
  }
  private c: WidgetClient | null = null;
  private list = h('ul', { part: 'list' });
  private more = h('button', { type: 'button', class: 'more', hidden: true }) as HTMLButtonElement;
  private cursor: string | null = null;

  private get board(): string {
    return this.getAttribute('board') ?? '';
  }
  private get sort(): 'top' | 'new' {
    return this.getAttribute('sort') === 'new' ? 'new' : 'top';
  }

  protected async load(c: WidgetClient): Promise<void> {
    this.c = c;
    const select = h('select', { 'aria-label': this.t('sort'), part: 'sort', onchange: (e) => this.setAttribute('sort', (e.target as HTMLSelectElement).value) }) as HTMLSelectElement;
    for (const s of ['top', 'new']) select.append(h('option', { value: s, selected: s === this.sort }, this.t(s)));
    const type = h('select', { 'aria-label': this.t('type'), name: 'type' }) as HTMLSelectElement;
    for (const s of ['idea', 'bug', 'question']) type.append(h('option', { value: s }, this.t(s)));
    const title = h('input', { type: 'text', name: 'title', 'aria-label': this.t('title'), placeholder: this.t('title'), maxlength: 300, required: true }) as HTMLInputElement;
    const body = h('textarea', { name: 'body', 'aria-label': this.t('body'), placeholder: this.t('body'), maxlength: 20000 }) as HTMLTextAreaElement;
    const form = h('form', { part: 'form', 'aria-label': this.t('new_post'), onsubmit: (e) => (e.preventDefault(), void this.submit(type, title, body)) }, type, title, body, h('button', { type: 'submit', class: 'primary' }, this.t('submit')));
    this.more.textContent = this.t('more');
    this.more.onclick = () => void this.page().catch((e: unknown) => this.showError(e));
    this.list.replaceChildren();
    this.cursor = null;
    this.body.replaceChildren(h('div', { class: 'bar' }, select), form, this.list, this.more);
    await this.page();
  }

  private async page(): Promise<void> {
    const { data } = await this.c!.api.GET('/v1/feedback/boards/{boardId}/posts', { params: { path: { boardId: this.board }, query: { sort: this.sort, limit: 20, ...(this.cursor ? { cursor: this.cursor } : {}) } } });
    if (!data) return;
    for (const p of data.data) this.list.append(this.item(p));
    this.cursor = data.next_cursor;
    this.more.hidden = !this.cursor;
    if (!this.list.children.length) this.list.append(h('li', { class: 'muted empty' }, this.t('empty')));
  }

  private item(p: Post): HTMLElement {
    let state = { voted: !!p.my_vote, votes: p.votes };
    const vote = h('button', { type: 'button', class: 'vote', part: 'vote' }) as HTMLButtonElement;
    const show = () => {
      vote.setAttribute('aria-pressed', String(state.voted));
      vote.setAttribute('aria-label', `${this.t('vote')}, ${this.t('votes', { n: state.votes })}`);
      vote.replaceChildren(h('span', { 'aria-hidden': 'true' }, '▲'), h('span', { class: 'count' }, compact(state.votes, this.language)));
    };
    show();
    vote.addEventListener('click', () => {
      if (vote.getAttribute('aria-busy') === 'true') return;
      const prev = state;
      const want = !state.voted;
      state = { voted: want, votes: state.votes + (want ? 1 : -1) };
      show();
      vote.setAttribute('aria-busy', 'true');
      this.showError(null);
      const api = this.c!.api;
      const done = want
        ? api.POST('/v1/feedback/posts/{postId}/votes', { params: { path: { postId: p.id } }, body: {} }).then(({ data }) => data && (state = { voted: true, votes: data.votes }))
        : userIdOf(this.c!).then((me) => api.DELETE('/v1/feedback/posts/{postId}/votes/{userId}', { params: { path: { postId: p.id, userId: me ?? '' } } }));
      done.then(
        () => this.emit('canyu-feedback-vote', { post: p.id, voted: state.voted }),
        (e: unknown) => ((state = prev), this.showError(e)),
      ).finally(() => (vote.setAttribute('aria-busy', 'false'), show()));
    });
    const response = p.response ? h('div', { class: 'response', part: 'response' }, h('span', { class: 'muted' }, this.t('official')), h('div', { class: 'text' }, userText(p.response.body))) : null;
    return h(
      'li',
      { 'data-id': p.id, part: 'post' },
      vote,
      h('div', { class: 'main' },
        h('div', { class: 'title' }, userText(p.title), h('span', { class: `badge ${p.status}`, part: 'badge' }, this.t(p.status))),
        p.body ? h('div', { class: 'text' }, userText(p.body)) : null,
        response,
      ),
    );
  }

  private async submit(type: HTMLSelectElement, title: HTMLInputElement, body: HTMLTextAreaElement): Promise<void> {
    const t = title.value.trim();
    if (!t) return;
    this.showError(null);
    try {
      const b = body.value.trim();
      const { data } = await this.c!.api.POST('/v1/feedback/boards/{boardId}/posts', {
        params: { path: { boardId: this.board } },
        body: { type: type.value as 'idea' | 'bug' | 'question', title: t, ...(b ? { body: b } : {}) },
      });
      if (data) {
        this.list.querySelector('.empty')?.remove();
        this.list.prepend(this.item(data));
        title.value = body.value = '';
        this.emit('canyu-feedback-post', data);
      }
    } catch (e) {
      this.showError(e);
    }
  }
}

define('canyu-feedback-board', CanyuFeedbackBoard);
