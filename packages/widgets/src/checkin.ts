// <canyu-checkin></canyu-checkin>: this month's calendar for the signed-in user (days checked in,
// made up, missed), the streak, a check-in button, and a make-up button on missed past days
// (paid with a make-up card; `makeup-with="points"` pays with points) while make-ups are left.
import { CanyuElement, define, h, userIdOf, type WidgetClient, type Messages } from './core.ts';

const messages: Messages = {
  'zh-CN': { checkin: '签到', done: '今日已签到', streak: '已连续签到 {n} 天', makeup: '补签', left: '本月还可补签 {n} 次', signin: '请先登录',
    'checkin.already_checked_in': '今天已经签到过了', 'checkin.disabled': '签到未开启', 'checkin.makeup_limit': '本月补签次数已用完', 'checkin.makeup_disabled': '补签未开启' },
  en: { checkin: 'Check in', done: 'Checked in today', streak: '{n}-day streak', makeup: 'Make up', left: '{n} make-ups left this month', signin: 'Please sign in first.',
    'checkin.already_checked_in': 'You have already checked in today.', 'checkin.disabled': 'Check-in is not open.', 'checkin.makeup_limit': 'No make-up check-ins left this month.', 'checkin.makeup_disabled': 'Make-up check-ins are not available.' },
};
const css = `
.grid{display:grid;grid-template-columns:repeat(7,2.4em);gap:4px;margin:8px 0}
.day{height:2.4em;display:flex;align-items:center;justify-content:center;border:1px solid var(--_border);border-radius:var(--_radius);font-size:.85em;padding:0}
.day.on{background:var(--_accent);border-color:var(--_accent);color:#fff}.day.makeup{opacity:.75}.day.today{font-weight:700}
`;

export class CanyuCheckin extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  private c: WidgetClient | null = null;
  private user: string | null = null;

  protected async load(c: WidgetClient): Promise<void> {
    this.c = c;
    this.user = await userIdOf(c);
    if (!this.user) {
      this.body.replaceChildren(h('span', { class: 'muted' }, this.t('signin')));
      return;
    }
    const { data } = await c.api.GET('/v1/users/{userId}/checkins', { params: { path: { userId: this.user } } });
    if (!data) return;
    const grid = h('div', { class: 'grid', role: 'list', part: 'calendar' });
    const first = new Date(`${data.month}-01T00:00:00Z`).getUTCDay();
    for (let i = 0; i < first; i++) grid.append(h('span'));
    for (const d of data.days) {
      const n = Number(d.date.slice(8));
      const label = `${d.date}${d.checked_in ? ` ✓` : ''}`;
      const past = d.date < data.today;
      const canMakeUp = !d.checked_in && past && data.makeups.enabled && data.makeups.left > 0;
      const cls = `day${d.checked_in ? ' on' : ''}${d.kind === 'makeup' ? ' makeup' : ''}${d.date === data.today ? ' today' : ''}`;
      grid.append(
        canMakeUp
          ? h('button', { type: 'button', class: cls, role: 'listitem', 'data-date': d.date, title: this.t('makeup'), 'aria-label': `${label} ${this.t('makeup')}`, onclick: () => void this.makeUp(d.date) }, n)
          : h('span', { class: cls, role: 'listitem', 'data-date': d.date, 'aria-label': label, 'aria-current': d.date === data.today ? 'date' : null }, n),
      );
    }
    const button = h('button', { type: 'button', class: 'primary', part: 'button', disabled: data.checked_in_today, onclick: () => void this.checkIn() }, this.t(data.checked_in_today ? 'done' : 'checkin'));
    this.body.replaceChildren(
      h('div', { class: 'streak', part: 'streak' }, this.t('streak', { n: data.streak })),
      grid,
      button,
      h('div', { class: 'muted', hidden: !data.makeups.enabled }, this.t('left', { n: data.makeups.left })),
    );
  }

  private async checkIn(): Promise<void> {
    try {
      const { data } = await this.c!.api.POST('/v1/users/{userId}/checkins', { params: { path: { userId: this.user! } } });
      this.emit('canyu-checkin', data);
    } catch (e) {
      this.showError(e);
    }
    await this.load(this.c!).catch((e: unknown) => this.showError(e));
  }

  private async makeUp(date: string): Promise<void> {
    try {
      const pay = this.getAttribute('makeup-with') === 'points' ? 'points' : 'card';
      const { data } = await this.c!.api.POST('/v1/users/{userId}/checkins/makeup', { params: { path: { userId: this.user! } }, body: { date, pay_with: pay } });
      this.emit('canyu-checkin', data);
      await this.load(this.c!);
    } catch (e) {
      this.showError(e);
    }
  }
}

define('canyu-checkin', CanyuCheckin);
