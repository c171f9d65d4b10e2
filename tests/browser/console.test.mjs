// Acceptance tests of the web console in a real headless Chromium (playwright-core), against a real
// supervisor booted by tests/browser/run. Plain node: one line per test, a non-zero exit on failure.
//
// Environment (set by ./run):
//   BASE_URL            https://127.0.0.1:PORT
//   TOKEN               bootstrap operator token (for set-up through the API only)
//   SCREENSHOTS         directory for one PNG per page
//   CERT_PEM            the server's certificate (PEM file), read out of band from the sandbox
//   CERT_SPKI           base64 SHA-256 of its public key: Chromium accepts this certificate and no other
//   OPERATOR_USER/OPERATOR_PASSWORD, ADMIN_USER/ADMIN_PASSWORD (tenant-admin of TENANT_A), TENANT_A, TENANT_B
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';

function env(name) {
  const v = process.env[name];
  if (!v) { console.error(`console.test: ${name} is not set (run this through tests/browser/run)`); process.exit(2); }
  return v;
}
const BASE = env('BASE_URL').replace(/\/$/, '');
const TOKEN = env('TOKEN');
const SHOTS = env('SCREENSHOTS');
const CERT_PEM = fs.readFileSync(env('CERT_PEM'), 'utf8');
const CERT_SPKI = env('CERT_SPKI');
const OPERATOR = { user: env('OPERATOR_USER'), password: env('OPERATOR_PASSWORD') };
const ADMIN = { user: env('ADMIN_USER'), password: env('ADMIN_PASSWORD') };
const TENANT_A = env('TENANT_A');
const TENANT_B = env('TENANT_B');
const RUN = crypto.randomBytes(3).toString('hex');
fs.mkdirSync(SHOTS, { recursive: true });

// ------------------------------------------------------------------------------------------ API (node side)
// Pinned to the certificate read from the sandbox: the chain is anchored on it and its fingerprint must
// match, whatever the host name.
const fingerprint = new crypto.X509Certificate(CERT_PEM).fingerprint256;
const agent = new https.Agent({
  ca: CERT_PEM,
  keepAlive: false,
  checkServerIdentity: (_host, cert) => (cert.fingerprint256 === fingerprint ? undefined
    : new Error(`certificate fingerprint ${cert.fingerprint256} is not the pinned ${fingerprint}`)),
});
function api(method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const req = https.request(`${BASE}${urlPath}`, {
      method, agent,
      headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/json',
        ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, text, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.setTimeout(20000, () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
    if (data) req.write(data);
    req.end();
  });
}
async function apiOk(method, urlPath, body, expect = [200, 201]) {
  const r = await api(method, urlPath, body);
  if (!expect.includes(r.status)) throw new Error(`${method} ${urlPath}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

// ------------------------------------------------------------------------------------------ browser
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // Playwright gives every launch a fresh, empty --user-data-dir of its own (removed at close). The
  // SPKI list makes Chromium accept exactly the server's self-signed certificate: no blanket
  // ignoreHTTPSErrors.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-quic', `--ignore-certificate-errors-spki-list=${CERT_SPKI}`],
});

// Every test gets its own context (no shared cookies) and fails on a CSP violation, an uncaught page
// error or any dialog (alert/confirm/prompt: an injected script would open one).
async function withPage(fn) {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, ignoreHTTPSErrors: false });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  const problems = [];
  page.on('dialog', async (d) => { problems.push(`a ${d.type()} dialog opened: ${d.message()}`); await d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => problems.push(`uncaught error in the page: ${e.message}`));
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to (execute|load|apply|evaluate)/i.test(t)) problems.push(`CSP: ${t}`);
  });
  page.problems = problems;
  try {
    await fn(page, context);
    assert.deepEqual(problems, [], 'the page reported problems');
  } finally {
    await context.close();
  }
}

async function shot(page, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.evaluate(() => window.scrollTo(0, 0)); // sticky header and sidebar belong at the top
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function login(page, { user, password }) {
  await page.goto(`${BASE}/`); // "/" redirects to /console/, which shows the sign-in page
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid="current-user"]').filter({ hasText: user }).waitFor({ timeout: 15000 });
}

// Text of the whole document plus the value of every form control: where a secret must never appear.
function visibleState(page) {
  return page.evaluate(() => ({
    text: document.documentElement.innerText,
    html: document.documentElement.outerHTML,
    values: [...document.querySelectorAll('input, textarea, select')].map((e) => e.value),
  }));
}

// Every form control has an accessible name (a <label>, aria-label or aria-labelledby).
async function assertLabelled(page, where) {
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((e) => e.type !== 'hidden' && !e.labels?.length && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
    .map((e) => e.outerHTML.slice(0, 120)));
  assert.deepEqual(unlabelled, [], `unlabelled form controls on ${where}`);
}

async function waitForHash(page, re) {
  await page.waitForFunction((src) => new RegExp(src).test(location.hash), re.source, { timeout: 15000 });
}

// ------------------------------------------------------------------------------------------ runner
const results = [];
async function test(name, fn) {
  const t0 = Date.now();
  process.stdout.write(`---- ${name}\n`);
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`PASS ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n     ${String(e && e.stack || e).split('\n').join('\n     ')}`);
  }
}

// ------------------------------------------------------------------------------------------ tests
await test('0. the console is served with its CSP, the certificate is the pinned one', async () => {
  const r = await api('GET', '/console/');
  assert.equal(r.status, 200);
  assert.match(r.headers['content-type'] || '', /^text\/html/);
  const csp = r.headers['content-security-policy'] || '';
  for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"])
    assert.ok(csp.includes(d), `CSP has ${d}: ${csp}`);
  const js = await api('GET', '/console/app.js');
  assert.equal(js.status, 200);
  assert.match(js.headers['content-type'] || '', /javascript/);
  const root = await api('GET', '/');
  assert.ok([301, 302, 303, 307, 308].includes(root.status), `GET / redirects (got ${root.status})`);
  assert.match(root.headers.location || '', /\/console\/$/);
});

await test('1. an operator signs in', async () => {
  await withPage(async (page) => {
    await page.goto(`${BASE}/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.match(page.url(), /\/console\/#\/login$/);
    await shot(page, '01-login');
    // A wrong password is refused with a message, not a crash.
    await page.getByLabel('User name').fill(OPERATOR.user);
    await page.getByLabel('Password').fill('not-the-right-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('The user name or password is not correct.').waitFor();
    assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password field is cleared');
    await login(page, OPERATOR);
    await waitForHash(page, /^#\/dashboard$/);
    await page.getByRole('heading', { name: 'Capacity' }).waitFor();
    await page.getByRole('heading', { name: 'Recent incidents' }).waitFor();
    assert.match(await page.title(), /Dashboard · /);
    const nav = await page.locator('nav[aria-label="Main"]').innerText();
    for (const item of ['Dashboard', 'Tenants', 'Users', 'API tokens', 'Audit log', 'Branding']) assert.ok(nav.includes(item), `nav has ${item}`);
    await shot(page, '02-dashboard');
    // The session survives a reload (cookie), and other pages render.
    await page.reload();
    await page.getByRole('heading', { name: 'Capacity' }).waitFor();
    for (const [hash, heading, file] of [['#/tenants', 'Tenants', '03-tenants'], ['#/users', 'Users', '09-users'],
      ['#/tokens', 'API tokens', '10-tokens'], ['#/audit', 'Audit log', '11-audit'], ['#/branding', 'Branding', '12-branding'],
      ['#/account', 'Account', '13-account']]) {
      await page.goto(`${BASE}/console/${hash}`);
      await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
      await page.waitForLoadState('networkidle');
      await assertLabelled(page, hash);
      await shot(page, file);
    }
    // Audit: the sign-ins above are recorded, and the exports are links to the API.
    await page.goto(`${BASE}/console/#/audit`);
    const audit = page.locator('[data-testid="audit-table"]');
    await audit.waitFor();
    assert.ok((await audit.innerText()).includes(OPERATOR.user), 'the operator\'s sign-in is in the audit log');
    const csvHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    assert.match(csvHref, /^\/v1\/audit\?format=csv/);
    assert.match(await page.getByRole('link', { name: 'Export JSON' }).getAttribute('href'), /^\/v1\/audit\?format=json/);
    const csv = await page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get('content-type'), disposition: r.headers.get('content-disposition'), text: await r.text() };
    }, csvHref);
    assert.equal(csv.status, 200);
    assert.match(csv.type || '', /text\/csv/);
    assert.match(csv.disposition || '', /attachment/);
    assert.ok(csv.text.includes(OPERATOR.user), 'the CSV export holds the sign-in');
    // Sign out ends the session: the console is back on the sign-in page and the API says 401.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const status = await page.evaluate(async () => (await fetch('/v1/session')).status);
    assert.equal(status, 401);
  });
});

await test('2. an operator creates a tenant and sees it become running', async () => {
  const id = `br-${RUN}`;
  await withPage(async (page) => {
    await login(page, OPERATOR);
    await page.goto(`${BASE}/console/#/tenants`);
    await page.getByRole('link', { name: 'New tenant' }).click();
    await waitForHash(page, /^#\/tenants\/new$/);
    const form = page.locator('[data-testid="tenant-form"]');
    await assertLabelled(page, '#/tenants/new');
    await form.getByLabel('Tenant id').fill(id);
    await form.getByLabel('Display name').fill(`Browser test ${RUN}`);
    // The server's own validation message lands next to the field it names.
    await form.getByLabel('Memory limit (hard)').fill('8M');
    await form.getByRole('button', { name: 'Create tenant' }).click();
    const memField = form.locator('[data-field="resources.memory_max"]');
    await memField.locator('.error-text').filter({ hasText: /memory_max/ }).waitFor();
    assert.equal(await form.getByLabel('Memory limit (hard)').getAttribute('aria-invalid'), 'true');
    await shot(page, '04-tenant-form-error');
    // A client-side check as well.
    await form.getByLabel('CPU quota').fill('lots');
    await form.getByRole('button', { name: 'Create tenant' }).click();
    await form.locator('[data-field="resources.cpu_quota_percent"] .error-text').filter({ hasText: 'percentage' }).waitFor();
    await form.getByLabel('CPU quota').fill('50%');
    await form.getByLabel('Memory limit (hard)').fill('256M');
    await form.getByLabel('Memory high (soft)').fill('200M');
    await form.getByRole('button', { name: 'Create tenant' }).click();
    await waitForHash(page, new RegExp(`^#/tenants/${id}$`));
    const phase = page.locator('[data-testid="tenant-phase"] [data-phase]');
    const seen = new Set();
    const deadline = Date.now() + 30000;
    for (;;) {
      const p = await phase.getAttribute('data-phase').catch(() => null);
      if (p) seen.add(p);
      if (p === 'running') break;
      assert.ok(!['failed', 'quarantined'].includes(p), `tenant went ${p}`);
      assert.ok(Date.now() < deadline, `not running after 30 s (seen: ${[...seen]})`);
      await page.waitForTimeout(100);
    }
    assert.equal(await phase.innerText(), 'Running');
    assert.equal(await page.locator('[data-testid="tenant-name"]').innerText(), `Browser test ${RUN}`);
    console.log(`     phases seen in the page: ${[...seen].join(' -> ')}`);
    // The server agrees.
    const t = await apiOk('GET', `/v1/tenants/${id}`);
    assert.equal(t.phase, 'running');
    assert.equal(t.resources.memory_max, 256 * 1024 * 1024);
    assert.equal(t.resources.cpu_quota_percent, 50);
    // It is in the list with its badge; restart shows progress and comes back to running.
    await page.getByRole('button', { name: 'Restart' }).click();
    await page.locator('[data-testid="tenant-progress"]').filter({ hasText: /Restarting|Running after/ }).waitFor();
    await page.locator('[data-testid="tenant-progress"]').filter({ hasText: /Running after/ }).waitFor({ timeout: 30000 });
    await page.waitForTimeout(1500); // a few usage samples for the charts
    await shot(page, '05-tenant-detail');
    await page.goto(`${BASE}/console/#/tenants`);
    const row = page.locator(`tr[data-tenant="${id}"]`);
    await row.waitFor();
    assert.equal(await row.locator('[data-phase]').getAttribute('data-phase'), 'running');
  });
});

await test('3. a secret is set and its value is never shown again', async () => {
  const value = `sv-${crypto.randomBytes(12).toString('hex')}`;
  const name = `BROWSER_SECRET_${RUN.toUpperCase()}`;
  await withPage(async (page) => {
    await login(page, OPERATOR);
    await page.goto(`${BASE}/console/#/tenants/${TENANT_A}`);
    const form = page.locator('[data-testid="secret-form"]');
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Value').fill(value);
    assert.equal(await form.getByLabel('Value').getAttribute('type'), 'password', 'the value is typed into a masked field');
    await form.getByRole('button', { name: 'Save secret' }).click();
    await page.locator(`[data-testid="secrets-list"] tr[data-secret="${name}"]`).waitFor({ timeout: 20000 });
    const check = async (when) => {
      const s = await visibleState(page);
      assert.ok(!s.text.includes(value), `the value is not in the page text ${when}`);
      assert.ok(!s.html.includes(value), `the value is not in the document ${when}`);
      assert.ok(!s.values.some((v) => v.includes(value)), `no input holds the value ${when}`);
    };
    await check('after saving');
    assert.equal(await form.getByLabel('Value').inputValue(), '', 'the value input is cleared');
    await shot(page, '06-secret-saved');
    await page.reload();
    await page.locator(`[data-testid="secrets-list"] tr[data-secret="${name}"]`).waitFor();
    await check('after a reload');
    // Nor does the API hand it out.
    const list = await page.evaluate(async (t) => (await fetch(`/v1/tenants/${t}/secrets`)).text(), TENANT_A);
    assert.ok(list.includes(name) && !list.includes(value), 'the API lists the secret without its value');
  });
});

await test('4. a tenant admin sees only its own tenant', async () => {
  await withPage(async (page) => {
    await login(page, ADMIN);
    await waitForHash(page, new RegExp(`^#/tenants/${TENANT_A}$`));
    await page.locator('[data-testid="tenant-phase"] [data-phase]').waitFor();
    await shot(page, '07-tenant-admin-home');
    await page.goto(`${BASE}/console/#/tenants`);
    await page.locator(`tr[data-tenant="${TENANT_A}"]`).waitFor();
    const ids = await page.locator('tr[data-tenant]').evaluateAll((rows) => rows.map((r) => r.dataset.tenant));
    assert.deepEqual(ids, [TENANT_A], 'the list holds only the own tenant');
    assert.ok(!(await page.locator('main').innerText()).includes(TENANT_B), `${TENANT_B} appears nowhere in the list page`);
    const nav = await page.locator('nav[aria-label="Main"]').innerText();
    assert.ok(!nav.includes('Dashboard') && !nav.includes('Branding'), 'operator pages are not offered');
    assert.equal(await page.getByRole('link', { name: 'New tenant' }).count(), 0, 'no create button');
    // Typed in directly: another tenant's page says not found.
    await page.goto(`${BASE}/console/#/tenants/${TENANT_B}`);
    await page.locator('[data-testid="denied"]').filter({ hasText: 'Tenant not found' }).waitFor();
    await shot(page, '08-tenant-admin-denied');
    // And the API itself refuses, from this very page (same cookie).
    const statuses = await page.evaluate(async (b) => {
      const out = {};
      for (const p of [`/v1/tenants/${b}`, `/v1/tenants/${b}/secrets`, `/v1/tenants/${b}/usage`, '/v1/system', '/v1/users'])
        out[p] = (await fetch(p)).status;
      return out;
    }, TENANT_B);
    for (const [p, st] of Object.entries(statuses)) assert.ok(st === 403 || st === 404, `${p} answered ${st}`);
    // Operator-only pages are refused by the console too.
    await page.goto(`${BASE}/console/#/dashboard`);
    await page.locator('[data-testid="denied"]').filter({ hasText: 'Access denied' }).waitFor();
    // A write without the CSRF header is refused even with the cookie.
    const csrf = await page.evaluate(async (a) => (await fetch(`/v1/tenants/${a}/restart`, { method: 'POST' })).status, TENANT_A);
    assert.equal(csrf, 403, 'POST without X-CSRF-Token is refused');
  });
});

await test('5. branding set through the API shows on the sign-in page', async () => {
  const before = await apiOk('GET', '/v1/branding');
  const name = `Acme Cloud ${RUN}`;
  try {
    await apiOk('PUT', '/v1/branding', { product_name: name, primary_color: '#c2185b' });
    await withPage(async (page) => {
      await page.goto(`${BASE}/console/`);
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      assert.equal(await page.locator('[data-testid="product-name"]').innerText(), name);
      assert.match(await page.title(), new RegExp(`${name}$`));
      const bg = await page.getByRole('button', { name: 'Sign in' }).evaluate((b) => getComputedStyle(b).backgroundColor);
      assert.equal(bg, 'rgb(194, 24, 91)', 'the primary colour drives the button');
      await shot(page, '14-login-branded');
      await login(page, OPERATOR);
      assert.match(await page.title(), new RegExp(`· ${name}$`));
      assert.ok((await page.locator('.brand-name').innerText()).includes(name), 'the sidebar shows the product name');
      await shot(page, '15-dashboard-branded');
    });
  } finally {
    await apiOk('PUT', '/v1/branding', { product_name: before.product_name, primary_color: before.primary_color });
  }
});

await test('6. markup in a display name is shown as text and never runs', async () => {
  const id = `xss-${RUN}`;
  const payload = `<script>alert(1)</script><img src=x onerror=alert(1)> "quoted" & co`;
  await apiOk('POST', '/v1/tenants', { id, display_name: payload, desired: 'stopped' });
  try {
    await withPage(async (page) => {
      await login(page, OPERATOR);
      await page.goto(`${BASE}/console/#/tenants`);
      const link = page.locator(`tr[data-tenant="${id}"] [data-testid="tenant-link"]`);
      await link.waitFor();
      assert.equal(await link.innerText(), payload, 'the list shows the name literally');
      await shot(page, '16-xss-list');
      await link.click();
      await page.locator('[data-testid="tenant-name"]').filter({ hasText: 'onerror' }).waitFor();
      assert.equal(await page.locator('[data-testid="tenant-name"]').innerText(), payload, 'the page title shows it literally');
      assert.match(await page.title(), /<script>alert\(1\)<\/script>/, 'the document title holds the text');
      const injected = await page.evaluate(() => ({
        imgs: [...document.querySelectorAll('img')].filter((i) => /(^|\/)x$/.test(i.getAttribute('src') || '')).length,
        scripts: [...document.querySelectorAll('script')].filter((s) => !s.src).length,
      }));
      assert.deepEqual(injected, { imgs: 0, scripts: 0 }, 'no element was created from the name');
      await page.waitForTimeout(500); // give a would-be onerror a chance to fire
      await shot(page, '17-xss-detail');
    });
  } finally {
    await api('DELETE', `/v1/tenants/${id}?workspace=remove`);
  }
});

await browser.close();
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed. Screenshots: ${SHOTS}`);
process.exit(failed.length ? 1 : 0);
