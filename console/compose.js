// The message composer shared by the inbox and Send: body with a live segment counter
// (POST /v1/segments: encoding, segments, the characters that force UCS-2) and media URLs.
import { h, field, debounce } from './dom.js';
import { post } from './api.js';

export function composer({ label = 'Message', rows = 3, onSubmit, submitLabel = 'Send', extra = [] }) {
  const body = h('textarea', { name: 'body', rows, placeholder: 'Type a message' });
  const counter = h('p', { class: 'counter', 'aria-live': 'polite' }, '0 characters');
  const media = h('input', { type: 'url', name: 'media_url', placeholder: 'https://…/image.jpg' });
  const mediaList = [];
  const chips = h('ul', { class: 'chips', 'aria-label': 'Attachments' });
  const renderChips = () => {
    chips.replaceChildren(...mediaList.map((u, i) => h('li', {}, h('span', {}, u),
      h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${u}`, onclick: () => { mediaList.splice(i, 1); renderChips(); } }, '×'))));
  };
  const attach = h('button', { type: 'button', onclick: () => {
    const u = media.value.trim();
    if (!u) return;
    if (!media.checkValidity()) { media.reportValidity(); return; }
    mediaList.push(u); media.value = ''; renderChips();
  } }, 'Attach');
  const button = h('button', { class: 'primary', type: 'submit' }, submitLabel);
  const status = h('p', { class: 'notice', role: 'status' });
  let seq = 0;
  const count = debounce(async () => {
    const text = body.value;
    const mine = ++seq;
    if (!text) { counter.textContent = '0 characters'; return; }
    try {
      const r = await post('/v1/segments', { body: text });
      if (mine !== seq) return;
      const parts = [`${r.characters} characters`, r.encoding,
        `${r.segments} segment${r.segments === 1 ? '' : 's'}`];
      counter.replaceChildren(parts.join(' · '));
      if (r.non_gsm_characters.length) {
        counter.append(h('span', { class: 'ucs2' }, ` · UCS-2 because of: ${r.non_gsm_characters.join(' ')}`));
      }
    } catch { counter.textContent = `${text.length} characters`; }
  }, 150);
  body.addEventListener('input', count);
  const form = h('form', { class: 'composer', onsubmit: async (e) => {
    e.preventDefault();
    if (!body.value.trim() && !mediaList.length) { body.focus(); return; }
    if (media.value.trim()) attach.click();
    button.disabled = true;
    status.textContent = '';
    status.className = 'notice';
    try {
      await onSubmit({ body: body.value, media_urls: mediaList.slice() }, status);
      body.value = ''; mediaList.length = 0; renderChips(); count();
    } catch (err) {
      status.className = 'notice error';
      status.setAttribute('role', 'alert');
      status.textContent = err.field ? `${err.message} (${err.field})` : err.message;
    } finally { button.disabled = false; }
  } },
  ...extra,
  field(label, body), counter,
  h('div', { class: 'attach' }, field('Media URL', media), attach), chips,
  h('div', { class: 'actions' }, status, button));
  body.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  return { form, body };
}
