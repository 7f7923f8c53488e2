// <canyu-poll poll="poll_…"></canyu-poll>: a poll with its options, radio buttons (single choice)
// or checkboxes (multiple, up to max_choices); once voted (or when the poll is closed), the
// results as bars with the user's choice marked, as far as the poll's result visibility allows.
// Question and options are inserted as text. Fires `canyu-vote` with the poll after a vote.
import { CanyuElement, compact, define, h, userText, type Messages, type WidgetClient } from './core.ts';
import type { components } from '@canyu/sdk';

type Poll = components['schemas']['Poll'];

const messages: Messages = {
  'zh-CN': {
    vote: '投票', voters: '{n} 人参与', closed: '已截止', hidden: '投票后可见结果', hiddenClose: '截止后公布结果', mine: '已选', pick: '最多选 {n} 项', change: '改票',
    'polls.closed': '投票已截止', 'polls.already_voted': '你已经投过票了', 'polls.not_found': '投票不存在',
  },
  en: {
    vote: 'Vote', voters: '{n} voters', closed: 'Closed', hidden: 'Results after you vote', hiddenClose: 'Results when the poll closes', mine: 'Your choice', pick: 'Pick up to {n}', change: 'Change vote',
    'polls.closed': 'This poll is closed.', 'polls.already_voted': 'You have already voted.', 'polls.not_found': 'This poll does not exist.',
  },
};

const css = `
fieldset{border:1px solid var(--_border);border-radius:var(--_radius);padding:8px 12px;margin:0}
legend{font-weight:600;padding:0 4px}label{display:flex;gap:6px;align-items:center;padding:3px 0;cursor:pointer}
.result{margin:6px 0}.row{display:flex;justify-content:space-between;gap:8px}
.bar{height:8px;border-radius:4px;background:var(--canyu-poll-track,var(--_border));overflow:hidden;margin-top:2px}
.fill{height:100%;background:var(--_accent);transition:width .3s}
.result.mine .text{font-weight:600;color:var(--_accent)}
.foot{display:flex;gap:8px;align-items:center;margin-top:8px}
`;

/** A bar's filled part, as wide as its share. */
function fill(pct: number): HTMLElement {
  const el = h('div', { class: 'fill' });
  el.style.width = `${pct}%`;
  return el;
}

export class CanyuPoll extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'poll'];
  }
  private c: WidgetClient | null = null;
  /** Showing the form again to change a vote (polls that allow it). */
  private changing = false;

  private get pollId(): string {
    return this.getAttribute('poll') ?? '';
  }

  protected async load(c: WidgetClient): Promise<void> {
    this.c = c;
    this.changing = false;
    const { data } = await c.api.GET('/v1/polls/{pollId}', { params: { path: { pollId: this.pollId } } });
    if (data) this.render(data);
  }

  private render(p: Poll): void {
    const voted = !!p.my_vote?.length;
    const closed = p.status === 'closed';
    const title = h('legend', { part: 'question' }, userText(p.question));
    const parts: HTMLElement[] = [title];
    if (p.description) parts.push(h('p', { class: 'muted' }, userText(p.description)));
    const foot = h('div', { class: 'foot' });
    if ((voted || closed) && !this.changing) {
      const box = h('div', { role: 'list', part: 'results' });
      const total = p.options.reduce((n, o) => n + (o.votes ?? 0), 0);
      for (const o of p.options) {
        const mine = !!p.my_vote?.includes(o.id);
        const pct = total ? Math.round(((o.votes ?? 0) * 100) / total) : 0;
        const bar = p.results_visible
          ? h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': userText(o.text) }, fill(pct))
          : null;
        box.append(
          h('div', { class: `result${mine ? ' mine' : ''}`, role: 'listitem', 'data-id': o.id, part: 'result' },
            h('div', { class: 'row' }, h('span', { class: 'text' }, userText(o.text), mine ? ` ✓` : ''), p.results_visible ? h('span', { class: 'pct' }, `${pct}%`) : null),
            bar,
          ),
        );
      }
      parts.push(box);
      if (p.results_visible && p.voters !== null) foot.append(h('span', { class: 'muted voters' }, this.t('voters', { n: compact(p.voters, this.language) })));
      else foot.append(h('span', { class: 'muted' }, this.t(p.results_visibility === 'after_close' ? 'hiddenClose' : 'hidden')));
      if (voted && p.allow_change && !closed) foot.append(h('button', { type: 'button', class: 'change', onclick: () => ((this.changing = true), this.render(p)) }, this.t('change')));
    } else {
      const multi = p.kind === 'multiple';
      const form = h('form', { part: 'form' });
      const inputs: HTMLInputElement[] = [];
      for (const o of p.options) {
        const input = h('input', { type: multi ? 'checkbox' : 'radio', name: 'o', value: o.id, checked: !!p.my_vote?.includes(o.id) }) as HTMLInputElement;
        inputs.push(input);
        parts.push(h('label', { part: 'option' }, input, h('span', { class: 'text' }, userText(o.text))));
      }
      const submit = h('button', { type: 'submit', class: 'primary', part: 'button' }, this.t('vote')) as HTMLButtonElement;
      const chosen = () => inputs.filter((i) => i.checked);
      const sync = () => {
        const n = chosen().length;
        submit.disabled = n === 0;
        // Multiple choice: once max_choices are ticked, the others are disabled.
        if (multi) for (const i of inputs) i.disabled = !i.checked && n >= p.max_choices;
      };
      for (const i of inputs) i.addEventListener('change', sync);
      sync();
      if (multi && p.max_choices < p.options.length) foot.append(h('span', { class: 'muted' }, this.t('pick', { n: p.max_choices })));
      foot.prepend(submit);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        void this.vote(p, chosen().map((i) => i.value), submit);
      });
      const fs = h('fieldset', {}, ...parts, foot);
      form.append(fs);
      this.body.replaceChildren(form);
      return;
    }
    if (closed) title.append(h('span', { class: 'muted' }, ` · ${this.t('closed')}`));
    this.body.replaceChildren(h('fieldset', { part: 'poll' }, ...parts, foot));
  }

  private async vote(p: Poll, optionIds: string[], submit: HTMLButtonElement): Promise<void> {
    if (!optionIds.length) return;
    submit.disabled = true;
    this.showError(null);
    try {
      const { data } = await this.c!.api.POST('/v1/polls/{pollId}/votes', { params: { path: { pollId: p.id } }, body: { option_ids: optionIds } });
      if (data) {
        this.changing = false;
        this.render(data);
        this.emit('canyu-vote', data);
      }
    } catch (e) {
      submit.disabled = false;
      this.showError(e);
      // A closed poll or a vote from another tab: show the poll as the server has it now.
      await this.c!.api.GET('/v1/polls/{pollId}', { params: { path: { pollId: p.id } } }).then(({ data }) => data && !this.changing && this.render(data), () => {});
    }
  }
}

define('canyu-poll', CanyuPoll);
