// Signing secret: the key that signs what the gateway sends to apps (Switchboard-Signature).
import { h, notice, confirmDialog, fmtFull } from './dom.js';
import { get, post } from './api.js';

export async function render(ctx, root) {
  const status = h('p', { class: 'notice', role: 'status' });
  const value = h('code', { class: 'secret' }, '••••••••••••••••');
  const created = h('span', { class: 'muted' });
  let secret = null;
  const show = h('button', { 'aria-pressed': 'false', onclick: () => {
    const on = show.getAttribute('aria-pressed') !== 'true';
    show.setAttribute('aria-pressed', String(on));
    show.textContent = on ? 'Hide' : 'Show';
    value.textContent = on ? secret.secret : '••••••••••••••••';
  } }, 'Show');
  const copy = h('button', { onclick: async () => {
    try { await navigator.clipboard.writeText(secret.secret); notice(status, 'Copied.', 'ok'); } catch { notice(status, 'Copy it from the field instead.', 'error'); }
  } }, 'Copy');
  const rotate = h('button', { class: 'danger', onclick: async () => {
    if (!await confirmDialog('Rotate the signing secret?', 'Apps that check signatures must be given the new secret; requests signed with the old one stop verifying.', 'Rotate')) return;
    try { secret = await post('/v1/signing-secret/rotate'); draw(); notice(status, 'Rotated. Give your apps the new secret.', 'ok'); } catch (e) { notice(status, e.message, 'error'); }
  } }, 'Rotate');
  const draw = () => {
    created.textContent = `created ${fmtFull(secret.created_at)}`;
    if (show.getAttribute('aria-pressed') === 'true') value.textContent = secret.secret;
  };
  secret = await get('/v1/signing-secret');
  root.append(h('h1', {}, 'Signing secret'),
    h('p', {}, 'Everything the gateway sends to your apps (forwarded messages, status callbacks) carries a ',
      h('code', {}, 'Switchboard-Signature'), ' header: HMAC-SHA256 of the request under this secret. Apps check it to know the request came from here (docs/forwarding.md).'),
    h('div', { class: 'card' }, h('p', {}, value), h('p', {}, created),
      h('div', { class: 'actions' }, show, copy, rotate)), status);
  draw();
}
