// Numbers: each number's capabilities, connector, type, throughput, forwarding, default status
// callback and conversations setting; edit them, and point the provider's webhooks here.
import { h, clear, field, notice } from './dom.js';
import { get, patch, post, all } from './api.js';

export async function render(ctx, root) {
  const numbers = await all('/v1/numbers');
  const list = h('tbody');
  const editor = h('section', { class: 'card editor', hidden: true, 'aria-label': 'Edit number' });
  root.append(h('h1', {}, 'Numbers'),
    h('div', { class: 'tablewrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['Number', 'Connector', 'Type', 'SMS/MMS', 'Throughput', 'Forwarding', 'Conversations', ''].map((t) => h('th', { scope: 'col' }, t)))),
      list)),
    editor);
  const draw = () => list.replaceChildren(...numbers.map((n) => h('tr', { dataset: { number: n.number } },
    h('th', { scope: 'row' }, n.number, n.friendly_name ? h('span', { class: 'sub' }, n.friendly_name) : null),
    h('td', {}, n.connector, n.provider ? h('span', { class: 'sub' }, n.provider) : null),
    h('td', {}, n.type),
    h('td', {}, [n.capabilities.sms ? 'SMS' : null, n.capabilities.mms ? 'MMS' : null].filter(Boolean).join(' + ') || '—'),
    h('td', {}, n.throughput ? `${n.throughput}/s` : 'provider default'),
    h('td', { class: 'url' }, n.forwarding ? `${n.forwarding.method} ${n.forwarding.url}` : 'off'),
    h('td', {}, n.conversations),
    h('td', {}, h('button', { onclick: () => edit(n), 'aria-label': `Edit ${n.number}` }, 'Edit')))));
  draw();

  function edit(n) {
    const url = h('input', { type: 'url', name: 'forward_url', value: n.forwarding?.url || '', placeholder: 'https://app.example.com/sms' });
    const method = h('select', { name: 'forward_method' }, ['POST', 'GET'].map((m) => h('option', { value: m, selected: n.forwarding?.method === m }, m)));
    const format = h('select', { name: 'forward_format' },
      h('option', { value: 'switchboard', selected: n.forwarding?.format !== 'twilio' }, 'Switchboard JSON'),
      h('option', { value: 'twilio', selected: n.forwarding?.format === 'twilio' }, 'Twilio form (TwiML replies)'));
    const callback = h('input', { type: 'url', name: 'status_callback', value: n.status_callback || '' });
    const friendly = h('input', { type: 'text', name: 'friendly_name', value: n.friendly_name || '' });
    const conversations = h('select', { name: 'conversations' },
      h('option', { value: 'all', selected: n.conversations === 'all' }, 'Every message (a support desk, a CRM)'),
      h('option', { value: 'inbound', selected: n.conversations === 'inbound' }, 'Only when someone texts in (bulk senders)'));
    const status = h('p', { class: 'notice', role: 'status' });
    const hooks = h('div', { class: 'hooks' },
      h('h3', {}, "Provider's webhooks"),
      h('p', { class: 'muted' }, 'Inbound: ', h('code', {}, n.webhooks.inbound_url || '—')),
      h('p', { class: 'muted' }, 'Status: ', h('code', {}, n.webhooks.status_url || '—')),
      n.provider && n.provider !== 'sim'
        ? h('button', { type: 'button', onclick: async () => {
          try {
            const r = await post(`/v1/numbers/${encodeURIComponent(n.number)}/provider-webhooks`, {});
            notice(status, `The provider now sends ${n.number}'s messages to ${r.inbound_url}.`, 'ok');
          } catch (e) { notice(status, e.message, 'error'); }
        } }, "Point the provider's webhooks here")
        : h('p', { class: 'muted' }, 'The simulated carrier needs no webhooks.'));
    const form = h('form', { onsubmit: async (e) => {
      e.preventDefault();
      const body = {
        friendly_name: friendly.value.trim() || null,
        forwarding: url.value.trim() ? { url: url.value.trim(), method: method.value, format: format.value } : null,
        status_callback: callback.value.trim() || null,
        conversations: conversations.value,
      };
      try {
        const saved = await patch(`/v1/numbers/${encodeURIComponent(n.number)}`, body);
        Object.assign(n, saved);
        draw();
        notice(status, 'Saved.', 'ok');
      } catch (err) { notice(status, err.field ? `${err.message} (${err.field})` : err.message, 'error'); }
    } },
    h('h2', {}, `Edit ${n.number}`),
    field('Name', friendly),
    h('fieldset', {}, h('legend', {}, 'Forward inbound messages to your app'),
      field('URL', url, 'Empty: not forwarded'), h('div', { class: 'row' }, field('Method', method), field('Format', format))),
    field('Default status callback', callback, 'Messages sent from this number report their status here unless they name their own'),
    field('Conversations start with', conversations),
    h('div', { class: 'actions' }, status,
      h('button', { type: 'button', onclick: () => { editor.hidden = true; } }, 'Close'),
      h('button', { class: 'primary', type: 'submit' }, 'Save')));
    clear(editor, form, hooks);
    editor.hidden = false;
    url.focus();
  }
}
