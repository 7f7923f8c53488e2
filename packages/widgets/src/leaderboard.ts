// <canyu-leaderboard kind="video" period="week" limit="10"></canyu-leaderboard>: the top N of a
// ranking (排行榜: subjects of a kind by weighted interactions in the day, ISO week, month or all
// time, GET /v1/rankings), with the signed-in user's own standing: their best-ranked subject
// (subjects they authored) among the first 200, or "not ranked". Titles are inserted as text.
//
// With `points="coins"` it ranks users instead (积分排行榜, GET /v1/points/leaderboard): points of
// that type earned in the period of `timezone` (default UTC), and the viewer's exact rank.
import { CanyuElement, compact, define, h, userIdOf, userText, type Messages, type WidgetClient } from './core.ts';

const PERIODS = ['day', 'week', 'month', 'all'] as const;
type Period = (typeof PERIODS)[number];
/** How far down the ranking the viewer's own entries are looked for. */
const SCAN = 200;

const messages: Messages = {
  'zh-CN': { title: '排行榜', day: '日榜', week: '周榜', month: '月榜', all: '总榜', score: '{n} 热度', mine: '你的最佳排名：第 {n} 名', unranked: '你还没有上榜', beyond: '你还没有进入前 {n} 名', empty: '榜单暂无内容', rank: '第 {n} 名', untitled: '（无标题）', pts: '{n} 分', myRank: '你的排名：第 {n} 名' },
  en: { title: 'Leaderboard', day: 'Today', week: 'This week', month: 'This month', all: 'All time', score: '{n} points', mine: 'Your best rank: #{n}', unranked: 'You are not ranked yet', beyond: 'You are not in the top {n} yet', empty: 'Nothing ranked yet', rank: 'Rank {n}', untitled: '(untitled)', pts: '{n} pts', myRank: 'Your rank: #{n}' },
};

const css = `
.tabs{display:flex;gap:4px;margin-bottom:8px}.tabs button[aria-pressed=true]{background:var(--_accent);border-color:var(--_accent);color:#fff}
ol{list-style:none;margin:0;padding:0}li{display:flex;gap:10px;align-items:center;padding:6px 0;border-top:1px solid var(--_border)}
.n{min-width:2em;text-align:center;font-weight:700;color:var(--_muted)}li:nth-child(-n+3) .n{color:var(--canyu-leaderboard-top,var(--_accent))}
.title{flex:1;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
li.mine{background:var(--canyu-leaderboard-mine,rgba(251,114,153,.08))}li.mine .title{font-weight:600}
.me{margin-top:8px}
`;

export class CanyuLeaderboard extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'kind', 'period', 'limit', 'points', 'timezone'];
  }

  private get period(): Period {
    const p = this.getAttribute('period') as Period;
    return PERIODS.includes(p) ? p : 'week';
  }
  private get limit(): number {
    return Math.min(Math.max(Number(this.getAttribute('limit')) || 10, 1), SCAN);
  }

  private row(n: number, mine: boolean, id: string, title: string, score: string): HTMLElement {
    return h('li', { class: mine ? 'mine' : '', 'data-id': id, part: 'entry', 'aria-current': mine ? 'true' : null },
      h('span', { class: 'n', 'aria-label': this.t('rank', { n }) }, n),
      h('span', { class: 'title' }, title),
      h('span', { class: 'muted score' }, score),
    );
  }

  protected async load(c: WidgetClient): Promise<void> {
    const tabs = h('div', { class: 'tabs', role: 'group', 'aria-label': this.t('title'), part: 'tabs' });
    for (const p of PERIODS) tabs.append(h('button', { type: 'button', 'aria-pressed': String(p === this.period), 'data-period': p, onclick: () => this.setAttribute('period', p) }, this.t(p)));
    const list = h('ol', { part: 'list', 'aria-label': `${this.t('title')} · ${this.t(this.period)}` });
    const type = this.getAttribute('points');
    if (type) {
      const { data } = await c.api.GET('/v1/points/leaderboard', { params: { query: { type, period: this.period, limit: Math.min(this.limit, 100), timezone: this.getAttribute('timezone') ?? 'UTC' } } });
      const me = data?.me ?? null;
      for (const r of data?.data ?? []) list.append(this.row(r.rank, r.user_id === me?.user_id, r.user_id, userText(r.user_id), this.t('pts', { n: compact(r.score, this.language) })));
      if (!data?.data.length) list.append(h('li', { class: 'muted empty' }, this.t('empty')));
      const own = me ? h('div', { class: 'me', part: 'me', role: 'status' }, me.rank === null ? this.t('unranked') : `${this.t('myRank', { n: me.rank })} · ${this.t('pts', { n: compact(me.score, this.language) })}`) : '';
      this.body.replaceChildren(tabs, list, own);
      return;
    }
    const [me, { data }] = await Promise.all([
      userIdOf(c),
      c.api.GET('/v1/rankings', { params: { query: { kind: this.getAttribute('kind') ?? 'post', period: this.period, limit: SCAN } } }),
    ]);
    const rows = data?.data ?? [];
    rows.slice(0, this.limit).forEach((s, i) => {
      list.append(this.row(i + 1, !!me && s.author_id === me, s.id, s.title ? userText(s.title) : this.t('untitled'), this.t('score', { n: compact(Math.round(s.rank_score), this.language) })));
    });
    if (!rows.length) list.append(h('li', { class: 'muted empty' }, this.t('empty')));
    const best = me ? rows.findIndex((s) => s.author_id === me) : -1;
    const own = me ? h('div', { class: 'me', part: 'me', role: 'status' }, best >= 0 ? this.t('mine', { n: best + 1 }) : this.t(rows.length < SCAN ? 'unranked' : 'beyond', { n: SCAN })) : null;
    this.body.replaceChildren(tabs, list, own ?? '');
  }
}

define('canyu-leaderboard', CanyuLeaderboard);
