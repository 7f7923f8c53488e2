// <canyu-danmaku room="lr_…"><video …></video></canyu-danmaku>: live-room chat (弹幕) flying across
// whatever the element wraps. Messages arrive over the realtime connection (topic live:<room>);
// sending goes through the live module (POST …/messages: rate limit and sensitive-word filter are
// the server's), and one's own message flies at once (before its echo), marked. A switch hides the overlay; a
// visually hidden log (role=log) carries the latest messages for screen readers. Every message is
// inserted as text. The host's `data-live` says whether the room is joined (joined, closed).
// Fires `canyu-danmaku` (each message shown) and `canyu-danmaku-sent`.
import { createRealtime } from '@canyu/sdk';
import { CanyuElement, connectionOf, define, h, userIdOf, userText, type Messages, type WidgetClient } from './core.ts';

type Message = { id: string; user_id: string; text: string; masked?: boolean };

const messages: Messages = {
  'zh-CN': { placeholder: '发个友善的弹幕', send: '发送', toggle: '弹幕', log: '弹幕列表', closed: '直播已结束',
    'live.room_closed': '直播已结束', 'live.room_not_found': '直播间不存在', 'live.rate_limited': '发言太快了，请稍后再试' },
  en: { placeholder: 'Say something nice', send: 'Send', toggle: 'Comments overlay', log: 'Live comments', closed: 'The live has ended.',
    'live.room_closed': 'The live has ended.', 'live.room_not_found': 'This live room does not exist.', 'live.rate_limited': 'You are sending too fast. Please wait a moment.' },
};

const css = `
.stage{position:relative;overflow:hidden;min-height:var(--canyu-danmaku-min-height,180px);background:var(--canyu-danmaku-stage,transparent)}
.layer{position:absolute;inset:0;pointer-events:none;overflow:hidden}
.fly{position:absolute;left:0;white-space:nowrap;font-size:var(--canyu-danmaku-size,18px);line-height:1.4;color:var(--canyu-danmaku-color,#fff);
text-shadow:0 0 2px #000,0 0 2px #000;will-change:transform;animation:fly var(--canyu-danmaku-duration,8s) linear forwards}
.fly.mine{border:1px solid var(--canyu-danmaku-mine,var(--_accent));border-radius:4px;padding:0 4px}
@keyframes fly{from{transform:translateX(var(--_from))}to{transform:translateX(-100%)}}
@keyframes fade{from{opacity:1}to{opacity:0}}
@media (prefers-reduced-motion:reduce){.fly{animation-name:fade;transform:translateX(8px)}}
.layer[hidden]{display:none}
form{display:flex;gap:6px;margin-top:6px;align-items:center}
input[type=text]{flex:1;font:inherit;color:inherit;background:var(--_bg);border:1px solid var(--_border);border-radius:var(--_radius);padding:4px 8px}
input:focus-visible{outline:2px solid var(--_accent);outline-offset:1px}
button[aria-pressed=true]{color:var(--_accent);border-color:var(--_accent)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

/** How many messages the screen-reader log keeps. */
const LOG = 20;

export class CanyuDanmaku extends CanyuElement {
  protected readonly messages = messages;
  protected readonly css = css;
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'room'];
  }
  private c: WidgetClient | null = null;
  private rt: { close(): void } | null = null;
  private layer = h('div', { class: 'layer', 'aria-hidden': 'true', part: 'layer' });
  private log = h('ul', { class: 'sr', role: 'log', part: 'log' });
  private seen = new Set<string>();
  /** When each lane last started a message: a new one takes the lane idle the longest. */
  private lanes: number[] = [];
  private form: HTMLFormElement | null = null;
  private me: string | null = null;

  private get room(): string {
    return this.getAttribute('room') ?? '';
  }

  protected async load(c: WidgetClient): Promise<void> {
    this.c = c;
    this.stop();
    this.me = await userIdOf(c);
    const input = h('input', { type: 'text', maxlength: 200, 'aria-label': this.t('placeholder'), placeholder: this.t('placeholder'), part: 'input' }) as HTMLInputElement;
    const toggle = h('button', { type: 'button', class: 'toggle', 'aria-pressed': String(!this.layer.hidden), part: 'toggle' }, this.t('toggle')) as HTMLButtonElement;
    toggle.onclick = () => {
      this.layer.hidden = !this.layer.hidden;
      if (this.layer.hidden) this.layer.replaceChildren();
      toggle.setAttribute('aria-pressed', String(!this.layer.hidden));
    };
    this.form = h('form', { part: 'form', onsubmit: (e) => (e.preventDefault(), void this.send(input)) }, toggle, input, h('button', { type: 'submit', class: 'primary' }, this.t('send'))) as HTMLFormElement;
    this.log.setAttribute('aria-label', this.t('log'));
    this.body.replaceChildren(h('div', { class: 'stage', part: 'stage' }, h('slot'), this.layer), this.form, this.log);
    const topic = `live:${this.room}`;
    const rt = createRealtime({ ...connectionOf(c), topics: [topic] });
    rt.on('subscribed', (e) => e.topic === topic && (this.dataset.live = 'joined'));
    rt.on('live.chat', (e) => e.room === this.room && this.show(e.message as Message));
    rt.on('live.closed', (e) => e.room === this.room && this.ended());
    this.rt = rt;
  }

  protected override stop(): void {
    this.rt?.close();
    this.rt = null;
    delete this.dataset.live;
  }

  private ended(): void {
    this.dataset.live = 'closed';
    for (const el of this.form?.elements ?? []) (el as HTMLInputElement).disabled = !(el as HTMLElement).classList.contains('toggle');
    this.errorLine.hidden = false;
    this.errorLine.textContent = this.t('closed');
  }

  /** Flies one message across (once per id) and adds it to the log. */
  private show(m: Message): void {
    if (!m || this.seen.has(m.id)) return;
    const mine = m.user_id === this.me;
    this.seen.add(m.id);
    const li = h('li', {}, m.text);
    this.log.append(li);
    while (this.log.children.length > LOG) this.log.firstElementChild!.remove();
    this.emit('canyu-danmaku', m);
    if (this.layer.hidden) return;
    const line = parseFloat(getComputedStyle(this).getPropertyValue('--canyu-danmaku-size')) || 18;
    const count = Math.max(1, Math.floor(this.layer.clientHeight / (line * 1.4)));
    this.lanes.length = count;
    let lane = 0;
    for (let i = 0; i < count; i++) if ((this.lanes[i] ?? 0) < (this.lanes[lane] ?? 0)) lane = i;
    this.lanes[lane] = performance.now();
    const el = h('span', { class: `fly${mine ? ' mine' : ''}`, 'data-id': m.id }, m.text);
    el.style.top = `${lane * line * 1.4}px`;
    el.style.setProperty('--_from', `${this.layer.clientWidth}px`);
    el.addEventListener('animationend', () => el.remove());
    this.layer.append(el);
  }

  private async send(input: HTMLInputElement): Promise<void> {
    const text = input.value.trim();
    if (!text || !this.c) return;
    this.showError(null);
    try {
      const { data } = await this.c.api.POST('/v1/live/rooms/{roomId}/messages', { params: { path: { roomId: this.room } }, body: { text } });
      input.value = '';
      // The answer's text is HTML-escaped (the realtime event's is not): undone before showing it as text.
      if (data) {
        this.show({ ...data, text: userText(data.text) });
        this.emit('canyu-danmaku-sent', data);
      }
    } catch (e) {
      this.showError(e);
      if ((e as { code?: string }).code === 'live.room_closed') this.ended();
    }
  }
}

define('canyu-danmaku', CanyuDanmaku);
