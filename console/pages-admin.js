// Operator and tenant-admin pages: dashboard, users, API tokens, audit log, branding.
import { get, post, put, del, path, query, ApiError, allTenants } from './api.js';
import { h, mount, icon, card, notice, emptyState, button, field, setFieldError, submitForm, pageHead, phaseBadge, roleLabel, roleBadge,
  fmtBytes, fmtCores, fmtNumber, fmtDateS, fmtDateTime, fmtAgo, fmtDuration, toast, modal, confirmDialog, paletteFor } from './dom.js';
import { incidentList } from './pages-tenants.js';
import { state, isOperator, ownTenant, applyBranding, productName, logoUrl } from './state.js';

const PHASE_ORDER = ['running', 'starting', 'backoff', 'stopping', 'quarantined', 'failed', 'stopped'];

// ================================================================================================= dashboard
function capacityBar(label, { committed, physical, used, fmt }) {
  const row = (name, value, cls) => {
    const pctNum = physical ? (value / physical) * 100 : 0;
    const fill = h('div', { class: ['meter-fill', cls] });
    fill.style.width = `${Math.min(100, pctNum).toFixed(1)}%`;
    const text = value === null || value === undefined ? '—' : `${fmt(value)}${physical ? ` (${Math.round(pctNum)}%)` : ''}`;
    return h('div', { class: 'cap-row' },
      h('span', { class: 'cap-name' }, name),
      h('div', { class: 'meter-track', role: 'meter', 'aria-label': `${label}: ${name}`, 'aria-valuemin': '0',
        'aria-valuemax': String(physical || 0), 'aria-valuenow': value === null || value === undefined ? null : String(value),
        'aria-valuetext': text }, fill),
      h('span', { class: 'cap-value' }, text));
  };
  const over = physical && committed > physical;
  return h('div', { class: 'bar-row' },
    h('div', { class: 'bar-label' }, h('strong', null, label), h('span', null, `${fmt(physical)} on this host`)),
    row('Promised to tenants', committed, over ? 'bad' : 'committed'),
    row('In use', used, 'used'),
    over ? h('div', { class: 'legend' }, h('span', null, h('i', { class: 'sw-over' }), `over-committed by ${fmt(committed - physical)}`)) : null);
}

export async function dashboardPage(ctx) {
  ctx.setHeader('Dashboard', [['Dashboard']]);
  const stats = h('div', { class: 'grid grid-4' });
  const capacity = h('div', { class: 'bars' });
  const phases = h('div', { class: 'phase-list' });
  const incidents = h('div');
  const warn = h('div');

  const load = async () => {
    const [sys, inc] = await Promise.all([
      ctx.get('/v1/system'),
      ctx.get('/v1/incidents?limit=10').catch((e) => ({ error: e })),
    ]);
    const m = sys.memory || {}, c = sys.cpu || {}, tn = sys.tenants || {};
    const byPhase = tn.by_phase || {};
    const memUsed = m.physical && m.available !== undefined && m.available !== null ? m.physical - m.available : null;
    mount(stats,
      h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, 'Tenants'), h('div', { class: 'stat-value' }, fmtNumber(tn.total)),
        h('div', { class: 'stat-sub' }, `${fmtNumber(byPhase.running || 0)} running`)),
      h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, 'Memory committed'),
        h('div', { class: 'stat-value' }, m.physical ? `${Math.round((m.committed / m.physical) * 100)}%` : '—'),
        h('div', { class: 'stat-sub' }, `${fmtBytes(m.committed)} of ${fmtBytes(m.physical)}`)),
      h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, 'CPU committed'),
        h('div', { class: 'stat-value' }, c.cores ? `${Math.round((c.committed / c.cores) * 100)}%` : '—'),
        h('div', { class: 'stat-sub' }, `${fmtCores(c.committed)} of ${fmtNumber(c.cores)} cores`)),
      h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, 'Supervisor uptime'),
        h('div', { class: 'stat-value' }, fmtDuration(sys.uptime_s)),
        h('div', { class: 'stat-sub' }, c.used === null || c.used === undefined ? 'host CPU —' : `host CPU ${fmtCores(c.used)} cores in use`)));
    mount(capacity,
      capacityBar('Memory', { committed: m.committed || 0, physical: m.physical || 0, used: memUsed, fmt: fmtBytes }),
      capacityBar('CPU', { committed: c.committed || 0, physical: c.cores || 0, used: c.used, fmt: (x) => `${fmtCores(x)} cores` }));
    const over = [];
    if (m.physical && m.committed > m.physical) over.push('memory');
    if (c.cores && c.committed > c.cores) over.push('CPU');
    mount(warn, over.length ? notice('warn', `Tenants are promised more ${over.join(' and ')} than this host has. Limits still hold, but not every tenant can use its full limit at once.`) : null);
    const names = [...PHASE_ORDER, ...Object.keys(byPhase).filter((p) => !PHASE_ORDER.includes(p))];
    const rows = names.filter((p) => byPhase[p]).map((p) => h('div', { class: 'phase-row' }, phaseBadge(p), h('span', { class: 'count' }, fmtNumber(byPhase[p]))));
    mount(phases, rows.length ? rows : emptyState('No tenants', null, h('a', { class: 'btn primary', href: '#/tenants/new' }, icon('plus'), 'New tenant')));
    if (inc.error) mount(incidents, notice('error', inc.error.message));
    else mount(incidents, incidentList(inc.incidents || [], { showTenant: true }));
  };
  await load();
  mount(ctx.content,
    pageHead('Dashboard', `The ${productName()} appliance and its tenants at a glance.`,
      [h('a', { class: 'btn', href: '#/tenants' }, 'All tenants'), h('a', { class: 'btn primary', href: '#/tenants/new' }, icon('plus'), 'New tenant')]),
    warn, stats,
    h('div', { class: 'grid grid-2 gap-top' },
      card('Capacity', { hint: 'What tenants were promised against what the machine has' }, capacity),
      card('Tenants by state', { actions: h('a', { href: '#/tenants' }, 'View all') }, phases)),
    h('div', { class: 'gap-top' }, card('Recent incidents', { flush: true, hint: 'All tenants, newest first' }, incidents)));
  ctx.every(() => load().catch(() => {}), 5000);
}

// ================================================================================================= helpers
async function tenantOptions(ctx) {
  if (!isOperator()) return [ownTenant()];
  try { return (await allTenants(ctx.get)).map((t) => t.id).sort(); } catch { return []; }
}

function roleSelect(roles) {
  return h('select', null, roles.map((r) => h('option', { value: r }, roleLabel(r))));
}

function tenantSelect(ids) {
  return h('select', null, ids.length ? ids.map((id) => h('option', { value: id }, id)) : h('option', { value: '' }, 'No tenants'));
}

// The role of a new user or token and, for a tenant role, its tenant: only operators choose it (a tenant
// admin's users and tokens are of their own tenant). `tenantBox` (the tenant field, or what `wrapTenant`
// puts it in) hides while no tenant is asked for.
function roleFields(op, tenants, role, wrapTenant = (f) => f) {
  const roleIn = roleSelect(op ? ['operator', 'tenant-admin', 'tenant-viewer'] : ['tenant-admin', 'tenant-viewer']);
  roleIn.value = role;
  const tenantIn = tenantSelect(tenants);
  const fRole = field('Role', roleIn, { name: 'role' });
  const fTenant = field('Tenant', tenantIn, { name: 'tenant' });
  const tenantBox = wrapTenant(fTenant);
  const sync = () => { tenantBox.hidden = !op || roleIn.value === 'operator'; };
  roleIn.addEventListener('change', sync);
  sync();
  return { roleIn, tenantIn, fRole, fTenant, tenantBox };
}

function scopeBase(kind) {
  return isOperator() ? `/v1/${kind}` : path`/v1/tenants/${ownTenant()}` + `/${kind}`;
}

// ================================================================================================= users
export async function usersPage(ctx) {
  ctx.setHeader('Users', [['Users']]);
  const base = scopeBase('users');
  const op = isOperator();
  const listHost = h('div');
  const tenants = await tenantOptions(ctx);

  const load = async () => {
    const doc = await ctx.get(base);
    const users = (doc.users || []).slice().sort((a, b) => a.name.localeCompare(b.name));
    if (!users.length) { mount(listHost, emptyState('No users', 'Add the people who manage tenants.')); return; }
    mount(listHost, h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'users-table' },
      h('thead', null, h('tr', null, ...['User', 'Role', 'Tenant', 'Created', 'Password changed'].map((x) => h('th', { scope: 'col' }, x)),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', null, users.map((u) => {
        const self = state.session && u.name === state.session.user;
        return h('tr', { 'data-user': u.name },
          h('td', { class: 'primary-cell wrap-anywhere' }, u.name, self ? h('span', { class: 'secondary' }, ' (you)') : null),
          h('td', null, roleBadge(u.role)),
          h('td', null, u.tenant || h('span', { class: 'muted' }, 'all')),
          h('td', { class: 'nowrap', title: fmtDateS(u.created_at) }, fmtAgo(u.created_at * 1000)),
          h('td', { class: 'nowrap', title: fmtDateS(u.password_changed_at) }, fmtAgo(u.password_changed_at * 1000)),
          h('td', { class: 'actions-cell' },
            button('Reset password', { kind: 'ghost', small: true, onClick: () => resetPassword(u.name) }),
            button('Delete', { kind: 'danger', small: true, onClick: () => removeUser(u.name),
              attrs: self ? { disabled: true, title: 'You cannot delete your own account here.' } : {} })));
      })))));
  };

  const removeUser = async (name) => {
    const ok = await confirmDialog({ title: `Delete user ${name}?`, danger: true, confirmLabel: 'Delete user',
      message: 'The user is signed out everywhere and can no longer sign in.' });
    if (!ok) return;
    try {
      await del(op ? path`/v1/users/${name}` : path`/v1/tenants/${ownTenant()}/users/${name}`);
      toast(`User ${name} deleted.`, 'ok');
      load();
    } catch (e) { toast(e.message, 'error'); }
  };

  const resetPassword = async (name) => {
    const pw = h('input', { type: 'password', autocomplete: 'new-password' });
    const f = field('New password', pw, { help: 'At least 12 characters. The user is signed out everywhere.' });
    await modal({
      title: `Set a new password for ${name}`, body: h('div', { class: 'form' }, f),
      actions: (close) => [button('Cancel', { onClick: () => close(null) }), button('Set password', { kind: 'primary', onClick: async () => {
        setFieldError(f, '');
        if ([...pw.value].length < 12) { setFieldError(f, 'Use at least 12 characters.'); pw.focus(); return; }
        try {
          await put(op ? path`/v1/users/${name}/password` : path`/v1/tenants/${ownTenant()}/users/${name}/password`, { password: pw.value });
          pw.value = '';
          close(true);
          toast(`Password of ${name} changed.`, 'ok');
          load();
        } catch (e) { setFieldError(f, e.message); }
      } })],
    });
  };

  // ---- create
  const nameIn = h('input', { autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', maxlength: '64' });
  const pwIn = h('input', { type: 'password', autocomplete: 'new-password' });
  const pw2In = h('input', { type: 'password', autocomplete: 'new-password' });
  const fName = field('User name', nameIn, { name: 'name', help: 'Lower case: a–z, 0–9 and . _ @ -' });
  const { roleIn, tenantIn, fRole, fTenant, tenantBox: tenantRow } =
    roleFields(op, tenants, 'tenant-admin', (f) => h('div', { class: 'form-grid' }, f));
  const fPw = field('Password', pwIn, { name: 'password', help: 'At least 12 characters.' });
  const fPw2 = field('Repeat password', pw2In, { name: 'confirm' });
  const { form, msg, submit } = submitForm({
    props: { 'data-testid': 'user-form' },
    label: [icon('plus'), 'Add user'],
    body: [h('div', { class: 'form-grid' }, fName, fRole), tenantRow, h('div', { class: 'form-grid' }, fPw, fPw2)],
    fields: [fName, fRole, fTenant, fPw, fPw2],
  }, async () => {
    let bad = false;
    if (!/^[a-z0-9][a-z0-9._@-]{0,63}$/.test(nameIn.value)) { setFieldError(fName, 'Use 1–64 characters: a–z, 0–9 and . _ @ - (starting with a letter or digit).'); bad = true; }
    if (op && roleIn.value !== 'operator' && !tenantIn.value) { setFieldError(fTenant, 'Choose the tenant.'); bad = true; }
    if ([...pwIn.value].length < 12) { setFieldError(fPw, 'Use at least 12 characters.'); bad = true; }
    if (pwIn.value !== pw2In.value) { setFieldError(fPw2, 'The two passwords differ.'); bad = true; }
    if (bad) { form.querySelector('[aria-invalid="true"]').focus(); return; }
    const body = { name: nameIn.value, role: roleIn.value, password: pwIn.value };
    if (op && roleIn.value !== 'operator') body.tenant = tenantIn.value;
    submit.disabled = true;
    try {
      await post(base, body);
      toast(`User ${body.name} added.`, 'ok');
      nameIn.value = ''; pwIn.value = ''; pw2In.value = '';
      load();
    } catch (err) {
      const m = err.message;
      if (/password/i.test(m)) setFieldError(fPw, m);
      else if (/user name|\bname\b|already/i.test(m) || err.status === 409) setFieldError(fName, m);
      else if (/tenant/i.test(m)) setFieldError(fTenant, m);
      else if (/role/i.test(m)) setFieldError(fRole, m);
      else mount(msg, notice('error', m));
    } finally { submit.disabled = false; }
  });

  await load();
  mount(ctx.content,
    pageHead('Users', op ? 'People who sign in to the console, and what they may do.' : `People who manage tenant ${ownTenant()}.`),
    card(null, { flush: true }, listHost),
    card('Add a user', { hint: op ? 'Operators manage the whole appliance; tenant admins and viewers one tenant.' : 'Tenant admins may change this tenant; viewers only read it.' }, form));
}

// ================================================================================================= tokens
export async function tokensPage(ctx) {
  ctx.setHeader('API tokens', [['API tokens']]);
  const base = scopeBase('tokens');
  const op = isOperator();
  const listHost = h('div');
  const revealHost = h('div', { 'aria-live': 'polite' });
  const tenants = await tenantOptions(ctx);
  const now = () => Date.now() / 1000;

  const statusOf = (t) => {
    if (t.revoked_at) return h('span', { class: 'badge bad' }, 'revoked');
    if (t.expires_at && t.expires_at < now()) return h('span', { class: 'badge warn' }, 'expired');
    return h('span', { class: 'badge ok' }, 'active');
  };
  const load = async () => {
    const doc = await ctx.get(base);
    const tokens = (doc.tokens || []).slice().sort((a, b) => b.created_at - a.created_at);
    if (!tokens.length) { mount(listHost, emptyState('No API tokens', 'Tokens let scripts and monitoring use the API.')); return; }
    mount(listHost, h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'tokens-table' },
      h('thead', null, h('tr', null, ...['Name', 'Role', 'Tenant', 'Created', 'Expires', 'Last used', 'Status'].map((x) => h('th', { scope: 'col' }, x)),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', null, tokens.map((t) => h('tr', { 'data-token': String(t.id) },
        h('td', { class: 'primary-cell wrap-anywhere' }, t.name),
        h('td', null, roleBadge(t.role)),
        h('td', null, t.tenant || h('span', { class: 'muted' }, 'all')),
        h('td', { class: 'nowrap', title: fmtDateS(t.created_at) }, fmtAgo(t.created_at * 1000)),
        h('td', { class: 'nowrap', title: fmtDateS(t.expires_at) }, t.expires_at ? fmtAgo(t.expires_at * 1000) : 'never'),
        h('td', { class: 'nowrap', title: fmtDateS(t.last_used_at) }, t.last_used_at ? fmtAgo(t.last_used_at * 1000) : 'never'),
        h('td', null, statusOf(t)),
        h('td', { class: 'actions-cell' }, t.revoked_at ? null
          : button('Revoke', { kind: 'danger', small: true, onClick: () => revoke(t) }))))))));
  };
  const revoke = async (t) => {
    const ok = await confirmDialog({ title: `Revoke token ${t.name}?`, danger: true, confirmLabel: 'Revoke',
      message: 'Requests with this token fail from now on. This cannot be undone.' });
    if (!ok) return;
    try {
      await del(op ? path`/v1/tokens/${t.id}` : path`/v1/tenants/${ownTenant()}/tokens/${t.id}`);
      toast(`Token ${t.name} revoked.`, 'ok');
      load();
    } catch (e) { toast(e.message, 'error'); }
  };

  // The new token is shown here once; dismissing the panel drops it from the page.
  const reveal = (created, name) => {
    const input = h('input', { readOnly: true, value: created.token, 'aria-label': 'New API token', 'data-testid': 'new-token' });
    const copy = button('Copy', { icon: 'copy', onClick: async () => {
      try { await navigator.clipboard.writeText(input.value); toast('Token copied to the clipboard.', 'ok'); } catch {
        input.select(); toast('Press Ctrl+C to copy the selected token.');
      }
    } });
    mount(revealHost, h('div', { class: 'reveal', role: 'alert' },
      h('h3', null, `Token "${name}" created — copy it now`),
      h('div', { class: 'hint' }, 'This is the only time the token is shown. Store it in a secret manager; if it is lost, revoke it and create a new one.'),
      h('div', { class: 'secret-row' }, input, copy),
      h('div', { class: 'hint' }, 'Use it as: Authorization: Bearer <token>'),
      h('div', { class: 'gap-top' }, button('I have stored it', { kind: 'primary', small: true, onClick: () => { input.value = ''; mount(revealHost); } }))));
    input.focus();
    input.select();
  };

  const nameIn = h('input', { autocomplete: 'off', maxlength: '64', placeholder: 'e.g. prometheus' });
  const ttlIn = h('select', null, [7, 30, 90, 180, 365].map((d) => h('option', { value: String(d) }, `${d} days`)));
  ttlIn.value = '90';
  const fName = field('Name', nameIn, { help: 'What uses it, for the audit log.' });
  const { roleIn, tenantIn, fRole, fTenant } = roleFields(op, tenants, 'tenant-viewer');
  const fTtl = field('Expires after', ttlIn);
  const { form, msg, submit } = submitForm({
    props: { 'data-testid': 'token-form' },
    label: [icon('plus'), 'Create token'],
    body: h('div', { class: 'form-grid' }, fName, fRole, fTenant, fTtl),
    fields: [fName, fRole, fTenant, fTtl],
  }, async () => {
    const name = nameIn.value.trim();
    if (!name || !/^[\x20-\x7e]{1,64}$/.test(name)) { setFieldError(fName, 'Enter a name of 1–64 printable ASCII characters.'); nameIn.focus(); return; }
    const body = { name, role: roleIn.value, ttl_days: Number(ttlIn.value) };
    if (op && roleIn.value !== 'operator') body.tenant = tenantIn.value;
    submit.disabled = true;
    try {
      const created = await post(base, body);
      nameIn.value = '';
      reveal(created, name);
      load();
    } catch (err) {
      if (/name/i.test(err.message)) setFieldError(fName, err.message);
      else if (/tenant/i.test(err.message)) setFieldError(fTenant, err.message);
      else if (/ttl|expir/i.test(err.message)) setFieldError(fTtl, err.message);
      else mount(msg, notice('error', err.message));
    } finally { submit.disabled = false; }
  });

  await load();
  mount(ctx.content,
    pageHead('API tokens', 'Bearer tokens for scripts and monitoring. A token is shown once, when it is created.'),
    revealHost,
    card(null, { flush: true }, listHost),
    card('Create a token', null, form));
}

// ================================================================================================= audit
export async function auditPage(ctx) {
  ctx.setHeader('Audit log', [['Audit log']]);
  const op = isOperator();
  const base = op ? '/v1/audit' : path`/v1/tenants/${ownTenant()}/audit`;
  const limit = 50;
  const tenants = op ? await tenantOptions(ctx) : [];
  const tenantIn = op ? h('select', { 'aria-label': 'Tenant' }, h('option', { value: '' }, 'All tenants'),
    tenants.map((id) => h('option', { value: id }, id))) : null;
  const csv = h('a', { class: 'btn', download: 'audit.csv', title: 'The newest 1000 entries (of the chosen tenant)' }, icon('download'), 'Export CSV');
  const json = h('a', { class: 'btn', download: 'audit.json', title: 'The newest 1000 entries (of the chosen tenant)' }, icon('download'), 'Export JSON');
  const tableHost = h('div', { class: 'table-wrap' });
  const pageInfo = h('span', { class: 'muted small' });
  const newer = button('Newer', { small: true });
  const older = button('Older', { small: true });
  const cursors = []; // `before` of each page shown before this one
  let before = '';

  const statusBadge = (st) => {
    const n = Number(st);
    return h('span', { class: ['badge', 'plain', n >= 500 ? 'bad' : n >= 400 ? 'warn' : n ? 'ok' : ''] }, String(st ?? ''));
  };
  const exportHref = (format) => `${base}${query({ format, limit: 1000, tenant: tenantIn ? tenantIn.value : '' })}`;

  const load = async () => {
    const doc = await ctx.get(`${base}${query({ limit, before, tenant: tenantIn ? tenantIn.value : '' })}`);
    const entries = doc.entries || [];
    csv.href = exportHref('csv');
    json.href = exportHref('json');
    pageInfo.textContent = entries.length ? `Page ${cursors.length + 1} · ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}` : '';
    newer.disabled = cursors.length === 0;
    older.disabled = entries.length < limit;
    older.onclick = null;
    if (!entries.length) { mount(tableHost, emptyState('No entries', 'Changes and sign-ins are recorded here.')); return; }
    const lastId = entries[entries.length - 1].id;
    older.dataset.next = String(lastId);
    mount(tableHost, h('table', { class: 'table', 'data-testid': 'audit-table' },
      h('thead', null, h('tr', null, ...['Time', 'Actor', 'Tenant', 'Action', 'Target', 'Address', 'Status', 'Result'].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', null, entries.map((e) => h('tr', null,
        h('td', { class: 'nowrap', title: fmtDateTime(e.at_ms) }, fmtDateTime(e.at_ms)),
        h('td', { class: 'wrap-anywhere' }, e.actor || '—', e.role ? h('div', { class: 'secondary' }, roleLabel(e.role)) : null),
        h('td', null, e.tenant || h('span', { class: 'muted' }, '—')),
        h('td', { class: 'mono' }, e.action || ''),
        h('td', { class: 'mono wrap-anywhere' }, e.target || ''),
        h('td', { class: 'mono nowrap' }, e.address || ''),
        h('td', null, statusBadge(e.status)),
        h('td', { class: 'wrap-anywhere' }, e.result || ''))))));
  };
  older.addEventListener('click', () => { cursors.push(before); before = older.dataset.next || ''; load().catch((e) => toast(e.message, 'error')); });
  newer.addEventListener('click', () => { before = cursors.pop() || ''; load().catch((e) => toast(e.message, 'error')); });
  if (tenantIn) tenantIn.addEventListener('change', () => { cursors.length = 0; before = ''; load().catch((e) => toast(e.message, 'error')); });

  await load();
  mount(ctx.content,
    pageHead('Audit log', op ? 'Every change and sign-in on the appliance, newest first.' : `Every change and sign-in for tenant ${ownTenant()}, newest first.`,
      [csv, json]),
    card(null, { flush: true },
      tenantIn ? h('div', { class: 'toolbar' }, h('label', { class: 'inline' }, h('span', null, 'Tenant'), tenantIn), h('span', { class: 'grow' }),
        button('Refresh', { small: true, icon: 'refresh', onClick: () => load().catch((e) => toast(e.message, 'error')) })) : null,
      tableHost,
      h('div', { class: 'pager' }, pageInfo, h('div', { class: 'actions' }, newer, older))));
}

// ================================================================================================= branding
const MAX_LOGO_BYTES = 256 * 1024;

export async function brandingPage(ctx) {
  ctx.setHeader('Branding', [['Branding']]);
  const b = await ctx.get('/v1/branding');
  const nameIn = h('input', { value: b.product_name, maxlength: '64', autocomplete: 'off' });
  const colorIn = h('input', { type: 'color', value: b.primary_color, 'aria-label': 'Pick the primary colour' });
  const hexIn = h('input', { value: b.primary_color, maxlength: '7', class: 'mono', spellcheck: 'false', autocomplete: 'off' });
  const fileIn = h('input', { type: 'file', accept: 'image/png' });
  const fName = field('Product name', nameIn, { help: 'Shown in every page title, the sign-in page and the header. 1–64 characters.' });
  const fColor = field('Primary colour', hexIn, { help: 'Buttons, links and highlights. #rrggbb.' });
  fColor.insertBefore(h('div', { class: 'inline' }, colorIn, hexIn), fColor.querySelector('.help'));
  const fLogo = field('Logo', fileIn, { help: 'PNG, at most 256 KiB. Shown on the sign-in page and in the sidebar.' });
  let logo; // undefined: unchanged; '': remove; base64 string: new
  let logoPreviewUrl = b.logo ? logoUrl() : '';
  const removeBtn = button('Remove logo', { kind: 'ghost', small: true, onClick: () => { logo = ''; fileIn.value = ''; logoPreviewUrl = ''; preview(); } });
  fLogo.appendChild(removeBtn);

  const pv = h('div', { class: 'brand-preview', 'aria-label': 'Preview' });
  const preview = () => {
    const hex = /^#[0-9a-f]{6}$/i.test(hexIn.value) ? hexIn.value : b.primary_color;
    const p = paletteFor(hex);
    pv.style.setProperty('--pv-primary', p.primary);
    pv.style.setProperty('--pv-ink', p.ink);
    pv.style.setProperty('--pv-text', p.text);
    removeBtn.hidden = !logoPreviewUrl;
    mount(pv,
      h('div', { class: 'row' }, logoPreviewUrl ? h('img', { src: logoPreviewUrl, alt: 'Logo preview' }) : null,
        h('strong', null, nameIn.value || 'Clawhive')),
      h('div', { class: 'row' }, h('span', { class: 'btn pv-btn' }, 'Primary button'), h('span', { class: 'pv-link' }, 'A link')));
  };
  nameIn.addEventListener('input', preview);
  colorIn.addEventListener('input', () => { hexIn.value = colorIn.value; setFieldError(fColor, ''); preview(); });
  hexIn.addEventListener('input', () => { if (/^#[0-9a-f]{6}$/i.test(hexIn.value)) colorIn.value = hexIn.value.toLowerCase(); preview(); });
  fileIn.addEventListener('change', () => {
    setFieldError(fLogo, '');
    const file = fileIn.files && fileIn.files[0];
    if (!file) return;
    if (file.size > MAX_LOGO_BYTES) { setFieldError(fLogo, 'The file is larger than 256 KiB.'); fileIn.value = ''; return; }
    const reader = new FileReader();
    reader.onload = () => {
      const bytes = new Uint8Array(reader.result);
      const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
      if (!sig.every((v, i) => bytes[i] === v)) { setFieldError(fLogo, 'This is not a PNG file.'); fileIn.value = ''; return; }
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
      logo = btoa(bin);
      logoPreviewUrl = `data:image/png;base64,${logo}`;
      preview();
    };
    reader.readAsArrayBuffer(file);
  });

  const msg = h('div');
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Save branding');
  const form = h('form', { class: 'form', novalidate: true, 'data-testid': 'branding-form' }, msg, fName, fColor, fLogo,
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    [fName, fColor, fLogo].forEach((f) => setFieldError(f, ''));
    mount(msg);
    const name = nameIn.value.trim();
    let bad = false;
    if (!name || [...name].length > 64) { setFieldError(fName, 'Enter 1–64 characters.'); bad = true; }
    if (!/^#[0-9a-f]{6}$/i.test(hexIn.value)) { setFieldError(fColor, 'A colour such as #1f6feb.'); bad = true; }
    if (bad) { form.querySelector('[aria-invalid="true"]').focus(); return; }
    const body = { product_name: name, primary_color: hexIn.value.toLowerCase() };
    if (logo !== undefined) body.logo_png_base64 = logo;
    submit.disabled = true;
    try {
      const saved = await put('/v1/branding', body);
      state.logoVersion = Date.now();
      applyBranding(saved);
      window.dispatchEvent(new CustomEvent('clawhive:branding'));
      logo = undefined;
      fileIn.value = '';
      logoPreviewUrl = saved.logo ? logoUrl() : '';
      preview();
      toast('Branding saved.', 'ok');
      ctx.setHeader('Branding', [['Branding']]);
    } catch (err) {
      if (/product_name|name/i.test(err.message)) setFieldError(fName, err.message);
      else if (/colou?r/i.test(err.message)) setFieldError(fColor, err.message);
      else if (/logo|png|image/i.test(err.message)) setFieldError(fLogo, err.message);
      else mount(msg, notice('error', err.message));
    } finally { submit.disabled = false; }
  });
  preview();
  mount(ctx.content,
    pageHead('Branding', 'How the console looks for everyone, including the sign-in page.'),
    h('div', { class: 'grid grid-2' }, card('Settings', null, form), card('Preview', null, pv)));
}
