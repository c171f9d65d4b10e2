// Shared console state: the signed-in session, the branding, and what the role may do. The console hides
// what a role cannot do; the server enforces it either way.
import { h, paletteFor } from './dom.js';

export const state = {
  session: null, // {user, role, tenant, csrf_token, expires_at}
  branding: { product_name: 'Clawhive', primary_color: '#1f6feb', logo: false },
  logoVersion: Date.now(),
  flash: null, // {kind, text}: shown once by the next page (e.g. on the login page after sign-out)
};

export const role = () => (state.session ? state.session.role : '');
export const isOperator = () => role() === 'operator';
export const isTenantAdmin = () => role() === 'tenant-admin';
// May manage users, tokens and read the audit log (operator: all; tenant-admin: own tenant).
export const isAdmin = () => isOperator() || isTenantAdmin();
export const ownTenant = () => (state.session && state.session.tenant) || '';
export const mayWrite = (tenant) => isOperator() || (isTenantAdmin() && tenant === ownTenant());

// Polling pauses while the tab is hidden or nobody has touched the page for a while, so an unattended
// console does not keep its session alive forever (the server ends idle sessions).
const IDLE_MS = 20 * 60 * 1000;
let lastActivity = Date.now();
for (const ev of ['pointerdown', 'keydown', 'wheel', 'touchstart'])
  window.addEventListener(ev, () => { lastActivity = Date.now(); }, { passive: true, capture: true });
export function userIdle() { return document.hidden || Date.now() - lastActivity > IDLE_MS; }

export function productName() { return state.branding.product_name || 'Clawhive'; }

export function applyBranding(b) {
  if (b && typeof b === 'object') {
    state.branding = {
      product_name: typeof b.product_name === 'string' && b.product_name ? b.product_name : 'Clawhive',
      primary_color: /^#[0-9a-f]{6}$/i.test(b.primary_color || '') ? b.primary_color : '#1f6feb',
      logo: !!b.logo,
    };
  }
  const p = paletteFor(state.branding.primary_color);
  const st = document.documentElement.style;
  st.setProperty('--primary', p.primary);
  st.setProperty('--primary-hover', p.hover);
  st.setProperty('--primary-ink', p.ink);
  st.setProperty('--primary-text', p.text);
  st.setProperty('--primary-soft', p.soft);
  document.querySelectorAll('[data-product-name]').forEach((el) => { el.textContent = productName(); });
}

// The API refuses unknown query parameters, so the version goes in the fragment (it still makes a
// new URL for the page's image cache; the response itself is Cache-Control: no-cache).
export function logoUrl() { return `/v1/branding/logo#v${state.logoVersion}`; }

export function setTitle(page) {
  document.title = page ? `${page} · ${productName()}` : productName();
}

export function navigate(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = hash;
}

export function homeRoute() {
  if (isOperator()) return '#/dashboard';
  if (ownTenant()) return `#/tenants/${encodeURIComponent(ownTenant())}`;
  return '#/tenants';
}

export function deniedBlock(title, text) {
  return h('div', { class: 'card denied', 'data-testid': 'denied' }, h('h1', null, title), h('p', null, text),
    h('a', { class: 'btn', href: homeRoute() }, 'Go to the start page'));
}
