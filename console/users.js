// Users: who can sign in to this account's console, with which role.
import { h, field, notice, fmtFull } from './dom.js';
import { get, post, patch } from './api.js';

export async function render(ctx, root) {
  const list = h('tbody');
  const status = h('p', { class: 'notice', role: 'status' });
  const email = h('input', { type: 'email', name: 'email', required: true });
  const role = h('select', { name: 'role' }, h('option', { value: 'agent' }, 'Agent: inbox, send, log, contacts'),
    h('option', { value: 'admin' }, 'Admin: also numbers, opt-outs, auto-replies, secret, users'));
  const shown = h('div', { class: 'onetime', 'aria-live': 'polite' });
  const oneTime = (who, password) => {
    shown.replaceChildren(h('div', { class: 'card ok' },
      h('p', {}, `One-time password for ${who} (shown only now; they should change it):`),
      h('p', {}, h('code', { class: 'secret' }, password))));
  };
  const row = (u) => h('tr', { dataset: { id: u.id } },
    h('td', {}, u.email), h('td', {}, u.role), h('td', {}, u.disabled ? 'disabled' : 'active'),
    h('td', {}, u.last_sign_in_at ? fmtFull(u.last_sign_in_at) : 'never'),
    h('td', { class: 'actions' },
      u.email === ctx.session.email ? h('span', { class: 'muted' }, 'you') : h('button', { onclick: async () => {
        try { await patch(`/v1/users/${encodeURIComponent(u.id)}`, { disabled: !u.disabled }); load(); } catch (e) { notice(status, e.message, 'error'); }
      } }, u.disabled ? 'Enable' : 'Disable'),
      h('button', { onclick: async () => {
        try { const r = await post(`/v1/users/${encodeURIComponent(u.id)}/password`, {}); oneTime(u.email, r.password); } catch (e) { notice(status, e.message, 'error'); }
      } }, 'Reset password')));
  async function load() {
    const r = await get('/v1/users');
    list.replaceChildren(...r.data.map(row));
  }
  root.append(h('h1', {}, 'Users'),
    h('form', { class: 'card row', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const u = await post('/v1/users', { email: email.value, role: role.value });
        oneTime(u.email, u.password);
        email.value = '';
        load();
      } catch (err) { notice(status, err.message, 'error'); }
    } }, field('Email', email), field('Role', role), h('button', { class: 'primary', type: 'submit' }, 'Add user')),
    status, shown,
    h('div', { class: 'tablewrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Email', 'Role', 'State', 'Last sign-in', ''].map((t) => h('th', { scope: 'col' }, t)))), list)));
  await load();
}
