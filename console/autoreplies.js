// Auto-replies: keyword or pattern rules that answer inbound messages (docs/compliance.md).
import { h, field, notice, confirmDialog } from './dom.js';
import { get, post, patch, del } from './api.js';

export async function render(ctx, root) {
  const list = h('tbody');
  const status = h('p', { class: 'notice', role: 'status' });
  const number = h('select', { name: 'number' }, h('option', { value: '' }, 'All numbers'),
    ctx.numbers.map((n) => h('option', { value: n.number }, n.number)));
  const match = h('select', { name: 'match' }, [['exact', 'Is exactly'], ['prefix', 'Starts with'], ['contains', 'Contains'], ['regex', 'Regular expression']].map(([v, t]) => h('option', { value: v }, t)));
  const pattern = h('input', { type: 'text', name: 'pattern', required: true });
  const body = h('textarea', { name: 'body', rows: 2, required: true });
  const row = (a) => h('tr', { dataset: { id: a.id } },
    h('td', {}, a.number || 'all'), h('td', {}, a.match), h('td', {}, a.pattern || '—'), h('td', { class: 'body' }, a.body),
    h('td', {}, h('label', { class: 'check' }, h('input', { type: 'checkbox', checked: a.enabled, onchange: async (e) => {
      try { await patch(`/v1/auto-replies/${encodeURIComponent(a.id)}`, { enabled: e.target.checked }); } catch (err) { notice(status, err.message, 'error'); e.target.checked = !e.target.checked; }
    } }), ' on')),
    h('td', {}, h('button', { class: 'danger', onclick: async () => {
      if (!await confirmDialog('Delete this auto-reply?', a.body, 'Delete')) return;
      try { await del(`/v1/auto-replies/${encodeURIComponent(a.id)}`); load(); } catch (e) { notice(status, e.message, 'error'); }
    } }, 'Delete')));
  async function load() {
    const r = await get('/v1/auto-replies');
    list.replaceChildren(...r.data.map(row));
  }
  root.append(h('h1', {}, 'Auto-replies'),
    h('form', { class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      const req = { match: match.value, body: body.value };
      if (number.value) req.number = number.value;
      req.pattern = pattern.value;
      try { await post('/v1/auto-replies', req); body.value = ''; pattern.value = ''; notice(status, 'Added.', 'ok'); load(); } catch (err) { notice(status, err.field ? `${err.message} (${err.field})` : err.message, 'error'); }
    } }, h('div', { class: 'row' }, field('Number', number), field('Match', match), field('Pattern', pattern, 'Compared without regard to case')),
    field('Reply', body), h('div', { class: 'actions' }, h('button', { class: 'primary', type: 'submit' }, 'Add auto-reply'))),
    status,
    h('div', { class: 'tablewrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Number', 'Match', 'Pattern', 'Reply', 'Enabled', ''].map((t) => h('th', { scope: 'col' }, t)))), list)));
  await load();
}
