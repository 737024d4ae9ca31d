// API keys: the account's keys for apps, with their scopes, expiry and last use; a new key's
// secret is shown once; revoking asks first.
import { h, field, notice, confirmDialog, fmtFull } from './dom.js';
import { get, post, del } from './api.js';

const SCOPES = [
  ['messages:send', 'Send, cancel and redact messages; verifications'],
  ['messages:read', 'Read messages, deliveries, media, stats and live events'],
  ['conversations', 'Conversations and contacts'],
  ['numbers', 'Number settings and provider webhooks'],
  ['compliance', 'Opt-outs and auto-replies'],
  ['admin', 'Everything, including keys, users and the signing secret'],
];

export async function render(ctx, root) {
  const list = h('tbody');
  const status = h('p', { class: 'notice', role: 'status' });
  const name = h('input', { type: 'text', name: 'name', maxlength: 64, placeholder: 'e.g. Reminders app' });
  const boxes = SCOPES.map(([s]) => h('input', { type: 'checkbox', name: 'scope', value: s, checked: s === 'messages:send' }));
  const expires = h('input', { type: 'date', name: 'expires' });
  const rate = h('input', { type: 'number', name: 'rate_limit', min: 0, max: 100000, value: 0, inputmode: 'numeric' });
  const shown = h('div', { class: 'onetime', 'aria-live': 'polite' });
  const row = (k) => h('tr', { dataset: { id: k.id, state: k.state } },
    h('td', {}, k.name || h('span', { class: 'muted' }, '(no name)')),
    h('td', {}, h('code', { class: 'nowrap' }, `${k.prefix}…`)),
    h('td', {}, k.scopes.join(', ')),
    h('td', {}, k.rate_limit ? `${k.rate_limit}/s` : 'no limit'),
    h('td', {}, k.state),
    h('td', {}, k.expires_at ? fmtFull(k.expires_at) : 'never'),
    h('td', {}, k.last_used_at ? fmtFull(k.last_used_at) : 'never'),
    h('td', { class: 'actions' }, k.state === 'revoked' ? '' : h('button', { class: 'danger', onclick: async () => {
      if (!await confirmDialog(`Revoke ${k.name || k.prefix}?`, 'Apps using this key are refused within a second, on every instance. This cannot be undone.', 'Revoke')) return;
      try { await del(`/v1/keys/${encodeURIComponent(k.id)}`); notice(status, `Revoked ${k.prefix}…`, 'ok'); load(); } catch (e) { notice(status, e.message, 'error'); }
    } }, 'Revoke')));
  async function load() {
    const r = await get('/v1/keys');
    list.replaceChildren(...r.data.map(row));
  }
  root.append(h('h1', {}, 'API keys'),
    h('form', { class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      const scopes = boxes.filter((b) => b.checked).map((b) => b.value);
      const body = { name: name.value, scopes, rate_limit: Number(rate.value || 0) };
      // The end of the chosen day, local time.
      if (expires.value) body.expires_at = new Date(`${expires.value}T23:59:59`).toISOString();
      try {
        const k = await post('/v1/keys', body);
        shown.replaceChildren(h('div', { class: 'card ok' },
          h('p', {}, `Key "${k.name || k.prefix}" created. Copy it now: it is not shown again.`),
          h('p', {}, h('code', { class: 'secret' }, k.key))));
        name.value = '';
        load();
      } catch (err) { notice(status, err.message, 'error'); }
    } },
    h('div', { class: 'row' }, field('Name', name), field('Expires (optional)', expires), field('Requests per second (0: no limit)', rate)),
    h('fieldset', { class: 'scopes' }, h('legend', {}, 'Scopes'),
      ...SCOPES.map(([s, what], i) => h('label', { class: 'check' }, boxes[i], h('span', {}, h('strong', {}, s), ` ${what}`)))),
    h('button', { class: 'primary', type: 'submit' }, 'Create key')),
    status, shown,
    h('div', { class: 'tablewrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Scopes', 'Rate', 'State', 'Expires', 'Last used', ''].map((t) => h('th', { scope: 'col' }, t)))), list)));
  await load();
}
