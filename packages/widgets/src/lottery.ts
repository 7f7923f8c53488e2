// <canyu-lottery lottery="lot_…"></canyu-lottery>: a prize wheel (SVG, sectors sized by each prize's
// published probability), the odds as a table (概率公示: name, percent, out of stock), the cost and
// daily limit, and a draw button. The wheel turns to the prize the server drew, then the result is
// announced; refusals (no draws left today, not enough points, not eligible, not active) are said
// in words. Prize names are inserted as text (SVG text nodes too). Fires `canyu-draw` (the draw).
import { CanyuElement, define, h, userIdOf, userText, type Messages, type WidgetClient } from './core.ts';

type Odds = { prizes: { id: string; name: string; kind: string; probability: number; percent: string; out_of_stock: boolean }[]; cost: number; cost_type: string | null; daily_limit: number | null; remaining_today?: number | null };

const messages: Messages = {
  'zh-CN': {
    draw: '抽奖', drawing: '抽奖中…', won: '恭喜获得：{p}', none: '未中奖，再接再厉', cost: '每次消耗 {n} {t}', free: '免费抽奖', daily: '每天 {n} 次', left: '今天还剩 {n} 次', odds: '概率公示', prize: '奖品', chance: '概率', soldOut: '已抽完', signin: '请先登录',
    'lottery.daily_limit': '今天的抽奖次数已用完，明天再来吧', 'lottery.not_active': '抽奖活动未开始或已结束', 'lottery.not_eligible': '你不在本次抽奖的参与范围内', 'lottery.not_found': '抽奖活动不存在',
  },
  en: {
    draw: 'Draw', drawing: 'Drawing…', won: 'You won: {p}', none: 'No prize this time', cost: '{n} {t} per draw', free: 'Free draw', daily: '{n} per day', left: '{n} left today', odds: 'Published odds', prize: 'Prize', chance: 'Chance', soldOut: 'Out of stock', signin: 'Please sign in first.',
    'lottery.daily_limit': 'No draws left today. Come back tomorrow.', 'lottery.not_active': 'This lottery is not running.', 'lottery.not_eligible': 'This lottery is not open to you.', 'lottery.not_found': 'This lottery does not exist.',
  },
};

const css = `
.wrap{display:flex;flex-direction:column;align-items:center;gap:8px}
.wheel{position:relative;width:var(--canyu-lottery-size,240px);height:var(--canyu-lottery-size,240px)}
.wheel svg{width:100%;height:100%;transition:transform var(--_spin) cubic-bezier(.17,.67,.21,1)}
.pointer{position:absolute;left:50%;top:-4px;transform:translateX(-50%);width:0;height:0;border:10px solid transparent;border-top:16px solid var(--canyu-lottery-pointer,var(--_text))}
path{stroke:var(--_bg);stroke-width:1}path.a{fill:var(--canyu-lottery-a,var(--_accent))}path.b{fill:var(--canyu-lottery-b,#ffd0de)}
text{font-size:6px;fill:var(--canyu-lottery-label,var(--_text))}
table{border-collapse:collapse;font-size:.9em}th,td{padding:2px 8px;text-align:left;border-bottom:1px solid var(--_border)}
.result{font-weight:600;min-height:1.5em}
@media (prefers-reduced-motion:reduce){.wheel svg{transition:none}}
`;

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}
/** The point on the wheel (radius 50, centred at 50,50) at `deg` clockwise from the top. */
const at = (deg: number, r = 50) => `${50 + r * Math.sin((deg * Math.PI) / 180)},${50 - r * Math.cos((deg * Math.PI) / 180)}`;

export class CanyuLottery extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lottery'];
  }
  private c: WidgetClient | null = null;
  private user: string | null = null;
  /** Each prize's sector: [start, end) in degrees clockwise from the top. */
  private sectors = new Map<string, [number, number]>();
  private turned = 0;
  private wheel: SVGElement | null = null;
  private button: HTMLButtonElement | null = null;
  private result = h('div', { class: 'result', role: 'status', 'aria-live': 'polite', part: 'result' });

  private get lotteryId(): string {
    return this.getAttribute('lottery') ?? '';
  }
  /** How long the wheel turns (ms): `spin-ms`, default 2400; 0 without motion. */
  private get spinMs(): number {
    const n = Number(this.getAttribute('spin-ms') ?? 2400);
    return matchMedia('(prefers-reduced-motion: reduce)').matches || !(n >= 0) ? 0 : n;
  }

  private odds: Odds | null = null;
  /** Draws left today as the server counted them (the user's time zone), kept down by each draw; null when unknown or unlimited. */
  private left: number | null = null;
  private readonly rules = h('div', { class: 'muted rules', part: 'rules', 'aria-live': 'polite' });

  /** Cost, daily limit and draws left. */
  private showRules(): void {
    const o = this.odds;
    if (!o) return;
    this.rules.textContent = [o.cost > 0 ? this.t('cost', { n: o.cost, t: o.cost_type ?? '' }) : this.t('free'), o.daily_limit ? this.t('daily', { n: o.daily_limit }) : '', o.daily_limit && this.left !== null ? this.t('left', { n: this.left }) : ''].filter(Boolean).join(' · ');
  }

  protected async load(c: WidgetClient): Promise<void> {
    this.c = c;
    const [user, lottery, odds] = await Promise.all([
      userIdOf(c),
      c.api.GET('/v1/lotteries/{id}', { params: { path: { id: this.lotteryId } } }).then((r) => r.data),
      c.api.GET('/v1/lotteries/{id}/odds', { params: { path: { id: this.lotteryId } } }).then((r) => r.data as Odds | undefined),
    ]);
    this.user = user;
    if (!odds) return;
    const g = svg('svg', { viewBox: '0 0 100 100', role: 'img', 'aria-label': this.t('odds'), part: 'wheel' });
    let from = 0;
    this.sectors.clear();
    odds.prizes.forEach((p, i) => {
      const to = from + p.probability * 360;
      if (to - from > 0) {
        this.sectors.set(p.id, [from, to]);
        const big = to - from > 180 ? 1 : 0;
        const d = to - from >= 359.999 ? 'M50,0A50,50 0 1,1 49.99,0Z' : `M50,50L${at(from)}A50,50 0 ${big},1 ${at(to)}Z`;
        g.append(svg('path', { d, class: i % 2 ? 'b' : 'a' }));
        // The label runs along the sector's middle radius, from the centre out, cut to fit (the table has it whole).
        const mid = (from + to) / 2;
        const [x, y] = at(mid, 30).split(',');
        const name = [...userText(p.name)];
        g.append(svg('text', { x: x!, y: y!, 'text-anchor': 'middle', 'dominant-baseline': 'middle', transform: `rotate(${mid - 90} ${x} ${y})` }, name.length > 6 ? `${name.slice(0, 5).join('')}…` : name.join('')));
      }
      from = to;
    });
    g.style.setProperty('--_spin', `${this.spinMs}ms`);
    this.wheel = g;
    this.turned = 0;
    const table = h('table', { part: 'odds' }, h('caption', { class: 'muted' }, this.t('odds')), h('tr', {}, h('th', { scope: 'col' }, this.t('prize')), h('th', { scope: 'col' }, this.t('chance'))));
    for (const p of odds.prizes) table.append(h('tr', { 'data-id': p.id }, h('td', {}, userText(p.name)), h('td', {}, p.out_of_stock ? this.t('soldOut') : p.percent)));
    this.odds = odds;
    this.left = typeof odds.remaining_today === 'number' ? odds.remaining_today : null;
    this.button = h('button', { type: 'button', class: 'primary', part: 'button', disabled: !user, onclick: () => void this.draw() }, this.t(user ? 'draw' : 'signin')) as HTMLButtonElement;
    this.result.textContent = '';
    this.showRules();
    this.body.replaceChildren(
      h('div', { class: 'wrap' },
        lottery ? h('div', { class: 'name', part: 'name' }, userText(lottery.name)) : null,
        h('div', { class: 'wheel' }, h('div', { class: 'pointer', 'aria-hidden': 'true' }), g),
        this.rules,
        this.button,
        this.result,
        table,
      ),
    );
  }

  async draw(): Promise<void> {
    const b = this.button;
    if (!this.c || !this.user || !b || b.disabled) return;
    b.disabled = true;
    b.textContent = this.t('drawing');
    this.result.textContent = '';
    this.showError(null);
    try {
      const { data } = await this.c.api.POST('/v1/users/{userId}/lotteries/{id}/draws', { params: { path: { userId: this.user, id: this.lotteryId } }, body: {} });
      if (!data) return;
      // Where the wheel stops: the prize awarded, else the roll's own sector (a "none" slot, or a
      // prize that ran out), at a random point inside it so repeated draws do not look scripted.
      const [from, to] = this.sectors.get(data.prize?.id ?? data.picked_prize_id) ?? [0, 0];
      const stop = from + (to - from) * (0.2 + Math.random() * 0.6);
      this.turned += 360 * 4 + ((360 - stop - (this.turned % 360)) % 360 + 360) % 360;
      this.wheel?.style.setProperty('transform', `rotate(${this.turned}deg)`);
      await new Promise((r) => setTimeout(r, this.spinMs));
      if (this.left !== null) this.left = Math.max(0, this.left - 1);
      this.showRules();
      this.result.textContent = data.prize && data.outcome === 'prize' && data.prize.kind !== 'none' ? this.t('won', { p: userText(data.prize.name) }) : this.t('none');
      this.emit('canyu-draw', data);
    } catch (e) {
      if ((e as { code?: string }).code === 'lottery.daily_limit' && this.left !== null) {
        this.left = 0;
        this.showRules();
      }
      this.showError(e);
    } finally {
      b.disabled = false;
      b.textContent = this.t('draw');
    }
  }
}

define('canyu-lottery', CanyuLottery);
