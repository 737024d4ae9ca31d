// Send: to a number or a contact, from one of the account's numbers or a sender pool, now or at a
// time, with a category (marketing waits for the recipient's quiet hours to end).
import { h, field, debounce, notice } from './dom.js';
import { get, post, qs } from './api.js';
import { composer } from './compose.js';
import { senderSelect, senderFields } from './senders.js';
import { statusLabel } from './marks.js';

export async function render(ctx, root) {
  const to = h('input', { type: 'text', name: 'to', required: true, autocomplete: 'off',
    list: 'contact-options', placeholder: '+1 202 555 0100 or a contact name', inputmode: 'tel' });
  const options = h('datalist', { id: 'contact-options' });
  const from = await senderSelect(ctx);
  const sendAt = h('input', { type: 'datetime-local', name: 'send_at' });
  const category = h('select', { name: 'category' }, h('option', { value: 'transactional' }, 'Transactional'),
    h('option', { value: 'marketing' }, 'Marketing (held during quiet hours)'));
  const contacts = new Map();  // "Name (+1…)" -> number
  to.addEventListener('input', debounce(async () => {
    const q = to.value.trim();
    if (!q || /^[+\d\s().-]+$/.test(q)) return;
    try {
      const page = await get('/v1/contacts' + qs({ q, limit: 10 }));
      options.replaceChildren(...page.data.map((c) => {
        const label = `${c.name} (${c.number})`;
        contacts.set(label, c.number);
        return h('option', { value: label });
      }));
    } catch { /* suggestions only */ }
  }, 200));
  const sent = h('div', { class: 'sent' });
  const { form } = composer({
    submitLabel: 'Send',
    extra: [h('div', { class: 'row' }, field('To', to, 'A number in any format, or pick a contact'), options,
      field('From', from)),
    h('div', { class: 'row' }, field('Send at', sendAt, 'Empty: now'), field('Category', category))],
    onSubmit: async (msg, status) => {
      const req = { to: contacts.get(to.value) || to.value.trim(), body: msg.body, category: category.value,
        ...senderFields(from.value) };
      if (msg.media_urls.length) req.media_urls = msg.media_urls;
      if (sendAt.value) req.send_at = new Date(sendAt.value).toISOString();
      const m = await post('/v1/messages', req);
      notice(status, `${statusLabel(m.status)}: message ${m.id} to ${m.to}.`, 'ok');
      sent.prepend(h('p', {}, h('a', { href: `#/log/${encodeURIComponent(m.id)}` }, `${m.to}: ${statusLabel(m.status)} (open in the log)`)));
      to.value = ''; sendAt.value = '';
    },
  });
  if (!ctx.numbers.length) {
    root.append(h('h1', {}, 'Send'), h('p', { class: 'notice' }, 'This account has no numbers yet: add one with `switchboard numbers add` (docs/numbers.md).'));
    return;
  }
  root.append(h('h1', {}, 'Send a message'), h('div', { class: 'card' }, form), sent);
  to.focus();
}
