// How a message looks in a thread or the log: its delivery mark and inline media.
import { h } from './dom.js';

const MARKS = {
  accepted: ['', 'Accepted'], queued: ['◷', 'Queued'], scheduled: ['◷', 'Scheduled'], sending: ['◷', 'Sending'],
  sent: ['✓', 'Sent'], delivered: ['✓✓', 'Delivered'], received: ['', 'Received'],
  undelivered: ['!', 'Not delivered'], failed: ['✕', 'Failed'], canceled: ['⊘', 'Canceled'],
  expired: ['⊘', 'Expired'],
};

export function statusLabel(status) { return (MARKS[status] || ['', status])[1]; }

export function isFailure(status) { return ['failed', 'undelivered', 'expired', 'canceled'].includes(status); }

// The mark: symbol + words for screen readers; the failure's reason in its title (hover) and in
// a details toggle (tap on phones).
export function mark(m, { words = false } = {}) {
  const [sym, label] = MARKS[m.status] || ['', m.status];
  const reason = m.error_message || m.error_code;
  const el = h('span', { class: `mark ${m.status}`, dataset: { status: m.status },
    title: reason ? `${label}: ${reason}` : label },
  h('span', { 'aria-hidden': 'true' }, sym), h('span', { class: words ? 'word' : 'sr' }, label));
  if (isFailure(m.status) && reason) {
    return h('details', { class: 'reason' }, h('summary', {}, el, ` ${label}`),
      h('span', {}, m.error_code ? `${m.error_code}: ` : '', m.error_message || ''));
  }
  return el;
}

// Inbound media: images the gateway re-hosted as thumbnails, everything else as links.
export function mediaList(m) {
  if (m.media && m.media.length) {
    return h('div', { class: 'media' }, m.media.map((it) => {
      const local = it.id && it.state === 'stored' ? `/v1/media/${encodeURIComponent(it.id)}` : null;
      const type = it.content_type || '';
      if (local && type.startsWith('image/')) {
        return h('a', { href: local, target: '_blank', rel: 'noopener' },
          h('img', { src: local, alt: `Image (${type})`, loading: 'lazy' }));
      }
      return h('a', { href: local || it.url, target: '_blank', rel: 'noopener noreferrer' },
        `${type || 'attachment'}${it.state && it.state !== 'stored' ? ` (${it.state})` : ''}`);
    }));
  }
  if (m.media_urls && m.media_urls.length) {
    return h('div', { class: 'media' }, m.media_urls.map((u) =>
      h('a', { href: u, target: '_blank', rel: 'noopener noreferrer' }, u)));
  }
  return null;
}

// A contact as people read it: its name, or its number while the name is the default "Unknown".
export function contactName(c) {
  return c.name && c.name !== 'Unknown' ? c.name : c.number;
}
export function hasName(c) { return !!c.name && c.name !== 'Unknown'; }
