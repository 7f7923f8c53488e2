// <canyu-survey event="order.paid"></canyu-survey>: a survey popup. It asks the server whether to
// show one (POST /v1/surveys/next: targeting, trigger event, quota, the app's recontact wait and the
// user's contact budget are the server's call; asking records the offer), then shows the questions
// one at a time (single, multiple, text, rating, NPS, CSAT, date), following the survey's
// branching, and sends the answers on the path when the user finishes. Escape or × dismisses it.
// The host's `data-state` says where it is: asking, shown, completed, dismissed, closed (after
// completing), failed, or none (nothing to show; `data-reason` says why: recontact_wait, capped…).
// `manual` waits for ask(event). It does not take the focus when it appears (the page keeps it);
// it is a labelled, non-modal dialog. Texts are inserted as text.
// Fires `canyu-survey` ({ state, survey?, reason? }).
import { CanyuElement, define, h, type Messages, type WidgetClient } from './core.ts';
import type { components } from '@canyu/sdk';
// The survey's branching exactly as the server walks it: the first matching branch jumps forward.
import { matches, type Condition } from '../../server/src/lib/answer-match.ts';

type Survey = components['schemas']['Survey'];
type Answer = string | number | string[];
type Question = {
  id: string;
  type: 'single' | 'multiple' | 'text' | 'rating' | 'nps' | 'csat' | 'date';
  title: string;
  description?: string;
  required?: boolean;
  options?: { id: string; text: string }[];
  max_choices?: number;
  branches?: { when: Condition; goto: string }[];
};

const messages: Messages = {
  'zh-CN': { close: '关闭', next: '下一题', back: '上一题', submit: '提交', thanks: '感谢你的反馈！', points: '已获得 {n} 积分', required: '请先回答这道题', step: '第 {i} 题', low: '不太可能', high: '非常可能', text: '你的回答',
    'surveys.not_active': '问卷当前未开放', 'surveys.quota_reached': '问卷回收数量已满', 'surveys.already_completed': '你已经完成了这份问卷', 'surveys.not_found': '问卷不存在' },
  en: { close: 'Close', next: 'Next', back: 'Back', submit: 'Submit', thanks: 'Thank you for your feedback!', points: 'You earned {n} points', required: 'Please answer this question first.', step: 'Question {i}', low: 'Not likely', high: 'Very likely', text: 'Your answer',
    'surveys.not_active': 'This survey is not open.', 'surveys.quota_reached': 'This survey has enough answers.', 'surveys.already_completed': 'You have already completed this survey.', 'surveys.not_found': 'This survey does not exist.' },
};

const css = `
:host{position:fixed;right:16px;bottom:16px;z-index:var(--canyu-survey-z,2147483000)}
.panel{width:var(--canyu-survey-width,340px);max-width:calc(100vw - 32px);background:var(--_bg);border:1px solid var(--_border);border-radius:var(--_radius);box-shadow:var(--canyu-survey-shadow,0 8px 24px rgba(0,0,0,.15));padding:12px 14px}
.head{display:flex;justify-content:space-between;align-items:start;gap:8px}.name{font-weight:600}
.x{border:none;padding:0 6px;font-size:1.2em;line-height:1}
fieldset{border:none;margin:8px 0;padding:0}legend{font-weight:600;padding:0;margin-bottom:6px}
label{display:flex;gap:6px;align-items:center;padding:2px 0;cursor:pointer}
.scale{display:flex;flex-wrap:wrap;gap:4px}.scale label{flex-direction:column;gap:0;font-size:.85em;min-width:1.8em}
.ends{display:flex;justify-content:space-between}
textarea{width:100%;min-height:4em}
input[type=date]{font:inherit;padding:4px}
.nav{display:flex;justify-content:flex-end;gap:8px;margin-top:8px}
`;

export class CanyuSurvey extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  private c: WidgetClient | null = null;
  private survey: Survey | null = null;
  private questions: Question[] = [];
  /** Indexes of the questions asked so far (the path), the current one last. */
  private path: number[] = [];
  private answers = new Map<string, Answer>();
  private asked = false;

  private setState(state: string, extra: Record<string, unknown> = {}): void {
    this.dataset.state = state;
    if (typeof extra.reason === 'string') this.dataset.reason = extra.reason;
    this.emit('canyu-survey', { state, ...extra });
  }

  protected async load(c: WidgetClient): Promise<void> {
    this.c = c;
    // Asking records an offer: a language change re-renders, it does not ask again.
    if (this.survey) return this.render();
    if (!this.asked && !this.hasAttribute('manual')) await this.ask(this.getAttribute('event') ?? undefined);
  }

  /** Asks the server for a survey to show now (after `event`, for surveys it triggers). */
  async ask(event?: string): Promise<void> {
    if (!this.c) return;
    this.asked = true;
    this.setState('asking');
    let data;
    try {
      data = (await this.c.api.POST('/v1/surveys/next', { body: event ? { event } : {} })).data;
    } catch (e) {
      this.setState('failed');
      return this.showError(e);
    }
    if (!data?.survey) {
      this.body.replaceChildren();
      this.setState('none', { reason: data?.reason ?? 'none_eligible' });
      return;
    }
    this.survey = data.survey;
    this.questions = data.survey.questions as unknown as Question[];
    this.path = [0];
    this.answers.clear();
    this.render();
    this.setState('shown', { survey: data.survey });
  }

  private close(state: 'dismissed' | 'closed'): void {
    this.body.replaceChildren();
    this.survey = null;
    this.setState(state);
  }

  private render(): void {
    const s = this.survey;
    const q = s && this.questions[this.path[this.path.length - 1] ?? 0];
    if (!s || !q) return;
    const titleId = 'canyu-survey-title';
    const field = h('fieldset', { part: 'question' }, h('legend', {}, q.title));
    if (q.description) field.append(h('p', { class: 'muted' }, q.description));
    const prev = this.answers.get(q.id);
    const read = this.input(q, field, prev);
    const last = this.nextIndex(q, prev ?? null) === null;
    const next = h('button', { type: 'submit', class: 'primary', part: 'button' }, this.t('next')) as HTMLButtonElement;
    const form = h('form', { onsubmit: (e) => (e.preventDefault(), void this.advance(q, read(), next)) }, field,
      h('div', { class: 'nav' }, this.path.length > 1 ? h('button', { type: 'button', class: 'back', onclick: () => (this.path.pop(), this.render()) }, this.t('back')) : null, next));
    next.textContent = this.t(last ? 'submit' : 'next');
    // The label says whether this is the last step once the answer decides it (branching).
    form.addEventListener('change', () => (next.textContent = this.t(this.nextIndex(q, read()) === null ? 'submit' : 'next')));
    const panel = h('div', { class: 'panel', role: 'dialog', 'aria-labelledby': titleId, part: 'dialog' },
      h('div', { class: 'head' }, h('div', { class: 'name', id: titleId }, s.name), h('button', { type: 'button', class: 'x', 'aria-label': this.t('close'), onclick: () => this.close('dismissed') }, '×')),
      s.description && this.path.length === 1 ? h('p', { class: 'muted' }, s.description) : null,
      h('div', { class: 'muted step' }, this.t('step', { i: this.path.length })),
      form,
    );
    panel.addEventListener('keydown', (e) => e.key === 'Escape' && this.close('dismissed'));
    this.body.replaceChildren(panel);
  }

  /** Builds the controls of a question into `field`; returns a reader of the current answer (null: none). */
  private input(q: Question, field: HTMLElement, prev: Answer | undefined): () => Answer | null {
    const name = `q-${q.id}`;
    if (q.type === 'text' || q.type === 'date') {
      const el = (q.type === 'text'
        ? h('textarea', { name, 'aria-label': this.t('text'), maxlength: 5000 })
        : h('input', { type: 'date', name, 'aria-label': q.title })) as HTMLInputElement | HTMLTextAreaElement;
      el.value = typeof prev === 'string' ? prev : '';
      field.append(el);
      return () => el.value.trim() || null;
    }
    const scale = q.type === 'nps' ? [0, 10] : q.type === 'rating' || q.type === 'csat' ? [1, 5] : null;
    const choices = scale ? Array.from({ length: scale[1]! - scale[0]! + 1 }, (_, i) => ({ id: String(scale[0]! + i), text: String(scale[0]! + i) })) : (q.options ?? []);
    const multi = q.type === 'multiple';
    const inputs = choices.map((o) => {
      const input = h('input', { type: multi ? 'checkbox' : 'radio', name, value: o.id }) as HTMLInputElement;
      input.checked = Array.isArray(prev) ? prev.includes(o.id) : prev !== undefined && String(prev) === o.id;
      return input;
    });
    const box = h('div', { class: scale ? 'scale' : '' });
    choices.forEach((o, i) => box.append(h('label', {}, inputs[i]!, h('span', {}, o.text))));
    field.append(box);
    if (q.type === 'nps') field.append(h('div', { class: 'muted ends', 'aria-hidden': 'true' }, h('span', {}, this.t('low')), h('span', {}, this.t('high'))));
    if (multi && q.max_choices) {
      const max = q.max_choices;
      const sync = () => {
        const n = inputs.filter((i) => i.checked).length;
        for (const i of inputs) i.disabled = !i.checked && n >= max;
      };
      box.addEventListener('change', sync);
      sync();
    }
    return () => {
      const on = inputs.filter((i) => i.checked).map((i) => i.value);
      if (!on.length) return null;
      return multi ? on : scale ? Number(on[0]) : on[0]!;
    };
  }

  /** The index of the question after `q` given its answer, or null at the end of the path. */
  private nextIndex(q: Question, a: Answer | null): number | null {
    const i = this.questions.indexOf(q);
    const b = a === null ? undefined : (q.branches ?? []).find((br) => matches(br.when, a));
    const j = !b ? i + 1 : b.goto === 'end' ? -1 : this.questions.findIndex((x) => x.id === b.goto);
    return j >= 0 && j < this.questions.length ? j : null;
  }

  private async advance(q: Question, a: Answer | null, button: HTMLButtonElement): Promise<void> {
    this.showError(null);
    if (a === null && q.required !== false) {
      this.errorLine.hidden = false;
      this.errorLine.textContent = this.t('required');
      return;
    }
    if (a === null) this.answers.delete(q.id);
    else this.answers.set(q.id, a);
    const j = this.nextIndex(q, a);
    if (j !== null) {
      this.path.push(j);
      this.render();
      this.body.querySelector<HTMLElement>('input,textarea')?.focus();
      return;
    }
    // The end of the path: send the answers of the questions on it (answers on abandoned branches are not kept).
    const s = this.survey!;
    const onPath = this.path.map((i) => this.questions[i]!.id);
    button.disabled = true;
    try {
      await this.c!.api.POST('/v1/surveys/{surveyId}/responses', {
        params: { path: { surveyId: s.id } },
        body: { answers: onPath.filter((id) => this.answers.has(id)).map((id) => ({ question_id: id, value: this.answers.get(id)! })), complete: true },
      });
      this.body.replaceChildren(
        h('div', { class: 'panel', role: 'dialog', 'aria-labelledby': 'canyu-survey-done', part: 'dialog' },
          h('div', { class: 'head' }, h('div', { class: 'name', id: 'canyu-survey-done', role: 'status' }, this.t('thanks')), h('button', { type: 'button', class: 'x', 'aria-label': this.t('close'), onclick: () => this.close('closed') }, '×')),
          s.points ? h('p', { class: 'muted' }, this.t('points', { n: s.points })) : null,
        ),
      );
      this.body.querySelector<HTMLElement>('.x')?.focus();
      this.setState('completed', { survey: s });
    } catch (e) {
      button.disabled = false;
      this.showError(e);
    }
  }
}

define('canyu-survey', CanyuSurvey);
