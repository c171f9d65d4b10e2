// OpenClaw runtimes (docs/openclaw.md): the operators' Runtimes page (imported images, import, remove,
// fleet updates), and on a tenant's page its runtime card (image, pin, drift against the fleet target,
// gateway access) and its OpenClaw settings card (model, heartbeat, chat channels).
import { get, post, put, patch, del, path, query, allTenants, aborted } from './api.js';
import { h, mount, card, notice, emptyState, button, field, setFieldError, pageHead, loadPage, fmtBytes, fmtDateTime, fmtAgo,
  toast, modal, confirmDialog } from './dom.js';
import { isOperator } from './state.js';

const tenantHref = (id) => `#/tenants/${encodeURIComponent(id)}`;
const RUNTIMES_OFF = 'OpenClaw runtime images are not available on this appliance.';
const SECRET_RE = /^[A-Z_][A-Z0-9_]{0,127}$/;
const TENANT_RE = /^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$/;

// A spinner line with the seconds since `since`, for calls that take a while (import, OpenClaw's check).
function working(host, ctx, text) {
  const since = Date.now();
  const label = h('span', null, text);
  const tick = () => { label.textContent = `${text} ${((Date.now() - since) / 1000).toFixed(0)} s`; };
  mount(host, h('div', { class: 'progress' }, h('span', { class: 'spinner' }), label, h('div', { class: 'indeterminate' })));
  tick();
  const id = ctx.every(tick, 1000);
  return () => { ctx.cancel(id); mount(host); };
}

function builtAt(s) {
  const ms = Date.parse(s || '');
  return Number.isNaN(ms) ? (s || '—') : fmtDateTime(ms);
}

const UPDATE_STATES = { running: ['info', 'Running'], done: ['ok', 'Done'], stopped: ['bad', 'Stopped'],
  interrupted: ['warn', 'Interrupted'] };
const STEP_STATES = { pending: ['', 'Pending'], updating: ['info', 'Updating'], updated: ['ok', 'Updated'],
  'rolled-back': ['bad', 'Rolled back'], skipped: ['plain', 'Skipped'] };
function stateBadge(table, state) {
  const [cls, label] = table[state] || ['', String(state || 'unknown')];
  return h('span', { class: ['badge', cls], 'data-state': state || '' }, label);
}

// ================================================================================================= Runtimes page
export async function runtimesPage(ctx) {
  ctx.setHeader('Runtimes', [['Runtimes']]);
  const imagesHost = h('div', { 'data-testid': 'images-list' });
  const imagesMsg = h('div', { 'aria-live': 'polite', 'data-testid': 'images-msg' });
  const updatesHost = h('div', { 'data-testid': 'fleet-updates' });
  const targetNote = h('span', { class: 'muted small', 'data-testid': 'fleet-target' });
  let images = [];
  let target = '';
  let updates = [];
  let tenants = [];
  const opened = new Map(); // update id -> open (the user's choice survives a redraw)

  // ---- images
  const drawImages = () => {
    targetNote.textContent = target ? `Fleet target: ${target}` : 'No fleet target yet';
    if (!images.length) {
      mount(imagesHost, emptyState('No runtime images', 'Import an image built with images/runtime/build to run OpenClaw in tenants.'));
      return;
    }
    mount(imagesHost, h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'images-table' },
      h('thead', null, h('tr', null, ...['Image', 'OpenClaw', 'Node', 'Size', 'Built', 'Used by'].map((x) =>
        h('th', { scope: 'col', class: x === 'Size' ? 'num' : null }, x)), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
      h('tbody', null, images.map((i) => h('tr', { 'data-image': i.id },
        h('td', { class: 'primary-cell wrap-anywhere' },
          h('span', { class: 'mono' }, i.id), ' ',
          i.target ? h('span', { class: 'badge ok', 'data-testid': 'target-badge', title: 'Fleet updates move tenants to this image' }, 'target') : null,
          i.problem ? h('span', { class: 'badge bad', title: i.problem }, 'damaged') : null,
          i.problem ? h('div', { class: 'secondary' }, i.problem) : i.name && i.name !== i.id ? h('div', { class: 'secondary' }, i.name) : null),
        h('td', { class: 'mono' }, i.version || '—'),
        h('td', { class: 'mono' }, i.node_version || '—'),
        h('td', { class: 'num nowrap' }, fmtBytes(i.disk_bytes)),
        h('td', { class: 'nowrap', title: i.built_at || null }, builtAt(i.built_at)),
        h('td', { class: 'wrap-anywhere', 'data-testid': 'used-by' }, (i.used_by || []).length
          ? i.used_by.map((t, n) => [n ? ', ' : '', h('a', { href: tenantHref(t) }, t)]) : h('span', { class: 'muted' }, 'no tenant')),
        h('td', { class: 'actions-cell' }, button('Remove', { kind: 'danger', small: true, onClick: () => removeImage(i) }))))))));
  };
  const loadImages = async () => {
    const doc = await ctx.get('/v1/images');
    // Newest build first (ids such as openclaw-2026.10.1 do not sort as text).
    const at = (i) => { const ms = Date.parse(i.built_at || ''); return Number.isNaN(ms) ? 0 : ms; };
    images = (doc.images || []).slice().sort((a, b) => at(b) - at(a) || b.id.localeCompare(a.id));
    target = doc.target || '';
    drawImages();
    syncTargets();
  };
  const removeImage = async (i) => {
    const users = i.used_by || [];
    const ok = await confirmDialog({ title: `Remove image ${i.id}?`, danger: true, confirmLabel: 'Remove image',
      message: users.length ? `It is used by ${users.join(', ')}: the appliance refuses to remove an image a tenant runs.`
        : 'Its files are deleted from the appliance. Import the artifact again to get it back.' });
    if (!ok) return;
    mount(imagesMsg);
    try {
      await del(path`/v1/images/${i.id}`);
      toast(`Image ${i.id} removed.`, 'ok');
    } catch (e) {
      mount(imagesMsg, notice(e.status === 409 ? 'warn' : 'error', e.message));
    }
    await loadImages().catch((e) => { if (!aborted(e)) toast(e.message, 'error'); });
  };

  // ---- import
  const pathIn = h('input', { class: 'mono', autocomplete: 'off', spellcheck: 'false', maxlength: '4096',
    placeholder: '/srv/openclaw-2026.9.6-node24.21.0.tar.zst' });
  const shaIn = h('input', { class: 'mono', autocomplete: 'off', spellcheck: 'false', maxlength: '64', placeholder: 'optional' });
  const fPath = field('Artifact path', pathIn, { name: 'path', help: 'An absolute path on the appliance, e.g. copied there with scp.', span2: true });
  const fSha = field('Artifact SHA-256', shaIn, { name: 'sha256', help: 'From the .sha256 file next to the artifact. When given, the file must match it.', span2: true });
  const importProgress = h('div', { 'aria-live': 'polite', 'data-testid': 'import-progress' });
  const importBtn = h('button', { type: 'submit', class: 'btn primary' }, 'Import image');
  const importForm = h('form', { class: 'form', novalidate: true, autocomplete: 'off', 'data-testid': 'import-form' },
    h('div', { class: 'form-grid' }, fPath, fSha), importProgress, h('div', { class: 'form-actions' }, importBtn));
  importForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    setFieldError(fPath, ''); setFieldError(fSha, '');
    const p = pathIn.value.trim();
    const sha = shaIn.value.trim().toLowerCase();
    if (!p.startsWith('/')) { setFieldError(fPath, 'An absolute path on the appliance, starting with /.'); pathIn.focus(); return; }
    if (sha && !/^[0-9a-f]{64}$/.test(sha)) { setFieldError(fSha, '64 hexadecimal digits, or leave it empty.'); shaIn.focus(); return; }
    importBtn.disabled = true;
    importBtn.textContent = 'Importing…';
    const done = working(importProgress, ctx, 'Importing: checking the digest and unpacking…');
    try {
      const img = await post('/v1/images', sha ? { path: p, sha256: sha } : { path: p });
      pathIn.value = ''; shaIn.value = '';
      toast(`Image ${img.id} imported (OpenClaw ${img.version}).`, 'ok');
      await loadImages();
    } catch (err) {
      if (aborted(err)) return;
      if (/sha-?256|digest mismatch: expected/i.test(err.message) && sha) { setFieldError(fSha, err.message); shaIn.focus(); } else { setFieldError(fPath, err.message); pathIn.focus(); }
    } finally {
      done();
      importBtn.disabled = false;
      importBtn.textContent = 'Import image';
    }
  });

  // ---- start an update
  const targetIn = h('select', { name: 'target' });
  const canariesIn = h('input', { autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. acme-corp, beta-team' });
  const waveIn = h('input', { type: 'number', min: '1', max: '1000', step: '1', value: '5', inputmode: 'numeric' });
  const fTarget = field('Target image', targetIn, { name: 'target' });
  const fCanaries = field('Canaries', canariesIn, { name: 'canaries', span2: true,
    help: 'Tenant ids, separated by commas: updated first (wave 0). Optional.' });
  const fWave = field('Wave size', waveIn, { name: 'wave_size', help: 'Tenants per wave after the canaries, 1–1000.' });
  const plan = h('div', { class: 'span-2 muted small', 'data-testid': 'fleet-plan', 'aria-live': 'polite' });
  const startMsg = h('div', { 'aria-live': 'polite' });
  const startBtn = h('button', { type: 'submit', class: 'btn primary' }, 'Start update');
  const startForm = h('form', { class: 'form', novalidate: true, autocomplete: 'off', 'data-testid': 'fleet-form' }, startMsg,
    h('div', { class: 'form-grid' }, fTarget, fWave, fCanaries, plan),
    h('div', { class: 'form-actions' }, startBtn));
  const canaryList = () => canariesIn.value.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);
  // What the update would do, from the tenants this page knows (the server decides).
  const planOf = (to) => {
    const on = tenants.filter((t) => t.runtime && t.runtime.image && t.runtime.image !== to);
    const pinned = on.filter((t) => t.runtime.pinned).length;
    const moving = on.length - pinned;
    const can = new Set(canaryList());
    const rest = on.filter((t) => !t.runtime.pinned && !can.has(t.id)).length;
    const wave = Math.max(1, Math.min(1000, Number(waveIn.value) || 5));
    return { moving, pinned, canaries: on.filter((t) => !t.runtime.pinned && can.has(t.id)).length, waves: Math.ceil(rest / wave), wave };
  };
  const syncPlan = () => {
    const any = images.some((i) => !i.problem);
    startBtn.disabled = !any || busyStart || updates.some((u) => u.state === 'running');
    if (!any) { plan.textContent = 'Import an image first.'; return; }
    if (updates.some((u) => u.state === 'running')) { plan.textContent = 'An update is running; start the next one when it has finished.'; return; }
    const p = planOf(targetIn.value);
    if (!p.moving) { plan.textContent = `No tenant would move: every tenant not pinned is on ${targetIn.value} or runs a command.${p.pinned ? ` ${p.pinned} pinned tenant${p.pinned === 1 ? '' : 's'} would be skipped.` : ''}`; return; }
    plan.textContent = `Moves ${p.moving} tenant${p.moving === 1 ? '' : 's'} to ${targetIn.value}: ` +
      `${p.canaries ? `${p.canaries} canar${p.canaries === 1 ? 'y' : 'ies'} first, then ` : ''}${p.waves} wave${p.waves === 1 ? '' : 's'} of up to ${p.wave}.` +
      `${p.pinned ? ` ${p.pinned} pinned tenant${p.pinned === 1 ? ' is' : 's are'} skipped.` : ''}`;
  };
  function syncTargets() {
    const usable = images.filter((i) => !i.problem);
    const keep = targetIn.value;
    mount(targetIn, usable.length ? usable.map((i) => h('option', { value: i.id }, i.target ? `${i.id} (target)` : i.id))
      : h('option', { value: '' }, 'No images'));
    if (usable.some((i) => i.id === keep)) targetIn.value = keep;
    else if (usable.length) targetIn.value = usable[0].id; // the newest build
    targetIn.disabled = !usable.length;
    syncPlan();
  }
  let busyStart = false;
  [canariesIn, waveIn].forEach((x) => x.addEventListener('input', syncPlan));
  targetIn.addEventListener('change', syncPlan);
  startForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    [fTarget, fCanaries, fWave].forEach((f) => setFieldError(f, ''));
    mount(startMsg);
    const to = targetIn.value;
    const canaries = canaryList();
    const wave = waveIn.value.trim();
    let bad = false;
    if (!to) { setFieldError(fTarget, 'Import an image first.'); bad = true; }
    if (!/^\d+$/.test(wave) || +wave < 1 || +wave > 1000) { setFieldError(fWave, 'A whole number from 1 to 1000.'); bad = true; }
    const badId = canaries.find((c) => !TENANT_RE.test(c));
    const known = new Set(tenants.map((t) => t.id));
    if (badId) { setFieldError(fCanaries, `"${badId.slice(0, 40)}" is not a tenant id.`); bad = true; }
    else if (canaries.some((c) => !known.has(c))) { setFieldError(fCanaries, `No tenant ${canaries.find((c) => !known.has(c))}.`); bad = true; }
    if (bad) { startForm.querySelector('[aria-invalid="true"]').focus(); return; }
    const p = planOf(to);
    const ok = await confirmDialog({ title: `Update the fleet to ${to}?`, confirmLabel: 'Start update',
      message: `${p.moving} tenant${p.moving === 1 ? '' : 's'} not pinned move to ${to} and restart, ${canaries.length ? 'the canaries first, then ' : ''}` +
        `in waves of ${wave}. A tenant that does not come up healthy goes back to its image and the update stops.` });
    if (!ok) return;
    busyStart = true;
    syncPlan();
    startBtn.textContent = 'Starting…';
    try {
      const u = await post('/v1/fleet/updates', { target: to, canaries, wave_size: Number(wave) });
      toast(`Fleet update ${u.id} to ${u.target} started.`, 'ok');
      canariesIn.value = '';
      opened.set(u.id, true);
      await loadUpdates();
    } catch (err) {
      if (aborted(err)) return;
      const m = err.message;
      if (/canar/i.test(m)) setFieldError(fCanaries, m);
      else if (/wave/i.test(m)) setFieldError(fWave, m);
      else if (err.status === 404 || /image/i.test(m)) setFieldError(fTarget, m);
      else mount(startMsg, notice(err.status === 409 ? 'warn' : 'error', m));
    } finally {
      busyStart = false;
      startBtn.textContent = 'Start update';
      syncPlan();
    }
  });

  // ---- updates
  const updateBlock = (u, newest) => {
    const steps = u.steps || [];
    const count = (s) => steps.filter((x) => x.state === s).length;
    const moving = steps.filter((x) => x.state !== 'skipped').length;
    const finished = count('updated') + count('rolled-back');
    const counts = [['updated', 'updated'], ['rolled-back', 'rolled back'], ['skipped', 'skipped'], ['pending', 'pending'], ['updating', 'updating']]
      .filter(([s]) => count(s)).map(([s, l]) => `${count(s)} ${l}`).join(' · ') || 'no tenant to move';
    const open = opened.has(u.id) ? opened.get(u.id) : u.state === 'running' || newest;
    const progress = u.state === 'running' && moving ? h('div', { class: 'meter' },
      h('div', { class: 'meter-track', role: 'meter', 'aria-label': `Progress of update ${u.id}`, 'aria-valuemin': '0',
        'aria-valuemax': String(moving), 'aria-valuenow': String(finished), 'aria-valuetext': `${finished} of ${moving} tenants` },
      h('div', { class: 'meter-fill', ref: (el) => { el.style.width = `${((finished / moving) * 100).toFixed(1)}%`; } })),
      h('div', { class: 'meter-text' }, `${finished} of ${moving} tenants, wave ${u.current_wave}`)) : null;
    const el = h('details', { class: 'fleet-update', 'data-update': String(u.id), open },
      h('summary', null,
        h('span', { class: 'fu-title' }, `Update ${u.id} to `, h('span', { class: 'mono' }, u.target)),
        stateBadge(UPDATE_STATES, u.state),
        h('span', { class: 'muted small' }, counts),
        h('span', { class: 'grow' }),
        h('span', { class: 'muted small nowrap', title: fmtDateTime(u.created_ms) }, `started ${fmtAgo(u.created_ms)}`)),
      h('div', { class: 'fu-body' },
        progress,
        u.detail ? h('p', { class: ['fu-detail', u.state === 'stopped' ? 'bad' : ''], 'data-testid': 'update-detail' }, u.detail) : null,
        h('dl', { class: 'kv fu-kv' },
          h('dt', null, 'Canaries'), h('dd', null, (u.canaries || []).length ? u.canaries.join(', ') : h('span', { class: 'muted' }, 'none')),
          h('dt', null, 'Wave size'), h('dd', null, String(u.wave_size)),
          h('dt', null, 'Started'), h('dd', null, fmtDateTime(u.created_ms)),
          h('dt', null, 'Finished'), h('dd', null, u.finished_ms ? fmtDateTime(u.finished_ms) : 'not yet')),
        steps.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'update-steps' },
          h('thead', null, h('tr', null, ...['Tenant', 'From', 'Wave', 'State', 'Detail'].map((x) => h('th', { scope: 'col', class: x === 'Wave' ? 'num' : null }, x)))),
          h('tbody', null, steps.map((s) => h('tr', { 'data-step': s.tenant },
            h('td', { class: 'primary-cell wrap-anywhere' }, h('a', { href: tenantHref(s.tenant) }, s.tenant)),
            h('td', { class: 'mono wrap-anywhere' }, s.from || '—'),
            h('td', { class: 'num' }, s.state === 'skipped' ? '—' : s.wave === 0 ? h('span', { title: 'canaries' }, '0 (canary)') : String(s.wave)),
            h('td', null, stateBadge(STEP_STATES, s.state)),
            h('td', { class: 'wrap-anywhere' }, s.detail || '')))))) : null));
    el.addEventListener('toggle', () => opened.set(u.id, el.open));
    return el;
  };
  const drawUpdates = () => {
    if (!updates.length) {
      mount(updatesHost, emptyState('No fleet updates yet', 'An update moves the tenants not pinned to another image, in health-gated waves.'));
    } else {
      mount(updatesHost, updates.map((u, i) => updateBlock(u, i === 0)));
    }
    syncPlan();
  };
  async function loadUpdates() {
    const doc = await ctx.get(`/v1/fleet/updates${query({ limit: 20 })}`);
    updates = doc.updates || [];
    if (doc.target !== undefined && doc.target !== target) { target = doc.target; drawImages(); syncTargets(); }
    drawUpdates();
  }
  const loadTenants = async () => { try { tenants = await allTenants(ctx.get); } catch (e) { if (aborted(e)) throw e; tenants = []; } syncPlan(); };

  if (!(await loadPage(ctx.content, 'Runtimes', RUNTIMES_OFF, () => Promise.all([loadImages(), loadUpdates(), loadTenants()])))) return;
  mount(ctx.content,
    pageHead('Runtimes', 'OpenClaw runtime images on this appliance, and the fleet updates that move tenants between them.'),
    imagesMsg,
    card('Runtime images', { flush: true, actions: targetNote }, imagesHost),
    h('div', { class: 'grid grid-2' },
      card('Import an image', { hint: 'Checks the artifact’s content digest, then unpacks it read-only. Takes 5–15 s.' }, importForm),
      card('Start a fleet update', { hint: 'Canaries first, then waves; each tenant must come up healthy or it is rolled back and the update stops.' }, startForm)),
    h('div', { class: 'gap-top' }, card('Fleet updates', { flush: true, hint: 'newest first' }, updatesHost)));

  // A running update is followed every 2 s (paused while the tab is hidden or nobody is there); the
  // whole list, the images (used_by) and the tenants every 10 s and when an update ends.
  let ticks = 0;
  let inFlight = false;
  ctx.every(async () => {
    if (inFlight) return;
    inFlight = true;
    try {
      const running = updates.find((u) => u.state === 'running');
      ticks += 1;
      if (running) {
        const u = await ctx.get(path`/v1/fleet/updates/${running.id}`);
        updates = updates.map((x) => (x.id === u.id ? u : x));
        drawUpdates();
        if (u.state !== 'running') await Promise.all([loadUpdates(), loadImages(), loadTenants()]);
      } else if (ticks % 5 === 0) {
        await Promise.all([loadUpdates(), loadImages()]);
      }
    } catch { /* the next tick tries again */ } finally { inFlight = false; }
  }, 2000);
}

// ================================================================================================= tenant: runtime
// Operators see the fleet target (GET /v1/images) and may pin the tenant or move it to another image;
// tenant admins and operators may ask for the gateway's URL and token.
export function runtimeCard(ctx, tenantId, { writable, onTenant }) {
  const op = isOperator();
  const info = h('div', { 'data-testid': 'runtime-info' });
  const progress = h('div', { 'aria-live': 'polite', 'data-testid': 'runtime-progress' });
  const revealHost = h('div', { 'aria-live': 'polite' });
  let t = null;
  let images = null; // operators: [{id, version, problem, target}]
  let target = '';
  let busy = false;

  const pinBtn = op ? button('Pin', { small: true, onClick: () => setPinned(!t.runtime.pinned) }) : null;
  const imageBtn = op ? button('Change image', { small: true, onClick: () => changeImage() }) : null;
  const gatewayBtn = writable ? button('Gateway access', { small: true, icon: 'key', onClick: () => gateway() }) : null;
  const gatewayHint = h('div', { class: 'muted small runtime-hint' });

  const draw = () => {
    if (!t) return;
    const r = t.runtime || { image: '', pinned: false };
    const behind = op && r.image && target && r.image !== target;
    mount(info, h('dl', { class: 'kv' },
      h('dt', null, 'Image'), h('dd', { 'data-testid': 'runtime-image' },
        r.image ? h('span', { class: 'mono' }, r.image) : [h('span', null, 'command'),
          h('span', { class: 'muted' }, ' · runs its program, not OpenClaw')],
        behind ? [' ', h('span', { class: 'badge warn', 'data-testid': 'runtime-drift',
          title: 'Fleet updates move tenants that are not pinned to the target' }, `behind target ${target}`)] : null,
        op && r.image && target && r.image === target ? [' ', h('span', { class: 'badge ok', 'data-testid': 'runtime-drift' }, 'on target')] : null),
      h('dt', null, 'Pinned'), h('dd', { 'data-testid': 'runtime-pinned' }, r.pinned
        ? [h('span', { class: 'badge plain' }, 'pinned'), h('span', { class: 'muted' }, ' · fleet updates skip it')]
        : h('span', null, 'no', h('span', { class: 'muted' }, r.image ? ' · fleet updates move it' : ''))),
      op ? [h('dt', null, 'Fleet target'), h('dd', null, images === null ? '…'
        : target ? h('span', { class: 'mono' }, target) : h('span', { class: 'muted' }, 'none yet'))] : null));
    if (pinBtn) {
      pinBtn.textContent = r.pinned ? 'Unpin' : 'Pin';
      pinBtn.title = r.pinned ? 'Let fleet updates move this tenant again' : 'Keep this tenant on its image during fleet updates';
      pinBtn.disabled = busy;
    }
    if (imageBtn) imageBtn.disabled = busy || images === null;
    if (gatewayBtn) {
      gatewayBtn.disabled = busy || !r.image;
      gatewayHint.textContent = r.image ? '' : 'Gateway access needs an OpenClaw runtime image.';
    }
  };

  const loadImages = async () => {
    if (!op) return;
    try {
      const doc = await ctx.get('/v1/images');
      images = doc.images || [];
      target = doc.target || '';
    } catch (e) {
      if (aborted(e)) return;
      images = images || [];
    }
    draw();
  };

  const run = async (text, body, okText) => {
    busy = true;
    draw();
    const done = working(progress, ctx, text);
    try {
      const nt = await patch(path`/v1/tenants/${tenantId}`, body);
      done();
      toast(okText, 'ok');
      onTenant(nt);
    } catch (e) {
      done();
      if (!aborted(e)) mount(progress, notice('error', e.message));
    } finally {
      busy = false;
      draw();
    }
  };
  const setPinned = (pinned) => run(pinned ? 'Pinning…' : 'Unpinning…', { runtime: { pinned } },
    pinned ? `${tenantId} is pinned to its image.` : `${tenantId} is no longer pinned.`);

  const changeImage = async () => {
    const r = t.runtime || { image: '' };
    const sel = h('select', null,
      (images || []).filter((i) => !i.problem || i.id === r.image).map((i) => h('option', { value: i.id },
        `${i.id}${i.target ? ' (fleet target)' : ''}`)),
      h('option', { value: '' }, 'None: run the tenant’s program (no OpenClaw)'));
    sel.value = r.image;
    const f = field('Runtime image', sel, { help: 'OpenClaw checks the tenant’s configuration on the new image first; then the tenant restarts on it.' });
    const chosen = await modal({
      title: `Runtime image of ${tenantId}`, body: h('div', { class: 'form' }, f),
      actions: (close) => [button('Cancel', { onClick: () => close(null) }),
        button('Change image', { kind: 'primary', onClick: () => close({ image: sel.value }) })],
    });
    if (!chosen || chosen.image === r.image) return;
    run(chosen.image ? `Checking the configuration on ${chosen.image}, then restarting…` : 'Switching to the tenant’s program…',
      { runtime: { image: chosen.image } }, chosen.image ? `${tenantId} now runs ${chosen.image}.` : `${tenantId} now runs its program.`);
  };

  // The token is shown here until dismissed; the page keeps no copy. Every request for it is audited.
  const gateway = async () => {
    mount(progress);
    gatewayBtn.disabled = true;
    let g;
    try {
      g = await post(path`/v1/tenants/${tenantId}/gateway-token`);
    } catch (e) {
      if (!aborted(e)) mount(progress, notice('error', e.message));
      draw();
      return;
    }
    draw();
    const socket = h('input', { readOnly: true, value: g.socket, 'aria-label': 'Gateway socket', 'data-testid': 'gateway-socket' });
    const token = h('input', { readOnly: true, value: g.token, 'aria-label': 'Gateway token', 'data-testid': 'gateway-token' });
    const copy = (input, what) => button('Copy', { icon: 'copy', attrs: { 'aria-label': `Copy the ${what}` }, onClick: async () => {
      try { await navigator.clipboard.writeText(input.value); toast(`The ${what} was copied to the clipboard.`, 'ok'); } catch {
        input.select(); toast(`Press Ctrl+C to copy the selected ${what}.`);
      }
    } });
    mount(revealHost, h('div', { class: 'reveal', role: 'alert', 'data-testid': 'gateway-reveal' },
      h('h3', null, 'Gateway access — copy the token now'),
      h('div', { class: 'hint' }, 'The OpenClaw gateway listens on the appliance as this unix socket, which only root may open: reach it through a root SSH tunnel (ssh -L 8000:<socket> root@<appliance>) and call it with this token. Keep it like a password.'),
      h('div', { class: 'secret-row' }, socket, copy(socket, 'gateway socket')),
      h('div', { class: 'secret-row' }, token, copy(token, 'gateway token')),
      h('div', { class: 'hint' }, 'Use it as: Authorization: Bearer <token>, e.g. POST http://127.0.0.1:8000/v1/chat/completions through the tunnel'),
      h('div', { class: 'gap-top' }, button('Done, hide it', { kind: 'primary', small: true, onClick: () => { socket.value = ''; token.value = ''; mount(revealHost); } }))));
    token.focus();
    token.select();
  };

  const el = card('OpenClaw runtime', {
    hint: op ? 'The runtime image this tenant runs, against the fleet target' : 'The runtime image this tenant runs',
  }, progress, revealHost, info,
  op || writable ? h('div', { class: 'actions gap-top' }, pinBtn, imageBtn, gatewayBtn) : null, gatewayHint);
  el.setAttribute('data-testid', 'runtime-card');
  loadImages();
  if (op) ctx.every(loadImages, 15000);
  return { el, update(nt) { t = nt; draw(); } };
}

// ================================================================================================= tenant: OpenClaw settings
const KINDS = { telegram: 'Telegram', discord: 'Discord' };
const MAX_CHANNELS = Object.keys(KINDS).length; // one of each kind
const MODES = { polling: 'Polling', webhook: 'Webhook' };
const MAX_ALLOW_FROM = 64;
const USER_ID_RE = /^[1-9][0-9]{0,19}$/;
// "123, 456 789" -> ["123", "456", "789"]
const userIds = (text) => text.split(/[\s,;]+/).filter((x) => x);
// A channel as the read-only view names it: "Telegram (TOKEN, webhook, 2 users allowed) off".
function channelText(c) {
  const extra = c.kind === 'telegram'
    ? `, ${c.mode || 'polling'}${(c.allow_from || []).length ? `, ${c.allow_from.length} user${c.allow_from.length === 1 ? '' : 's'} allowed` : ''}` : '';
  return `${KINDS[c.kind] || c.kind} (${c.token_secret}${extra})${c.enabled === false ? ' off' : ''}`;
}

// Which part of the form an error is about: "openclaw.model: ...", "openclaw.channels[1].token_secret: ...".
function settingsFieldOf(message) {
  const m = /^openclaw\.(model|heartbeat|channels)(?:\[(\d+)\](?:\.([a-z_]+))?)?:/.exec(message || '');
  if (!m) return null;
  return { field: m[1], index: m[2] === undefined ? null : Number(m[2]), sub: m[3] || '' };
}

export function openclawCard(ctx, tenantId, t0, { writable, onTenant }) {
  let t = t0;
  const settings = () => t.openclaw || { model: '', heartbeat: false, channels: [] };
  const hasImage = () => !!(t.runtime && t.runtime.image);

  if (!writable) {
    const view = h('div');
    const draw = () => {
      const s = settings();
      mount(view, h('dl', { class: 'kv', 'data-testid': 'openclaw-settings' },
        h('dt', null, 'Model'), h('dd', null, s.model ? h('span', { class: 'mono' }, s.model) : h('span', { class: 'muted' }, 'the appliance’s default')),
        h('dt', null, 'Heartbeat'), h('dd', null, s.heartbeat ? 'every 30 minutes' : 'off'),
        h('dt', null, 'Channels'), h('dd', null, (s.channels || []).length ? s.channels.map((c, i) => [i ? ', ' : '',
          channelText(c)]) : h('span', { class: 'muted' }, 'none'))));
    };
    draw();
    const el = card('OpenClaw settings', { hint: 'Model, heartbeat and chat channels of the tenant’s gateway' }, view);
    el.setAttribute('data-testid', 'openclaw-card');
    return { el, update(nt) { t = nt; draw(); } };
  }

  const secretsList = h('datalist', { id: `secrets-${tenantId}` });
  const modelIn = h('input', { class: 'mono', autocomplete: 'off', spellcheck: 'false', maxlength: '128', placeholder: 'the appliance’s default' });
  const fModel = field('Model', modelIn, { name: 'model', help: 'One of the models the operator offers. Empty: the appliance’s default model.' });
  const beatIn = h('input', { type: 'checkbox' });
  const fBeat = h('div', { class: 'field', 'data-field': 'heartbeat' },
    h('label', { class: 'check' }, beatIn, 'Heartbeat every 30 minutes'),
    h('div', { class: 'help' }, 'The agent wakes up on its own to check on its work. Each heartbeat uses model tokens.'),
    h('div', { class: 'error-text', 'aria-live': 'polite' }));
  fBeat._input = beatIn;
  fBeat._error = fBeat.lastChild;

  const rowsHost = h('div', { class: 'channel-rows' });
  const channelsErr = h('div', { class: 'error-text', 'aria-live': 'polite', id: `channels-err-${tenantId}` });
  const rows = [];
  const addBtn = button('Add channel', { small: true, icon: 'plus', onClick: () => { const r = addRow(null); if (r) r.secret.focus(); } });
  const relabel = () => {
    rows.forEach((r, i) => {
      const n = i + 1;
      r.kind.setAttribute('aria-label', `Channel ${n} kind`);
      r.secret.setAttribute('aria-label', `Channel ${n} token secret`);
      r.enabled.setAttribute('aria-label', `Channel ${n} enabled`);
      r.mode.setAttribute('aria-label', `Channel ${n} Telegram mode`);
      r.allow.setAttribute('aria-label', `Channel ${n} allowed Telegram user ids`);
      r.remove.setAttribute('aria-label', `Remove channel ${n}`);
    });
    addBtn.disabled = rows.length >= MAX_CHANNELS;
    emptyRows.hidden = rows.length > 0;
    rowsHead.hidden = rows.length === 0;
  };
  const emptyRows = h('div', { class: 'muted small' }, 'No chat channels: the agent is reached through its gateway only.');
  const rowsHead = h('div', { class: 'channel-row channel-head', 'aria-hidden': 'true' },
    h('span', null, 'Kind'), h('span', null, 'Bot token secret'), h('span', null, 'On'), h('span'));
  function addRow(c) {
    if (rows.length >= MAX_CHANNELS) return null;
    const used = new Set(rows.map((r) => r.kind.value));
    const r = {
      kind: h('select', { 'aria-describedby': channelsErr.id }, Object.entries(KINDS).map(([v, l]) => h('option', { value: v }, l))),
      secret: h('input', { class: 'mono', autocomplete: 'off', spellcheck: 'false', maxlength: '128', list: secretsList.id,
        placeholder: 'TELEGRAM_BOT_TOKEN', autocapitalize: 'characters', 'aria-describedby': channelsErr.id }),
      enabled: h('input', { type: 'checkbox', checked: true }),
      mode: h('select', { 'aria-describedby': channelsErr.id }, Object.entries(MODES).map(([v, l]) => h('option', { value: v }, l))),
      allow: h('input', { class: 'mono', autocomplete: 'off', spellcheck: 'false', inputmode: 'numeric',
        placeholder: 'e.g. 123456789, 987654321', 'aria-describedby': channelsErr.id }),
    };
    r.mode.value = (c && c.mode) || 'polling';
    r.allow.value = c && c.allow_from ? c.allow_from.join(', ') : '';
    r.kind.value = c ? c.kind : Object.keys(KINDS).find((k) => !used.has(k)) || 'telegram';
    if (c && !KINDS[c.kind]) r.kind.append(h('option', { value: c.kind }, c.kind));
    if (c) r.kind.value = c.kind;
    r.secret.value = c ? c.token_secret || '' : '';
    r.enabled.checked = !c || c.enabled !== false;
    r.secret.addEventListener('input', () => {
      const up = r.secret.value.toUpperCase();
      if (up !== r.secret.value) { const p = r.secret.selectionStart; r.secret.value = up; r.secret.setSelectionRange(p, p); }
    });
    r.remove = button('', { kind: 'ghost', small: true, icon: 'trash', onClick: () => {
      const i = rows.indexOf(r);
      if (i < 0) return;
      rows.splice(i, 1);
      r.el.remove();
      relabel();
      addBtn.focus();
    } });
    // Telegram only: how updates arrive and who may write to the bot (docs/openclaw.md, "Chat channels").
    r.extra = h('div', { class: 'channel-extra' },
      h('label', null, h('span', { class: 'small muted' }, 'Updates'), r.mode),
      h('label', null, h('span', { class: 'small muted' }, 'Allowed user ids (empty: users must be paired)'), r.allow),
      h('div', { class: 'help' }, 'Polling: the agent asks Telegram for messages. Webhook: Telegram calls this appliance’s public address (set by the operator).'));
    const showExtra = () => { r.extra.hidden = r.kind.value !== 'telegram'; };
    r.kind.addEventListener('change', showExtra);
    showExtra();
    r.el = h('div', { class: 'channel-block', 'data-channel': String(rows.length) },
      h('div', { class: 'channel-row' }, r.kind, r.secret,
        h('label', { class: 'check' }, r.enabled, h('span', { 'aria-hidden': 'true' }, 'on')), r.remove),
      r.extra);
    rows.push(r);
    rowsHost.appendChild(r.el);
    relabel();
    return r;
  }
  const channelsField = { _input: rowsHost, _error: channelsErr };
  const channelsSection = h('fieldset', { class: 'form-section field', 'data-field': 'channels' },
    h('legend', { class: 'label' }, 'Chat channels'),
    rowsHead, emptyRows, rowsHost, h('div', null, addBtn),
    h('div', { class: 'help' }, 'The bot token is one of this tenant’s secrets (see Secrets below); the configuration names it, never its value.'),
    channelsErr);

  const reset = () => {
    const s = settings();
    modelIn.value = s.model || '';
    beatIn.checked = !!s.heartbeat;
    rows.splice(0).forEach((r) => r.el.remove());
    (s.channels || []).forEach(addRow);
    relabel();
  };
  reset();

  const formMsg = h('div', { 'aria-live': 'polite', 'data-testid': 'openclaw-msg' });
  const progress = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Save settings');
  const form = h('form', { class: 'form', novalidate: true, autocomplete: 'off', 'data-testid': 'openclaw-form' },
    formMsg, fModel, fBeat, channelsSection, secretsList, progress,
    h('div', { class: 'form-actions' }, button('Reset', { onClick: () => { clearErrors(); reset(); } }), submit));

  const clearErrors = () => {
    setFieldError(fModel, '');
    setFieldError(channelsField, '');
    rows.forEach((r) => { for (const el of [r.kind, r.secret, r.mode, r.allow]) el.removeAttribute('aria-invalid'); });
    mount(formMsg);
  };
  const badRow = (r, el, m) => { setFieldError(channelsField, m); if (el) el.setAttribute('aria-invalid', 'true'); };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    let ok = true;
    const model = modelIn.value.trim();
    if (model.length > 128 || /[\s\u0000-\u001f]/.test(model)) { setFieldError(fModel, 'A model name without spaces, at most 128 characters.'); ok = false; }
    const channels = [];
    const kinds = new Set();
    for (const [i, r] of rows.entries()) {
      const n = i + 1;
      const secret = r.secret.value.trim();
      if (kinds.has(r.kind.value)) { badRow(r, r.kind, `Channel ${n}: ${KINDS[r.kind.value] || r.kind.value} is listed twice.`); ok = false; break; }
      kinds.add(r.kind.value);
      if (!SECRET_RE.test(secret)) { badRow(r, r.secret, `Channel ${n}: the name of a secret, in upper-case letters, digits and _.`); ok = false; break; }
      if (secret.startsWith('CLAWHIVE_')) { badRow(r, r.secret, `Channel ${n}: CLAWHIVE_* secrets are the appliance’s own; use a secret of your own.`); ok = false; break; }
      const one = { kind: r.kind.value, enabled: r.enabled.checked, token_secret: secret };
      if (r.kind.value === 'telegram') {
        const ids = userIds(r.allow.value);
        const bad = ids.find((x) => !USER_ID_RE.test(x));
        if (bad !== undefined) { badRow(r, r.allow, `Channel ${n}: “${bad.slice(0, 24)}” is not a Telegram user id (digits only, as Telegram shows it).`); ok = false; break; }
        if (ids.length > MAX_ALLOW_FROM) { badRow(r, r.allow, `Channel ${n}: at most ${MAX_ALLOW_FROM} allowed users.`); ok = false; break; }
        one.mode = r.mode.value;
        one.allow_from = ids;
      }
      channels.push(one);
    }
    if (!ok) { const el = form.querySelector('[aria-invalid="true"]'); if (el) el.focus(); return; }
    submit.disabled = true;
    submit.textContent = 'Saving…';
    const done = working(progress, ctx, hasImage() ? 'OpenClaw is checking the configuration, then the agent restarts on it…' : 'Saving…');
    try {
      const nt = await put(path`/v1/tenants/${tenantId}/openclaw`, { model, heartbeat: beatIn.checked, channels });
      done();
      t = nt;
      reset();
      toast(hasImage() ? 'OpenClaw settings saved; the agent restarted on them.' : 'OpenClaw settings saved.', 'ok');
      onTenant(nt);
    } catch (err) {
      done();
      if (aborted(err)) return;
      const where = err.status === 400 ? settingsFieldOf(err.message) : null;
      if (where && where.field === 'model') { setFieldError(fModel, err.message); modelIn.focus(); } else if (where && where.field === 'channels') {
        const r = where.index !== null ? rows[where.index] : null;
        const el = r ? ({ kind: r.kind, mode: r.mode, allow_from: r.allow })[where.sub] || r.secret : null;
        badRow(r, el, err.message);
        if (el) el.focus();
      } else {
        mount(formMsg, notice('error', err.message));
        formMsg.scrollIntoView({ block: 'nearest' });
      }
    } finally {
      submit.disabled = false;
      submit.textContent = 'Save settings';
    }
  });

  // Names of the tenant's secrets, offered for the bot token (never values: the API has none to give).
  get(path`/v1/tenants/${tenantId}/secrets`, { signal: ctx.signal }).then((doc) => {
    mount(secretsList, (doc.secrets || []).map((s) => s.name).filter((n) => !n.startsWith('CLAWHIVE_')).sort()
      .map((n) => h('option', { value: n })));
  }).catch(() => {});

  const el = card('OpenClaw settings', {
    hint: 'Model, heartbeat and chat channels of the tenant’s gateway. Saving checks them with OpenClaw, then restarts the agent (3–10 s).',
  }, form);
  el.setAttribute('data-testid', 'openclaw-card');
  return { el, update(nt) { t = nt; } };
}
