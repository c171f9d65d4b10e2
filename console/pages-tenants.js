// Tenants: the list, one tenant's page (state, actions with progress, charts, model usage and budget,
// incidents, secrets) and the create/edit form.
import { get, post, put, patch, del, path, query, fieldOfError, ApiError, allTenants } from './api.js';
import { h, mount, icon, card, notice, emptyState, button, field, setFieldError, pageHead, meter, phaseBadge, phaseLabel,
  fmtBytes, fmtLimitBytes, fmtCores, fmtQuota, fmtNumber, fmtDateS, fmtDateTime, fmtAgo, fmtDuration, sizeToInput,
  toast, modal, confirmDialog } from './dom.js';
import { lineChart } from './charts.js';
import { budgetCard } from './pages-metering.js';
import { runtimeCard, openclawCard } from './pages-runtime.js';
import { state, isOperator, mayWrite, navigate, deniedBlock, userIdle } from './state.js';

const TRANSITIONAL = new Set(['starting', 'stopping', 'backoff']);
const tenantHref = (id) => `#/tenants/${encodeURIComponent(id)}`;
const nameOf = (t) => t.display_name || t.id;

// CPU in cores from two readings of the cumulative cpu_usage_nsec (per tenant, across refreshes).
const cpuReadings = new Map();
function cpuRate(t) {
  const nsec = t.status && t.status.cpu_usage_nsec;
  const now = performance.now();
  if (nsec === null || nsec === undefined) { cpuReadings.delete(t.id); return null; }
  const prev = cpuReadings.get(t.id);
  let rate = prev ? prev.rate : null;
  if (prev && now - prev.at >= 900 && nsec >= prev.nsec) rate = (nsec - prev.nsec) / ((now - prev.at) * 1e6);
  if (!prev || now - prev.at >= 900 || nsec < prev.nsec) cpuReadings.set(t.id, { nsec, at: now, rate });
  return rate;
}
const memLimit = (t) => t.resources.memory_max || (t.status && t.status.memory_max) || 0;
const cpuLimit = (t) => (t.resources.cpu_quota_percent || 0) / 100;
const fmtCpu = (x) => `${fmtCores(x)} CPU`;
// Chart axes and tooltips need small values too: millicores below a tenth of a core.
const fmtCpuFine = (x) => {
  if (x === null || x === undefined) return '—';
  if (x === 0) return '0';
  if (x < 0.1) { const m = x * 1000; return `${m.toFixed(m < 10 ? 1 : 0).replace(/\.0$/, '')} mCPU`; }
  return `${x.toFixed(2)} CPU`;
};

function isNotFound(e) { return e instanceof ApiError && (e.status === 404 || e.status === 403); }

// ================================================================================================= list
export async function tenantsPage(ctx) {
  ctx.setHeader('Tenants', [['Tenants']]);
  const search = h('input', { type: 'search', placeholder: 'Filter by name or id', 'aria-label': 'Filter tenants' });
  const phaseSel = h('select', { 'aria-label': 'Filter by state' },
    h('option', { value: '' }, 'All states'),
    ...['running', 'starting', 'backoff', 'quarantined', 'failed', 'stopped'].map((p) => h('option', { value: p }, phaseLabel(p))));
  const count = h('span', { class: 'muted small' });
  const body = h('div', { class: 'table-wrap' });
  let tenants = [];

  const draw = () => {
    const q = search.value.trim().toLowerCase();
    const list = tenants.filter((t) => (!q || t.id.includes(q) || (t.display_name || '').toLowerCase().includes(q)) &&
      (!phaseSel.value || t.phase === phaseSel.value));
    count.textContent = `${list.length} of ${tenants.length} tenant${tenants.length === 1 ? '' : 's'}`;
    if (!tenants.length) {
      mount(body, emptyState('No tenants yet', isOperator() ? 'Create the first tenant to run its agent.' : 'There are no tenants you can see.',
        isOperator() ? h('a', { class: 'btn primary', href: '#/tenants/new' }, icon('plus'), 'New tenant') : null));
      return;
    }
    if (!list.length) { mount(body, emptyState('No matching tenants', 'Change the filter to see more.')); return; }
    const rows = list.map((t) => h('tr', { 'data-tenant': t.id },
      h('td', { class: 'primary-cell wrap-anywhere' },
        h('a', { href: tenantHref(t.id), 'data-testid': 'tenant-link' }, nameOf(t)),
        h('div', { class: 'secondary mono' }, t.id)),
      h('td', null, phaseBadge(t.phase),
        t.phase === 'running' ? h('div', { class: 'secondary' }, t.status.healthy ? 'healthy' : 'not responding') : null),
      h('td', null, meter(t.status.memory_current, memLimit(t), fmtBytes, { label: `Memory of ${t.id}` })),
      h('td', null, meter(cpuRate(t), cpuLimit(t), fmtCpu, { label: `CPU of ${t.id}` })),
      h('td', { class: 'num' }, fmtNumber(t.status.tasks_current)),
      h('td', { class: 'num' }, fmtNumber(t.status.restarts)),
      h('td', { class: 'wrap-anywhere', 'data-testid': 'tenant-runtime' }, t.runtime && t.runtime.image
        ? [h('span', { class: 'mono' }, t.runtime.image), t.runtime.pinned ? h('div', { class: 'secondary' }, 'pinned') : null]
        : h('span', { class: 'muted' }, 'command'))));
    mount(body, h('table', { class: 'table', 'data-testid': 'tenants-table' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Tenant'), h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Memory'), h('th', { scope: 'col' }, 'CPU'), h('th', { scope: 'col', class: 'num' }, 'Tasks'),
        h('th', { scope: 'col', class: 'num' }, 'Restarts'), h('th', { scope: 'col' }, 'Runtime'))),
      h('tbody', null, rows)));
  };
  search.addEventListener('input', draw);
  phaseSel.addEventListener('change', draw);

  const load = async () => {
    tenants = (await allTenants(ctx.get)).sort((a, b) => a.id.localeCompare(b.id));
    draw();
  };
  await load();
  mount(ctx.content,
    h('div', { class: 'page-head' },
      h('div', null, h('h1', null, 'Tenants'), h('div', { class: 'sub' }, 'Each tenant runs its own isolated agent with its own limits.')),
      isOperator() ? h('a', { class: 'btn primary', href: '#/tenants/new' }, icon('plus'), 'New tenant') : null),
    card(null, { flush: true },
      h('div', { class: 'toolbar' }, search, phaseSel, h('span', { class: 'grow' }), count), body));
  // Refresh live figures; a second early reading gives CPU rates quickly.
  ctx.later(() => load().catch(() => {}), 1200);
  ctx.every(() => load().catch(() => {}), 4000);
}

// ================================================================================================= one tenant
const CAUSES = {
  'exit-code': 'Exited with an error', signal: 'Killed by a signal', oom: 'Out of memory', hang: 'Hung (no health answers)',
  'exit-clean': 'Exited unexpectedly', 'start-failed': 'Failed to start',
};
const ACTIONS = { restarted: 'restarted', backoff: 'restart delayed (backoff)', quarantined: 'quarantined' };

export function incidentList(incidents, { showTenant = false } = {}) {
  if (!incidents.length) return emptyState('No incidents', 'Crashes, hangs and restarts show up here.');
  return h('ol', { class: 'timeline' }, incidents.map((i) => h('li', null,
    h('span', { class: ['dot', i.action] }),
    h('div', null,
      h('div', { class: 'what' }, showTenant ? [h('a', { href: tenantHref(i.tenant) }, i.tenant), ': '] : null,
        CAUSES[i.cause] || i.cause, ' — ', ACTIONS[i.action] || i.action),
      h('div', { class: 'detail' }, i.detail || '',
        i.detail ? ' · ' : '', i.healthy_after_s === null || i.healthy_after_s === undefined
          ? 'not healthy again yet' : `healthy again after ${fmtDuration(i.healthy_after_s)}`)),
    h('div', { class: 'when', title: fmtDateTime(i.at_ms) }, fmtAgo(i.at_ms)))));
}

export async function tenantPage(ctx) {
  const id = ctx.params.id;
  let t;
  try {
    t = await ctx.get(path`/v1/tenants/${id}`);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    ctx.setHeader('Tenant not found', [['Tenants', '#/tenants'], [id]]);
    mount(ctx.content, deniedBlock('Tenant not found',
      `There is no tenant "${id}", or you do not have access to it.`));
    return;
  }
  const writable = mayWrite(id);
  const op = isOperator();
  ctx.setHeader(nameOf(t), [['Tenants', '#/tenants'], [id]]);

  // ---- header, actions, progress
  const titleEl = h('h1', { 'data-testid': 'tenant-name' });
  const badgeHost = h('span', { 'data-testid': 'tenant-phase' });
  const btnStart = button('Start', { icon: 'play', onClick: () => act('start') });
  const btnStop = button('Stop', { icon: 'stop', onClick: () => act('stop') });
  const btnRestart = button('Restart', { icon: 'restart', onClick: () => act('restart') });
  const actions = h('div', { class: 'actions' },
    writable ? h('a', { class: 'btn', href: `${tenantHref(id)}/chat`, 'data-testid': 'tenant-chat' }, icon('chat'), 'Chat') : null,
    op ? btnStart : null, op ? btnStop : null, writable ? btnRestart : null,
    op ? h('a', { class: 'btn', href: `${tenantHref(id)}/edit` }, icon('edit'), 'Edit') : null,
    op ? button('Delete', { kind: 'danger', icon: 'trash', onClick: () => deleteTenant() }) : null);
  const progress = h('div', { role: 'status', 'aria-live': 'polite', 'data-testid': 'tenant-progress' });
  const stats = h('div', { class: 'grid grid-4' });
  const config = h('div');
  const memChart = h('div'), cpuChart = h('div');
  const usageHint = h('span');
  const incidentsHost = h('div');

  let samples = null; // usage history (charts, current CPU)
  let pending = null; // {verb, since, acked}
  let watching = null; // {since}
  let busy = false;
  let pollTimer = null;
  let clearTimer = null;
  let lastRestarts = t.status.restarts;

  // OpenClaw: the runtime image (pin, image, drift, gateway) and the tenant's own settings.
  const onTenant = (nt) => { t = nt; renderTenant(); };
  const runtime = runtimeCard(ctx, id, { writable, onTenant });
  const openclaw = openclawCard(ctx, id, t, { writable, onTenant });

  const renderTenant = () => {
    titleEl.textContent = nameOf(t);
    runtime.update(t);
    openclaw.update(t);
    mount(badgeHost, phaseBadge(t.phase));
    ctx.setHeader(nameOf(t), [['Tenants', '#/tenants'], [id]]);
    const st = t.status;
    btnStart.disabled = busy || (t.desired === 'running' && !t.quarantined && t.phase !== 'failed' && t.phase !== 'stopped');
    btnStop.disabled = busy || t.phase === 'stopped';
    btnRestart.disabled = busy || t.phase === 'stopped';
    // CPU now: the newest usage sample, else the rate between two polls.
    const lastCpu = samples && [...samples].reverse().find((x) => x.cpu_cores !== null && x.cpu_cores !== undefined);
    const polled = cpuRate(t);
    const rate = t.phase === 'running' && lastCpu && Date.now() - lastCpu.at_ms < 60000 ? lastCpu.cpu_cores : polled;
    mount(stats,
      h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, 'Memory'),
        h('div', { class: 'stat-value' }, fmtBytes(st.memory_current)),
        meter(st.memory_current, memLimit(t), fmtBytes, { label: 'Memory use against its limit' })),
      h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, 'CPU'),
        h('div', { class: 'stat-value' }, rate === null ? '—' : fmtCpu(rate)),
        meter(rate, cpuLimit(t), fmtCpu, { label: 'CPU use against its quota' })),
      h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, 'Tasks'),
        h('div', { class: 'stat-value' }, fmtNumber(st.tasks_current)),
        h('div', { class: 'stat-sub' }, t.resources.tasks_max ? `limit ${fmtNumber(t.resources.tasks_max)}` : 'no limit')),
      h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, 'Health'),
        h('div', { class: 'stat-value' }, t.phase === 'running' ? (st.healthy ? 'Healthy' : 'Not responding') : phaseLabel(t.phase)),
        h('div', { class: 'stat-sub' }, `${fmtNumber(st.restarts)} restart${st.restarts === 1 ? '' : 's'} by the supervisor`,
          t.quarantined ? ' · quarantined' : '')));
    const r = t.resources, a = t.agent;
    const env = Object.entries(a.env || {});
    mount(config, h('dl', { class: 'kv' },
      h('dt', null, 'Tenant id'), h('dd', { class: 'mono' }, t.id),
      h('dt', null, 'Desired state'), h('dd', null, t.desired),
      h('dt', null, 'Port'), h('dd', null, String(t.port)),
      h('dt', null, 'User id'), h('dd', null, String(t.uid)),
      h('dt', null, 'Memory'), h('dd', null, `high ${fmtLimitBytes(r.memory_high)}, max ${fmtLimitBytes(r.memory_max)}`),
      h('dt', null, 'CPU'), h('dd', null, `quota ${fmtQuota(r.cpu_quota_percent)}, weight ${r.cpu_weight}`),
      h('dt', null, 'Tasks'), h('dd', null, r.tasks_max ? fmtNumber(r.tasks_max) : 'unlimited'),
      h('dt', null, 'Program'), h('dd', { class: 'mono' }, [a.exec, ...(a.args || [])].join(' ')),
      h('dt', null, 'Environment'), h('dd', { class: 'mono' }, env.length ? env.map(([k]) => k).join(', ') : 'none'),
      h('dt', null, 'Health check'), h('dd', { class: 'mono' }, a.health_path),
      h('dt', null, 'Unit'), h('dd', null, `${t.status.active_state || '—'} / ${t.status.sub_state || '—'}`,
        t.status.main_pid ? ` · pid ${t.status.main_pid}` : ''),
      h('dt', null, 'Created'), h('dd', null, fmtDateS(t.created_at)),
      h('dt', null, 'Updated'), h('dd', null, fmtDateS(t.updated_at))));
    renderProgress();
  };

  // Progress of a start/stop/restart (pending: asked by this page) or of a transition seen while
  // polling (watching: e.g. a new tenant starting, a crash restart). The outcome stays for a while.
  const spinner = (text) => {
    ctx.cancel(clearTimer);
    mount(progress, h('div', { class: 'progress' }, h('span', { class: 'spinner' }), h('span', null, text),
      h('div', { class: 'indeterminate' })));
  };
  const outcome = (since) => {
    const secs = ((Date.now() - since) / 1000).toFixed(1);
    const good = t.phase === 'running' || t.phase === 'stopped';
    mount(progress, h('div', { class: ['progress', good ? 'ok' : 'bad'] }, good ? `${phaseLabel(t.phase)} after ${secs} s.`
      : `${phaseLabel(t.phase)}: the agent did not come up. See the incidents below.`));
    ctx.cancel(clearTimer);
    clearTimer = ctx.later(() => mount(progress), good ? 6000 : 20000);
  };
  const renderProgress = () => {
    const secs = (since) => ((Date.now() - since) / 1000).toFixed(1);
    if (pending && !pending.acked) { spinner(`${pending.verb}…`); return; }
    if (pending) {
      const done = pending.verb === 'Stopping' ? ['stopped', 'failed'].includes(t.phase)
        : ['running', 'failed', 'quarantined'].includes(t.phase);
      if (done) { const since = pending.since; pending = null; watching = null; outcome(since); } else spinner(`${pending.verb}… ${secs(pending.since)} s`);
      return;
    }
    if (TRANSITIONAL.has(t.phase)) {
      if (!watching) watching = { since: Date.now() };
      spinner(t.phase === 'backoff' ? 'Waiting to restart after a crash (backoff)…' : `${phaseLabel(t.phase)}… ${secs(watching.since)} s`);
    } else if (watching) {
      const since = watching.since;
      watching = null;
      outcome(since);
    }
  };

  const schedule = () => {
    ctx.cancel(pollTimer);
    const fast = pending || TRANSITIONAL.has(t.phase);
    pollTimer = ctx.later(refresh, fast ? 500 : 4000);
  };
  const refresh = async () => {
    if (userIdle() && !pending) { schedule(); return; }
    try {
      t = await ctx.get(path`/v1/tenants/${id}`);
      renderTenant();
      if (t.status.restarts !== lastRestarts) { lastRestarts = t.status.restarts; loadIncidents(); }
    } catch (e) {
      if (isNotFound(e)) { mount(ctx.content, deniedBlock('Tenant not found', `The tenant "${id}" no longer exists.`)); return; }
      if (e.name === 'AbortError') return;
    }
    schedule();
  };

  async function act(action) {
    const verbs = { start: 'Starting', stop: 'Stopping', restart: 'Restarting' };
    busy = true;
    pending = { verb: verbs[action], since: Date.now(), acked: false };
    renderTenant();
    try {
      t = await post(path`/v1/tenants/${id}/${action}`);
      pending.acked = true;
      busy = false;
      renderTenant();
    } catch (e) {
      pending = null;
      busy = false;
      renderTenant();
      ctx.cancel(clearTimer);
      mount(progress, notice('error', e.message));
    }
    schedule();
  }

  async function deleteTenant() {
    const keep = h('input', { type: 'radio', name: 'workspace', value: 'keep', checked: true });
    const remove = h('input', { type: 'radio', name: 'workspace', value: 'remove' });
    const confirmInput = h('input', { autocomplete: 'off', spellcheck: 'false' });
    const ok = await modal({
      title: `Delete tenant ${id}?`,
      body: [
        h('p', null, 'The agent is stopped and the tenant removed. This cannot be undone.'),
        h('div', { class: 'form' },
          h('fieldset', { class: 'form-section' }, h('legend', null, 'Workspace'),
            h('div', { class: 'radio-group' },
              h('label', { class: 'check' }, keep, 'Keep the workspace on disk'),
              h('label', { class: 'check' }, remove, 'Remove the workspace and all its files'))),
          field(`Type ${id} to confirm`, confirmInput)),
      ],
      actions: (close) => [button('Cancel', { onClick: () => close(false) }),
        button('Delete tenant', { kind: 'danger solid', onClick: () => {
          if (confirmInput.value !== id) { confirmInput.setAttribute('aria-invalid', 'true'); confirmInput.focus(); return; }
          close(true);
        } })],
    });
    if (!ok) return;
    try {
      await del(`${path`/v1/tenants/${id}`}${query({ workspace: remove.checked ? 'remove' : 'keep' })}`);
      state.flash = { kind: 'ok', text: `Tenant ${id} was deleted.` };
      navigate('#/tenants');
    } catch (e) { toast(e.message, 'error'); }
  }

  // ---- usage charts
  let usageTimer = null;
  const drawCharts = () => {
    if (!samples) return;
    mount(memChart, lineChart({ points: samples.map((x) => ({ t: x.at_ms, v: x.memory_bytes })), format: fmtBytes,
      limit: memLimit(t), limitLabel: 'max', label: 'Memory', bytes: true, width: memChart.clientWidth }));
    mount(cpuChart, lineChart({ points: samples.map((x) => ({ t: x.at_ms, v: x.cpu_cores })), format: fmtCpuFine,
      limit: cpuLimit(t), limitLabel: 'quota', label: 'CPU', width: cpuChart.clientWidth }));
  };
  let resizeTimer = null;
  window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawCharts, 150); }, { signal: ctx.signal });
  const loadUsage = async () => {
    let every = 10000;
    if (userIdle()) { ctx.cancel(usageTimer); usageTimer = ctx.later(loadUsage, every); return; }
    try {
      const u = await ctx.get(path`/v1/tenants/${id}/usage`);
      samples = u.samples || [];
      every = Math.max(3000, Math.min(30000, u.interval_ms || 10000));
      usageHint.textContent = `sampled every ${fmtDuration((u.interval_ms || 0) / 1000)}`;
      drawCharts();
      renderTenant();
    } catch (e) {
      if (e.name === 'AbortError') return;
      const text = e.status === 503 ? 'Usage history is not available on this appliance.' : e.message;
      mount(memChart, h('div', { class: 'chart-empty' }, text));
      mount(cpuChart);
      every = 30000;
    }
    ctx.cancel(usageTimer);
    usageTimer = ctx.later(loadUsage, every);
  };

  // ---- incidents
  const loadIncidents = async () => {
    try {
      const doc = await ctx.get(`${path`/v1/tenants/${id}/incidents`}?limit=20`);
      mount(incidentsHost, incidentList(doc.incidents || []));
    } catch (e) {
      if (e.name !== 'AbortError') mount(incidentsHost, notice('error', e.message));
    }
  };

  renderTenant();
  mount(ctx.content,
    h('div', { class: 'page-head' },
      h('div', null, h('div', { class: 'title-row' }, titleEl, badgeHost),
        h('div', { class: 'sub mono' }, t.id)),
      actions),
    progress,
    stats,
    h('div', { class: 'grid grid-2 gap-top' },
      card('Memory', { hint: usageHint }, memChart),
      card('CPU', { hint: 'cores in use (mCPU = thousandths of a core)' }, cpuChart)),
    h('div', { class: 'grid grid-2 gap-top' }, runtime.el, openclaw.el),
    h('div', { class: 'gap-top' }, budgetCard(ctx, id)),
    h('div', { class: 'grid grid-2 gap-top' },
      card('Incidents', { flush: true, hint: 'crashes, hangs and restarts, newest first' }, incidentsHost),
      card('Configuration', null, config)),
    h('div', { class: 'gap-top' }, secretsCard(ctx, id, writable)));
  if (ctx.query.get('created')) history.replaceState(null, '', tenantHref(id));
  await Promise.all([loadIncidents(), loadUsage()]);
  schedule();
}

// ================================================================================================= secrets
// Issued by the supervisor for the metering proxy (docs/proxy.md): the proxy knows only its hash, so a
// value set by hand would lock the agent out of the proxy. Shown, never offered for replace or delete.
const PROXY_TOKEN = 'CLAWHIVE_PROXY_TOKEN';
// Write-only: values go in through the form and are never shown (no API returns one). The value input is
// cleared as soon as the server has taken it.
function secretsCard(ctx, tenant, writable) {
  const list = h('div', { 'data-testid': 'secrets-list' });
  const load = async () => {
    try {
      const doc = await ctx.get(path`/v1/tenants/${tenant}/secrets`);
      const secrets = (doc.secrets || []).slice().sort((a, b) => a.name.localeCompare(b.name));
      if (!secrets.length) { mount(list, emptyState('No secrets', 'Secrets are given to the agent as environment variables.')); return; }
      const versionBadges = (sc) => (sc.versions || []).slice(0, 4).flatMap((v) => [h('span', {
        class: ['badge', 'plain', v.state === 'current' ? 'ok' : v.state === 'failed' ? 'bad' : v.state === 'staged' ? 'warn' : ''],
        title: `version ${v.version}, ${fmtDateS(v.created_at)}` }, `v${v.version} ${v.state}`), ' ']);
      const row = (sc) => h('tr', { 'data-secret': sc.name },
        h('td', { class: 'mono primary-cell' }, sc.name),
        h('td', { class: 'muted' }, 'write-only',
          sc.name === PROXY_TOKEN ? h('div', { class: 'secondary' }, 'the agent’s token for the metering proxy') : null),
        h('td', { class: 'num' }, String(sc.current_version)),
        h('td', { class: 'nowrap', title: fmtDateS(sc.rotated_at) }, fmtAgo(sc.rotated_at * 1000)),
        h('td', null, versionBadges(sc)),
        writable ? h('td', { class: 'actions-cell' }, sc.name === PROXY_TOKEN
          ? h('span', { class: 'badge plain', title: 'Issued by the appliance; the proxy knows only this value.' }, 'managed')
          : [button('Replace', { kind: 'ghost', small: true, onClick: () => { nameIn.value = sc.name; valueIn.focus(); } }),
            button('Delete', { kind: 'danger', small: true, onClick: () => remove(sc.name) })]) : null);
      const head = h('tr', null, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Value'),
        h('th', { scope: 'col', class: 'num' }, 'Version'), h('th', { scope: 'col' }, 'Last changed'),
        h('th', { scope: 'col' }, 'Versions'), writable ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')) : null);
      mount(list, h('div', { class: 'table-wrap' },
        h('table', { class: 'table' }, h('thead', null, head), h('tbody', null, secrets.map(row)))));
    } catch (e) {
      if (e.name === 'AbortError') return;
      mount(list, notice(e.status === 503 ? 'warn' : 'error',
        e.status === 503 ? 'Secrets are not available on this appliance.' : e.message));
    }
  };
  const remove = async (name) => {
    const ok = await confirmDialog({ title: `Delete secret ${name}?`, danger: true, confirmLabel: 'Delete secret',
      message: 'Every version is deleted. A running agent keeps its current environment until it next starts.' });
    if (!ok) return;
    try { await del(path`/v1/tenants/${tenant}/secrets/${name}`); toast(`Secret ${name} deleted.`, 'ok'); load(); } catch (e) { toast(e.message, 'error'); }
  };

  const nameIn = h('input', { name: 'secret_name', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters',
    placeholder: 'OPENAI_API_KEY', maxlength: '128', class: 'mono' });
  const valueIn = h('input', { name: 'secret_value', type: 'password', autocomplete: 'new-password', spellcheck: 'false',
    'data-lpignore': 'true', placeholder: 'Paste the value' });
  const fName = field('Name', nameIn, { help: 'Upper-case letters, digits and _ (an environment variable name).' });
  const fValue = field('Value', valueIn, { help: 'Write-only: it is stored encrypted and never shown again.' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Save secret');
  const form = h('form', { class: 'form', novalidate: true, autocomplete: 'off', 'data-testid': 'secret-form' },
    h('div', { class: 'form-row' }, fName, fValue, submit));
  nameIn.addEventListener('input', () => {
    const up = nameIn.value.toUpperCase();
    if (up !== nameIn.value) { const p = nameIn.selectionStart; nameIn.value = up; nameIn.setSelectionRange(p, p); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    setFieldError(fName, ''); setFieldError(fValue, '');
    const name = nameIn.value.trim();
    if (!/^[A-Z_][A-Z0-9_]{0,127}$/.test(name)) { setFieldError(fName, 'Use upper-case letters, digits and _, not starting with a digit.'); nameIn.focus(); return; }
    if (name === PROXY_TOKEN) { setFieldError(fName, 'This secret is managed by the appliance: it is the agent’s token for the metering proxy, which knows no other value.'); nameIn.focus(); return; }
    if (!valueIn.value) { setFieldError(fValue, 'Enter a value.'); valueIn.focus(); return; }
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(valueIn.value)) { setFieldError(fValue, 'Line breaks and control characters are not allowed (encode binary values, e.g. base64).'); return; }
    submit.disabled = true;
    try {
      const value = valueIn.value;
      const info = await put(path`/v1/tenants/${tenant}/secrets/${name}`, { value });
      valueIn.value = '';
      nameIn.value = '';
      toast(`Secret ${info.name} saved (version ${info.current_version}).`, 'ok');
      load();
    } catch (err) {
      if (/^field 'value'|value/.test(err.message) && err.status === 400) setFieldError(fValue, err.message);
      else if (/secret name/.test(err.message)) setFieldError(fName, err.message);
      else toast(err.message, 'error');
    } finally {
      submit.disabled = false;
    }
  });
  load();
  return card('Secrets', { hint: 'Delivered to the agent as environment variables. Saving a new value restarts the agent on it; if it does not stay healthy, the previous value is restored.' },
    writable ? form : null, writable ? h('div', { class: 'gap-top' }) : null, list);
}

// ================================================================================================= create / edit
const SIZE_RE = /^(infinity|\d+(\.\d+)?\s*([KMGT](i?B)?)?)$/i;
const FIELD_NAMES = ['id', 'display_name', 'port', 'desired', 'resources.memory_high', 'resources.memory_max',
  'resources.cpu_quota_percent', 'resources.cpu_weight', 'resources.tasks_max', 'agent.exec', 'agent.args', 'agent.env',
  'agent.health_path'];

function num(v) { return /^\d+$/.test(v) ? Number(v) : v; }

export async function tenantFormPage(ctx) {
  const editing = !!ctx.params.id;
  const id = ctx.params.id;
  let t = null;
  if (editing) {
    try { t = await ctx.get(path`/v1/tenants/${id}`); } catch (e) {
      if (!isNotFound(e)) throw e;
      ctx.setHeader('Tenant not found', [['Tenants', '#/tenants'], [id]]);
      mount(ctx.content, deniedBlock('Tenant not found', `There is no tenant "${id}", or you do not have access to it.`));
      return;
    }
    ctx.setHeader(`Edit ${nameOf(t)}`, [['Tenants', '#/tenants'], [id, tenantHref(id)], ['Edit']]);
  } else {
    ctx.setHeader('New tenant', [['Tenants', '#/tenants'], ['New']]);
  }

  const inputs = {};
  const fields = {};
  const mk = (name, label, input, opts = {}) => {
    input.name = name;
    inputs[name] = input;
    fields[name] = field(label, input, { name, ...opts });
    return fields[name];
  };
  const txt = (attrs = {}) => h('input', { autocomplete: 'off', spellcheck: 'false', ...attrs });
  const r = t ? t.resources : null;
  const a = t ? t.agent : null;

  const initial = {
    display_name: t ? t.display_name : '',
    port: t ? String(t.port) : '',
    desired: t ? t.desired : 'running',
    'resources.memory_high': r ? sizeToInput(r.memory_high) : '',
    'resources.memory_max': r ? sizeToInput(r.memory_max) : '',
    'resources.cpu_quota_percent': r ? `${r.cpu_quota_percent}%` : '',
    'resources.cpu_weight': r ? String(r.cpu_weight) : '',
    'resources.tasks_max': r ? String(r.tasks_max) : '',
    'agent.exec': a ? a.exec : '',
    'agent.args': a ? (a.args || []).join('\n') : '',
    'agent.env': a ? Object.entries(a.env || {}).map(([k, v]) => `${k}=${v}`).join('\n') : '',
    'agent.health_path': a ? a.health_path : '',
  };
  const dflt = editing ? '' : 'default';

  const idField = editing ? null : mk('id', 'Tenant id', txt({ placeholder: 'acme-corp', maxlength: '32', required: true }),
    { help: '2–32 characters: a–z, 0–9 and -. Cannot be changed later.' });
  const desired = h('select', null, h('option', { value: 'running' }, 'Running'), h('option', { value: 'stopped' }, 'Stopped'));
  const form = h('form', { class: 'form', novalidate: true, 'data-testid': 'tenant-form' });
  const formMsg = h('div', { 'aria-live': 'polite' });
  form.append(formMsg,
    card('General', null, h('div', { class: 'form-grid' },
      idField,
      mk('display_name', 'Display name', txt({ placeholder: 'Acme Corporation', maxlength: '200' }), { help: 'Shown in the console. At most 200 characters.' }),
      mk('port', 'Port', txt({ inputmode: 'numeric', placeholder: editing ? '' : 'allocated automatically' }), { help: 'Loopback port of the agent.' }),
      mk('desired', editing ? 'Desired state' : 'After creating', desired,
        { help: editing ? 'Stopped agents are not started at boot.' : 'Start the agent right away, or create it stopped.' }))),
    card('Resources', { hint: editing ? '' : 'Leave empty to use the appliance defaults.' }, h('div', { class: 'form-grid' },
      mk('resources.memory_max', 'Memory limit (hard)', txt({ placeholder: dflt }), { help: 'e.g. 512M, 1.5G, or infinity. Above this the agent is OOM-killed.' }),
      mk('resources.memory_high', 'Memory high (soft)', txt({ placeholder: dflt }), { help: 'Throttled and reclaimed above this. Not above the hard limit.' }),
      mk('resources.cpu_quota_percent', 'CPU quota', txt({ placeholder: dflt }), { help: 'Percent of one CPU: 50%, 150%; 0 = no limit.' }),
      mk('resources.cpu_weight', 'CPU weight', txt({ inputmode: 'numeric', placeholder: dflt }), { help: 'Share under contention, 1–10000.' }),
      mk('resources.tasks_max', 'Tasks limit', txt({ inputmode: 'numeric', placeholder: dflt }), { help: 'Processes and threads; 0 = no limit.' }))),
    card('Agent', { hint: editing ? '' : 'Leave empty to use the appliance defaults.' }, h('div', { class: 'form-grid' },
      mk('agent.exec', 'Program', txt({ placeholder: dflt, class: 'mono' }), { help: 'Absolute path, run without a shell.', span2: true }),
      mk('agent.args', 'Arguments', h('textarea', { rows: '3', spellcheck: 'false', placeholder: editing ? '' : 'one per line' }), { help: 'One argument per line.' }),
      mk('agent.env', 'Environment', h('textarea', { rows: '3', spellcheck: 'false', placeholder: editing ? '' : 'NAME=value, one per line' }),
        { help: 'NAME=value per line. Use Secrets for keys and passwords.' }),
      mk('agent.health_path', 'Health check path', txt({ placeholder: editing ? '' : '/healthz', class: 'mono' }), { help: 'HTTP GET on the agent’s port.' }))));
  for (const [k, v] of Object.entries(initial)) if (inputs[k]) inputs[k].value = v;
  const submit = h('button', { type: 'submit', class: 'btn primary' }, editing ? 'Save changes' : 'Create tenant');
  form.append(h('div', { class: 'form-actions' },
    h('a', { class: 'btn', href: editing ? tenantHref(id) : '#/tenants' }, 'Cancel'), submit));

  const clearErrors = () => { Object.values(fields).forEach((f) => setFieldError(f, '')); mount(formMsg); };
  const showError = (name, message) => {
    const f = fields[name];
    if (f) { setFieldError(f, message); return true; }
    return false;
  };
  const focusFirstError = () => { const el = form.querySelector('[aria-invalid="true"]'); if (el) el.focus(); };

  const validate = () => {
    const v = (k) => (inputs[k] ? inputs[k].value.trim() : '');
    let ok = true;
    const bad = (k, m) => { showError(k, m); ok = false; };
    if (!editing && !/^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$/.test(v('id'))) bad('id', 'Use 2–32 characters of a–z, 0–9 and -, starting and ending with a letter or digit.');
    if ([...inputs.display_name.value].length > 200) bad('display_name', 'At most 200 characters.');
    if (/[\u0000-\u001f\u007f-\u009f]/.test(inputs.display_name.value)) bad('display_name', 'Control characters are not allowed.');
    if (v('port') && !(/^\d+$/.test(v('port')) && +v('port') >= 1 && +v('port') <= 65535)) bad('port', 'A port number from 1 to 65535.');
    for (const k of ['resources.memory_high', 'resources.memory_max'])
      if (v(k) && !SIZE_RE.test(v(k))) bad(k, 'A size such as 512M, 1.5G or 2GiB, bytes, or infinity.');
    if (v('resources.cpu_quota_percent') && !/^\d+\s*%?$/.test(v('resources.cpu_quota_percent'))) bad('resources.cpu_quota_percent', 'A whole percentage such as 50% or 150%.');
    if (v('resources.cpu_weight') && !/^\d+$/.test(v('resources.cpu_weight'))) bad('resources.cpu_weight', 'A whole number from 1 to 10000.');
    if (v('resources.tasks_max') && !/^\d+$/.test(v('resources.tasks_max'))) bad('resources.tasks_max', 'A whole number (0 = no limit).');
    if (v('agent.exec') && !v('agent.exec').startsWith('/')) bad('agent.exec', 'An absolute path, starting with /.');
    if (v('agent.health_path') && !/^\/[\x21-\x7e]*$/.test(v('agent.health_path'))) bad('agent.health_path', 'Starts with / and has no spaces.');
    const envLines = inputs['agent.env'].value.split('\n').map((l) => l.trim()).filter(Boolean);
    const badEnv = envLines.find((l) => !/^[A-Z_][A-Z0-9_]*=/.test(l));
    if (badEnv) bad('agent.env', `"${badEnv.slice(0, 40)}" is not NAME=value (NAME in upper case).`);
    if (editing) for (const k of ['resources.memory_high', 'resources.memory_max', 'resources.cpu_quota_percent', 'resources.cpu_weight', 'resources.tasks_max', 'agent.exec', 'agent.health_path', 'port'])
      if (!v(k)) bad(k, 'Enter a value.');
    return ok;
  };

  const build = () => {
    const v = (k) => (inputs[k] ? inputs[k].value.trim() : '');
    const changed = (k) => !editing || (inputs[k] && inputs[k].value !== initial[k]);
    const body = {};
    if (!editing) body.id = v('id');
    if (changed('display_name') && (editing || v('display_name'))) body.display_name = inputs.display_name.value.trim();
    if (changed('port') && v('port')) body.port = Number(v('port'));
    if (changed('desired')) body.desired = inputs.desired.value;
    const res = {};
    if (changed('resources.memory_high') && v('resources.memory_high')) res.memory_high = num(v('resources.memory_high'));
    if (changed('resources.memory_max') && v('resources.memory_max')) res.memory_max = num(v('resources.memory_max'));
    if (changed('resources.cpu_quota_percent') && v('resources.cpu_quota_percent')) res.cpu_quota_percent = num(v('resources.cpu_quota_percent').replace(/\s+/g, ''));
    if (changed('resources.cpu_weight') && v('resources.cpu_weight')) res.cpu_weight = Number(v('resources.cpu_weight'));
    if (changed('resources.tasks_max') && v('resources.tasks_max')) res.tasks_max = Number(v('resources.tasks_max'));
    if (Object.keys(res).length) body.resources = res;
    const ag = {};
    if (changed('agent.exec') && v('agent.exec')) ag.exec = v('agent.exec');
    if (changed('agent.args') && (editing || v('agent.args'))) ag.args = inputs['agent.args'].value.split('\n').filter((l) => l.trim() !== '');
    if (changed('agent.env') && (editing || v('agent.env'))) {
      ag.env = {};
      for (const line of inputs['agent.env'].value.split('\n').map((l) => l.trim()).filter(Boolean)) {
        const i = line.indexOf('=');
        ag.env[line.slice(0, i)] = line.slice(i + 1);
      }
    }
    if (changed('agent.health_path') && v('agent.health_path')) ag.health_path = v('agent.health_path');
    if (Object.keys(ag).length) body.agent = ag;
    return body;
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    if (!validate()) { focusFirstError(); return; }
    const body = build();
    if (editing && Object.keys(body).length === 0) { toast('Nothing changed.'); navigate(tenantHref(id)); return; }
    submit.disabled = true;
    submit.textContent = editing ? 'Saving…' : 'Creating…';
    try {
      if (editing) {
        await patch(path`/v1/tenants/${id}`, body);
        state.flash = { kind: 'ok', text: 'Changes saved.' };
        navigate(tenantHref(id));
      } else {
        const created = await post('/v1/tenants', body);
        state.flash = { kind: 'ok', text: `Tenant ${created.id} created.` };
        navigate(tenantHref(created.id));
      }
    } catch (err) {
      submit.disabled = false;
      submit.textContent = editing ? 'Save changes' : 'Create tenant';
      let name = fieldOfError(err.message);
      if (name) {
        name = name.replace(/\[\d+\]$/, '');
        if (!fields[name]) name = FIELD_NAMES.filter((f) => name.startsWith(`${f}.`) || name.startsWith(`${f}[`)).pop() || name;
      }
      if (!fields[name]) name = FIELD_NAMES.slice().sort((x, y) => y.length - x.length)
        .find((f) => new RegExp(`\\b${f.split('.').pop()}\\b`).test(err.message)) || '';
      if (err.code === 'already_exists') name = 'id';
      if (name && showError(name, err.message)) focusFirstError();
      else mount(formMsg, notice('error', err.message));
      if (!name) formMsg.scrollIntoView({ block: 'nearest' });
    }
  });

  mount(ctx.content,
    pageHead(editing ? `Edit ${nameOf(t)}` : 'New tenant', editing ? 'Changes to resources apply at once; program and environment apply at the next start.'
      : 'The tenant gets its own user, slice and workspace; its agent starts right away.'),
    form);
  (editing ? inputs.display_name : inputs.id).focus();
}
