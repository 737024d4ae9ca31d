// DOM helpers. Text always goes in as text nodes (never innerHTML), so message bodies, names and
// anything else from the API render as what they say and can never run.

// h('button', {class: 'x', onclick: fn}, 'label', child, [more]) -> element
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'selected') el[k] = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let ids = 0;
// A labelled form control: h('label') wrapping the text and the control.
export function field(label, control, hint) {
  if (!control.id) control.id = `f${++ids}`;
  return h('div', { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('small', { class: 'hint' }, hint) : null);
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' +
      d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function fmtFull(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

// A status message for screen readers and eyes: kind 'error' | 'ok' | ''.
export function notice(el, text, kind = '') {
  clear(el, text || '');
  el.className = `notice ${kind}`;
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status');
}

// A modal confirmation (<dialog>): resolves true when confirmed.
export function confirmDialog(title, text, action = 'Confirm', danger = true) {
  return new Promise((resolve) => {
    const ok = h('button', { class: danger ? 'danger' : 'primary', value: 'ok' }, action);
    const cancel = h('button', { value: 'cancel', type: 'button' }, 'Cancel');
    const dlg = h('dialog', { class: 'confirm', 'aria-labelledby': 'dlg-title' },
      h('form', { method: 'dialog' },
        h('h2', { id: 'dlg-title' }, title),
        h('p', {}, text),
        h('div', { class: 'actions' }, cancel, ok)));
    cancel.addEventListener('click', () => dlg.close('cancel'));
    dlg.addEventListener('close', () => { dlg.remove(); resolve(dlg.returnValue === 'ok'); });
    document.body.appendChild(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

export function debounce(fn, ms) {
  let t = 0;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

// Download text as a file (CSV export).
export function download(name, text, type = 'text/csv') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// Changes the URL's hash (a thread or a message opened) without the router re-rendering.
export function quietHash(hash) {
  if (location.hash === hash) return;
  window.__quietHash = hash;
  location.hash = hash;
}
