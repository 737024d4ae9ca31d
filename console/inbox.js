// Inbox: conversations (newest first, unread badges, filter by number and unread, search) and a
// chat-style thread with delivery marks, inline media and a composer. Live events move
// conversations, append messages and update marks without a reload.
import { h, clear, field, fmtTime, fmtFull, debounce, quietHash } from './dom.js';
import { get, post, qs } from './api.js';
import { composer } from './compose.js';
import { mark, mediaList, contactName, hasName } from './marks.js';

export async function render(ctx, root, arg) {
  const state = { filter: { number: '', unread: false, q: '' }, items: new Map(), next: null, open: null };
  const numberSel = h('select', { name: 'number' }, h('option', { value: '' }, 'All numbers'),
    ctx.numbers.map((n) => h('option', { value: n.number }, n.friendly_name ? `${n.friendly_name} (${n.number})` : n.number)));
  const unread = h('input', { type: 'checkbox', name: 'unread' });
  const search = h('input', { type: 'search', name: 'q', placeholder: 'Name or number', autocomplete: 'off' });
  const list = h('ul', { class: 'conversations', 'aria-label': 'Conversations' });
  const more = h('button', { class: 'more', hidden: true, onclick: () => load(false) }, 'Load more');
  const empty = h('p', { class: 'muted empty', hidden: true }, 'No conversations yet.');
  const thread = h('section', { class: 'thread', 'aria-label': 'Conversation' },
    h('p', { class: 'muted pick' }, 'Choose a conversation.'));
  const pane = h('section', { class: 'convpane' },
    h('h1', { class: 'sr' }, 'Inbox'),
    h('div', { class: 'filters' }, field('Search', search), field('Number', numberSel),
      h('label', { class: 'check' }, unread, ' Unread only')),
    list, empty, more);
  root.append(h('div', { class: 'inbox' }, pane, thread));

  const convItem = (c) => {
    const name = contactName(c.contact);
    const li = h('li', { dataset: { id: c.id }, class: c.id === state.open?.id ? 'active' : '' },
      h('a', { href: `#/inbox/${encodeURIComponent(c.id)}`, onclick: (e) => { e.preventDefault(); open(c.id); } },
        h('span', { class: 'name' }, name),
        h('time', { datetime: c.last_message_at }, fmtTime(c.last_message_at)),
        h('span', { class: 'preview' }, c.last_message_preview || ''),
        c.unread_count > 0 ? h('span', { class: 'badge', 'aria-label': `${c.unread_count} unread` }, String(c.unread_count)) : null,
        hasName(c.contact) ? h('span', { class: 'sub' }, c.contact.number) : null,
        ctx.numbers.length > 1 ? h('span', { class: 'sub ours' }, `to ${c.our_number}`) : null));
    return li;
  };
  const matches = (c) => {
    const f = state.filter;
    if (f.number && c.our_number !== f.number) return false;
    if (f.unread && !(c.unread_count > 0)) return false;
    if (f.q) {
      // As the API searches: phone-like text by its digits, anything else a name's start.
      const digits = f.q.replace(/\D/g, '');
      const phoneLike = /^[\d\s+().-]+$/.test(f.q) && digits;
      if (phoneLike ? !c.contact.number.includes(digits) : !(c.contact.name || '').toLowerCase().startsWith(f.q.toLowerCase())) return false;
    }
    return true;
  };
  const redraw = () => {
    const sorted = [...state.items.values()].sort((a, b) =>
      b.last_message_at.localeCompare(a.last_message_at) || b.id.localeCompare(a.id));
    list.replaceChildren(...sorted.map(convItem));
    empty.hidden = sorted.length > 0;
  };
  async function load(reset) {
    const f = state.filter;
    const page = await get('/v1/conversations' + qs({ number: f.number, unread: f.unread ? 'true' : '', q: f.q, limit: 50, cursor: reset ? '' : state.next }));
    if (reset) state.items.clear();
    for (const c of page.data) state.items.set(c.id, c);
    state.next = page.next_cursor;
    more.hidden = !state.next;
    redraw();
  }
  const reload = () => load(true).catch(() => {});
  numberSel.addEventListener('change', () => { state.filter.number = numberSel.value; reload(); });
  unread.addEventListener('change', () => { state.filter.unread = unread.checked; reload(); });
  search.addEventListener('input', debounce(() => { state.filter.q = search.value.trim(); reload(); }, 200));

  // --- the thread
  const bubbles = new Map();  // message id -> element
  function bubble(m) {
    const mine = m.direction === 'outbound';
    const el = h('li', { class: `msg ${mine ? 'out' : 'in'}`, dataset: { id: m.id, status: m.status } },
      h('div', { class: 'bubble' },
        m.redaction ? h('em', { class: 'muted' }, 'Redacted') : h('p', { class: 'body' }, m.body),
        mediaList(m)),
      h('div', { class: 'meta' }, h('time', { datetime: m.created_at, title: fmtFull(m.created_at) }, fmtTime(m.created_at)),
        mine ? mark(m) : null));
    return el;
  }
  const msgs = new Map();  // message id -> the newest state seen (API answers and events race)
  function put(ul, m) {
    const known = msgs.get(m.id);
    if (known && (known.updated_at || '') > (m.updated_at || '')) return;
    msgs.set(m.id, m);
    const el = bubble(m);
    const old = bubbles.get(m.id);
    if (old) old.replaceWith(el); else ul.append(el);
    bubbles.set(m.id, el);
  }

  async function open(id) {
    quietHash(`#/inbox/${encodeURIComponent(id)}`);
    bubbles.clear();
    msgs.clear();
    const c = state.items.get(id) || await get(`/v1/conversations/${encodeURIComponent(id)}`);
    state.open = c;
    state.items.set(c.id, c);
    const ul = h('ol', { class: 'messages', 'aria-label': 'Messages', 'aria-live': 'polite' });
    const older = h('button', { class: 'more', hidden: true }, 'Earlier messages');
    const { form } = composer({
      label: `Reply to ${contactName(c.contact)}`, rows: 2,
      onSubmit: async (msg) => {
        const body = { body: msg.body };
        if (msg.media_urls.length) body.media_urls = msg.media_urls;
        const m = await post(`/v1/conversations/${encodeURIComponent(c.id)}/messages`, body);
        put(ul, m);
        ul.lastElementChild?.scrollIntoView({ block: 'end' });
      },
    });
    const back = h('button', { class: 'back link', onclick: () => { state.open = null; thread.classList.remove('open'); quietHash('#/inbox'); redraw(); } }, '← Conversations');
    clear(thread,
      h('header', {}, back,
        h('h2', {}, contactName(c.contact)),
        h('p', { class: 'muted' }, hasName(c.contact) ? `${c.contact.number} · ` : '', `our number ${c.our_number}`)),
      h('div', { class: 'scroll' }, older, ul),
      form);
    thread.classList.add('open');
    redraw();
    // The newest page: the messages before the last one, then the last one.
    const [page, last] = await Promise.all([
      get(`/v1/conversations/${encodeURIComponent(c.id)}/messages${qs({ before: c.last_message_id, limit: 49 })}`),
      get(`/v1/messages/${encodeURIComponent(c.last_message_id)}`),
    ]);
    for (const m of page.data) put(ul, m);
    put(ul, last);
    const showOlder = (cursor) => {
      older.hidden = !cursor;
      older.onclick = async () => {
        const p = await get(`/v1/conversations/${encodeURIComponent(c.id)}/messages${qs({ before: cursor, limit: 50 })}`);
        const first = ul.firstElementChild;
        for (const m of p.data) { const el = bubble(m); msgs.set(m.id, m); bubbles.set(m.id, el); ul.insertBefore(el, first); }
        showOlder(p.before_cursor);
      };
    };
    showOlder(page.before_cursor);
    ul.lastElementChild?.scrollIntoView({ block: 'end' });
    state.thread = ul;
    if (c.unread_count > 0) markRead(c);
  }
  async function markRead(c) {
    try {
      const r = await post(`/v1/conversations/${encodeURIComponent(c.id)}/read`);
      const cur = state.items.get(c.id);
      if (cur) { cur.unread_count = r && typeof r.unread_count === 'number' ? r.unread_count : 0; redraw(); }
    } catch { /* shown as unread still */ }
  }

  const off = ctx.live.on((ev) => {
    if (ev.type === 'conversation.updated') {
      const c = ev.data;
      const open = state.open && state.open.id === c.id;
      if (matches(c) || state.items.has(c.id)) state.items.set(c.id, c);
      if (open) { state.open = c; if (c.unread_count > 0 && document.visibilityState === 'visible') markRead(c); }
      redraw();
    } else if (ev.type === 'message.created') {
      const m = ev.data;
      if (state.open && state.thread && m.conversation_id === state.open.id) {
        put(state.thread, m);
        state.thread.lastElementChild?.scrollIntoView({ block: 'end' });
      }
    } else if (ev.type === 'message.status' || ev.type === 'message.redacted') {
      const known = msgs.get(ev.data.message_id);
      if (!known || !state.thread) return;
      const m = { ...known, updated_at: ev.at };
      if (ev.type === 'message.redacted') { m.redaction = { at: ev.at }; m.body = ''; m.media = []; m.media_urls = []; }
      else Object.assign(m, { status: ev.data.status, error_code: ev.data.error_code, error_message: ev.data.error_message });
      put(state.thread, m);
    }
  });

  await load(true);
  if (arg) await open(arg).catch(() => quietHash('#/inbox'));
  search.focus();
  return off;
}
