// Batches: one message to a list. Upload a CSV, say which column holds the phone number, write the
// message with the file's columns as {{variables}}, preview the first messages with their
// segments (a dry run: the gateway checks every row and sends nothing), send, and follow
// progress (pause, resume, cancel). The file goes to the gateway as it is, never parsed whole
// here: only its first rows are read for the mapping and the preview table.
import { h, field, notice, confirmDialog, fmtFull } from './dom.js';
import { get, post, ApiError } from './api.js';
import { senderSelect, senderFields } from './senders.js';

const ACTIVE = ['materializing', 'sending', 'paused', 'canceling'];
const STATUS_LABEL = {
  materializing: 'Preparing messages', sending: 'Sending', paused: 'Paused',
  canceling: 'Canceling', canceled: 'Canceled', completed: 'Completed',
};

// Fields of the records in `text` (RFC 4180: quotes, doubled quotes, commas and line breaks
// inside quotes), at most `max` records; a record cut off at the end of `text` is dropped.
export function csvRecords(text, max) {
  const out = [];
  let rec = [], f = '', quoted = false, i = 0;
  for (; i < text.length && out.length < max; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; ++i; } else if (c === '"') quoted = false; else f += c;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      rec.push(f); f = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') ++i;
      rec.push(f); f = '';
      if (rec.length > 1 || rec[0] !== '') out.push(rec);
      rec = [];
    } else {
      f += c;
    }
  }
  return out;
}

// The header's end: the byte after its line break (quotes respected; UTF-8 never puts '\n' or
// '"' inside a multi-byte character, so bytes can be scanned), or -1 when `bytes` holds no whole
// header.
function headerEnd(bytes) {
  let quoted = false;
  for (let i = 0; i < bytes.length; ++i) {
    if (bytes[i] === 0x22) quoted = !quoted;
    else if (!quoted && bytes[i] === 0x0a) return i + 1;
    else if (!quoted && bytes[i] === 0x0d) return bytes[i + 1] === 0x0a ? i + 2 : i + 1;
  }
  return -1;
}

const csvCell = (s) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

async function upload(query, blob) {
  let res;
  try {
    res = await fetch(`/v1/batches?${query}`, { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'text/csv' }, body: blob });
  } catch {
    throw new ApiError(0, 'network', 'The gateway cannot be reached. Check your connection.');
  }
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(res.status, e.code || `http_${res.status}`, e.message || `The gateway answered ${res.status}.`, e.field);
  }
  return data;
}

const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

export async function render(ctx, root) {
  const file = h('input', { type: 'file', name: 'file', accept: '.csv,text/csv', required: true });
  const phoneColumn = h('select', { name: 'phone_column', disabled: true });
  const body = h('textarea', { name: 'body', rows: 3, required: true, placeholder: 'Hi {{name}}, see you tomorrow at {{time}}.' });
  const chips = h('ul', { class: 'chips', 'aria-label': 'Columns you can use' });
  const from = await senderSelect(ctx);
  const category = h('select', { name: 'category' }, h('option', { value: 'transactional' }, 'Transactional'),
    h('option', { value: 'marketing' }, 'Marketing (held during quiet hours)'));
  const sample = h('div', { class: 'tablewrap', hidden: true });
  const status = h('p', { class: 'notice', role: 'status' });
  const preview = h('section', { class: 'card', hidden: true, 'aria-label': 'Preview' });
  const progress = h('section', { class: 'card', hidden: true, 'aria-label': 'Progress' });
  const recent = h('tbody');
  const previewButton = h('button', { type: 'submit', class: 'primary' }, 'Preview');
  const sendButton = h('button', { type: 'button', hidden: true, onclick: () => send() }, 'Send');
  let header = null;  // { columns, end } of the chosen file
  // An error's column as the file names it (the phone column was sent as `to`).
  const column = (f) => (f === 'to' && header ? phoneColumn.value : f);
  let polling = null;

  function query(dryRun) {
    const q = new URLSearchParams({ body: body.value, category: category.value, ...senderFields(from.value) });
    if (dryRun) q.set('dry_run', 'true');
    return q.toString();
  }
  // The file as sent: its header with the phone column named `to`, then every other byte as is.
  function payload() {
    const f = file.files[0];
    const names = header.columns.map((c) => (c === phoneColumn.value ? 'to' : (c === 'to' ? 'to_original' : c)));
    return new Blob([names.map(csvCell).join(',') + '\n', f.slice(header.end)], { type: 'text/csv' });
  }

  file.addEventListener('change', async () => {
    header = null;
    sendButton.hidden = true;
    preview.hidden = true;
    const f = file.files[0];
    if (!f) return;
    const bytes = new Uint8Array(await f.slice(0, 256 * 1024).arrayBuffer());
    const end = headerEnd(bytes);
    if (end < 0) { notice(status, 'This file has no header row.', 'error'); return; }
    const text = new TextDecoder().decode(bytes);  // drops a byte-order mark
    const rows = csvRecords(text, 6);
    const columns = rows[0].map((c) => c.trim());
    header = { columns, end };
    const guess = columns.find((c) => c === 'to') || columns.find((c) => /phone|mobile|cell|number|^to$/i.test(c)) || columns[0];
    phoneColumn.replaceChildren(...columns.map((c) => h('option', { value: c, selected: c === guess }, c)));
    phoneColumn.disabled = false;
    chips.replaceChildren(...columns.map((c) => h('li', {}, h('span', {}, `{{${c}}}`),
      h('button', { type: 'button', class: 'link', 'aria-label': `Insert ${c}`, onclick: () => {
        const at = body.selectionStart ?? body.value.length;
        body.value = `${body.value.slice(0, at)}{{${c}}}${body.value.slice(body.selectionEnd ?? at)}`;
        body.focus();
      } }, '+'))));
    sample.replaceChildren(h('table', {}, h('caption', {}, `First rows of ${f.name}`),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.slice(1).map((r) => h('tr', {}, r.map((v) => h('td', {}, v)))))));
    sample.hidden = false;
    notice(status, `${f.name}: ${columns.length} columns. Pick the phone number column and write the message.`);
  });

  async function dryRun(e) {
    e.preventDefault();
    if (!header) { notice(status, 'Choose a CSV file first.', 'error'); return; }
    previewButton.disabled = true;
    notice(status, 'Checking every row…');
    try {
      const r = await upload(query(true), payload());
      const c = r.counts;
      preview.replaceChildren(h('h2', {}, 'Preview'),
        h('p', {}, `${plural(c.messages, 'message', 'messages')} from ${plural(c.total, 'row', 'rows')}; `,
          `${plural(r.segments.total, 'segment', 'segments')} `,
          `(${Object.entries(r.segments.by_encoding).map(([k, v]) => `${k}: ${v.toLocaleString()}`).join(', ') || 'none'}). `,
          `Skipped: ${c.invalid.toLocaleString()} invalid, ${c.opted_out.toLocaleString()} opted out, ${c.duplicates.toLocaleString()} duplicates.`),
        h('div', { class: 'tablewrap' }, h('table', { class: 'preview' },
          h('thead', {}, h('tr', {}, ['Row', 'To', 'Message', 'Segments'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, r.preview.map((m) => h('tr', {}, h('td', {}, m.row), h('td', {}, m.to), h('td', {}, m.body),
            h('td', {}, `${m.segments} (${m.encoding})`)))))),
        r.errors.length ? h('div', { class: 'tablewrap' }, h('table', { class: 'errors' },
          h('caption', {}, 'Rows that will not be sent'),
          h('thead', {}, h('tr', {}, ['Row', 'Column', 'Problem'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, r.errors.map((x) => h('tr', {}, h('td', {}, x.row), h('td', {}, column(x.field)), h('td', {}, x.message))))))
          : null);
      preview.hidden = false;
      sendButton.textContent = `Send ${plural(c.messages, 'message', 'messages')}`;
      sendButton.hidden = c.messages === 0;
      notice(status, c.messages ? 'Check the preview, then send.' : 'No row can be sent.', c.messages ? '' : 'error');
    } catch (err) {
      notice(status, err.field ? `${err.field}: ${err.message}` : err.message, 'error');
    } finally {
      previewButton.disabled = false;
    }
  }

  async function send() {
    sendButton.disabled = true;
    notice(status, 'Uploading…');
    try {
      const b = await upload(query(false), payload());
      notice(status, `Batch accepted: ${plural(b.counts.total, 'row', 'rows')}.`, 'ok');
      sendButton.hidden = true;
      follow(b);
      load();
    } catch (err) {
      notice(status, err.field ? `${err.field}: ${err.message}` : err.message, 'error');
    } finally {
      sendButton.disabled = false;
    }
  }

  function showProgress(b) {
    const c = b.counts;
    const control = async (action) => {
      if (action === 'cancel' && !await confirmDialog('Cancel this batch?', 'Messages not sent yet will not be sent.', 'Cancel batch')) return;
      try { showProgress(await post(`/v1/batches/${b.id}/${action}`)); load(); } catch (e) { notice(status, e.message, 'error'); }
    };
    const done = c.delivered + c.failed + c.undelivered + c.canceled + c.sent;
    progress.replaceChildren(h('h2', {}, `Batch ${fmtFull(b.created_at)}`),
      h('p', { class: 'batch-status', dataset: { status: b.status } }, STATUS_LABEL[b.status] || b.status),
      h('label', { for: 'batch-rows' }, `Rows processed: ${b.rows_processed.toLocaleString()} of ${c.total.toLocaleString()}`),
      h('progress', { id: 'batch-rows', max: c.total || 1, value: b.rows_processed }),
      h('label', { for: 'batch-sent' }, `Messages out: ${done.toLocaleString()}`),
      h('progress', { id: 'batch-sent', max: Math.max(1, c.total - c.invalid - c.opted_out - c.duplicates), value: done }),
      h('dl', { class: 'counts' }, ...['queued', 'sending', 'sent', 'delivered', 'failed', 'undelivered', 'canceled', 'invalid', 'opted_out', 'duplicates']
        .flatMap((k) => [h('dt', {}, k.replace('_', ' ')), h('dd', { dataset: { count: k } }, c[k].toLocaleString())])),
      h('div', { class: 'row' },
        ['materializing', 'sending'].includes(b.status) ? h('button', { onclick: () => control('pause') }, 'Pause') : null,
        b.status === 'paused' ? h('button', { class: 'primary', onclick: () => control('resume') }, 'Resume') : null,
        ACTIVE.includes(b.status) && b.status !== 'canceling' ? h('button', { class: 'danger', onclick: () => control('cancel') }, 'Cancel') : null),
      b.errors && b.errors.length ? h('div', { class: 'tablewrap' }, h('table', {}, h('caption', {}, 'Rows not sent'),
        h('thead', {}, h('tr', {}, ['Row', 'Column', 'Problem'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, b.errors.slice(0, 20).map((x) => h('tr', {}, h('td', {}, x.row), h('td', {}, x.field), h('td', {}, x.message))))))
        : null);
    progress.hidden = false;
  }

  function follow(b) {
    if (polling) clearInterval(polling);
    const started = Date.now();
    showProgress(b);
    polling = setInterval(async () => {
      try {
        const now = await get(`/v1/batches/${b.id}?errors_limit=20`);
        showProgress(now);
        // Delivery reports keep coming after the last message left: follow a finished batch until
        // none is awaited (or ten minutes).
        const awaiting = now.counts.sent + now.counts.sending > 0 && Date.now() - started < 600000;
        if (now.status === 'paused' || (!ACTIVE.includes(now.status) && !awaiting)) {
          clearInterval(polling); polling = null; load();
        }
      } catch { /* the next tick tries again */ }
    }, 1000);
  }

  async function load() {
    const r = await get('/v1/batches?limit=20');
    recent.replaceChildren(...r.data.map((b) => h('tr', { dataset: { id: b.id } },
      h('td', {}, fmtFull(b.created_at)),
      h('td', {}, STATUS_LABEL[b.status] || b.status),
      h('td', { class: 'num' }, b.counts.total.toLocaleString()),
      h('td', { class: 'num' }, b.counts.delivered.toLocaleString()),
      h('td', { class: 'num' }, (b.counts.failed + b.counts.undelivered).toLocaleString()),
      h('td', { class: 'num' }, (b.counts.invalid + b.counts.opted_out + b.counts.duplicates).toLocaleString()),
      h('td', { class: 'actions' }, h('button', { onclick: async () => follow(await get(`/v1/batches/${b.id}?errors_limit=20`)) }, 'Open')))));
  }

  root.append(h('h1', {}, 'Batches'),
    h('p', { class: 'muted' }, 'Send one message to everyone on a list: appointment reminders, notices. Each row of the file becomes one message; opted-out numbers and duplicates are skipped.'),
    h('form', { class: 'card', onsubmit: dryRun },
      h('div', { class: 'row' }, field('CSV file', file, 'The first row names the columns'),
        field('Phone number column', phoneColumn)),
      sample,
      field('Message', body, 'Click a column to insert it: each row fills in its own value'),
      chips,
      h('div', { class: 'row' }, field('From', from), field('Category', category)),
      h('div', { class: 'row' }, previewButton, sendButton)),
    status, preview, progress,
    h('h2', {}, 'Recent batches'),
    h('div', { class: 'tablewrap' }, h('table', {}, h('thead', {}, h('tr', {},
      ['Created', 'Status', 'Rows', 'Delivered', 'Failed', 'Skipped', ''].map((t) => h('th', { scope: 'col' }, t)))), recent)));
  await load();
  return () => { if (polling) clearInterval(polling); };
}
