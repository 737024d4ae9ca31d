// The console's shell: sign-in, navigation, the live-events connection and hash routing.
// Screens are modules loaded when first opened; each exports render(ctx, root, arg) and may
// return a function that tears it down.
import { h, clear, field, notice } from './dom.js';
import { api, get, post, del, Live, all } from './api.js';

const SCREENS = [
  { path: 'inbox', label: 'Inbox', module: './inbox.js' },
  { path: 'log', label: 'Log', module: './log.js' },
  { path: 'send', label: 'Send', module: './send.js' },
  { path: 'batches', label: 'Batches', module: './batches.js' },
  { path: 'contacts', label: 'Contacts', module: './contacts.js' },
  { path: 'phone', label: 'Simulated phone', module: './phone.js', sim: true },
  { path: 'numbers', label: 'Numbers', module: './numbers.js', admin: true },
  { path: 'pools', label: 'Sender pools', module: './pools.js', admin: true },
  { path: 'opt-outs', label: 'Opt-outs', module: './optouts.js', admin: true },
  { path: 'auto-replies', label: 'Auto-replies', module: './autoreplies.js', admin: true },
  { path: 'signing-secret', label: 'Signing secret', module: './secret.js', admin: true },
  { path: 'users', label: 'Users', module: './users.js', admin: true },
  { path: 'keys', label: 'API keys', module: './keys.js', admin: true },
];

const root = document.getElementById('app');
let ctx = null;
let teardown = null;

async function boot() {
  try {
    const session = await api('GET', '/v1/session');
    await start(session);
  } catch (e) {
    if (e.status === 401) signIn();
    else fatal(e);
  }
}

function fatal(e) {
  root.removeAttribute('aria-busy');
  clear(root, h('main', { id: 'main', class: 'signin' },
    h('h1', {}, 'Switchboard'), h('p', { class: 'notice error', role: 'alert' }, e.message),
    h('button', { onclick: () => location.reload() }, 'Try again')));
}

function signIn(message) {
  if (ctx) { ctx.live.stop(); ctx = null; }
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const status = h('p', { class: 'notice', role: 'status' });
  const button = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    notice(status, 'Signing in…');
    try {
      const session = await post('/v1/session', { email: email.value, password: password.value });
      await start(session);
    } catch (e) {
      notice(status, e.code === 'rate_limited' ? e.message : (e.status === 401 ? 'Wrong email or password.' : e.message), 'error');
      button.disabled = false;
      password.select();
    }
  } },
  h('h1', {}, 'Switchboard'),
  h('p', { class: 'muted' }, 'Sign in to the console.'),
  field('Email', email), field('Password', password), status, button);
  root.removeAttribute('aria-busy');
  clear(root, h('main', { id: 'main', class: 'signin' }, form));
  if (message) notice(status, message);
  email.focus();
}

async function start(session) {
  const live = new Live();
  ctx = { session, live, admin: session.role === 'admin', numbers: [], hasSim: false };
  try {
    ctx.numbers = await all('/v1/numbers');
  } catch { /* shown by the screens that need them */ }
  ctx.hasSim = ctx.numbers.some((n) => n.provider === 'sim');
  ctx.simNumbers = ctx.numbers.filter((n) => n.provider === 'sim');
  live.start();
  renderShell();
  route();
}

function renderShell() {
  const { session } = ctx;
  const links = SCREENS.filter((s) => (!s.admin || ctx.admin) && (!s.sim || ctx.hasSim))
    .map((s) => h('li', {}, h('a', { href: `#/${s.path}`, dataset: { path: s.path } }, s.label)));
  const liveDot = h('span', { class: 'live', role: 'status', 'aria-live': 'polite' });
  ctx.live.onState((s) => {
    liveDot.className = `live ${s}`;
    liveDot.textContent = s === 'live' ? 'Live' : 'Reconnecting…';
  });
  const menu = h('button', { class: 'menu', 'aria-expanded': 'false', 'aria-controls': 'nav' }, 'Menu');
  const nav = h('nav', { id: 'nav', 'aria-label': 'Console' }, h('ul', {}, links));
  menu.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    menu.setAttribute('aria-expanded', String(open));
  });
  nav.addEventListener('click', (e) => {
    if (e.target.closest('a')) { nav.classList.remove('open'); menu.setAttribute('aria-expanded', 'false'); }
  });
  const signOut = h('button', { class: 'link', onclick: async () => {
    try { await del('/v1/session'); } catch { /* signed out anyway */ }
    signIn('Signed out.');
  } }, 'Sign out');
  root.removeAttribute('aria-busy');
  clear(root,
    h('header', { class: 'top' },
      menu,
      h('a', { class: 'brand', href: '#/inbox' }, 'Switchboard'),
      liveDot,
      h('span', { class: 'who' }, session.email || session.account, ' ',
        h('span', { class: 'role' }, session.role)),
      signOut),
    h('div', { class: 'layout' }, nav, h('main', { id: 'main', tabindex: '-1' })));
}

async function route() {
  if (!ctx) return;
  const [path = 'inbox', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const screen = SCREENS.find((s) => s.path === path) || SCREENS[0];
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.path === screen.path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const main = document.getElementById('main');
  if (teardown) { try { teardown(); } catch { /* gone */ } teardown = null; }
  document.title = `${screen.label} · Switchboard`;
  const key = `${screen.path}/${rest.join('/')}`;
  main.dataset.screen = screen.path;
  if (screen.admin && !ctx.admin) {
    // The API refuses these calls to agents too (403); the screen says so without trying.
    clear(main, h('h1', {}, screen.label), h('p', { class: 'notice error', role: 'alert' },
      `Forbidden: ${screen.label} is for admins; you are signed in as an agent.`));
    return;
  }
  try {
    const mod = await import(screen.module);
    if (main.dataset.screen !== screen.path) return;  // navigated away meanwhile
    clear(main);
    teardown = (await mod.render(ctx, main, rest.map(decodeURIComponent).join('/'), key)) || null;
  } catch (e) {
    clear(main, h('h1', {}, screen.label), h('p', { class: 'notice error', role: 'alert' },
      e.status === 403 ? `Forbidden: ${e.message}` : e.message));
  }
}

// Screens call this to change the route's argument without re-rendering (a thread opened).
window.addEventListener('hashchange', () => {
  if (window.__quietHash === location.hash) { window.__quietHash = null; return; }
  route();
});
window.addEventListener('signed-out', () => { if (ctx) signIn('Your session ended. Sign in again.'); });

boot();
