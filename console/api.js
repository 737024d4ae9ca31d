// The console talks to the same /v1 API as any app, with its session cookie (HttpOnly: this code
// never sees it). Errors come back as ApiError with the API's stable code, message and field.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export async function api(method, path, body) {
  const init = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'The gateway cannot be reached. Check your connection.');
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = (data && data.error) || {};
    if (res.status === 401 && path !== '/v1/session') window.dispatchEvent(new Event('signed-out'));
    throw new ApiError(res.status, e.code || `http_${res.status}`,
      e.message || `The gateway answered ${res.status}.`, e.field);
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b === undefined ? {} : b);
export const patch = (p, b) => api('PATCH', p, b);
export const del = (p) => api('DELETE', p);

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}

// Every page of a list endpoint ({data, next_cursor}), up to `max` items.
export async function all(path, params = {}, max = 10000) {
  const out = [];
  let cursor;
  do {
    const page = await get(path + qs({ ...params, limit: 1000, cursor }));
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor && out.length < max);
  return out;
}

// Live events (GET /v1/events): one WebSocket for the console, reconnecting with ?after=<last id>
// so nothing is missed across drops; listeners get every event of the account.
export class Live {
  constructor() {
    this.listeners = new Set();
    this.stateListeners = new Set();
    this.last = null;
    this.ws = null;
    this.stopped = false;
    this.delay = 500;
    this.state = 'connecting';
  }
  on(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  onState(fn) { this.stateListeners.add(fn); fn(this.state); return () => this.stateListeners.delete(fn); }
  setState(s) { this.state = s; for (const fn of this.stateListeners) fn(s); }
  start() {
    this.stopped = false;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/v1/events${this.last ? `?after=${this.last}` : ''}`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => { this.delay = 500; this.setState('live'); };
    ws.onmessage = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch { return; }
      this.last = ev.id;
      for (const fn of this.listeners) {
        try { fn(ev); } catch (e) { console.error(e); }
      }
    };
    ws.onclose = (c) => {
      if (this.ws !== ws || this.stopped) return;
      this.setState('reconnecting');
      // 4008: too slow; resume at once from the last event. Otherwise back off (max 15 s).
      const wait = c.code === 4008 ? 0 : this.delay;
      this.delay = Math.min(this.delay * 2, 15000);
      setTimeout(() => { if (!this.stopped) this.start(); }, wait);
    };
  }
  stop() {
    this.stopped = true;
    if (this.ws) this.ws.close(1000);
    this.ws = null;
  }
}
