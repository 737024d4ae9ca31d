// Opt-outs: who must not be texted (STOP, the API, imports, provider errors); add, remove, and
// CSV import/export in the columns `switchboard opt-outs import|export` uses
// (number,scope,our_number,source,created_at).
import { h, field, notice, confirmDialog, download, fmtFull } from './dom.js';
import { get, post, del, qs, all } from './api.js';

// One CSV line's fields (quotes, doubled quotes and commas inside quotes).
export function csvFields(line) {
  const out = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') quoted = false; else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { out.push(cur.trim()); cur = ''; } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}
const csvCell = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export async function render(ctx, root) {
  const list = h('tbody');
  const more = h('button', { class: 'more', hidden: true }, 'Load more');
  const status = h('p', { class: 'notice', role: 'status' });
  const number = h('input', { type: 'tel', name: 'number', required: true });
  const scope = h('select', { name: 'scope' }, h('option', { value: 'account' }, 'All our numbers'),
    ctx.numbers.map((n) => h('option', { value: n.number }, `Only ${n.number}`)));
  const file = h('input', { type: 'file', accept: '.csv,text/csv', name: 'csv' });
  let next = null;
  const row = (o) => h('tr', { dataset: { id: o.id, number: o.number } },
    h('td', {}, o.number), h('td', {}, o.scope === 'account' ? 'all numbers' : o.our_number),
    h('td', {}, o.source), h('td', {}, fmtFull(o.created_at)),
    h('td', {}, h('button', { class: 'danger', onclick: async () => {
      if (!await confirmDialog(`Remove ${o.number} from opt-outs?`, 'Messages to this number will be sent again. Only do this when they asked to be texted again (or texted START).', 'Remove')) return;
      try { await del(`/v1/opt-outs/${encodeURIComponent(o.id)}`); load(true); } catch (e) { notice(status, e.message, 'error'); }
    } }, 'Remove')));
  async function load(reset) {
    try {
      const page = await get('/v1/opt-outs' + qs({ limit: 100, cursor: reset ? '' : next }));
      if (reset) list.replaceChildren();
      list.append(...page.data.map(row));
      next = page.next_cursor;
      more.hidden = !next;
    } catch (e) { notice(status, e.status === 403 ? `Forbidden: ${e.message}` : e.message, 'error'); throw e; }
  }
  more.addEventListener('click', () => load(false));
  const add = async (n, sc) => post('/v1/opt-outs', sc === 'account' ? { number: n } : { number: n, scope: 'number', our_number: sc });
  const exportCsv = async () => {
    const rows = await all('/v1/opt-outs');
    const text = ['number,scope,our_number,source,created_at',
      ...rows.map((o) => [o.number, o.scope, o.our_number || '', o.source, o.created_at].map(csvCell).join(','))].join('\n') + '\n';
    download('opt-outs.csv', text);
  };
  const importCsv = async () => {
    const f = file.files[0];
    if (!f) { notice(status, 'Choose a CSV file first.', 'error'); return; }
    const lines = (await f.text()).split(/\r?\n/);
    let added = 0;
    const bad = [];
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].trim()) continue;
      const [n, sc = 'account', ours = ''] = csvFields(lines[i]);
      if (i === 0 && n.toLowerCase() === 'number') continue;
      try { await add(n, sc === 'number' ? ours : 'account'); added++; } catch (e) { bad.push(`line ${i + 1}: ${e.message}`); }
    }
    notice(status, `${added} imported${bad.length ? `; ${bad.length} skipped: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '…' : ''}` : ''}.`, bad.length ? 'error' : 'ok');
    load(true);
  };
  root.append(h('h1', {}, 'Opt-outs'),
    h('p', { class: 'muted' }, 'Nobody here is sent a message. People join by texting STOP (or an opt-out word) and leave by texting START.'),
    h('form', { class: 'card row', onsubmit: async (e) => {
      e.preventDefault();
      try { await add(number.value, scope.value); number.value = ''; notice(status, 'Added.', 'ok'); load(true); } catch (err) { notice(status, err.message, 'error'); }
    } }, field('Number', number), field('Scope', scope), h('button', { class: 'primary', type: 'submit' }, 'Add opt-out')),
    h('div', { class: 'card row' }, field('CSV file', file, 'number,scope,our_number — as exported'),
      h('button', { onclick: importCsv }, 'Import'), h('button', { onclick: exportCsv }, 'Export CSV')),
    status,
    h('div', { class: 'tablewrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Number', 'Scope', 'Source', 'Since', ''].map((t) => h('th', { scope: 'col' }, t)))), list)), more);
  await load(true);
  const off = ctx.live.on((ev) => { if (ev.type === 'opt_out.created' || ev.type === 'opt_out.deleted') load(true).catch(() => {}); });
  return off;
}
