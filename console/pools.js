// Sender pools: named sets of the account's numbers that a message can be sent from, the gateway
// choosing the number (sticky, local, taking turns, moving away from a failing provider).
import { h, field, notice, confirmDialog, fmtFull } from './dom.js';
import { get, post, patch, del } from './api.js';

const OPTIONS = [
  ['sticky', 'Sticky', 'A recipient keeps hearing from the same number'],
  ['geomatch', 'Local numbers first', 'Prefer a number with the recipient’s area code, then country'],
  ['fallback', 'Fail over', 'Move messages away from a number whose provider is failing or refuses it'],
];

export async function render(ctx, root) {
  const list = h('tbody');
  const status = h('p', { class: 'notice', role: 'status' });
  const name = h('input', { type: 'text', name: 'name', maxlength: 64, required: true, placeholder: 'e.g. Reminders' });
  const numbers = ctx.numbers.filter((n) => n.capabilities.sms);
  const picks = numbers.map((n) => h('input', { type: 'checkbox', name: 'number', value: n.number }));
  const flags = OPTIONS.map(([key]) => h('input', { type: 'checkbox', name: key, checked: true }));
  let editing = null;  // the pool being changed, or null for a new one
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Create pool');
  const cancel = h('button', { type: 'button', hidden: true, onclick: () => reset() }, 'Cancel');
  function reset() {
    editing = null;
    name.value = '';
    picks.forEach((p) => { p.checked = false; });
    flags.forEach((f) => { f.checked = true; });
    submit.textContent = 'Create pool';
    cancel.hidden = true;
  }
  function edit(p) {
    editing = p;
    name.value = p.name;
    picks.forEach((box) => { box.checked = p.numbers.includes(box.value); });
    OPTIONS.forEach(([key], i) => { flags[i].checked = p[key]; });
    submit.textContent = `Save ${p.name}`;
    cancel.hidden = false;
    name.focus();
  }
  const row = (p) => h('tr', { dataset: { id: p.id } },
    h('td', {}, p.name),
    h('td', {}, p.numbers.join(', ')),
    h('td', {}, OPTIONS.filter(([key]) => p[key]).map(([, label]) => label).join(', ') || 'none'),
    h('td', {}, h('code', { class: 'nowrap' }, p.messaging_service_sid)),
    h('td', {}, fmtFull(p.updated_at)),
    h('td', { class: 'actions' },
      h('button', { onclick: () => edit(p) }, 'Change'),
      h('button', { class: 'danger', onclick: async () => {
        if (!await confirmDialog(`Delete ${p.name}?`, 'Messages already accepted keep their numbers. Apps sending to this pool get 422 unknown_pool.', 'Delete')) return;
        try { await del(`/v1/pools/${encodeURIComponent(p.id)}`); notice(status, `Deleted ${p.name}`, 'ok'); reset(); load(); } catch (e) { notice(status, e.message, 'error'); }
      } }, 'Delete')));
  async function load() {
    const r = await get('/v1/pools');
    list.replaceChildren(...r.data.map(row));
  }
  root.append(h('h1', {}, 'Sender pools'),
    h('p', { class: 'muted' }, 'Send from a pool instead of one number: the gateway picks the number for each message.'),
    h('form', { class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      const body = { name: name.value.trim(), numbers: picks.filter((p) => p.checked).map((p) => p.value) };
      OPTIONS.forEach(([key], i) => { body[key] = flags[i].checked; });
      try {
        const p = editing ? await patch(`/v1/pools/${encodeURIComponent(editing.id)}`, body) : await post('/v1/pools', body);
        notice(status, `${editing ? 'Saved' : 'Created'} ${p.name}`, 'ok');
        reset();
        load();
      } catch (err) { notice(status, err.field ? `${err.field}: ${err.message}` : err.message, 'error'); }
    } },
    h('div', { class: 'row' }, field('Name', name)),
    h('fieldset', { class: 'scopes' }, h('legend', {}, 'Numbers'),
      ...numbers.map((n, i) => h('label', { class: 'check' }, picks[i], h('span', {}, n.friendly_name ? `${n.friendly_name} (${n.number})` : n.number)))),
    h('fieldset', { class: 'scopes' }, h('legend', {}, 'How it picks'),
      ...OPTIONS.map(([, label, what], i) => h('label', { class: 'check' }, flags[i], h('span', {}, h('strong', {}, label), ` ${what}`)))),
    h('div', { class: 'row' }, submit, cancel)),
    status,
    h('div', { class: 'tablewrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Numbers', 'Picks', 'Twilio MessagingServiceSid', 'Changed', ''].map((t) => h('th', { scope: 'col' }, t)))), list)));
  await load();
}
