// The REST API client of the console: same origin, JSON, session cookie + CSRF header on every
// non-GET request. Errors become ApiError (status, code, message as the server wrote them).

export class ApiError extends Error {
  constructor(status, code, message, { retryAfter = null } = {}) {
    super(message || `request failed (${status})`);
    this.status = status;
    this.code = code || '';
    this.retryAfter = retryAfter;
  }
}

// A request the page cancelled (it was left), and a service that is off on this appliance (503).
export const aborted = (e) => e && e.name === 'AbortError';
export const unavailable = (e) => e instanceof ApiError && e.status === 503;

let csrfToken = '';
let unauthorizedHandler = null;

export function setCsrf(token) { csrfToken = token || ''; }
export function onUnauthorized(fn) { unauthorizedHandler = fn; }

// Path pieces (tenant ids, names) are always percent-encoded.
export function path(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => { out += encodeURIComponent(String(v)) + strings[i + 1]; });
  return out;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function send(method, url, body, signal) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  try {
    return await fetch(url, {
      method, headers, signal, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The appliance could not be reached. Check the connection and try again.');
  }
}

async function readError(res) {
  let code = '', message = '';
  try {
    const doc = await res.json();
    if (doc && doc.error) { code = String(doc.error.code || ''); message = String(doc.error.message || ''); }
  } catch { /* not JSON */ }
  if (!message) message = `${res.status} ${res.statusText || 'error'}`.trim();
  const ra = res.headers.get('Retry-After');
  let retryAfter = null;
  if (ra) {
    const n = Number(ra);
    retryAfter = Number.isFinite(n) ? n : Math.max(0, Math.round((Date.parse(ra) - Date.now()) / 1000)) || null;
  }
  return new ApiError(res.status, code, message, { retryAfter });
}

// api('GET', '/v1/tenants') -> parsed JSON (or null for an empty body).
// opts.quiet401: do not call the unauthorized handler (login and session probes).
export async function api(method, url, body, opts = {}) {
  const { signal, quiet401 = false } = opts;
  let res = await send(method, url, body, signal);
  if (res.status === 403 && method !== 'GET') {
    const err = await readError(res);
    if (err.code !== 'csrf_failed') throw err;
    // The CSRF token may be stale (another tab logged in again): fetch the current one, retry once.
    const s = await send('GET', '/v1/session', undefined, signal);
    if (!s.ok) { if (s.status === 401 && !quiet401 && unauthorizedHandler) unauthorizedHandler(); throw err; }
    const doc = await s.json();
    setCsrf(doc.csrf_token);
    res = await send(method, url, body, signal);
  }
  if (!res.ok) {
    const err = await readError(res);
    if (res.status === 401 && !quiet401 && unauthorizedHandler) unauthorizedHandler(err);
    throw err;
  }
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { throw new ApiError(res.status, 'bad_response', 'The server sent an answer the console cannot read.'); }
}

export const get = (url, opts) => api('GET', url, undefined, opts);

// POST whose answer is read as it arrives (a chat's server-sent events): resolves to the Response once its
// head is in (2xx), with the same CSRF retry as api(); a refusal throws ApiError as api() does.
export async function postStream(url, body, { signal } = {}) {
  const open = () => {
    const headers = { Accept: 'text/event-stream', 'Content-Type': 'application/json' };
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
    return fetch(url, { method: 'POST', headers, signal, credentials: 'same-origin', cache: 'no-store', body: JSON.stringify(body) })
      .catch((e) => {
        if (e && e.name === 'AbortError') throw e;
        throw new ApiError(0, 'network', 'The appliance could not be reached. Check the connection and try again.');
      });
  };
  let res = await open();
  if (res.status === 403) {
    const err = await readError(res);
    if (err.code !== 'csrf_failed') throw err;
    const s = await send('GET', '/v1/session', undefined, signal);
    if (!s.ok) { if (s.status === 401 && unauthorizedHandler) unauthorizedHandler(); throw err; }
    setCsrf((await s.json()).csrf_token);
    res = await open();
  }
  if (!res.ok) {
    const err = await readError(res);
    if (res.status === 401 && unauthorizedHandler) unauthorizedHandler(err);
    throw err;
  }
  return res;
}

// The events of a text/event-stream body, as they arrive: yields each event's data (the text after
// "data:", lines joined), never holding more than one unfinished event.
export async function* sseData(res, signal) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      if (signal && signal.aborted) return;
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
        if (data) yield data;
      }
    }
    const tail = buf.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
    if (tail) yield tail;
  } finally {
    reader.cancel().catch(() => {});
  }
}

// Every tenant the caller may see: GET /v1/tenants answers a page at a time (docs/api.md).
export async function allTenants(getFn) {
  const out = [];
  let after = '';
  for (let page = 0; page < 1000; page++) {
    const doc = await getFn('/v1/tenants?limit=1000' + (after ? '&after=' + encodeURIComponent(after) : ''));
    out.push(...((doc && doc.tenants) || []));
    if (!doc || !doc.next) break;
    after = doc.next;
  }
  return out;
}
export const post = (url, body, opts) => api('POST', url, body, opts);
export const put = (url, body, opts) => api('PUT', url, body, opts);
export const patch = (url, body, opts) => api('PATCH', url, body, opts);
export const del = (url, opts) => api('DELETE', url, undefined, opts);

// Which form field a validation message is about: "field 'resources.memory_max' ...",
// "unknown field 'agent.foo'", "resources.memory_max: ...", "resources.memory_max must be ...".
export function fieldOfError(message) {
  const m = /\bfield '([^']+)'/.exec(message) || /^([a-z_]+(?:\.[a-zA-Z_]+)*(?:\[\d+\])?)(?=:|\s)/.exec(message);
  if (!m) return '';
  return m[1];
}
