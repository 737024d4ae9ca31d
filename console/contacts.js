// Contacts: search by name or number, add, rename, delete; a contact's conversations open in
// the inbox.
import { h, field, debounce, confirmDialog, notice } from './dom.js';
import { get, post, patch, del, qs } from './api.js';

export async function render(ctx, root) {
  const q = h('input', { type: 'search', name: 'q', placeholder: 'Name or number' });
  const list = h('tbody');
  const more = h('button', { class: 'more', hidden: true }, 'Load more');
  const status = h('p', { class: 'notice', role: 'status' });
  const number = h('input', { type: 'tel', name: 'number', required: true, placeholder: '+1 202 555 0100' });
  const name = h('input', { type: 'text', name: 'name', required: true });
  let next = null;
  const row = (c) => {
    const nameCell = h('td', {}, c.name);
    return h('tr', { dataset: { id: c.id } },
      nameCell, h('td', {}, c.number),
      h('td', { class: 'actions' },
        h('button', { onclick: async () => {
          const input = h('input', { type: 'text', value: c.name, 'aria-label': `New name for ${c.number}` });
          const save = h('button', { class: 'primary' }, 'Save');
          const done = async () => {
            try { Object.assign(c, await patch(`/v1/contacts/${encodeURIComponent(c.id)}`, { name: input.value })); nameCell.replaceChildren(c.name); } catch (e) { notice(status, e.message, 'error'); }
          };
          save.addEventListener('click', done);
          input.addEventListener('keydown', (e) => { if (e.key === 'Enter') done(); });
          nameCell.replaceChildren(input, save);
          input.focus();
        } }, 'Rename'),
        h('button', { class: 'danger', onclick: async () => {
          if (!await confirmDialog(`Delete ${c.name}?`, 'The contact and its conversations are deleted; messages stay in the log.', 'Delete')) return;
          try { await del(`/v1/contacts/${encodeURIComponent(c.id)}`); load(true); } catch (e) { notice(status, e.message, 'error'); }
        } }, 'Delete')));
  };
  async function load(reset) {
    try {
      const page = await get('/v1/contacts' + qs({ q: q.value.trim(), limit: 50, cursor: reset ? '' : next }));
      if (reset) list.replaceChildren();
      list.append(...page.data.map(row));
      next = page.next_cursor;
      more.hidden = !next;
    } catch (e) { notice(status, e.message, 'error'); }
  }
  more.addEventListener('click', () => load(false));
  q.addEventListener('input', debounce(() => load(true), 200));
  root.append(h('h1', {}, 'Contacts'),
    h('form', { class: 'card row', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await post('/v1/contacts', { number: number.value, name: name.value });
        number.value = ''; name.value = '';
        notice(status, 'Contact added.', 'ok');
        load(true);
      } catch (err) { notice(status, err.field ? `${err.message} (${err.field})` : err.message, 'error'); }
    } }, field('Number', number), field('Name', name), h('button', { class: 'primary', type: 'submit' }, 'Add contact')),
    status, field('Search', q),
    h('div', { class: 'tablewrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Name', 'Number', ''].map((t) => h('th', { scope: 'col' }, t)))), list)), more);
  await load(true);
}
