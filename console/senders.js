// The senders a message or batch can name: the account's SMS numbers, then (for callers who can
// list them: admins) its sender pools, as options whose value is the number or "pool:<id>".
import { h } from './dom.js';
import { get } from './api.js';

export async function senderSelect(ctx) {
  const from = h('select', { name: 'from' }, ctx.numbers.filter((n) => n.capabilities.sms)
    .map((n) => h('option', { value: n.number }, n.friendly_name ? `${n.friendly_name} (${n.number})` : n.number)));
  try {
    const pools = (await get('/v1/pools')).data;
    if (pools.length) {
      from.append(h('optgroup', { label: 'Sender pools (the gateway picks the number)' },
        ...pools.map((p) => h('option', { value: `pool:${p.id}` }, `${p.name} (${p.numbers.length} numbers)`))));
    }
  } catch { /* no pools for this caller */ }
  return from;
}

// The request fields for the chosen option: {from} or {pool}.
export function senderFields(value) {
  return value.startsWith('pool:') ? { pool: value.slice(5) } : (value ? { from: value } : {});
}
