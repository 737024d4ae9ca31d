// Simulated phone: text one of our numbers on a sim connector from any number, and see what the
// gateway texts back (auto-replies, STOP confirmations, the inbox's replies), live.
import { h, field, notice, fmtTime } from './dom.js';
import { get, post, qs } from './api.js';
import { mediaList } from './marks.js';

export async function render(ctx, root) {
  if (!ctx.simNumbers.length) {
    root.append(h('h1', {}, 'Simulated phone'), h('p', { class: 'notice' }, 'No number of this account is on a simulated (sim) connector.'));
    return null;
  }
  const saved = localStorage.getItem('sb.phone') || '+12025550199';
  const me = h('input', { type: 'tel', name: 'phone', value: saved });
  const ours = h('select', { name: 'to' }, ctx.simNumbers.map((n) => h('option', { value: n.number }, n.friendly_name ? `${n.friendly_name} (${n.number})` : n.number)));
  const body = h('textarea', { name: 'body', rows: 2, placeholder: 'Text message (try STOP, START or HELP)' });
  const status = h('p', { class: 'notice', role: 'status' });
  const screen = h('ol', { class: 'messages phone-screen', 'aria-label': 'Phone messages', 'aria-live': 'polite' });
  const seen = new Set();
  const put = (m) => {
    if (seen.has(m.id)) return;
    seen.add(m.id);
    const fromPhone = m.direction === 'inbound';
    screen.append(h('li', { class: `msg ${fromPhone ? 'out' : 'in'}`, dataset: { id: m.id } },
      h('div', { class: 'bubble' }, h('p', { class: 'body' }, m.body), mediaList(m)),
      h('div', { class: 'meta' }, h('time', { datetime: m.created_at }, fmtTime(m.created_at)), fromPhone ? ` to ${m.to}` : ` from ${m.from}`)));
    screen.lastElementChild.scrollIntoView({ block: 'end' });
  };
  async function load() {
    screen.replaceChildren();
    seen.clear();
    const phone = me.value.replace(/[^\d+]/g, '');
    if (!phone) return;
    try {
      const [sent, got] = await Promise.all([
        get('/v1/messages' + qs({ from: phone, limit: 30 })), get('/v1/messages' + qs({ to: phone, limit: 30 }))]);
      [...sent.data, ...got.data].sort((a, b) => a.id.localeCompare(b.id)).forEach(put);
    } catch (e) { notice(status, e.message, 'error'); }
  }
  me.addEventListener('change', () => { localStorage.setItem('sb.phone', me.value.trim()); load(); });
  const form = h('form', { class: 'phone-compose', onsubmit: async (e) => {
    e.preventDefault();
    if (!body.value.trim()) return;
    try {
      await post('/v1/sim/inbound', { from: me.value.replace(/[^\d+]/g, ''), to: ours.value, body: body.value });
      body.value = '';
      notice(status, '', '');
    } catch (err) { notice(status, err.field ? `${err.message} (${err.field})` : err.message, 'error'); }
  } }, field('Message', body), h('button', { class: 'primary', type: 'submit' }, 'Send text'));
  root.append(h('h1', {}, 'Simulated phone'),
    h('p', { class: 'muted' }, 'A phone on the simulated carrier: what you text here arrives at the gateway like a real inbound message (conversations, STOP, auto-replies, forwarding), and what the gateway sends to this phone shows below.'),
    h('div', { class: 'phone' }, h('div', { class: 'row' }, field('This phone', me), field('Texting', ours)), screen, form, status));
  await load();
  return ctx.live.on((ev) => {
    if (ev.type !== 'message.created') return;
    const phone = me.value.replace(/[^\d+]/g, '');
    const m = ev.data;
    if ((m.direction === 'inbound' && m.from === phone) || (m.direction === 'outbound' && m.to === phone)) put(m);
  });
}
