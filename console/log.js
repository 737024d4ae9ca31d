// Log: every message, newest first, with filters (number, direction, status, date range) and a
// detail panel: the status timeline (events[]), error explanations, app deliveries, redaction.
import { h, clear, field, fmtFull, fmtTime, confirmDialog, quietHash, notice } from './dom.js';
import { get, del, qs } from './api.js';
import { mark, mediaList, statusLabel } from './marks.js';

const STATUSES = ['queued', 'scheduled', 'sending', 'sent', 'delivered', 'undelivered', 'failed',
  'canceled', 'expired', 'received'];

// What an error means, for the people reading the log: Switchboard's own codes, and the
// carrier codes providers report most (Twilio's numbering, which the simulated carrier uses too).
const EXPLAIN = {
  recipient_opted_out: 'The recipient texted STOP (or is on the opt-out list): nothing is sent to them until they text START.',
  validity_period_expired: 'The validity period ran out before the message could be sent.',
  rate_limited: 'The provider asked us to slow down; the message was retried.',
  connector_unavailable: 'The provider could not be reached; the message waited and was retried.',
  21211: 'The "to" number is not a valid phone number.',
  21610: 'The recipient unsubscribed (texted STOP) at the provider.',
  21614: 'The "to" number is not a mobile number.',
  30003: 'The handset was unreachable (off, out of coverage, or no longer in service).',
  30004: 'The recipient blocked messages from this number.',
  30005: 'The number is unknown to the carrier or no longer exists.',
  30006: 'The number is a landline or cannot receive texts.',
  30007: 'The carrier filtered the message as spam or against its rules.',
  30008: 'The carrier reported an unknown error.',
};

export async function render(ctx, root, arg) {
  const f = { number: '', direction: '', status: '', since: '', until: '' };
  const number = h('select', { name: 'number' }, h('option', { value: '' }, 'All numbers'),
    ctx.numbers.map((n) => h('option', { value: n.number }, n.number)));
  const direction = h('select', { name: 'direction' }, h('option', { value: '' }, 'Both'),
    h('option', { value: 'inbound' }, 'Inbound'), h('option', { value: 'outbound' }, 'Outbound'));
  const status = h('select', { name: 'status' }, h('option', { value: '' }, 'Any'),
    STATUSES.map((s) => h('option', { value: s }, statusLabel(s))));
  const since = h('input', { type: 'date', name: 'since' });
  const until = h('input', { type: 'date', name: 'until' });
  const rows = h('tbody');
  const more = h('button', { class: 'more', hidden: true }, 'Load more');
  const detail = h('aside', { class: 'detail', 'aria-label': 'Message detail', hidden: true });
  const err = h('p', { class: 'notice', role: 'status' });
  let next = null;

  root.append(h('h1', {}, 'Log'),
    h('form', { class: 'filters row', onsubmit: (e) => { e.preventDefault(); load(true); } },
      field('Number', number), field('Direction', direction), field('Status', status),
      field('From', since), field('Until', until), h('button', { type: 'submit' }, 'Filter')),
    err,
    h('div', { class: 'logwrap' },
      h('div', { class: 'tablewrap' }, h('table', { class: 'log' },
        h('thead', {}, h('tr', {}, ['Time', 'Direction', 'From', 'To', 'Message', 'Status'].map((t) => h('th', { scope: 'col' }, t)))),
        rows), more),
      detail));
  for (const el of [number, direction, status, since, until]) el.addEventListener('change', () => load(true));

  const day = (v, end) => {
    if (!v) return '';
    const d = new Date(`${v}T00:00:00`);
    if (end) d.setDate(d.getDate() + 1);
    return d.toISOString();
  };
  const row = (m) => h('tr', { dataset: { id: m.id }, tabindex: '0', onclick: () => open(m.id),
    onkeydown: (e) => { if (e.key === 'Enter') open(m.id); } },
  h('td', {}, h('time', { datetime: m.created_at }, fmtTime(m.created_at))),
  h('td', {}, m.direction === 'inbound' ? 'In' : 'Out'),
  h('td', {}, m.from), h('td', {}, m.to),
  h('td', { class: 'body' }, m.redaction ? h('em', {}, 'Redacted') : m.body),
  h('td', {}, m.direction === 'inbound' ? statusLabel(m.status) : mark(m, { words: true })));

  async function load(reset) {
    try {
      const page = await get('/v1/messages' + qs({ number: number.value, direction: direction.value,
        status: status.value, since: day(since.value), until: day(until.value, true), limit: 50,
        cursor: reset ? '' : next }));
      if (reset) rows.replaceChildren();
      rows.append(...page.data.map(row));
      next = page.next_cursor;
      more.hidden = !next;
      notice(err, page.data.length || !reset ? '' : 'No messages match.');
    } catch (e) { notice(err, e.message, 'error'); }
  }
  more.addEventListener('click', () => load(false));

  async function open(id) {
    quietHash(`#/log/${encodeURIComponent(id)}`);
    for (const tr of rows.children) tr.classList.toggle('active', tr.dataset.id === id);
    detail.hidden = false;
    clear(detail, h('p', { class: 'muted' }, 'Loading…'));
    let m;
    let deliveries = [];
    try {
      m = await get(`/v1/messages/${encodeURIComponent(id)}`);
      deliveries = (await get(`/v1/messages/${encodeURIComponent(id)}/deliveries`)).data || [];
    } catch (e) { if (!m) { clear(detail, h('p', { class: 'notice error' }, e.message)); return; } }
    const explain = m.error_code && EXPLAIN[m.error_code];
    const close = h('button', { class: 'link close', 'aria-label': 'Close detail', onclick: () => { detail.hidden = true; quietHash('#/log'); } }, '×');
    const redact = h('button', { class: 'danger', disabled: !!m.redaction, onclick: async () => {
      if (!await confirmDialog('Redact this message?', 'Its body and media are erased here (and at the provider where it supports it). This cannot be undone.', 'Redact')) return;
      try { await del(`/v1/messages/${encodeURIComponent(m.id)}`); open(m.id); load(true); } catch (e) { notice(err, e.message, 'error'); }
    } }, m.redaction ? 'Redacted' : 'Redact');
    clear(detail, close,
      h('h2', {}, m.direction === 'inbound' ? 'Inbound message' : 'Outbound message'),
      h('dl', { class: 'kv' },
        h('dt', {}, 'Id'), h('dd', { class: 'mono' }, m.id),
        h('dt', {}, 'From'), h('dd', {}, m.from), h('dt', {}, 'To'), h('dd', {}, m.to),
        h('dt', {}, 'Status'), h('dd', {}, m.direction === 'inbound' ? statusLabel(m.status) : mark(m, { words: true })),
        m.error_code ? [h('dt', {}, 'Error'), h('dd', {}, `${m.error_code}${m.error_message ? `: ${m.error_message}` : ''}`)] : null,
        h('dt', {}, 'Encoding'), h('dd', {}, `${m.encoding}, ${m.segments} segment${m.segments === 1 ? '' : 's'}`),
        h('dt', {}, 'Connector'), h('dd', {}, m.connector || '—'),
        m.provider_message_id ? [h('dt', {}, 'Provider id'), h('dd', { class: 'mono' }, m.provider_message_id)] : null,
        h('dt', {}, 'Created'), h('dd', {}, fmtFull(m.created_at))),
      explain ? h('p', { class: 'explain' }, explain) : null,
      h('h3', {}, 'Body'),
      m.redaction ? h('p', { class: 'muted' }, `Redacted ${fmtFull(m.redaction.at)}`) : h('p', { class: 'body' }, m.body),
      mediaList(m),
      h('h3', {}, 'Timeline'),
      h('ol', { class: 'timeline' }, (m.events || []).map((e) => h('li', { class: e.applied ? '' : 'ignored' },
        h('time', { datetime: e.at }, fmtFull(e.at)), ' ',
        h('strong', {}, statusLabel(e.status)), ` (${e.type})`,
        e.provider_status ? ` · provider: ${e.provider_status}` : '',
        e.error_code ? ` · ${e.error_code}${e.error_message ? `: ${e.error_message}` : ''}` : '',
        e.applied ? '' : ' · not applied (arrived late or repeated)'))),
      deliveries.length ? [h('h3', {}, 'Deliveries to your app'), h('ul', { class: 'timeline' }, deliveries.map((d) =>
        h('li', {}, `${d.kind || d.type || 'delivery'} → ${d.url || ''} · ${d.state || d.status || ''}`)))] : null,
      h('div', { class: 'actions' }, redact));
    detail.querySelector('h2').setAttribute('tabindex', '-1');
    detail.querySelector('h2').focus();
  }

  await load(true);
  if (arg) await open(arg);
}
