// DOM helpers. Everything the console shows is built here with createElement/textContent: no innerHTML,
// no inline style attributes (the CSP forbids them and user data must never be parsed as markup).
import { unavailable } from './api.js';

const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'readOnly', 'required', 'multiple',
  'indeterminate', 'open']);

function appendChildren(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false || c === true) continue;
    if (Array.isArray(c)) appendChildren(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

function applyProps(el, props) {
  if (!props) return;
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'style' || k === 'innerHTML' || k === 'outerHTML' || k === 'srcdoc')
      throw new Error(`h(): '${k}' is not allowed`);
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'ref' && typeof v === 'function') v(el);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (PROPS.has(k)) el[k] = v;
    else if (/^on/i.test(k)) throw new Error(`h(): inline handler '${k}' is not allowed`);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

// h('div', {class: 'card'}, 'text', child, [more]) -> element. Strings always become text nodes.
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  applyProps(el, props);
  appendChildren(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'style' || /^on/i.test(k)) throw new Error(`s(): '${k}' is not allowed`);
      el.setAttribute(k, String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) { el.replaceChildren(); return el; }
export function mount(el, ...children) { el.replaceChildren(); appendChildren(el, children); return el; }

// ------------------------------------------------------------------------------------------ icons
// Small line icons, drawn as SVG paths (24x24 grid).
const ICONS = {
  dashboard: ['M3 13h8V3H3zM13 21h8V11h-8zM3 21h8v-6H3zM13 3v6h8V3z'],
  tenants: ['M4 5h16v5H4zM4 14h16v5H4z', 'M7.5 7.5h.01M7.5 16.5h.01'],
  users: ['M16 20v-1.5a3.5 3.5 0 0 0-3.5-3.5h-5A3.5 3.5 0 0 0 4 18.5V20', 'M10 11a3.5 3.5 0 1 0 0-7 3.5 3.5 0 0 0 0 7z',
    'M20 20v-1.5a3.5 3.5 0 0 0-2.6-3.4M15.5 4.2a3.5 3.5 0 0 1 0 6.6'],
  key: ['M14.5 9.5a4.5 4.5 0 1 1-9 0 4.5 4.5 0 0 1 9 0z', 'M13.2 12.7 20 19.5M17 16.5l2-2M15 14.5l1.8-1.8'],
  audit: ['M8 6h12M8 12h12M8 18h12', 'M4 6h.01M4 12h.01M4 18h.01'],
  palette: ['M12 3a9 9 0 1 0 0 18c1 0 1.5-.7 1.5-1.5 0-.4-.2-.8-.4-1.1-.3-.3-.4-.6-.4-1 0-.8.7-1.5 1.5-1.5H16a5 5 0 0 0 5-5c0-4.4-4-8-9-8z',
    'M7.5 11.5h.01M10.5 7.5h.01M15 7.5h.01'],
  account: ['M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0'],
  logout: ['M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 16l-4-4 4-4M6 12h10'],
  plus: ['M12 5v14M5 12h14'],
  play: ['M7 4.5v15l12-7.5z'],
  stop: ['M6 6h12v12H6z'],
  restart: ['M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5'],
  edit: ['M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4'],
  trash: ['M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  download: ['M12 4v11M7 10l5 5 5-5M5 20h14'],
  refresh: ['M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5'],
  plug: ['M9 3v5M15 3v5', 'M6 8h12v3a6 6 0 0 1-12 0z', 'M12 17v4'],
  receipt: ['M6 3h12v18l-3-2-3 2-3-2-3 2z', 'M9 8h6M9 12h6M9 16h3'],
  runtime: ['M12 3l8 4.5v9L12 21l-8-4.5v-9z', 'M4 7.5l8 4.5 8-4.5M12 12v9'],
  chat: ['M4 5h16v11H9l-5 4z', 'M8 9h8M8 12h5'],
  chevronLeft: ['M15 6l-6 6 6 6'],
  chevronRight: ['M9 6l6 6-6 6'],
};
export function icon(name) {
  const paths = ICONS[name] || [];
  return s('svg', { viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', 'stroke-width': '1.8',
    'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false' },
  ...paths.map((d) => s('path', { d })));
}

// ------------------------------------------------------------------------------------------ formatting
export function fmtBytes(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n), i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits).replace(/\.0+$/, '')} ${units[i]}`;
}
export function fmtLimitBytes(n) { return n ? fmtBytes(n) : 'unlimited'; }

// A size as the API accepts it back, exactly ("256M", "1536M", "1G", or plain bytes).
export function sizeToInput(n) {
  if (n === null || n === undefined) return '';
  if (n === 0) return 'infinity';
  const units = [['T', 2 ** 40], ['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]];
  for (const [u, m] of units) if (n % m === 0) return `${n / m}${u}`;
  return String(n);
}

export function fmtCores(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (x === 0) return '0';
  if (x < 0.01) return '<0.01';
  return x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
export function fmtQuota(pct) { return pct ? `${(pct / 100).toFixed(pct % 100 ? 2 : 0)} CPU` : 'unlimited'; }

export function fmtNumber(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString(); }

export function fmtDateTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
export function fmtDateS(sec) { return sec ? fmtDateTime(sec * 1000) : '—'; }
export function fmtTime(ms) {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}
export function fmtAgo(ms) {
  if (!ms) return 'never';
  const d = (Date.now() - ms) / 1000;
  const fut = d < 0, a = Math.abs(d);
  let t;
  if (a < 45) t = 'a few seconds';
  else if (a < 90) t = '1 minute';
  else if (a < 3600) t = `${Math.round(a / 60)} minutes`;
  else if (a < 5400) t = '1 hour';
  else if (a < 86400) t = `${Math.round(a / 3600)} hours`;
  else if (a < 172800) t = '1 day';
  else t = `${Math.round(a / 86400)} days`;
  return fut ? `in ${t}` : `${t} ago`;
}
export function fmtDuration(sec) {
  if (sec === null || sec === undefined) return '—';
  if (sec < 1) return `${Math.round(sec * 1000)} ms`;
  if (sec < 60) return `${sec.toFixed(sec < 10 ? 1 : 0)} s`;
  const m = Math.floor(sec / 60), s2 = Math.round(sec % 60);
  if (m < 60) return `${m} min ${s2} s`;
  const hh = Math.floor(m / 60);
  if (hh < 48) return `${hh} h ${m % 60} min`;
  return `${Math.floor(hh / 24)} days ${hh % 24} h`;
}

// ------------------------------------------------------------------------------------------ components
const PHASES = {
  starting: 'Starting', running: 'Running', backoff: 'Restarting (backoff)', quarantined: 'Quarantined',
  stopped: 'Stopped', failed: 'Failed', stopping: 'Stopping',
};
export function phaseLabel(p) { return PHASES[p] || String(p || 'unknown'); }
export function phaseBadge(phase) {
  const known = Object.prototype.hasOwnProperty.call(PHASES, phase);
  return h('span', { class: ['badge', known ? phase : ''], 'data-phase': phase || '' }, phaseLabel(phase));
}

const ROLES = { operator: 'Operator', 'tenant-admin': 'Tenant admin', 'tenant-viewer': 'Tenant viewer' };
export function roleLabel(r) { return ROLES[r] || String(r || ''); }
export function roleBadge(r) { return h('span', { class: 'badge role' }, roleLabel(r)); }

// A horizontal meter: value against a limit (limit 0/absent = unlimited: an empty bar and the value).
export function meter(value, limit, fmt, { large = false, label = '' } = {}) {
  const fill = h('div', { class: 'meter-fill' });
  let text;
  if (value === null || value === undefined) {
    fill.classList.add('none');
    text = limit ? `— of ${fmt(limit)}` : '—';
  } else if (limit) {
    const ratio = Math.max(0, value / limit);
    fill.style.width = `${Math.min(100, ratio * 100).toFixed(1)}%`;
    if (ratio >= 0.9) fill.classList.add('bad');
    else if (ratio >= 0.75) fill.classList.add('warn');
    text = `${fmt(value)} of ${fmt(limit)}`;
  } else {
    fill.classList.add('none');
    text = `${fmt(value)} (no limit)`;
  }
  const track = h('div', { class: 'meter-track', role: 'meter', 'aria-label': label || text,
    'aria-valuemin': '0', 'aria-valuemax': limit ? String(limit) : null,
    'aria-valuenow': value === null || value === undefined ? null : String(value), 'aria-valuetext': text }, fill);
  return h('div', { class: ['meter', large ? 'large' : ''] }, track, h('div', { class: 'meter-text' }, text));
}

export function notice(kind, ...children) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('div', { class: 'grow' }, ...children));
}

export function card(title, opts, ...body) {
  const { actions = null, flush = false, hint = null, id = null } = opts || {};
  const head = title || actions ? h('div', { class: 'card-head' },
    h('div', null, typeof title === 'string' ? h('h2', null, title) : title, hint ? h('div', { class: 'hint' }, hint) : null),
    actions ? h('div', { class: 'actions' }, actions) : null) : null;
  return h('section', { class: 'card', id, 'aria-label': typeof title === 'string' ? title : null },
    head, h('div', { class: ['card-body', flush ? 'flush' : ''] }, ...body));
}

// A page's heading: its title, the line under it and its actions on the right, each when given.
export function pageHead(title, sub = null, actions = null) {
  return h('div', { class: 'page-head' }, h('div', null, h('h1', null, title), sub ? h('div', { class: 'sub' }, sub) : null),
    actions ? h('div', { class: 'actions' }, actions) : null);
}

// Runs a page's first load. When the service behind the page is off on this appliance (503), shows the
// page's title and `offText` in `host` instead and resolves false; other errors propagate.
export async function loadPage(host, title, offText, load) {
  try {
    await load();
    return true;
  } catch (e) {
    if (!unavailable(e)) throw e;
    mount(host, pageHead(title), notice('warn', offText));
    return false;
  }
}

export function emptyState(title, text, action) {
  return h('div', { class: 'empty' }, h('strong', null, title), text ? h('div', null, text) : null,
    action ? h('div', { class: 'gap-top' }, action) : null);
}

export function button(label, { kind = '', icon: ic = null, onClick = null, type = 'button', small = false, attrs = {} } = {}) {
  return h('button', { type, class: ['btn', kind, small ? 'small' : ''], onclick: onClick, ...attrs },
    ic ? icon(ic) : null, label);
}

let fieldSeq = 0;
// A labelled form field. `input` is an element (input/select/textarea); gets id, aria-describedby.
export function field(label, input, { help = '', name = '', span2 = false } = {}) {
  const id = input.id || `f${++fieldSeq}`;
  input.id = id;
  const helpId = `${id}-help`, errId = `${id}-err`;
  const err = h('div', { class: 'error-text', id: errId, 'aria-live': 'polite' });
  input.setAttribute('aria-describedby', help ? `${helpId} ${errId}` : errId);
  const wrap = h('div', { class: ['field', span2 ? 'span-2' : ''], 'data-field': name || input.name || '' },
    h('label', { for: id }, label), input, help ? h('div', { class: 'help', id: helpId }, help) : null, err);
  wrap._input = input;
  wrap._error = err;
  return wrap;
}
export function setFieldError(fieldEl, message) {
  fieldEl._error.textContent = message || '';
  if (message) fieldEl._input.setAttribute('aria-invalid', 'true');
  else fieldEl._input.removeAttribute('aria-invalid');
}

// A form as the pages build them: a message area (`msg`, for what belongs to no field) first, then `body`,
// then `actions` and the primary submit button (`submit`, showing `label`); `props` are the <form>'s own.
// On submit the browser's own submission is stopped, the errors of `fields` and the message are cleared
// (what the last attempt showed), then `onSubmit()` runs.
export function submitForm({ props = {}, label, body = [], actions = [], fields = [] }, onSubmit) {
  const msg = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, label);
  const form = h('form', { class: 'form', novalidate: true, ...props }, msg, body,
    h('div', { class: 'form-actions' }, actions, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    fields.forEach((f) => setFieldError(f, ''));
    mount(msg);
    return onSubmit();
  });
  return { form, msg, submit };
}

// ------------------------------------------------------------------------------------------ toasts, dialogs
export function toast(message, kind = '') {
  const host = document.getElementById('toasts');
  if (!host) return;
  const t = h('div', { class: ['toast', kind] }, h('div', null, message));
  host.appendChild(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

// A modal dialog. `body` is a node or array; resolves with the value passed to close(), or null.
export function modal({ title, body, actions }) {
  return new Promise((resolve) => {
    const dlg = h('dialog', { class: 'modal', 'aria-labelledby': 'modal-title' });
    const close = (v) => { dlg.close(); dlg.remove(); resolve(v); };
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });
    const acts = actions(close);
    dlg.append(
      h('div', { class: 'modal-head' }, h('h2', { id: 'modal-title' }, title)),
      h('div', { class: 'modal-body' }, body),
      h('div', { class: 'modal-foot' }, acts));
    document.body.appendChild(dlg);
    dlg.showModal();
  });
}

export function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = false }) {
  return modal({
    title, body: h('p', null, message),
    actions: (close) => [
      button('Cancel', { onClick: () => close(false) }),
      button(confirmLabel, { kind: danger ? 'danger solid' : 'primary', onClick: () => close(true) }),
    ],
  });
}

// ------------------------------------------------------------------------------------------ colours
export function parseHex(hex) {
  const m = /^#([0-9a-f]{6})$/i.exec(hex || '');
  if (!m) return null;
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
function toHex([r, g, b]) {
  return `#${[r, g, b].map((v) => Math.max(0, Math.min(255, Math.round(v))).toString(16).padStart(2, '0')).join('')}`;
}
function luminance([r, g, b]) {
  const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
function contrast(a, b) {
  const la = luminance(a), lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}
function mix(c, target, t) { return c.map((v, i) => v + (target[i] - v) * t); }

// Derived colours for a primary colour: hover, text on it, readable-on-white text variant, soft tint.
export function paletteFor(hex) {
  const c = parseHex(hex) || parseHex('#1f6feb');
  const white = [255, 255, 255], black = [0, 0, 0];
  const ink = contrast(c, white) >= contrast(c, [17, 24, 39]) ? '#ffffff' : '#111827';
  let text = c;
  for (let i = 0; i < 20 && contrast(text, white) < 4.5; i++) text = mix(text, black, 0.1);
  return {
    primary: toHex(c),
    hover: toHex(mix(c, black, 0.14)),
    ink,
    text: toHex(text),
    soft: `rgba(${c[0]}, ${c[1]}, ${c[2]}, 0.14)`,
  };
}
