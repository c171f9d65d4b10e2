// Model metering (docs/proxy.md): a tenant's "Model usage and budget" card (on the tenant page), and the
// operators' Providers and Billing pages. Money comes from the API as a decimal string in the
// installation's currency ("12.40") and is shown as given; sums are done in whole cents.
import { put, del, path, query, fieldOfError, aborted, unavailable } from './api.js';
import { h, mount, icon, card, notice, emptyState, button, field, setFieldError, submitForm, pageHead, loadPage, meter,
  fmtNumber, fmtDateTime, fmtAgo, toast, confirmDialog } from './dom.js';
import { isOperator } from './state.js';

const tenantHref = (id) => `#/tenants/${encodeURIComponent(id)}`;
const METERING_OFF = 'Model metering is not available on this appliance.';

// "12.40" -> 1240 (cents); null for anything else.
function cents(s) {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(s ?? ''));
  return m ? Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0')) : null;
}
function fromCents(c) {
  if (c === null || c === undefined || Number.isNaN(c)) return '—';
  const neg = c < 0;
  const a = Math.abs(Math.round(c));
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}
const money = (s) => (s === null || s === undefined || s === '' ? '—' : String(s));

// The current month as the API counts it (UTC): "2026-11".
export function currentMonth() { return new Date().toISOString().slice(0, 7); }
function monthLabel(p) {
  const m = /^(\d{4})-(\d{2})$/.exec(p || '');
  if (!m) return p || '';
  return new Date(Date.UTC(+m[1], +m[2] - 1, 1)).toLocaleDateString(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });
}
function shiftMonth(p, delta) {
  const [y, m] = p.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + delta, 1));
  return d.toISOString().slice(0, 7);
}
function fmtDay(ms) { return new Date(ms).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }); }

const PERIODS = { monthly: 'Monthly', weekly: 'Weekly', daily: 'Daily' };
// current_period is "2026-11" (monthly) or the first day "2026-11-16" (weekly, a Monday; daily).
function periodText(period, label) {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(label || '');
  if (!m) return label || '—';
  const start = Date.UTC(+m[1], +m[2] - 1, m[3] ? +m[3] : 1);
  let next;
  if (period === 'monthly') next = Date.UTC(+m[1], +m[2], 1);
  else if (period === 'weekly') next = start + 7 * 86400000;
  else next = start + 86400000;
  const what = period === 'monthly' ? monthLabel(label) : period === 'weekly' ? `week of ${fmtDay(start)}` : fmtDay(start);
  return `${what} (UTC) · starts again ${fmtDay(next)}`;
}

const EVENTS = { warning: 'Warning', exhausted: 'Budget exhausted', fallback: 'Served by the fallback model' };

// Per provider and model, as /v1/billing and /v1/tenants/{id}/model-usage answer.
function usageTable(doc, { showTenant = false, testid = '' } = {}) {
  const lines = (doc && doc.lines) || [];
  let requests = 0, prompt = 0, completion = 0, estimated = 0;
  for (const l of lines) {
    requests += Number(l.requests) || 0;
    prompt += Number(l.prompt_tokens) || 0;
    completion += Number(l.completion_tokens) || 0;
    estimated += Number(l.estimated_requests) || 0;
  }
  const heads = [...(showTenant ? ['Tenant'] : []), 'Provider', 'Model'];
  const nums = ['Requests', 'Prompt tokens', 'Completion tokens', 'Estimated', 'Cost'];
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': testid || null },
    h('thead', null, h('tr', null, heads.map((x) => h('th', { scope: 'col' }, x)),
      nums.map((x) => h('th', { scope: 'col', class: 'num', title: x === 'Estimated' ? 'Requests whose tokens were estimated (the provider reported no usage)' : null }, x)))),
    h('tbody', null, lines.map((l) => h('tr', { 'data-line': `${l.tenant}/${l.provider}/${l.model}` },
      showTenant ? h('td', { class: 'primary-cell wrap-anywhere' }, h('a', { href: tenantHref(l.tenant) }, l.tenant)) : null,
      h('td', { class: showTenant ? 'wrap-anywhere' : 'primary-cell wrap-anywhere' }, l.provider),
      h('td', { class: 'mono wrap-anywhere' }, l.model),
      h('td', { class: 'num' }, fmtNumber(l.requests)),
      h('td', { class: 'num' }, fmtNumber(l.prompt_tokens)),
      h('td', { class: 'num' }, fmtNumber(l.completion_tokens)),
      h('td', { class: 'num' }, l.estimated_requests ? fmtNumber(l.estimated_requests) : h('span', { class: 'muted' }, '0')),
      h('td', { class: 'num strong' }, money(l.cost))))),
    h('tfoot', null, h('tr', null,
      h('th', { scope: 'row', colspan: String(heads.length) }, 'Total'),
      h('td', { class: 'num' }, fmtNumber(requests)),
      h('td', { class: 'num' }, fmtNumber(prompt)),
      h('td', { class: 'num' }, fmtNumber(completion)),
      h('td', { class: 'num' }, fmtNumber(estimated)),
      h('td', { class: 'num strong', 'data-testid': testid ? `${testid}-total` : null }, money(doc.total_cost))))));
}

function downloadLink(label, href, filename, title) {
  return h('a', { class: 'btn small', href, download: filename, title: title || null }, icon('download'), label);
}

// A checkbox group that works with setFieldError like field() does.
function checkGroup(label, help, name) {
  const box = h('div', { class: 'check-grid' });
  const err = h('div', { class: 'error-text', 'aria-live': 'polite' });
  const wrap = h('fieldset', { class: 'form-section field span-2', 'data-field': name },
    h('legend', { class: 'label' }, label), box, help ? h('div', { class: 'help' }, help) : null, err);
  wrap._input = wrap;
  wrap._error = err;
  wrap._box = box;
  return wrap;
}

// ================================================================================================= tenant card
// Tenant viewers and admins see it for their tenant; operators see it everywhere and may edit the budget.
export function budgetCard(ctx, tenant) {
  const op = isOperator();
  const summary = h('div', { 'data-testid': 'budget-summary' }, h('div', { class: 'muted' }, 'Loading…'));
  const eventsHost = h('div', { 'data-testid': 'budget-events' });
  const usageHost = h('div', { 'data-testid': 'model-usage' });
  const usageTitle = h('h3', null, 'Use this month by model');
  const csv = h('a', { class: 'btn small', download: '', 'data-testid': 'model-usage-csv', hidden: true }, icon('download'), 'Export CSV');
  const formHost = h('div');
  const editBtn = op ? button('Edit budget', { icon: 'edit', small: true, onClick: () => openForm() }) : null;
  let budget = null;
  let off = false;

  const renderSummary = () => {
    const b = budget;
    const limit = b.limit === null || b.limit === undefined || b.limit === '' ? null : String(b.limit);
    const spent = cents(b.spent), reserved = cents(b.reserved), lim = cents(limit);
    const left = lim ? Math.max(0, lim - (spent || 0) - (reserved || 0)) : null;
    const stat = (label, value, sub) => h('div', { class: 'mini-stat' }, h('div', { class: 'stat-label' }, label),
      h('div', { class: 'mini-value' }, value), sub ? h('div', { class: 'stat-sub' }, sub) : null);
    const providers = b.providers || [];
    const warn = b.warn_percent || [];
    mount(summary,
      h('div', { class: 'budget-head' },
        h('div', null, h('div', { class: 'stat-label' }, `${PERIODS[b.period] || b.period} budget`),
          h('div', { class: 'muted small', 'data-testid': 'budget-period' }, periodText(b.period, b.current_period))),
        h('div', { class: 'budget-limit' }, limit ? [h('span', { class: 'muted small' }, 'limit '), h('strong', null, limit)]
          : h('span', { class: 'badge plain' }, 'No budget: metered only'))),
      h('div', { 'data-testid': 'budget-spend' },
        meter(spent, lim || 0, fromCents, { large: true, label: 'Model spend against the budget' })),
      h('div', { class: 'mini-stats' },
        stat('Spent', money(b.spent)),
        stat('Reserved', money(b.reserved), 'by requests under way'),
        stat('Left', left === null ? '—' : fromCents(left)),
        stat('Requests', fmtNumber(b.requests)),
        stat('Prompt tokens', fmtNumber(b.prompt_tokens)),
        stat('Completion tokens', fmtNumber(b.completion_tokens))),
      h('dl', { class: 'kv budget-kv', 'data-testid': 'budget-limits' },
        h('dt', null, 'Warnings at'), h('dd', null, warn.length ? warn.map((p) => `${p} %`).join(', ') : 'none'),
        h('dt', null, 'Requests per minute'), h('dd', null, b.rpm ? fmtNumber(b.rpm) : 'unlimited'),
        h('dt', null, 'Tokens per minute'), h('dd', null, b.tpm ? fmtNumber(b.tpm) : 'unlimited'),
        h('dt', null, 'Fallback model'), h('dd', null, b.fallback_model ? h('span', { class: 'mono' }, b.fallback_model)
          : h('span', { class: 'muted' }, 'none: requests are refused once the budget is spent')),
        h('dt', null, 'Allowed providers'), h('dd', { 'data-testid': 'budget-providers' }, providers.length
          ? providers.map((p, i) => [i ? ', ' : '', h('span', { class: 'mono' }, p)]) : h('span', { class: 'muted' }, 'all providers'))));
  };

  const loadBudget = async () => {
    try {
      budget = await ctx.get(path`/v1/tenants/${tenant}/budget`);
      off = false;
      renderSummary();
      if (editBtn) editBtn.disabled = !!formHost.firstChild;
    } catch (e) {
      if (aborted(e)) return;
      off = unavailable(e);
      if (editBtn) editBtn.disabled = true;
      mount(summary, notice(off ? 'warn' : 'error', off ? METERING_OFF : e.message));
    }
  };
  const loadEvents = async () => {
    try {
      const doc = await ctx.get(`${path`/v1/tenants/${tenant}/budget/events`}${query({ limit: 10 })}`);
      const events = doc.events || [];
      if (!events.length) { mount(eventsHost, h('p', { class: 'muted small' }, 'No warnings this period. A warning is recorded when spend crosses a threshold, and when the budget is spent.')); return; }
      mount(eventsHost, h('ol', { class: 'timeline compact' }, events.map((ev) => h('li', { 'data-event': ev.kind },
        h('span', { class: ['dot', `ev-${ev.kind}`] }),
        h('div', null, h('div', { class: 'what' }, EVENTS[ev.kind] || ev.kind), h('div', { class: 'detail' }, ev.detail || '')),
        h('div', { class: 'when', title: fmtDateTime(ev.at_ms) }, fmtAgo(ev.at_ms))))));
    } catch (e) {
      if (aborted(e)) return;
      mount(eventsHost, unavailable(e) ? null : notice('error', e.message));
    }
  };
  const loadUsage = async () => {
    try {
      const doc = await ctx.get(path`/v1/tenants/${tenant}/model-usage`);
      usageTitle.textContent = `Use in ${monthLabel(doc.period)} by model`;
      csv.href = `${path`/v1/tenants/${tenant}/model-usage`}${query({ period: doc.period, format: 'csv' })}`;
      csv.setAttribute('download', `${tenant}-model-usage-${doc.period}.csv`);
      csv.hidden = false;
      mount(usageHost, (doc.lines || []).length ? usageTable(doc, { testid: 'model-usage-table' })
        : emptyState('No model use this month', 'Requests the agent makes through the metering proxy show up here.'));
    } catch (e) {
      if (aborted(e)) return;
      csv.hidden = true;
      mount(usageHost, unavailable(e) ? null : notice('error', e.message));
    }
  };
  const load = () => Promise.all([loadBudget(), loadEvents(), loadUsage()]);

  // ---- the operator's form
  const openForm = async () => {
    if (!budget || formHost.firstChild) return;
    editBtn.disabled = true;
    let providers = [];
    try { providers = ((await ctx.get('/v1/providers')).providers) || []; } catch (e) { if (aborted(e)) return; }
    if (!ctx.alive) return;
    mount(formHost, budgetForm(budget, providers, {
      tenant,
      onSaved: (b) => { budget = b; renderSummary(); closeForm(); toast('Budget saved.', 'ok'); loadEvents(); },
      onCancel: () => closeForm(),
    }));
    const first = formHost.querySelector('input');
    if (first) first.focus();
  };
  const closeForm = () => { mount(formHost); if (editBtn) { editBtn.disabled = off; editBtn.focus(); } };

  const el = card('Model usage and budget', {
    hint: 'Model requests through the metering proxy: spend, limits and warnings',
    actions: editBtn,
  },
  summary, formHost,
  h('div', { class: 'card-section' }, h('h3', null, 'Budget events'), eventsHost),
  h('div', { class: 'card-section' }, h('div', { class: 'section-head' }, usageTitle, csv), usageHost));
  el.setAttribute('data-testid', 'budget-card');
  load();
  ctx.every(() => load(), 10000);
  return el;
}

const BUDGET_FIELDS = ['limit', 'period', 'warn_percent', 'rpm', 'tpm', 'fallback_model', 'providers'];
// Which field a budget error is about: "limit: ...", "field 'rpm' ...", or a few messages that name none.
function budgetFieldOf(message) {
  const f = fieldOfError(message);
  if (BUDGET_FIELDS.includes(f)) return f;
  if (/warn|threshold|percent/i.test(message)) return 'warn_percent';
  if (/budget|amount/i.test(message)) return 'limit';
  return '';
}

function budgetForm(b, providers, { tenant, onSaved, onCancel }) {
  const txt = (attrs) => h('input', { autocomplete: 'off', spellcheck: 'false', ...attrs });
  const initial = {
    limit: b.limit === null || b.limit === undefined ? '' : String(b.limit),
    period: b.period || 'monthly',
    warn_percent: (b.warn_percent || []).join(', '),
    rpm: String(b.rpm ?? 0),
    tpm: String(b.tpm ?? 0),
    fallback_model: b.fallback_model || '',
    providers: [...(b.providers || [])].sort(),
  };
  const inputs = {
    limit: txt({ name: 'limit', inputmode: 'decimal', placeholder: 'no budget' }),
    period: h('select', { name: 'period' }, Object.entries(PERIODS).map(([v, l]) => h('option', { value: v }, l))),
    warn_percent: txt({ name: 'warn_percent', placeholder: '80, 95' }),
    rpm: txt({ name: 'rpm', inputmode: 'numeric' }),
    tpm: txt({ name: 'tpm', inputmode: 'numeric' }),
    fallback_model: txt({ name: 'fallback_model', class: 'mono', placeholder: 'none', list: `fallback-models-${tenant}` }),
  };
  for (const k of Object.keys(inputs)) inputs[k].value = initial[k];
  const models = [...new Set(providers.flatMap((p) => (p.models || []).map((m) => m.name)))].sort();
  const datalist = h('datalist', { id: `fallback-models-${tenant}` }, models.map((m) => h('option', { value: m })));
  const fields = {
    limit: field('Budget', inputs.limit, { name: 'limit', help: 'An amount such as 25.00 per period. Empty: no budget (requests are metered, never refused).' }),
    period: field('Period', inputs.period, { name: 'period', help: 'Spend starts again with each period (UTC; weeks start on Monday).' }),
    warn_percent: field('Warn at (percent)', inputs.warn_percent, { name: 'warn_percent', help: 'Up to 5 ascending percentages (1–99) at which a warning is recorded. Empty: none.' }),
    fallback_model: field('Fallback model', inputs.fallback_model, { name: 'fallback_model', help: 'Served instead once the budget is spent. Empty: such requests are refused (429).' }),
    rpm: field('Requests per minute', inputs.rpm, { name: 'rpm', help: '0 = unlimited.' }),
    tpm: field('Tokens per minute', inputs.tpm, { name: 'tpm', help: '0 = unlimited.' }),
    providers: checkGroup('Allowed providers', 'The providers whose models this tenant may use. None ticked: all of them.', 'providers'),
  };
  const names = [...new Set([...providers.map((p) => p.name), ...initial.providers])].sort();
  const checks = new Map();
  for (const n of names) {
    const cb = h('input', { type: 'checkbox', value: n, checked: initial.providers.includes(n) });
    checks.set(n, cb);
    const known = providers.find((p) => p.name === n);
    fields.providers._box.appendChild(h('label', { class: 'check' }, cb, h('span', { class: 'mono' }, n), ' ',
      known ? h('span', { class: 'muted small' }, known.kind) : h('span', { class: 'badge plain warn' }, 'not configured')));
  }
  if (!names.length) fields.providers._box.appendChild(h('span', { class: 'muted small' }, 'No providers are configured yet.'));

  const focusError = () => { const e = form.querySelector('[aria-invalid="true"]'); if (e) (e.matches('fieldset') ? e.querySelector('input') || e : e).focus(); };
  const parseWarn = (s) => s.split(/[\s,;%]+/).filter(Boolean);

  const { form, msg, submit } = submitForm({
    props: { class: 'form budget-form', 'data-testid': 'budget-form' },
    label: 'Save budget',
    body: [h('div', { class: 'form-grid' }, fields.limit, fields.period, fields.warn_percent, fields.fallback_model, fields.rpm, fields.tpm,
      fields.providers), datalist],
    actions: button('Cancel', { onClick: onCancel }),
    fields: Object.values(fields),
  }, async () => {
    const v = (k) => inputs[k].value.trim();
    let ok = true;
    const bad = (k, m) => { setFieldError(fields[k], m); ok = false; };
    if (v('limit') && !/^\d+(\.\d+)?$/.test(v('limit'))) bad('limit', 'An amount such as 25 or 12.50, or empty for no budget.');
    // The API stores 0 as "no budget": refuse it here rather than lift every limit by surprise.
    else if (v('limit') && Number(v('limit')) === 0) bad('limit', 'A budget of 0 means no budget at all. Leave it empty for none, or enter a small amount such as 0.01.');
    const warn = parseWarn(v('warn_percent'));
    if (warn.some((p) => !/^\d+$/.test(p))) bad('warn_percent', 'Whole percentages separated by commas, such as 80, 95.');
    for (const k of ['rpm', 'tpm']) if (!/^\d+$/.test(v(k))) bad(k, 'A whole number (0 = unlimited).');
    if (v('fallback_model') && !/^[A-Za-z0-9._:/@-]{1,128}$/.test(v('fallback_model'))) bad('fallback_model', 'A model name as agents ask for it (letters, digits and ._:/@-).');
    if (!ok) { focusError(); return; }

    const body = {};
    if (v('limit') !== initial.limit) body.limit = v('limit');
    if (inputs.period.value !== initial.period) body.period = inputs.period.value;
    if (warn.join(', ') !== initial.warn_percent) body.warn_percent = warn.map(Number);
    if (v('rpm') !== initial.rpm) body.rpm = Number(v('rpm'));
    if (v('tpm') !== initial.tpm) body.tpm = Number(v('tpm'));
    if (v('fallback_model') !== initial.fallback_model) body.fallback_model = v('fallback_model');
    const chosen = [...checks].filter(([, cb]) => cb.checked).map(([n]) => n).sort();
    if (chosen.join('\n') !== initial.providers.join('\n')) body.providers = chosen;
    if (!Object.keys(body).length) { toast('Nothing changed.'); onCancel(); return; }

    submit.disabled = true;
    submit.textContent = 'Saving…';
    try {
      const saved = await put(path`/v1/tenants/${tenant}/budget`, body);
      onSaved(saved);
    } catch (err) {
      submit.disabled = false;
      submit.textContent = 'Save budget';
      const f = err.status === 400 ? budgetFieldOf(err.message) : '';
      if (f) { setFieldError(fields[f], err.message); focusError(); } else mount(msg, notice('error', err.message));
    }
  });
  return h('div', { class: 'card-section budget-edit' }, h('h3', null, 'Edit the budget'), form);
}

// ================================================================================================= providers
const KINDS = { openai: 'OpenAI-compatible', anthropic: 'Anthropic-compatible' };
const PROVIDER_FIELDS = ['name', 'kind', 'base_url', 'key_secret', 'models'];

export async function providersPage(ctx) {
  ctx.setHeader('Providers', [['Providers']]);
  const listHost = h('div');
  const formHost = h('div');
  let providers = [];
  let secrets = null; // name -> platform secret metadata; null when the vault cannot say

  const keyState = (name) => {
    if (!secrets) return h('span', { class: 'badge plain' }, 'unknown');
    const s = secrets.get(name);
    if (!s || !s.current_version) return h('span', { class: 'badge plain bad', 'data-testid': 'key-state' }, 'not set');
    return h('span', { class: 'badge plain ok', 'data-testid': 'key-state', title: `version ${s.current_version}, ${fmtDateTime(s.rotated_at * 1000)}` },
      `set · v${s.current_version}`);
  };

  const draw = () => {
    if (!providers.length) {
      mount(listHost, emptyState('No providers yet', 'Add the model providers that tenants’ agents reach through the metering proxy.'));
      return;
    }
    mount(listHost, h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'providers-table' },
      h('thead', null, h('tr', null, ['Provider', 'Base URL', 'Key', 'Models and prices per 1M tokens'].map((x) => h('th', { scope: 'col' }, x)),
        h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', null, providers.map((p) => h('tr', { 'data-provider': p.name },
        h('td', { class: 'primary-cell wrap-anywhere' }, p.name, h('div', { class: 'secondary' }, KINDS[p.kind] || p.kind)),
        h('td', { class: 'mono wrap-anywhere' }, p.base_url),
        h('td', null, h('div', { class: 'mono wrap-anywhere' }, p.key_secret), keyState(p.key_secret)),
        h('td', null, h('ul', { class: 'model-list' }, (p.models || []).map((m) => h('li', null,
          h('span', { class: 'mono' }, m.name), ' ',
          h('span', { class: 'muted' }, `in ${money(m.input_per_million)} · out ${money(m.output_per_million)} · up to ${fmtNumber(m.max_output_tokens)} out`))))),
        h('td', { class: 'actions-cell' },
          button('Edit', { kind: 'ghost', small: true, icon: 'edit', onClick: () => edit(p) }),
          button('Delete', { kind: 'danger', small: true, onClick: () => remove(p) }))))))));
  };

  const load = async () => {
    const [doc, sec] = await Promise.all([
      ctx.get('/v1/providers'),
      ctx.get('/v1/platform/secrets').catch((e) => { if (aborted(e)) throw e; return null; }),
    ]);
    providers = (doc.providers || []).slice().sort((a, b) => a.name.localeCompare(b.name));
    secrets = sec ? new Map((sec.secrets || []).map((s) => [s.name, s])) : null;
    draw();
  };

  const reload = () => load().catch((e) => { if (!aborted(e)) toast(e.message, 'error'); });
  const showForm = (p, keyError = '') => {
    mount(formHost, providerForm(p, {
      keyError,
      secretOf: (name) => (secrets ? secrets.get(name) || null : undefined),
      exists: (name) => providers.some((x) => x.name === name),
      onSaved: async () => { await reload(); showForm(null); },
      onCancel: () => showForm(null),
      // The provider exists now: go on editing it, with the key's error where the key goes.
      onKeyFailed: async (name, message) => {
        await reload();
        const saved = providers.find((x) => x.name === name);
        showForm(saved || null, message);
        const input = formHost.querySelector('[name="key_value"]');
        if (input) input.focus();
      },
    }));
  };
  const edit = (p) => {
    showForm(p);
    formHost.scrollIntoView({ block: 'start', behavior: 'smooth' });
    const first = formHost.querySelector('[name="base_url"]');
    if (first) first.focus({ preventScroll: true });
  };
  const remove = async (p) => {
    const ok = await confirmDialog({
      title: `Delete provider ${p.name}?`, danger: true, confirmLabel: 'Delete provider',
      message: `Agents can no longer use its models (${(p.models || []).map((m) => m.name).join(', ') || 'none'}) through the proxy. ` +
        `Usage already recorded stays in billing. Its key, the platform secret ${p.key_secret}, is kept.`,
    });
    if (!ok) return;
    try {
      await del(path`/v1/providers/${p.name}`);
      toast(`Provider ${p.name} deleted.`, 'ok');
      const editing = formHost.querySelector('[data-editing]');
      if (editing && editing.dataset.editing === p.name) showForm(null);
      await load();
    } catch (e) { if (!aborted(e)) toast(e.message, 'error'); }
  };

  if (!(await loadPage(ctx.content, 'Providers', METERING_OFF, load))) return;
  showForm(null);
  mount(ctx.content,
    pageHead('Providers', 'Model providers the metering proxy forwards agents’ requests to, with their prices. Agents never see the keys.'),
    card(null, { flush: true }, listHost),
    formHost);
}

function providerForm(p, { secretOf, exists, onSaved, onCancel, onKeyFailed, keyError = '' }) {
  const editing = !!p;
  const txt = (attrs) => h('input', { autocomplete: 'off', spellcheck: 'false', ...attrs });
  const inputs = {
    name: txt({ name: 'name', placeholder: 'openai', maxlength: '32', disabled: editing }),
    kind: h('select', { name: 'kind' }, Object.entries(KINDS).map(([v, l]) => h('option', { value: v }, l))),
    base_url: txt({ name: 'base_url', class: 'mono', placeholder: 'https://api.openai.com/v1', maxlength: '512' }),
    key_secret: txt({ name: 'key_secret', class: 'mono', placeholder: 'OPENAI_API_KEY', maxlength: '128', autocapitalize: 'characters' }),
    key_value: h('input', { name: 'key_value', type: 'password', autocomplete: 'new-password', spellcheck: 'false', 'data-lpignore': 'true',
      placeholder: editing ? 'leave empty to keep the stored key' : 'paste the provider’s API key' }),
  };
  if (p) {
    inputs.name.value = p.name;
    inputs.kind.value = p.kind;
    inputs.base_url.value = p.base_url;
    inputs.key_secret.value = p.key_secret;
  }
  const keyHelp = h('span');
  const fields = {
    name: field('Name', inputs.name, { name: 'name', help: editing ? 'The name cannot be changed.' : '1–32 characters: a–z, 0–9 and -. Tenants’ budgets refer to it.' }),
    kind: field('API', inputs.kind, { name: 'kind', help: 'The API the provider speaks: agents call the proxy in the same one.' }),
    base_url: field('Base URL', inputs.base_url, { name: 'base_url', help: 'The API root, e.g. https://api.openai.com/v1 or https://api.anthropic.com.', span2: true }),
    key_secret: field('Key secret name', inputs.key_secret, { name: 'key_secret', help: 'The platform secret holding the key: upper-case letters, digits and _.' }),
    key_value: field('Key', inputs.key_value, { name: 'key_value', help: keyHelp }),
  };
  const syncKeyHelp = () => {
    const name = inputs.key_secret.value.trim();
    const s = secretOf(name);
    keyHelp.textContent = 'Write-only: stored encrypted as a platform secret and never shown again. ' +
      (s === undefined ? '' : s && s.current_version ? `A key is stored under ${name} (version ${s.current_version}); a value here replaces it.`
        : name ? `No key is stored under ${name} yet.` : '');
  };
  // A new provider's key name follows its name until edited by hand.
  let keyTouched = editing;
  inputs.key_secret.addEventListener('input', () => {
    keyTouched = true;
    const up = inputs.key_secret.value.toUpperCase();
    if (up !== inputs.key_secret.value) { const pos = inputs.key_secret.selectionStart; inputs.key_secret.value = up; inputs.key_secret.setSelectionRange(pos, pos); }
    syncKeyHelp();
  });
  inputs.name.addEventListener('input', () => {
    if (keyTouched) return;
    const n = inputs.name.value.trim();
    inputs.key_secret.value = n ? `${n.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^(\d)/, '_$1')}_API_KEY` : '';
    syncKeyHelp();
  });
  syncKeyHelp();
  if (keyError) setFieldError(fields.key_value, keyError);

  // ---- models: one row each
  const rowsHost = h('div', { class: 'model-rows' });
  const modelsErr = h('div', { class: 'error-text', 'aria-live': 'polite', id: 'models-err' });
  const rows = [];
  const relabel = () => rows.forEach((r, i) => {
    const n = i + 1;
    r.name.setAttribute('aria-label', `Model ${n} name`);
    r.input.setAttribute('aria-label', `Model ${n} input price`);
    r.output.setAttribute('aria-label', `Model ${n} output price`);
    r.max.setAttribute('aria-label', `Model ${n} max output tokens`);
    r.remove.setAttribute('aria-label', `Remove model ${n}`);
    r.remove.disabled = rows.length === 1;
  });
  const addRow = (m) => {
    const r = {
      name: txt({ class: 'mono', placeholder: 'gpt-4o-mini', maxlength: '128', 'aria-describedby': 'models-err' }),
      input: txt({ inputmode: 'decimal', placeholder: '0.15', 'aria-describedby': 'models-err' }),
      output: txt({ inputmode: 'decimal', placeholder: '0.60', 'aria-describedby': 'models-err' }),
      max: txt({ inputmode: 'numeric', placeholder: '4096', 'aria-describedby': 'models-err' }),
    };
    if (m) {
      r.name.value = m.name;
      r.input.value = m.input_per_million;
      r.output.value = m.output_per_million;
      r.max.value = m.max_output_tokens ? String(m.max_output_tokens) : '';
    }
    r.remove = button('', { kind: 'ghost', small: true, icon: 'trash', onClick: () => {
      const i = rows.indexOf(r);
      if (i < 0 || rows.length === 1) return;
      rows.splice(i, 1);
      r.el.remove();
      relabel();
    } });
    r.el = h('div', { class: 'model-row' }, r.name, r.input, r.output, r.max, r.remove);
    rows.push(r);
    rowsHost.appendChild(r.el);
    relabel();
    return r;
  };
  ((p && p.models) || [null]).forEach(addRow);
  const modelsSection = h('fieldset', { class: 'form-section field span-2', 'data-field': 'models' },
    h('legend', { class: 'label' }, 'Models'),
    h('div', { class: 'model-row model-head', 'aria-hidden': 'true' },
      h('span', null, 'Model name'), h('span', null, 'Input / 1M tokens'), h('span', null, 'Output / 1M tokens'),
      h('span', null, 'Max output tokens'), h('span')),
    rowsHost,
    h('div', null, button('Add model', { small: true, icon: 'plus', onClick: () => { addRow(null).name.focus(); } })),
    h('div', { class: 'help' }, 'Prices per million tokens in the installation’s currency, e.g. 3.00. Max output tokens bounds what a request may cost (default 4096).'),
    modelsErr);
  const modelsField = { _input: modelsSection, _error: modelsErr };

  const allFields = { ...fields, models: modelsField };
  const focusError = () => { const e = form.querySelector('input[aria-invalid="true"], select[aria-invalid="true"]'); if (e) e.focus(); };
  const badModel = (el, m) => { setFieldError(modelsField, m); if (el) el.setAttribute('aria-invalid', 'true'); };

  const { form, msg, submit } = submitForm({
    props: { autocomplete: 'off', 'data-testid': 'provider-form' },
    label: editing ? 'Save provider' : 'Add provider',
    body: h('div', { class: 'form-grid' }, fields.name, fields.kind, fields.base_url, fields.key_secret, fields.key_value, modelsSection),
    actions: editing ? button('Cancel', { onClick: onCancel }) : null,
    fields: Object.values(allFields),
  }, async () => {
    rows.forEach((r) => [r.name, r.input, r.output, r.max].forEach((x) => x.removeAttribute('aria-invalid')));
    const v = (k) => inputs[k].value.trim();
    let ok = true;
    const bad = (k, m) => { setFieldError(fields[k], m); ok = false; };
    const name = editing ? p.name : v('name');
    if (!editing && !/^[a-z0-9-]{1,32}$/.test(name)) bad('name', 'Use 1–32 characters of a–z, 0–9 and -.');
    else if (!editing && exists(name)) bad('name', `There is already a provider ${name}; use its Edit button to change it.`);
    if (!/^https?:\/\/[^\s?#|;]+$/.test(v('base_url'))) bad('base_url', 'An http:// or https:// URL without a query, e.g. https://api.openai.com/v1.');
    if (!/^[A-Z_][A-Z0-9_]{0,127}$/.test(v('key_secret'))) bad('key_secret', 'Upper-case letters, digits and _, not starting with a digit.');
    const keyValue = inputs.key_value.value;
    if (keyValue && /[\u0000-\u0008\u000a-\u001f\u007f]/.test(keyValue)) bad('key_value', 'Line breaks and control characters are not allowed.');
    else if (new TextEncoder().encode(keyValue).length > 65536) bad('key_value', 'At most 64 KiB.');
    const models = [];
    const seen = new Set();
    for (const [i, r] of rows.entries()) {
      const n = i + 1;
      const m = { name: r.name.value.trim(), input_per_million: r.input.value.trim(), output_per_million: r.output.value.trim() };
      const max = r.max.value.trim();
      if (!/^[A-Za-z0-9._:/@-]{1,128}$/.test(m.name)) { badModel(r.name, `Model ${n}: a name of letters, digits and ._:/@- (at most 128).`); ok = false; break; }
      if (seen.has(m.name)) { badModel(r.name, `Model ${m.name} is listed twice.`); ok = false; break; }
      seen.add(m.name);
      if (!/^\d+(\.\d+)?$/.test(m.input_per_million)) { badModel(r.input, `Model ${m.name}: an input price such as 3.00.`); ok = false; break; }
      if (!/^\d+(\.\d+)?$/.test(m.output_per_million)) { badModel(r.output, `Model ${m.name}: an output price such as 15.00.`); ok = false; break; }
      if (max && !(/^\d+$/.test(max) && +max >= 1 && +max <= 10000000)) { badModel(r.max, `Model ${m.name}: max output tokens from 1 to 10000000, or empty for 4096.`); ok = false; break; }
      if (max) m.max_output_tokens = Number(max);
      models.push(m);
    }
    if (!ok) { focusError(); return; }

    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = 'Saving…';
    const done = () => { submit.disabled = false; submit.textContent = label; };
    try {
      await put(path`/v1/providers/${name}`, { kind: inputs.kind.value, base_url: v('base_url'), key_secret: v('key_secret'), models });
    } catch (err) {
      done();
      let f = err.status === 400 ? fieldOfError(err.message) : '';
      if (!PROVIDER_FIELDS.includes(f)) f = err.status === 400 && /^models\b|model/i.test(err.message) ? 'models' : '';
      if (f) { setFieldError(allFields[f], err.message); if (f === 'models') rowsHost.querySelector('input').focus(); else focusError(); }
      else mount(msg, notice('error', err.message));
      return;
    }
    let info = null;
    if (keyValue) {
      try {
        info = await put(path`/v1/platform/secrets/${v('key_secret')}`, { value: keyValue });
        inputs.key_value.value = '';
      } catch (err) {
        done();
        onKeyFailed(name, `The provider was saved, but its key was not: ${err.message}`);
        return;
      }
    }
    done();
    toast(info ? `Provider ${name} saved; its key is stored (version ${info.current_version}).` : `Provider ${name} saved.`, 'ok');
    onSaved();
  });

  return card(editing ? `Edit provider ${p.name}` : 'Add a provider', {
    hint: editing ? 'Saving replaces the provider’s settings and its whole list of models. Prices are shown rounded to cents: re-enter any price that has more decimals.'
      : 'Agents reach it through the proxy as soon as it is saved.',
  }, h('div', { 'data-editing': editing ? p.name : '' }, form));
}

// ================================================================================================= billing
export async function billingPage(ctx) {
  ctx.setHeader('Billing', [['Billing']]);
  const now = currentMonth();
  const asked = ctx.query.get('period') || '';
  let period = /^\d{4}-(0[1-9]|1[0-2])$/.test(asked) ? asked : now;
  const monthIn = h('input', { type: 'month', value: period, max: now, required: true, 'aria-label': 'Month', 'data-testid': 'billing-month' });
  const prev = button('', { small: true, icon: 'chevronLeft', attrs: { 'aria-label': 'Previous month' } });
  const next = button('', { small: true, icon: 'chevronRight', attrs: { 'aria-label': 'Next month' } });
  const csv = downloadLink('Export CSV', '', '', 'One line per tenant, provider and model');
  const json = downloadLink('Export JSON', '', '', 'The same as JSON');
  const stats = h('div', { class: 'grid grid-4' });
  const tableHost = h('div', { 'data-testid': 'billing-lines' });
  const note = h('span', { class: 'muted small' });

  const load = async () => {
    const doc = await ctx.get(`/v1/billing${query({ period })}`);
    if (!ctx.alive) return;
    period = doc.period || period;
    monthIn.value = period;
    next.disabled = period >= now;
    csv.href = `/v1/billing${query({ period, format: 'csv' })}`;
    csv.setAttribute('download', `clawhive-billing-${period}.csv`);
    json.href = `/v1/billing${query({ period, format: 'json' })}`;
    json.setAttribute('download', `clawhive-billing-${period}.json`);
    note.textContent = period === now ? `${monthLabel(period)} (UTC), still running.` : `${monthLabel(period)} (UTC).`;
    const lines = doc.lines || [];
    const tenants = new Set(lines.map((l) => l.tenant));
    let requests = 0, tokens = 0, estimated = 0;
    for (const l of lines) {
      requests += Number(l.requests) || 0;
      tokens += (Number(l.prompt_tokens) || 0) + (Number(l.completion_tokens) || 0);
      estimated += Number(l.estimated_requests) || 0;
    }
    const stat = (label, value, sub, testid) => h('div', { class: 'card stat' }, h('div', { class: 'stat-label' }, label),
      h('div', { class: 'stat-value', 'data-testid': testid || null }, value), sub ? h('div', { class: 'stat-sub' }, sub) : null);
    mount(stats,
      stat('Total cost', money(doc.total_cost), monthLabel(period), 'billing-total'),
      stat('Requests', fmtNumber(requests), estimated ? `${fmtNumber(estimated)} with estimated tokens` : 'all with reported tokens'),
      stat('Tokens', fmtNumber(tokens), 'prompt and completion'),
      stat('Tenants', fmtNumber(tenants.size), `${fmtNumber(lines.length)} line${lines.length === 1 ? '' : 's'} by provider and model`));
    mount(tableHost, lines.length ? usageTable(doc, { showTenant: true, testid: 'billing-table' })
      : emptyState('No model use in this month', 'Requests that tenants’ agents make through the metering proxy are billed here.'));
    history.replaceState(null, '', `#/billing${query({ period })}`);
  };
  const go = (p) => {
    if (!/^\d{4}-\d{2}$/.test(p)) return;
    period = p > now ? now : p;
    load().catch((e) => { if (!aborted(e)) toast(e.message, 'error'); });
  };
  monthIn.addEventListener('change', () => go(monthIn.value));
  prev.addEventListener('click', () => go(shiftMonth(period, -1)));
  next.addEventListener('click', () => go(shiftMonth(period, 1)));

  if (!(await loadPage(ctx.content, 'Billing', METERING_OFF, load))) return;
  mount(ctx.content,
    pageHead('Billing', 'Model use of every tenant through the metering proxy, per provider and model, with its cost.', [csv, json]),
    stats,
    card(null, { flush: true },
      h('div', { class: 'toolbar' }, h('label', { class: 'inline' }, h('span', null, 'Month'), monthIn), prev, next,
        h('span', { class: 'grow' }), note,
        button('Refresh', { small: true, icon: 'refresh', onClick: () => go(period) })),
      tableHost));
}
