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
//   PROXY_URL           the sandbox's metering proxy, http://127.0.0.1:PORT/v1
//   SANDBOX_ROOT        the sandbox's / as the host sees it (/proc/<its systemd>/root): tenants' gateway sockets
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
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
const PROXY_URL = env('PROXY_URL').replace(/\/$/, '');
const SANDBOX_ROOT = env('SANDBOX_ROOT');
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
// One request through `lib` (http or https) with `body` as JSON when given; resolves to { status, json (null
// unless the answer is JSON), text, headers }.
function send(lib, method, url, { headers = {}, body, ...options } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const req = lib.request(url, {
      ...options, method,
      headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}), ...headers },
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
    req.setTimeout(20000, () => req.destroy(new Error(`${method} ${url}: timeout`)));
    if (data) req.write(data);
    req.end();
  });
}
function api(method, urlPath, body) {
  return send(https, method, `${BASE}${urlPath}`,
    { agent, headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'application/json' }, body });
}
async function apiOk(method, urlPath, body, expect = [200, 201]) {
  const r = await api(method, urlPath, body);
  if (!expect.includes(r.status)) throw new Error(`${method} ${urlPath}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.json;
}

// Plain HTTP on loopback only: the tenant's agent (its self-test endpoints) and the metering proxy.
// GET straight to a tenant's agent through its gateway socket (root only, inside the sandbox's /run).
function agentGet(tenant, port, urlPath) {
  const socketPath = `${SANDBOX_ROOT}/run/clawhive/gw/${tenant}/${port}.sock`;
  return send(http, 'GET', `http://127.0.0.1:${port}${urlPath}`, { socketPath });
}
function httpRequest(method, url, { headers = {}, body } = {}) {
  assert.match(new URL(url).hostname, /^127\./, `${url} is on loopback`);
  return send(http, method, url, { headers, body });
}

// A model provider on loopback standing in for OpenAI's API: answers chat completions with a fixed,
// large usage (so the cost is visible: 5,000,000 prompt + 400,000 completion tokens at 3.00/15.00 per
// million = 21.00) and remembers what it was sent, including the key the proxy injected.
const STUB_USAGE = { prompt_tokens: 5000000, completion_tokens: 400000 };
async function startProviderStub() {
  const seen = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = null;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { /* not JSON */ }
      seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization || '', body });
      const ok = req.method === 'POST' && req.url === '/v1/chat/completions';
      const answer = JSON.stringify(ok ? {
        id: 'chatcmpl-browser', object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: body && body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the stub.' }, finish_reason: 'stop' }],
        usage: { ...STUB_USAGE, total_tokens: STUB_USAGE.prompt_tokens + STUB_USAGE.completion_tokens },
      } : { error: { message: 'not found', type: 'invalid_request_error' } });
      res.writeHead(ok ? 200 : 404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`, seen,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
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
    for (const item of ['Dashboard', 'Tenants', 'Users', 'API tokens', 'Audit log', 'Providers', 'Billing', 'Runtimes', 'Branding'])
      assert.ok(nav.includes(item), `nav has ${item}`);
    await shot(page, '02-dashboard');
    // The session survives a reload (cookie), and other pages render.
    await page.reload();
    await page.getByRole('heading', { name: 'Capacity' }).waitFor();
    for (const [hash, heading, file] of [['#/tenants', 'Tenants', '03-tenants'], ['#/users', 'Users', '09-users'],
      ['#/tokens', 'API tokens', '10-tokens'], ['#/audit', 'Audit log', '11-audit'], ['#/branding', 'Branding', '12-branding'],
      ['#/account', 'Account', '13-account'], ['#/providers', 'Providers', '18-providers-empty'],
      ['#/billing', 'Billing', '19-billing-empty']]) {
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

// ------------------------------------------------------------------------------------------ model metering
const stub = await startProviderStub();
const PROVIDER = `br-${RUN}`;
const KEY_SECRET = `BROWSER_KEY_${RUN.toUpperCase()}`;
const KEY_VALUE = `sk-browser-${crypto.randomBytes(12).toString('hex')}`;
const MODEL = `browser-model-${RUN}`;
const MONTH = () => new Date().toISOString().slice(0, 7); // the API's months are UTC

await test('7. an operator adds a provider with its key and sets a tenant budget', async () => {
  await withPage(async (page) => {
    await login(page, OPERATOR);
    await page.goto(`${BASE}/console/#/providers`);
    await page.getByRole('heading', { level: 1, name: 'Providers', exact: true }).waitFor();
    const form = page.locator('[data-testid="provider-form"]');
    await form.getByLabel('Name', { exact: true }).fill(PROVIDER);
    assert.equal(await form.getByLabel('Key secret name').inputValue(), `BR_${RUN.toUpperCase()}_API_KEY`, 'the key name follows the provider name');
    await form.getByLabel('API', { exact: true }).selectOption('openai');
    await form.getByLabel('Base URL').fill(stub.url);
    await form.getByLabel('Key secret name').fill(KEY_SECRET);
    await form.getByLabel('Key', { exact: true }).fill(KEY_VALUE);
    assert.equal(await form.getByLabel('Key', { exact: true }).getAttribute('type'), 'password', 'the key is typed into a masked field');
    await form.getByLabel('Model 1 name').fill(MODEL);
    await form.getByLabel('Model 1 input price').fill('3.1234567'); // 7 decimals: the server refuses it
    await form.getByLabel('Model 1 output price').fill('15.00');
    await form.getByLabel('Model 1 max output tokens').fill('1000');
    await form.getByRole('button', { name: 'Add provider' }).click();
    // The server's message lands next to the models; nothing was stored, not even the key.
    await form.locator('[data-field="models"] .error-text').filter({ hasText: /^models: input_per_million: / }).waitFor();
    assert.equal(await form.getByLabel('Model 1 name').evaluate((e) => document.activeElement === e), true, 'focus goes to the models');
    assert.equal((await api('GET', `/v1/platform/secrets/${KEY_SECRET}`)).status, 404, 'the key is not stored when the provider is refused');
    await shot(page, '20-provider-form-error');
    await form.getByLabel('Model 1 input price').fill('3.00');
    await form.getByRole('button', { name: 'Add model' }).click();
    await form.getByLabel('Model 2 name').fill(`${MODEL}-mini`);
    await form.getByLabel('Model 2 input price').fill('0.15');
    await form.getByLabel('Model 2 output price').fill('0.60');
    await assertLabelled(page, '#/providers with two models');
    await form.getByRole('button', { name: 'Add provider' }).click();
    const row = page.locator(`[data-testid="providers-table"] tr[data-provider="${PROVIDER}"]`);
    await row.waitFor();
    await row.locator('[data-testid="key-state"]').filter({ hasText: 'set · v1' }).waitFor();
    assert.ok((await row.innerText()).includes(stub.url), 'the row shows the base URL');
    assert.equal(await form.getByLabel('Key', { exact: true }).inputValue(), '', 'the key input is cleared');
    assert.equal(await form.getByLabel('Name', { exact: true }).inputValue(), '', 'the form is ready for the next provider');
    const s = await visibleState(page);
    assert.ok(!s.text.includes(KEY_VALUE) && !s.html.includes(KEY_VALUE) && !s.values.some((v) => v.includes(KEY_VALUE)),
      'the key appears nowhere in the page');
    // The server agrees, and hands out the key's metadata only.
    const p = (await apiOk('GET', '/v1/providers')).providers.find((x) => x.name === PROVIDER);
    assert.deepEqual(p, { name: PROVIDER, kind: 'openai', base_url: stub.url, key_secret: KEY_SECRET, models: [
      { name: MODEL, input_per_million: '3.00', output_per_million: '15.00', max_output_tokens: 1000 },
      { name: `${MODEL}-mini`, input_per_million: '0.15', output_per_million: '0.60', max_output_tokens: 4096 }] });
    const secret = await api('GET', `/v1/platform/secrets/${KEY_SECRET}`);
    assert.equal(secret.status, 200);
    assert.equal(secret.json.current_version, 1);
    assert.ok(!secret.text.includes(KEY_VALUE), 'the API does not hand the key out');
    await shot(page, '21-providers');
    // Edit shows the stored settings; Cancel leaves them alone.
    await row.getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: `Edit provider ${PROVIDER}` }).waitFor();
    assert.equal(await form.getByLabel('Base URL').inputValue(), stub.url);
    assert.equal(await form.getByLabel('Model 2 output price').inputValue(), '0.60');
    assert.equal(await form.getByLabel('Name', { exact: true }).isDisabled(), true, 'the name cannot be changed');
    await form.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Add a provider' }).waitFor();
    // Delete asks first.
    const doomed = `br-del-${RUN}`;
    await apiOk('PUT', `/v1/providers/${doomed}`, { kind: 'anthropic', base_url: 'http://127.0.0.1:9', key_secret: 'BROWSER_UNUSED_KEY',
      models: [{ name: 'claude-browser', input_per_million: '3.00', output_per_million: '15.00' }] });
    await page.reload();
    const doomedRow = page.locator(`tr[data-provider="${doomed}"]`);
    await doomedRow.locator('[data-testid="key-state"]').filter({ hasText: 'not set' }).waitFor();
    await doomedRow.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(`Delete provider ${doomed}?`).waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await doomedRow.count(), 1, 'Cancel keeps it');
    await doomedRow.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete provider' }).click();
    await doomedRow.waitFor({ state: 'detached' });
    assert.ok(!(await apiOk('GET', '/v1/providers')).providers.some((x) => x.name === doomed), 'the server deleted it');

    // The tenant's budget: a server-side error next to its field, then saved.
    await page.goto(`${BASE}/console/#/tenants/${TENANT_A}`);
    const budget = page.locator('[data-testid="budget-card"]');
    await budget.locator('[data-testid="budget-spend"] .meter-text').waitFor();
    await budget.getByRole('button', { name: 'Edit budget' }).click();
    const bform = budget.locator('[data-testid="budget-form"]');
    await bform.waitFor();
    await assertLabelled(page, 'the budget form');
    await bform.getByLabel('Budget', { exact: true }).fill('25.1234567');
    await bform.getByRole('button', { name: 'Save budget' }).click();
    await bform.locator('[data-field="limit"] .error-text').filter({ hasText: /^limit: / }).waitFor();
    assert.equal(await bform.getByLabel('Budget', { exact: true }).getAttribute('aria-invalid'), 'true');
    // Checks in the page: a 0 budget (the API would take it as "no budget") and a word for a number.
    await bform.getByLabel('Budget', { exact: true }).fill('0.00');
    await bform.getByLabel('Requests per minute').fill('lots');
    await bform.getByRole('button', { name: 'Save budget' }).click();
    await bform.locator('[data-field="rpm"] .error-text').filter({ hasText: 'whole number' }).waitFor();
    await bform.locator('[data-field="limit"] .error-text').filter({ hasText: 'means no budget' }).waitFor();
    assert.equal((await apiOk('GET', `/v1/tenants/${TENANT_A}/budget`)).limit, null, 'nothing was saved');
    await shot(page, '22-budget-form-error');
    await bform.getByLabel('Budget', { exact: true }).fill('25.00');
    await bform.getByLabel('Requests per minute').fill('60');
    await bform.getByRole('checkbox', { name: new RegExp(`^${PROVIDER} `) }).check();
    await bform.getByRole('button', { name: 'Save budget' }).click();
    await bform.waitFor({ state: 'detached' });
    await budget.locator('[data-testid="budget-spend"] .meter-text').filter({ hasText: /^0\.00 of 25\.00$/ }).waitFor();
    assert.equal(await budget.locator('[data-testid="budget-providers"]').innerText(), PROVIDER);
    assert.match(await budget.locator('[data-testid="budget-limits"]').innerText(), /Requests per minute\s+60\b/);
    const b = await apiOk('GET', `/v1/tenants/${TENANT_A}/budget`);
    assert.equal(b.limit, '25.00');
    assert.equal(b.rpm, 60);
    assert.equal(b.period, 'monthly');
    assert.deepEqual(b.providers, [PROVIDER]);
    assert.deepEqual(b.warn_percent, [80, 95], 'fields not changed are not sent and keep their value');
    await shot(page, '23-tenant-budget');
    // And the provider is on the Providers page.
    await page.getByRole('link', { name: 'Providers' }).click();
    await page.locator(`[data-testid="providers-table"] tr[data-provider="${PROVIDER}"]`).waitFor();
  });
});

await test('8. a request through the metering proxy is billed to the tenant and shows on its page', async () => {
  // The agent of TENANT_A was handed its proxy token; the test agent tells what it was given.
  const t = await apiOk('GET', `/v1/tenants/${TENANT_A}`);
  const env = await agentGet(TENANT_A, t.port, '/selftest/env?name=CLAWHIVE_PROXY_TOKEN');
  assert.equal(env.status, 200, env.text);
  assert.equal(env.json.set, true, 'the agent has CLAWHIVE_PROXY_TOKEN');
  const body = { model: MODEL, messages: [{ role: 'user', content: 'Hello' }], max_tokens: 50 };
  let r;
  for (let i = 0; ; i++) { // the proxy may still be starting
    try { r = await httpRequest('POST', `${PROXY_URL}/chat/completions`, { headers: { Authorization: `Bearer ${env.json.value}` }, body }); break; } catch (e) {
      if (i >= 50 || e.code !== 'ECONNREFUSED') throw e;
      await new Promise((res) => setTimeout(res, 200));
    }
  }
  assert.equal(r.status, 200, `the proxy answered ${r.status}: ${r.text.slice(0, 300)}`);
  assert.equal(r.json.choices[0].message.content, 'Hello from the stub.');
  const call = stub.seen.find((c) => c.url === '/v1/chat/completions' && c.body && c.body.model === MODEL);
  assert.ok(call, 'the provider stub was called');
  assert.ok(call.authorization === `Bearer ${KEY_VALUE}`, 'the proxy sent the key set in the console');
  const b = await apiOk('GET', `/v1/tenants/${TENANT_A}/budget`);
  assert.equal(b.spent, '21.00');
  await withPage(async (page) => {
    await login(page, OPERATOR);
    await page.goto(`${BASE}/console/#/tenants/${TENANT_A}`);
    const budget = page.locator('[data-testid="budget-card"]');
    await budget.locator('[data-testid="budget-spend"] .meter-text').filter({ hasText: /^21\.00 of 25\.00$/ }).waitFor();
    assert.ok(await budget.locator('[data-testid="budget-spend"] .meter-fill').evaluate((e) => e.classList.contains('warn')), '84 % shows as a warning');
    await budget.locator('[data-testid="budget-events"] [data-event="warning"]').filter({ hasText: '80% of 25.00 spent (21.00)' }).waitFor();
    const line = budget.locator(`[data-testid="model-usage-table"] tr[data-line="${TENANT_A}/${PROVIDER}/${MODEL}"]`);
    await line.waitFor();
    const cells = await line.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 2), [PROVIDER, MODEL]);
    assert.equal(cells[cells.length - 1], '21.00');
    assert.equal(cells[2], '1', 'one request');
    assert.equal(await budget.locator('[data-testid="model-usage-table-total"]').innerText(), '21.00');
    const href = await budget.locator('[data-testid="model-usage-csv"]').getAttribute('href');
    assert.equal(href, `/v1/tenants/${TENANT_A}/model-usage?period=${MONTH()}&format=csv`);
    const csv = await page.evaluate(async (u) => { const x = await fetch(u); return { status: x.status, type: x.headers.get('content-type'), text: await x.text() }; }, href);
    assert.equal(csv.status, 200);
    assert.match(csv.type || '', /text\/csv/);
    assert.ok(csv.text.includes(`,${TENANT_A},${PROVIDER},${MODEL},1,5000000,400000,21.00,0`), `the CSV has the line: ${csv.text}`);
    await shot(page, '24-tenant-budget-used');
    // The proxy token is listed with the secrets but not offered for replace or delete.
    const tokenRow = page.locator('[data-testid="secrets-list"] tr[data-secret="CLAWHIVE_PROXY_TOKEN"]');
    await tokenRow.getByText('managed').waitFor();
    assert.equal(await tokenRow.getByRole('button').count(), 0, 'no Replace/Delete for the proxy token');
  });
});

await test('9. tenant admins and viewers see their budget card but cannot edit it, nor open providers or billing', async () => {
  await apiOk('PUT', `/v1/tenants/${TENANT_A}/budget`, { limit: '25.00' });
  const viewer = { user: `br-viewer-${RUN}`, password: crypto.randomBytes(18).toString('base64url') };
  await apiOk('POST', '/v1/users', { name: viewer.user, role: 'tenant-viewer', tenant: TENANT_A, password: viewer.password });
  try {
    for (const [who, cred, budgetShot, deniedShot] of [['tenant admin', ADMIN, '25-tenant-admin-budget', '26-tenant-admin-billing-denied'],
      ['tenant viewer', viewer, '27-tenant-viewer-budget', null]]) {
      await withPage(async (page) => {
        await login(page, cred);
        await page.goto(`${BASE}/console/#/tenants/${TENANT_A}`);
        const budget = page.locator('[data-testid="budget-card"]');
        await budget.locator('[data-testid="budget-spend"] .meter-text').filter({ hasText: / of 25\.00$/ }).waitFor();
        await budget.locator('[data-testid="budget-events"]').waitFor();
        assert.equal(await budget.getByRole('button', { name: 'Edit budget' }).count(), 0, `${who}: no edit button`);
        assert.equal(await page.locator('[data-testid="budget-form"]').count(), 0, `${who}: no budget form`);
        const csvHref = await budget.locator('[data-testid="model-usage-csv"]').getAttribute('href');
        assert.equal(await page.evaluate(async (u) => (await fetch(u)).status, csvHref), 200, `${who}: its own usage export works`);
        await shot(page, budgetShot);
        const nav = await page.locator('nav[aria-label="Main"]').innerText();
        assert.ok(!nav.includes('Providers') && !nav.includes('Billing'), `${who}: operator metering pages are not offered`);
        for (const hash of ['#/providers', '#/billing']) {
          await page.goto(`${BASE}/console/${hash}`);
          await page.locator('[data-testid="denied"]').filter({ hasText: 'Access denied' }).waitFor();
        }
        if (deniedShot) await shot(page, deniedShot);
        // The API refuses too, from this very page (same cookie), whatever the console shows.
        const statuses = await page.evaluate(async ({ a, b }) => {
          const s = await (await fetch('/v1/session')).json();
          const write = (method, url, body) => fetch(url, { method, body: JSON.stringify(body),
            headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token } }).then((r) => r.status);
          const out = {};
          for (const p of ['/v1/billing', '/v1/billing?format=csv', '/v1/providers', '/v1/platform/secrets', `/v1/tenants/${b}/budget`,
            `/v1/tenants/${b}/model-usage`, `/v1/tenants/${a}/budget`, `/v1/tenants/${a}/budget/events`, `/v1/tenants/${a}/model-usage`])
            out[`GET ${p}`] = (await fetch(p)).status;
          out[`PUT /v1/tenants/${a}/budget`] = await write('PUT', `/v1/tenants/${a}/budget`, { limit: '1000.00' });
          out['PUT /v1/providers/x'] = await write('PUT', '/v1/providers/x', { kind: 'openai', base_url: 'http://127.0.0.1:9', key_secret: 'X', models: [] });
          return out;
        }, { a: TENANT_A, b: TENANT_B });
        const expect = {
          'GET /v1/billing': [403], 'GET /v1/billing?format=csv': [403], 'GET /v1/providers': [403], 'GET /v1/platform/secrets': [403],
          [`GET /v1/tenants/${TENANT_B}/budget`]: [403, 404], [`GET /v1/tenants/${TENANT_B}/model-usage`]: [403, 404],
          [`GET /v1/tenants/${TENANT_A}/budget`]: [200], [`GET /v1/tenants/${TENANT_A}/budget/events`]: [200],
          [`GET /v1/tenants/${TENANT_A}/model-usage`]: [200],
          [`PUT /v1/tenants/${TENANT_A}/budget`]: [403], 'PUT /v1/providers/x': [403],
        };
        for (const [k, ok] of Object.entries(expect)) assert.ok(ok.includes(statuses[k]), `${who}: ${k} answered ${statuses[k]}`);
      });
    }
    assert.equal((await apiOk('GET', `/v1/tenants/${TENANT_A}/budget`)).limit, '25.00', 'the budget is unchanged');
  } finally {
    await api('DELETE', `/v1/users/${viewer.user}`);
  }
});

await test('10. the billing page shows the month and its CSV export downloads', async () => {
  const month = MONTH();
  const expected = await apiOk('GET', `/v1/billing?period=${month}`);
  const expectedCsv = await api('GET', `/v1/billing?period=${month}&format=csv`);
  assert.equal(expectedCsv.status, 200);
  assert.ok(expected.lines.some((l) => l.tenant === TENANT_A && l.model === MODEL), 'the request of test 8 is billed');
  await withPage(async (page) => {
    await login(page, OPERATOR);
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByRole('heading', { level: 1, name: 'Billing', exact: true }).waitFor();
    assert.equal(await page.getByLabel('Month', { exact: true }).inputValue(), month, 'the current month by default');
    await page.locator('[data-testid="billing-total"]').filter({ hasText: expected.total_cost }).waitFor();
    const rows = page.locator('[data-testid="billing-table"] tbody tr');
    assert.equal(await rows.count(), expected.lines.length, 'one row per line');
    const line = page.locator(`[data-testid="billing-table"] tr[data-line="${TENANT_A}/${PROVIDER}/${MODEL}"]`);
    const [p5m, p400k] = await page.evaluate(() => [(5000000).toLocaleString(), (400000).toLocaleString()]);
    assert.deepEqual(await line.locator('td').allInnerTexts(), [TENANT_A, PROVIDER, MODEL, '1', p5m, p400k, '0', '21.00'], 'the line as billed');
    assert.equal(await page.locator('[data-testid="billing-table-total"]').innerText(), expected.total_cost);
    await assertLabelled(page, '#/billing');
    assert.equal(await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href'), `/v1/billing?period=${month}&format=csv`);
    assert.equal(await page.getByRole('link', { name: 'Export JSON' }).getAttribute('href'), `/v1/billing?period=${month}&format=json`);
    await shot(page, '28-billing');
    // The CSV link downloads the API's export of that month.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    assert.equal(download.suggestedFilename(), `clawhive-billing-${month}.csv`);
    const text = fs.readFileSync(await download.path(), 'utf8');
    assert.match(text, /^period,tenant,provider,model,requests,prompt_tokens,completion_tokens,cost,estimated_requests,egress_bytes_out,egress_bytes_in,egress_tunnels\r\n/);
    assert.equal(text, expectedCsv.text, 'the download is the API\'s CSV');
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export JSON' }).click()]);
    assert.deepEqual(JSON.parse(fs.readFileSync(await jsonDownload.path(), 'utf8')), expected);
    // Another month: its own, empty, page; the month is in the address.
    await page.getByRole('button', { name: 'Previous month' }).click();
    await page.getByText('No model use in this month').waitFor();
    const prev = new Date(Date.UTC(+month.slice(0, 4), +month.slice(5, 7) - 2, 1)).toISOString().slice(0, 7);
    assert.equal(await page.getByLabel('Month', { exact: true }).inputValue(), prev);
    await waitForHash(page, new RegExp(`^#/billing\\?period=${prev}$`));
    assert.equal(await page.locator('[data-testid="billing-total"]').innerText(), '0.00');
    await page.reload();
    assert.equal(await page.getByLabel('Month', { exact: true }).inputValue(), prev, 'a reload keeps the month');
    await page.getByRole('button', { name: 'Next month' }).click();
    await page.locator('[data-testid="billing-total"]').filter({ hasText: expected.total_cost }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Next month' }).isDisabled(), true, 'no future months');
  });
});

// ------------------------------------------------------------------------------------------ OpenClaw runtimes
// The sandbox has no runtime images: its tenants run the test agent ("command"). Tests 11 and 12 use the
// real API; test 13 stubs the runtime answers inside the page to see a fleet with images.
const OPENCLAW_DEFAULTS = { model: '', heartbeat: false, channels: [] };

await test('11. the runtimes page lists no images and shows the API\'s error for a bad import path', async () => {
  const expected = await api('POST', '/v1/images', { path: '/nonexistent.tar' });
  assert.ok(expected.status >= 400 && expected.json && expected.json.error, `the API refuses it: ${expected.text}`);
  const before = await apiOk('GET', '/v1/images');
  assert.deepEqual(before.images, [], 'the sandbox has no images');
  await withPage(async (page) => {
    await login(page, OPERATOR);
    await page.getByRole('link', { name: 'Runtimes' }).click();
    await waitForHash(page, /^#\/runtimes$/);
    await page.getByRole('heading', { level: 1, name: 'Runtimes', exact: true }).waitFor();
    await page.locator('[data-testid="images-list"]').getByText('No runtime images').waitFor();
    await page.locator('[data-testid="fleet-updates"]').getByText('No fleet updates yet').waitFor();
    assert.equal(await page.locator('[data-testid="fleet-target"]').innerText(), 'No fleet target yet');
    const fleet = page.locator('[data-testid="fleet-form"]');
    assert.equal(await fleet.getByRole('button', { name: 'Start update' }).isDisabled(), true, 'no update without an image');
    assert.equal(await fleet.locator('[data-testid="fleet-plan"]').innerText(), 'Import an image first.');
    await assertLabelled(page, '#/runtimes');
    await shot(page, '29-runtimes-empty');

    const form = page.locator('[data-testid="import-form"]');
    // Checks in the page first: a relative path, a malformed digest.
    await form.getByLabel('Artifact path').fill('openclaw.tar');
    await form.getByRole('button', { name: 'Import image' }).click();
    await form.locator('[data-field="path"] .error-text').filter({ hasText: 'absolute path' }).waitFor();
    await form.getByLabel('Artifact path').fill('/nonexistent.tar');
    await form.getByLabel('Artifact SHA-256').fill('xyz');
    await form.getByRole('button', { name: 'Import image' }).click();
    await form.locator('[data-field="sha256"] .error-text').filter({ hasText: '64 hexadecimal digits' }).waitFor();
    // The server's own message lands next to the path.
    await form.getByLabel('Artifact SHA-256').fill('');
    await form.getByRole('button', { name: 'Import image' }).click();
    const err = form.locator('[data-field="path"] .error-text');
    await err.filter({ hasText: expected.json.error.message }).waitFor();
    assert.equal(await err.innerText(), expected.json.error.message, 'the API\'s message, as it wrote it');
    assert.match(expected.json.error.message, /nonexistent\.tar/);
    assert.equal(await form.getByLabel('Artifact path').getAttribute('aria-invalid'), 'true');
    assert.equal(await form.getByLabel('Artifact SHA-256').getAttribute('aria-invalid'), null, 'only the path is marked');
    const btn = form.getByRole('button', { name: 'Import image' });
    assert.equal(await btn.isDisabled(), false, 'the button is back');
    assert.equal(await form.locator('[data-testid="import-progress"]').innerText(), '', 'the progress is gone');
    assert.deepEqual((await apiOk('GET', '/v1/images')).images, [], 'nothing was imported');
    await shot(page, '30-runtimes-import-error');
  });
});

await test('12. a tenant\'s page shows its runtime and saves its OpenClaw settings (a test-agent tenant)', async () => {
  const secret = `TELEGRAM_BOT_${RUN.toUpperCase()}`;
  try {
    await withPage(async (page) => {
      await login(page, OPERATOR);
      // The list says which runtime each tenant runs.
      await page.goto(`${BASE}/console/#/tenants`);
      await page.locator(`tr[data-tenant="${TENANT_B}"] [data-testid="tenant-runtime"]`).filter({ hasText: /^command$/ }).waitFor();
      await page.goto(`${BASE}/console/#/tenants/${TENANT_B}`);
      const rc = page.locator('[data-testid="runtime-card"]');
      await rc.locator('[data-testid="runtime-image"]').filter({ hasText: /^command/ }).waitFor();
      await rc.getByText('none yet').waitFor(); // the fleet target, once GET /v1/images answered
      assert.equal(await rc.locator('[data-testid="runtime-drift"]').count(), 0, 'a command tenant is not behind any target');
      assert.equal(await rc.getByRole('button', { name: 'Gateway access' }).isDisabled(), true, 'no gateway without an image');
      await rc.getByText('Gateway access needs an OpenClaw runtime image.').waitFor();
      // Pin and unpin: PATCH runtime.pinned, no OpenClaw check for a command tenant.
      await rc.getByRole('button', { name: 'Pin', exact: true }).click();
      await rc.locator('[data-testid="runtime-pinned"]').filter({ hasText: /^pinned/ }).waitFor({ timeout: 20000 });
      assert.equal((await apiOk('GET', `/v1/tenants/${TENANT_B}`)).runtime.pinned, true);
      await rc.getByRole('button', { name: 'Unpin' }).click();
      await rc.locator('[data-testid="runtime-pinned"]').filter({ hasText: /^no/ }).waitFor({ timeout: 20000 });
      assert.deepEqual((await apiOk('GET', `/v1/tenants/${TENANT_B}`)).runtime, { image: '', pinned: false });

      // The OpenClaw settings: a bad secret name is caught in the page; then saved.
      const form = page.locator('[data-testid="openclaw-form"]');
      await assertLabelled(page, 'the tenant page with the OpenClaw settings');
      assert.equal(await form.getByLabel('Model').inputValue(), '');
      await form.getByLabel('Model').fill('gpt-4o-mini');
      await form.getByLabel('Heartbeat every 30 minutes').check();
      await form.getByRole('button', { name: 'Add channel' }).click();
      assert.equal(await form.getByLabel('Channel 1 kind').inputValue(), 'telegram');
      await form.getByLabel('Channel 1 token secret').fill('bad name');
      await form.getByRole('button', { name: 'Save settings' }).click();
      await form.locator('[data-field="channels"] .error-text').filter({ hasText: 'Channel 1: the name of a secret' }).waitFor();
      assert.equal(await form.getByLabel('Channel 1 token secret').getAttribute('aria-invalid'), 'true');
      await form.getByRole('button', { name: 'Add channel' }).click();
      await form.getByLabel('Channel 2 kind').selectOption('telegram');
      await form.getByLabel('Channel 1 token secret').fill(secret.toLowerCase()); // typed in upper case
      assert.equal(await form.getByLabel('Channel 1 token secret').inputValue(), secret);
      await form.getByLabel('Channel 2 token secret').fill('DISCORD_BOT_TOKEN');
      await form.getByRole('button', { name: 'Save settings' }).click();
      await form.locator('[data-field="channels"] .error-text').filter({ hasText: 'Telegram is listed twice' }).waitFor();
      assert.equal(await form.getByRole('button', { name: 'Add channel' }).isDisabled(), true, 'one channel of each kind at most');
      await form.getByRole('button', { name: 'Remove channel 2' }).click();
      assert.equal(await form.getByLabel('Channel 2 kind').count(), 0);
      // Telegram's own options: who may write to the bot (checked in the page), and how updates arrive.
      assert.equal(await form.getByLabel('Channel 1 Telegram mode').inputValue(), 'polling');
      await form.getByLabel('Channel 1 allowed Telegram user ids').fill('424242, @someone');
      await form.getByRole('button', { name: 'Save settings' }).click();
      await form.locator('[data-field="channels"] .error-text').filter({ hasText: '“@someone” is not a Telegram user id' }).waitFor();
      assert.equal(await form.getByLabel('Channel 1 allowed Telegram user ids').getAttribute('aria-invalid'), 'true');
      await form.getByLabel('Channel 1 allowed Telegram user ids').fill('424242, 1001 ');
      // Webhook mode needs the appliance's public URL, which this appliance has not: the API's error shows.
      await form.getByLabel('Channel 1 Telegram mode').selectOption('webhook');
      await form.getByRole('button', { name: 'Save settings' }).click();
      await form.locator('[data-field="channels"] .error-text').filter({ hasText: 'api.public_url' }).waitFor({ timeout: 20000 });
      assert.equal((await apiOk('GET', `/v1/tenants/${TENANT_B}`)).openclaw.channels.length, 0, 'nothing stored');
      await form.getByLabel('Channel 1 Telegram mode').selectOption('polling');
      await form.getByRole('button', { name: 'Save settings' }).click();
      await page.locator('.toast').filter({ hasText: 'OpenClaw settings saved.' }).waitFor({ timeout: 20000 });
      assert.equal(await form.locator('[data-testid="openclaw-msg"]').innerText(), '', 'no error');
      assert.deepEqual((await apiOk('GET', `/v1/tenants/${TENANT_B}`)).openclaw,
        { model: 'gpt-4o-mini', heartbeat: true,
          channels: [{ kind: 'telegram', enabled: true, token_secret: secret, mode: 'polling', allow_from: ['424242', '1001'] }] },
        'the settings are stored (no OpenClaw check: the tenant runs no image)');
      await shot(page, '31-tenant-runtime-openclaw');
      // A reload shows what is stored.
      await page.reload();
      await form.getByLabel('Channel 1 token secret').waitFor();
      assert.equal(await form.getByLabel('Model').inputValue(), 'gpt-4o-mini');
      assert.equal(await form.getByLabel('Heartbeat every 30 minutes').isChecked(), true);
      assert.equal(await form.getByLabel('Channel 1 token secret').inputValue(), secret);
      assert.equal(await form.getByLabel('Channel 1 enabled').isChecked(), true);
      assert.equal(await form.getByLabel('Channel 1 allowed Telegram user ids').inputValue(), '424242, 1001');
      // A Discord channel has no Telegram options.
      await form.getByRole('button', { name: 'Add channel' }).click();
      assert.equal(await form.getByLabel('Channel 2 kind').inputValue(), 'discord');
      assert.equal(await form.getByLabel('Channel 2 Telegram mode').isVisible(), false);
    });

    // A tenant admin: its own settings, no pin or image change (operators only), no gateway without an image.
    await withPage(async (page) => {
      await login(page, ADMIN);
      await waitForHash(page, new RegExp(`^#/tenants/${TENANT_A}$`));
      const rc = page.locator('[data-testid="runtime-card"]');
      await rc.locator('[data-testid="runtime-image"]').filter({ hasText: /^command/ }).waitFor();
      for (const name of ['Pin', 'Unpin', 'Change image'])
        assert.equal(await rc.getByRole('button', { name, exact: true }).count(), 0, `a tenant admin has no ${name} button`);
      assert.equal(await rc.getByText('Fleet target').count(), 0, 'the fleet target is the operators\' business');
      const form = page.locator('[data-testid="openclaw-form"]');
      await form.getByLabel('Heartbeat every 30 minutes').check();
      await form.getByRole('button', { name: 'Save settings' }).click();
      await page.locator('.toast').filter({ hasText: 'OpenClaw settings saved.' }).waitFor({ timeout: 20000 });
      assert.equal((await apiOk('GET', `/v1/tenants/${TENANT_A}`)).openclaw.heartbeat, true);
      await shot(page, '32-tenant-admin-openclaw');
    });
  } finally {
    await api('PUT', `/v1/tenants/${TENANT_A}/openclaw`, OPENCLAW_DEFAULTS);
    await api('PUT', `/v1/tenants/${TENANT_B}/openclaw`, OPENCLAW_DEFAULTS);
  }
});

await test('13. with runtime images (answers stubbed in the page): target, drift, removal refused, a fleet update followed, gateway access', async () => {
  const NEW = 'openclaw-2026.9.6', OLD = 'openclaw-2026.9.5';
  const image = (id, version, usedBy, target) => ({ id, name: 'openclaw', version, node_version: '24.21.0',
    content_sha256: 'a'.repeat(64), built_at: '2026-11-20T10:00:00Z', disk_bytes: 187 * 1024 * 1024, used_by: usedBy, target, problem: null });
  const images = { images: [image(NEW, '2026.9.6', [TENANT_A], true), image(OLD, '2026.9.5', [TENANT_B], false)], target: NEW };
  const update = (state) => ({ id: 7, target: NEW, state, detail: state === 'done' ? `every tenant not pinned is on ${NEW}` : '',
    canaries: [TENANT_A], wave_size: 5, current_wave: state === 'done' ? 1 : 0, created_ms: Date.now() - 60000, finished_ms: state === 'done' ? Date.now() : 0,
    steps: [{ tenant: TENANT_A, from: OLD, wave: 0, state: 'updated', detail: '' },
      { tenant: TENANT_B, from: OLD, wave: 1, state: state === 'done' ? 'rolled-back' : 'pending', detail: state === 'done' ? 'not healthy within 180 s' : '' }] });
  const GATEWAY = { socket: '/run/clawhive/gw/browser-b/25010.sock', token: `ocg_${crypto.randomBytes(16).toString('hex')}` };
  let polls = 0;
  await withPage(async (page) => {
    const json = (route, status, body) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    await page.route(/\/v1\/images(\/[^?]*)?(\?.*)?$/, (route) => {
      const r = route.request();
      if (r.method() === 'GET') return json(route, 200, images);
      if (r.method() === 'DELETE') return json(route, 409, { error: { code: 'conflict', message: `image ${OLD} is used by tenant ${TENANT_B}` } });
      return route.continue();
    });
    await page.route(/\/v1\/fleet\/updates(\?.*)?$/, (route) => json(route, 200, { updates: [update(polls > 0 ? 'done' : 'running')], target: NEW }));
    await page.route(/\/v1\/fleet\/updates\/7$/, (route) => { polls += 1; return json(route, 200, update('done')); });
    await page.route(new RegExp(`/v1/tenants/${TENANT_B}$`), async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const t = await apiOk('GET', `/v1/tenants/${TENANT_B}`); // the real tenant (node side: the pinned certificate)
      return json(route, 200, { ...t, runtime: { image: OLD, pinned: false } });
    });
    await page.route(new RegExp(`/v1/tenants/${TENANT_B}/gateway-token$`), (route) => json(route, 200, GATEWAY));
    await login(page, OPERATOR);
    await page.goto(`${BASE}/console/#/runtimes`);
    const row = page.locator(`[data-testid="images-table"] tr[data-image="${NEW}"]`);
    await row.waitFor();
    assert.equal(await row.locator('[data-testid="target-badge"]').innerText(), 'target');
    assert.equal(await page.locator(`tr[data-image="${OLD}"] [data-testid="target-badge"]`).count(), 0);
    assert.equal(await row.locator('[data-testid="used-by"] a').getAttribute('href'), `#/tenants/${TENANT_A}`);
    assert.ok((await row.innerText()).includes('187 MiB'), 'the size, readable');
    assert.equal(await page.locator('[data-testid="fleet-target"]').innerText(), `Fleet target: ${NEW}`);
    // The running update, then (polled every 2 s) done with a rolled-back tenant.
    const upd = page.locator('[data-testid="fleet-updates"] [data-update="7"]');
    await upd.locator('summary [data-state="running"]').waitFor();
    await upd.locator(`[data-testid="update-steps"] tr[data-step="${TENANT_B}"] [data-state="pending"]`).waitFor();
    assert.equal(await page.locator('[data-testid="fleet-form"]').getByRole('button', { name: 'Start update' }).isDisabled(), true,
      'one update at a time');
    await shot(page, '33-runtimes-fleet-running');
    await upd.locator('summary [data-state="done"]').waitFor({ timeout: 10000 });
    const step = upd.locator(`[data-testid="update-steps"] tr[data-step="${TENANT_B}"]`);
    await step.locator('[data-state="rolled-back"]').waitFor();
    assert.ok((await step.innerText()).includes('not healthy within 180 s'), 'the rollback\'s reason');
    assert.ok(polls >= 1, 'the running update was polled');
    // Removing an image a tenant uses: the API's 409 is shown.
    await page.locator(`tr[data-image="${OLD}"]`).getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove image' }).click();
    await page.locator('[data-testid="images-msg"]').filter({ hasText: `image ${OLD} is used by tenant ${TENANT_B}` }).waitFor();
    await assertLabelled(page, '#/runtimes with images');
    await shot(page, '34-runtimes-images');

    // The tenant on the old image is behind the target; its gateway's token is shown once, then dropped.
    await page.goto(`${BASE}/console/#/tenants/${TENANT_B}`);
    const rc = page.locator('[data-testid="runtime-card"]');
    await rc.locator('[data-testid="runtime-drift"]').filter({ hasText: `behind target ${NEW}` }).waitFor();
    await rc.getByRole('button', { name: 'Gateway access' }).click();
    const reveal = rc.locator('[data-testid="gateway-reveal"]');
    await reveal.waitFor();
    assert.equal(await reveal.getByLabel('Gateway socket', { exact: true }).inputValue(), GATEWAY.socket);
    assert.equal(await reveal.getByLabel('Gateway token', { exact: true }).inputValue(), GATEWAY.token);
    await shot(page, '35-tenant-gateway-access');
    await reveal.getByRole('button', { name: 'Done, hide it' }).click();
    await reveal.waitFor({ state: 'detached' });
    const s = await visibleState(page);
    assert.ok(!s.html.includes(GATEWAY.token) && !s.values.some((v) => v.includes(GATEWAY.token)), 'the token is gone from the page');
  });
});

await test('14. a tenant admin chats with its agent and sees the reply stream in; a stopped agent is explained', async () => {
  await withPage(async (page) => {
    await login(page, ADMIN);
    await waitForHash(page, new RegExp(`^#/tenants/${TENANT_A}$`));
    await page.locator('nav[aria-label="Main"]').getByRole('link', { name: 'Chat' }).click();
    await waitForHash(page, new RegExp(`^#/tenants/${TENANT_A}/chat$`));
    await page.locator('[data-testid="chat-agent-state"] [data-phase="running"]').waitFor();
    await assertLabelled(page, 'the chat page');
    // Every change of the reply's text while it streams, seen from inside the page.
    await page.evaluate(() => {
      window.__replyTexts = [];
      const t = document.querySelector('[data-testid="chat-transcript"]');
      new MutationObserver(() => {
        const el = t.querySelector('.chat-msg.assistant.streaming .chat-text');
        if (el && el.textContent && window.__replyTexts[window.__replyTexts.length - 1] !== el.textContent) window.__replyTexts.push(el.textContent);
      }).observe(t, { subtree: true, childList: true, characterData: true });
    });
    const words = 'one two three four five six seven eight nine ten eleven twelve';
    await page.getByLabel('Message').fill(words);
    await page.getByRole('button', { name: 'Send' }).click();
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
    await reply.filter({ hasText: `echo: ${words}` }).waitFor();
    await page.locator('.chat-msg.streaming').waitFor({ state: 'detached' });
    const texts = await page.evaluate(() => window.__replyTexts);
    assert.ok(texts.length >= 3, `the reply was shown in pieces as it arrived (${JSON.stringify(texts)})`);
    assert.ok(texts.every((t) => `echo: ${words}`.startsWith(t)), 'each piece extends the one before');
    await shot(page, '36-chat-streamed-reply');
    // The conversation is listed and survives a reload (kept in this browser).
    await page.reload();
    await page.locator('[data-testid="chat-list"] [data-conversation]').first().waitFor();
    await page.locator('[data-testid="chat-message"][data-role="user"]').filter({ hasText: words }).waitFor();
    // Another tenant's chat is not found, and its endpoint refuses this session.
    const st = await page.evaluate(async (b) => (await fetch(`/v1/tenants/${b}/openai/v1/models`)).status, TENANT_B);
    assert.equal(st, 404, 'another tenant\'s endpoint is hidden');
  });
  // An operator stops tenant B and opens its chat: the stopped agent is explained, nothing hangs.
  await apiOk('POST', `/v1/tenants/${TENANT_B}/stop`);
  try {
    await withPage(async (page) => {
      await login(page, OPERATOR);
      await page.goto(`${BASE}/console/#/tenants/${TENANT_B}/chat`);
      await page.getByLabel('Message').fill('is anyone there?');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('[data-testid="chat-error"]').filter({ hasText: 'is not running' }).waitFor();
      await shot(page, '37-chat-agent-stopped');
    });
  } finally {
    await apiOk('POST', `/v1/tenants/${TENANT_B}/start`);
  }
});

await stub.close();
await browser.close();
const failed = results.filter((r) => !r.ok);
console.log(`\n${results.length - failed.length} passed, ${failed.length} failed. Screenshots: ${SHOTS}`);
process.exit(failed.length ? 1 : 0);
