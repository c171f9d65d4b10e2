// Console entry point: boot (branding, session), hash router, the application shell, sign-in and account.
import { api, get, post, put, del, setCsrf, onUnauthorized, ApiError } from './api.js';
import { h, mount, icon, notice, card, field, setFieldError, button, pageHead, roleLabel, toast, fmtDateS } from './dom.js';
import { state, applyBranding, productName, logoUrl, setTitle, navigate, homeRoute, isOperator, isAdmin,
  isTenantAdmin, ownTenant, deniedBlock, userIdle } from './state.js';
import { tenantsPage, tenantPage, tenantFormPage } from './pages-tenants.js';
import { dashboardPage, usersPage, tokensPage, auditPage, brandingPage } from './pages-admin.js';
import { providersPage, billingPage } from './pages-metering.js';
import { runtimesPage } from './pages-runtime.js';
import { chatPage, forgetConversations } from './pages-chat.js';

const root = document.getElementById('root');

// ------------------------------------------------------------------------------------------ routes
// need: 'public' | 'operator' | 'admin' | '' (any signed-in user)
const ROUTES = [
  { pattern: ['login'], page: loginPage, need: 'public' },
  { pattern: ['dashboard'], page: dashboardPage, need: 'operator', nav: 'dashboard' },
  { pattern: ['tenants'], page: tenantsPage, need: '', nav: 'tenants' },
  { pattern: ['tenants', 'new'], page: tenantFormPage, need: 'operator', nav: 'tenants' },
  { pattern: ['tenants', ':id'], page: tenantPage, need: '', nav: 'tenants' },
  { pattern: ['tenants', ':id', 'edit'], page: tenantFormPage, need: 'operator', nav: 'tenants' },
  { pattern: ['tenants', ':id', 'chat'], page: chatPage, need: '', nav: 'chat' },
  { pattern: ['users'], page: usersPage, need: 'admin', nav: 'users' },
  { pattern: ['tokens'], page: tokensPage, need: 'admin', nav: 'tokens' },
  { pattern: ['audit'], page: auditPage, need: 'admin', nav: 'audit' },
  { pattern: ['providers'], page: providersPage, need: 'operator', nav: 'providers' },
  { pattern: ['billing'], page: billingPage, need: 'operator', nav: 'billing' },
  { pattern: ['runtimes'], page: runtimesPage, need: 'operator', nav: 'runtimes' },
  { pattern: ['branding'], page: brandingPage, need: 'operator', nav: 'branding' },
  { pattern: ['account'], page: accountPage, need: '', nav: 'account' },
];

function match(segments) {
  for (const r of ROUTES) {
    if (r.pattern.length !== segments.length) continue;
    const params = {};
    let ok = true;
    r.pattern.forEach((p, i) => {
      if (p.startsWith(':')) params[p.slice(1)] = segments[i];
      else if (p !== segments[i]) ok = false;
    });
    if (ok) return { route: r, params };
  }
  return null;
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [p, q = ''] = raw.split('?');
  const segments = p.split('/').filter(Boolean).map((x) => { try { return decodeURIComponent(x); } catch { return x; } });
  return { segments, query: new URLSearchParams(q) };
}

// ------------------------------------------------------------------------------------------ page context
// Each rendered page gets a context whose timers and requests end when the user navigates away.
let current = null;
function newContext(params, query) {
  const ac = new AbortController();
  const timers = new Set();
  const ctx = {
    params, query, signal: ac.signal, alive: true,
    later(fn, ms) {
      const id = setTimeout(() => { timers.delete(id); if (ctx.alive) fn(); }, ms);
      timers.add(id);
      return id;
    },
    every(fn, ms) {
      const id = setInterval(() => { if (ctx.alive && !userIdle()) fn(); }, ms);
      timers.add(id);
      return id;
    },
    cancel(id) { clearTimeout(id); clearInterval(id); timers.delete(id); },
    dispose() { ctx.alive = false; ac.abort(); timers.forEach((id) => { clearTimeout(id); clearInterval(id); }); timers.clear(); },
    get: (url) => get(url, { signal: ac.signal }),
  };
  return ctx;
}

// ------------------------------------------------------------------------------------------ shell
let shell = null;

const NAV = [
  { id: 'dashboard', label: 'Dashboard', href: '#/dashboard', icon: 'dashboard', show: isOperator, section: 'Operate' },
  { id: 'tenants', label: 'Tenants', href: '#/tenants', icon: 'tenants', show: () => true, section: 'Operate' },
  { id: 'chat', label: 'Chat', href: () => `#/tenants/${encodeURIComponent(ownTenant())}/chat`, icon: 'chat', show: () => isTenantAdmin() && !!ownTenant(), section: 'Operate' },
  { id: 'users', label: 'Users', href: '#/users', icon: 'users', show: isAdmin, section: 'Access' },
  { id: 'tokens', label: 'API tokens', href: '#/tokens', icon: 'key', show: isAdmin, section: 'Access' },
  { id: 'audit', label: 'Audit log', href: '#/audit', icon: 'audit', show: isAdmin, section: 'Access' },
  { id: 'providers', label: 'Providers', href: '#/providers', icon: 'plug', show: isOperator, section: 'Appliance' },
  { id: 'billing', label: 'Billing', href: '#/billing', icon: 'receipt', show: isOperator, section: 'Appliance' },
  { id: 'runtimes', label: 'Runtimes', href: '#/runtimes', icon: 'runtime', show: isOperator, section: 'Appliance' },
  { id: 'branding', label: 'Branding', href: '#/branding', icon: 'palette', show: isOperator, section: 'Appliance' },
  { id: 'account', label: 'Account', href: '#/account', icon: 'account', show: () => true, section: 'You' },
];

function brandBlock() {
  const mark = state.branding.logo
    ? h('img', { class: 'brand-logo', src: logoUrl(), alt: '' })
    : h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, productName().slice(0, 1).toUpperCase());
  return h('a', { class: 'brand', href: homeRoute() }, mark, h('span', { class: 'brand-name', 'data-product-name': '' }, productName()));
}

function buildShell() {
  const nav = h('nav', { class: 'nav', 'aria-label': 'Main' });
  let section = '';
  for (const item of NAV) {
    if (!item.show()) continue;
    if (item.section !== section) nav.appendChild(h('div', { class: 'nav-section' }, item.section));
    section = item.section;
    nav.appendChild(h('a', { href: typeof item.href === 'function' ? item.href() : item.href, 'data-nav': item.id }, icon(item.icon), h('span', null, item.label)));
  }
  const sess = state.session;
  const scope = sess.tenant ? `${roleLabel(sess.role)} · ${sess.tenant}` : roleLabel(sess.role);
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' });
  const content = h('main', { class: 'content', id: 'content', tabindex: '-1' });
  const el = h('div', { class: 'app' },
    h('aside', { class: 'sidebar' }, h('div', { class: 'sidebar-inner' }, brandBlock(), nav,
      h('div', { class: 'sidebar-foot' }, h('span', { 'data-product-name': '' }, productName()), ' console'))),
    h('div', { class: 'main' },
      h('header', { class: 'topbar' },
        h('div', { class: 'topbar-title' }, crumbs),
        h('div', { class: 'usermenu' },
          h('div', { class: 'userinfo' }, h('span', { class: 'name', 'data-testid': 'current-user' }, sess.user),
            h('span', { class: 'role' }, scope)),
          h('span', { class: 'avatar', 'aria-hidden': 'true' }, (sess.user || '?').slice(0, 1)),
          button('Sign out', { kind: 'ghost small', icon: 'logout', onClick: signOut }))),
      content));
  shell = { el, nav, crumbs, content, user: sess.user, role: sess.role, logoVersion: state.logoVersion,
    hasLogo: state.branding.logo };
  mount(root, el);
}

// The branding page saved new branding: swap the sidebar's logo block in place.
window.addEventListener('clawhive:branding', () => {
  if (!shell) return;
  const brand = shell.el.querySelector('.brand');
  if (brand) brand.replaceWith(brandBlock());
  shell.logoVersion = state.logoVersion;
  shell.hasLogo = state.branding.logo;
});

function ensureShell() {
  // Rebuilt when the user changes or the branding did (the sidebar shows the logo).
  if (!shell || !root.contains(shell.el) || shell.user !== state.session.user || shell.role !== state.session.role ||
      shell.logoVersion !== state.logoVersion || shell.hasLogo !== state.branding.logo) buildShell();
  return shell;
}

// Page header in the top bar: title plus breadcrumbs [[label, href], ...].
function setHeader(title, crumbs = []) {
  setTitle(title);
  const items = [[productName(), homeRoute(), true], ...crumbs];
  mount(shell.crumbs, ...items.map(([label, href, product], i) => {
    const last = i === items.length - 1;
    const el = href && !last ? h('a', { href }, label) : h('span', { 'aria-current': last ? 'page' : null }, label);
    if (product) el.setAttribute('data-product-name', '');
    return i ? [h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'), el] : el;
  }));
}

// ------------------------------------------------------------------------------------------ router
let renderSeq = 0;
async function render() {
  if (location.hash && !location.hash.startsWith('#/')) return; // in-page anchors
  const seq = ++renderSeq;
  const { segments, query } = parseHash();
  if (current) { current.dispose(); current = null; }

  if (!segments.length) { location.replace(state.session ? homeRoute() : '#/login'); return; }
  const m = match(segments);
  if (m && m.route.need === 'public') {
    if (state.session) { location.replace(homeRoute()); return; }
    shell = null;
    const ctx = newContext(m.params, query);
    current = ctx;
    await m.route.page(ctx);
    return;
  }
  if (!state.session) {
    sessionStorage.setItem('returnTo', location.hash);
    location.replace('#/login');
    return;
  }
  ensureShell();
  shell.nav.querySelectorAll('a').forEach((a) => {
    if (m && a.dataset.nav === m.route.nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  });
  const ctx = newContext(m ? m.params : {}, query);
  current = ctx;
  // Each page renders into its own element, so a page that finishes after the user moved on writes into
  // a detached node, never over the next page.
  ctx.setHeader = (...args) => { if (ctx.alive) setHeader(...args); };
  ctx.content = h('div', { class: 'page' }, h('div', { class: 'boot', role: 'status' }, h('span', { class: 'spinner' }), 'Loading…'));
  mount(shell.content, ctx.content);

  if (!m) { setHeader('Page not found'); mount(ctx.content, deniedBlock('Page not found', 'There is no page at this address.')); return; }
  const need = m.route.need;
  if ((need === 'operator' && !isOperator()) || (need === 'admin' && !isAdmin())) {
    setHeader('Access denied');
    mount(ctx.content, deniedBlock('Access denied', 'Your role does not give access to this page.'));
    return;
  }
  try {
    await m.route.page(ctx);
  } catch (e) {
    if (!ctx.alive || seq !== renderSeq || (e && e.name === 'AbortError')) return;
    if (e instanceof ApiError && e.status === 401) return; // the unauthorized handler took over
    console.error(e);
    mount(ctx.content, notice('error', e instanceof ApiError ? e.message : 'Something went wrong while showing this page.'),
      button('Try again', { onClick: () => render() }));
  }
  if (state.flash && ctx.alive) {
    toast(state.flash.text, state.flash.kind);
    state.flash = null;
  }
  if (document.activeElement === document.body || !document.activeElement) shell.content.focus({ preventScroll: true });
}


// ------------------------------------------------------------------------------------------ session
function sessionEnded() {
  if (!state.session) return;
  state.session = null;
  setCsrf('');
  shell = null;
  state.flash = { kind: 'info', text: 'Your session has ended. Please sign in again.' };
  if (!location.hash.startsWith('#/login')) sessionStorage.setItem('returnTo', location.hash);
  navigate('#/login');
}
onUnauthorized(sessionEnded);

async function signOut() {
  try { await del('/v1/session', { quiet401: true }); } catch { /* signed out either way */ }
  forgetConversations();  // chat transcripts live in this browser only until sign-out (pages-chat.js)
  state.session = null;
  setCsrf('');
  shell = null;
  sessionStorage.removeItem('returnTo');
  state.flash = { kind: 'ok', text: 'You have been signed out.' };
  navigate('#/login');
}

// ------------------------------------------------------------------------------------------ sign-in
async function loginPage(ctx) {
  // Branding is public: read it fresh so a change shows on the next visit of the sign-in page.
  try { applyBranding(await get('/v1/branding', { quiet401: true, signal: ctx.signal })); } catch { /* defaults */ }
  setTitle('Sign in');
  const flash = state.flash;
  state.flash = null;
  const msg = h('div', { 'aria-live': 'polite' }, flash ? notice(flash.kind === 'ok' ? 'ok' : 'info', flash.text) : null);
  const user = h('input', { name: 'user', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Sign in');
  let countdown = null;
  const form = h('form', { class: 'form', novalidate: true }, field('User name', user), field('Password', pass), submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!user.value || !pass.value) {
      mount(msg, notice('error', 'Enter your user name and password.'));
      (user.value ? pass : user).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const s = await post('/v1/session', { user: user.value, password: pass.value }, { quiet401: true });
      pass.value = '';
      state.session = s;
      setCsrf(s.csrf_token);
      const back = sessionStorage.getItem('returnTo');
      sessionStorage.removeItem('returnTo');
      navigate(back && back.startsWith('#/') && !back.startsWith('#/login') ? back : homeRoute());
    } catch (err) {
      pass.value = '';
      submit.disabled = false;
      submit.textContent = 'Sign in';
      if (err.status === 429) {
        let left = err.retryAfter || 30;
        const text = h('span', null);
        const tick = () => { text.textContent = `${err.message} You can try again in ${left} s.`; };
        tick();
        mount(msg, notice('warn', text));
        submit.disabled = true;
        clearInterval(countdown);
        countdown = ctx.every(() => {
          left -= 1;
          if (left <= 0) { ctx.cancel(countdown); submit.disabled = false; mount(msg); } else tick();
        }, 1000);
      } else if (err.status === 401) {
        mount(msg, notice('error', 'The user name or password is not correct.'));
        pass.focus();
      } else {
        mount(msg, notice('error', err.message));
      }
    }
  });
  const brand = h('div', { class: 'login-brand' },
    state.branding.logo ? h('img', { src: logoUrl(), alt: `${productName()} logo`, 'data-testid': 'login-logo' })
      : h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, productName().slice(0, 1).toUpperCase()),
    h('h1', { 'data-product-name': '', 'data-testid': 'product-name' }, productName()),
    h('p', null, 'Sign in to the management console'));
  mount(root, h('main', { class: 'login-page' },
    h('div', { class: 'login-card' }, brand, msg, form,
      h('div', { class: 'login-foot' }, 'Sessions end after 30 minutes without activity.'))));
  user.focus();
}

// ------------------------------------------------------------------------------------------ account
async function accountPage(ctx) {
  ctx.setHeader('Account', [['Account']]);
  const s = state.session;
  const cur = h('input', { type: 'password', name: 'current_password', autocomplete: 'current-password' });
  const nw = h('input', { type: 'password', name: 'new_password', autocomplete: 'new-password', minlength: '12' });
  const again = h('input', { type: 'password', name: 'confirm', autocomplete: 'new-password' });
  const fCur = field('Current password', cur, { name: 'current_password' });
  const fNew = field('New password', nw, { name: 'new_password', help: 'At least 12 characters. All your sessions end when it changes.' });
  const fAgain = field('Repeat the new password', again, { name: 'confirm' });
  const msg = h('div');
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Change password');
  const form = h('form', { class: 'form', novalidate: true }, msg, fCur, fNew, fAgain, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    [fCur, fNew, fAgain].forEach((f) => setFieldError(f, ''));
    mount(msg);
    let bad = false;
    if (!cur.value) { setFieldError(fCur, 'Enter your current password.'); bad = true; }
    if ([...nw.value].length < 12) { setFieldError(fNew, 'Use at least 12 characters.'); bad = true; }
    if (nw.value !== again.value) { setFieldError(fAgain, 'The two passwords differ.'); bad = true; }
    if (bad) { form.querySelector('[aria-invalid="true"]').focus(); return; }
    submit.disabled = true;
    try {
      await put('/v1/session/password', { current_password: cur.value, new_password: nw.value });
      state.session = null;
      setCsrf('');
      shell = null;
      state.flash = { kind: 'ok', text: 'Your password was changed. Sign in with the new one.' };
      navigate('#/login');
    } catch (err) {
      submit.disabled = false;
      cur.value = ''; nw.value = ''; again.value = '';
      if (/current_password/.test(err.message)) setFieldError(fCur, 'The current password is not correct.');
      else if (err.status === 400 && /password/.test(err.message)) setFieldError(fNew, err.message);
      else mount(msg, notice(err.status === 429 ? 'warn' : 'error', err.message));
    }
  });
  mount(ctx.content,
    pageHead('Account', 'Your sign-in and password.'),
    h('div', { class: 'grid grid-2' },
      card('Signed in as', null,
        h('dl', { class: 'kv' },
          h('dt', null, 'User'), h('dd', null, s.user),
          h('dt', null, 'Role'), h('dd', null, roleLabel(s.role)),
          h('dt', null, 'Tenant'), h('dd', null, s.tenant || 'All tenants'),
          h('dt', null, 'Session expires'), h('dd', null, fmtDateS(s.expires_at)))),
      card('Change password', null, form)));
}

// ------------------------------------------------------------------------------------------ boot
async function boot() {
  document.querySelector('.skip-link')?.addEventListener('click', (e) => {
    e.preventDefault();
    document.getElementById('content')?.focus();
  });
  try { applyBranding(await get('/v1/branding', { quiet401: true })); } catch { applyBranding(null); }
  try {
    const s = await api('GET', '/v1/session', undefined, { quiet401: true });
    state.session = s;
    setCsrf(s.csrf_token);
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 404)) {
      mount(root, h('main', { class: 'login-page' }, h('div', { class: 'login-card' },
        notice('error', e.message || 'The console could not start.'), button('Reload', { onClick: () => location.reload() }))));
      return;
    }
  }
  window.addEventListener('hashchange', render);
  render();
}

boot();
