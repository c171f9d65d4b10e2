// chat-smoke: an installed appliance's tenant answers a chat turn, checked the way a customer reaches it —
// HTTPS to the appliance's API and console only, no shell on the appliance (issue 13's acceptance).
// Run by tests/package/run (inside the package sandbox's network namespace) and images/iso/boot-test
// (over QEMU's forwarded loopback port), through ./chat-smoke, which installs playwright-core first.
//
//   node chat-smoke.mjs --url https://127.0.0.1:8470 --fingerprint AA:BB:...  (the installer's "SHA-256" line)
//        --operator admin --operator-password-file FILE  --tenant alpha --other-tenant beta-team
//        --model stub-model --expect 'Stub reply' [--screenshots DIR] [--prefix package_]
//        [--ready-timeout 300] [--turn-timeout 180] [--provider-key-secret NAME --provider-key-file FILE]
//        [--control-ui]
//
// 1. The certificate the appliance presents must have the installer's SHA-256 fingerprint; every request
//    and the browser are pinned to it.
// 2. The operator signs in (POST /v1/session, the password the installer shows) and makes, through the
//    API: a tenant-admin and a tenant-viewer token of the tenant, a tenant-admin token of another tenant
//    (created stopped if it does not exist) and a tenant-admin user for the console. With
//    --provider-key-secret it first stores the model provider's key (the file's first line) as that platform
//    secret (PUT /v1/platform/secrets/NAME), as an operator does when the answer file named no key_file.
// 3. The tenant's endpoint, with the tenant token: /openai/v1/models answers 200 (the agent is ready), a
//    chat turn answers 200 with the model's reply (--expect), a streamed one as text/event-stream ending in
//    [DONE]; without a token 401, with the tenant-viewer's token 403 (chatting is a write), with the other
//    tenant's token 404 (as for a tenant that does not exist; docs/api.md), and the tenant token on the
//    other tenant's endpoint 404. The turns show in the tenant's model usage (--model's requests grow).
// 4. The console in headless Chromium: the user signs in, opens the tenant's chat page, sends a message
//    and sees the reply stream in (--expect).
// 4b. With --control-ui (the client must not be on the appliance's loopback: OpenClaw cannot attribute such
//    a client): OpenClaw's Control UI at /v1/tenants/<tenant>/control-ui/ refuses no credentials (401) and
//    the other tenant's token (404), and a WebSocket from a foreign Origin (403); in the same browser
//    session the page loads, its WebSocket through the front completes OpenClaw's connect handshake (the
//    gateway accepted the front's identity), and a message sent in the UI gets the model's reply (--expect).
// 5. The tokens are revoked, the user and a tenant created in 2 deleted, the session ended.
// Prints "name value unit" lines (prefixed by --prefix); exit 1 on any failed check.
import { chromium } from 'playwright-core';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string' }, fingerprint: { type: 'string' }, operator: { type: 'string' },
    'operator-password-file': { type: 'string' }, tenant: { type: 'string' }, 'other-tenant': { type: 'string' },
    model: { type: 'string' }, expect: { type: 'string' }, screenshots: { type: 'string' },
    prefix: { type: 'string', default: '' }, 'ready-timeout': { type: 'string', default: '300' },
    'turn-timeout': { type: 'string', default: '180' },
    'provider-key-secret': { type: 'string' }, 'provider-key-file': { type: 'string' },
    'control-ui': { type: 'boolean', default: false },
  },
});
for (const k of ['url', 'fingerprint', 'operator', 'operator-password-file', 'tenant', 'other-tenant', 'model', 'expect']) {
  if (!opt[k]) { console.error(`chat-smoke: --${k} is missing`); process.exit(2); }
}
const BASE = opt.url.replace(/\/$/, '');
const TENANT = opt.tenant;
const OTHER = opt['other-tenant'];
const EXPECT = opt.expect;
const READY_MS = Number(opt['ready-timeout']) * 1000;
const TURN_MS = Number(opt['turn-timeout']) * 1000;
const RUN = crypto.randomBytes(3).toString('hex');
const t0 = Date.now();

const log = (m) => console.log(`chat-smoke: ${m}`);
const metric = (name, secs) => console.log(`${opt.prefix}${name} ${secs.toFixed(1)} s`);
const since = (t) => (Date.now() - t) / 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let failures = 0;
function check(ok, what) {
  if (ok) return true;
  failures++;
  console.error(`chat-smoke: FAIL: ${what}`);
  return false;
}
function die(what) {
  console.error(`chat-smoke: FAIL: ${what}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------- 1. the certificate
const { hostname, port } = new URL(BASE);
const peer = await new Promise((resolve, reject) => {
  const s = tls.connect({ host: hostname, port: Number(port || 443), rejectUnauthorized: false, servername: undefined }, () => {
    const c = s.getPeerX509Certificate();
    s.end();
    resolve(c);
  });
  s.on('error', reject);
  s.setTimeout(10000, () => s.destroy(new Error(`${BASE}: TLS handshake timed out`)));
}).catch((e) => die(`no TLS connection to ${BASE}: ${e.message}`));
const wanted = opt.fingerprint.replace(/^SHA-?256\s*/i, '').trim().toUpperCase();
if (peer.fingerprint256 !== wanted) die(`the appliance's certificate is ${peer.fingerprint256}, the installer showed ${wanted}`);
const CERT_PEM = peer.toString();
const CERT_SPKI = crypto.createHash('sha256').update(peer.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
log(`certificate ${peer.fingerprint256.slice(0, 23)}... as the installer showed`);

// One request, pinned to that certificate: { status, json, text, headers }. `body` goes as JSON.
const agent = new https.Agent({
  ca: CERT_PEM, keepAlive: false,
  checkServerIdentity: (_h, cert) => (cert.fingerprint256 === wanted ? undefined : new Error(`certificate ${cert.fingerprint256} is not the pinned one`)),
});
function request(method, urlPath, { headers = {}, body, timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const req = https.request(`${BASE}${urlPath}`, {
      agent, method,
      headers: { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, text, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${urlPath}: no answer in ${timeoutMs / 1000} s`)));
    if (data) req.write(data);
    req.end();
  });
}
const bearer = (token) => ({ Authorization: `Bearer ${token}` });
async function must(r, expect, what) {
  const res = await r;
  if (!expect.includes(res.status)) die(`${what}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return res;
}

// ---------------------------------------------------------------------------- 2. the operator sets things up
const operatorPassword = fs.readFileSync(opt['operator-password-file'], 'utf8').replace(/\r?\n$/, '');
const signIn = await must(request('POST', '/v1/session', { body: { user: opt.operator, password: operatorPassword } }), [200, 201],
  `the operator ${opt.operator} signs in`);
const cookie = String(signIn.headers['set-cookie'] || '').split(';')[0];
if (!cookie.startsWith('clawhive_session=')) die(`the sign-in set no session cookie: ${signIn.headers['set-cookie']}`);
const op = { Cookie: cookie, 'X-CSRF-Token': signIn.json.csrf_token };
const operator = (method, urlPath, body) => request(method, urlPath, { headers: op, body });

const made = { tokens: [], user: null, other: false };
async function cleanUp() {
  for (const { tenant, id } of made.tokens) await operator('DELETE', `/v1/tenants/${tenant}/tokens/${id}`).catch(() => {});
  if (made.user) await operator('DELETE', `/v1/tenants/${TENANT}/users/${made.user}`).catch(() => {});
  if (made.other) await operator('DELETE', `/v1/tenants/${OTHER}?workspace=remove`).catch(() => {});
  await operator('DELETE', '/v1/session').catch(() => {});
}
async function token(tenant, role) {
  const r = await must(operator('POST', `/v1/tenants/${tenant}/tokens`, { name: `chat-smoke-${role}-${RUN}`, role, ttl_days: 1 }), [201],
    `a ${role} token of ${tenant}`);
  made.tokens.push({ tenant, id: r.json.id });
  return r.json.token;
}

// A WebSocket upgrade sent by hand: the status line the front answers.
function upgradeStatus(urlPath, headers) {
  return new Promise((resolve, reject) => {
    const req = https.request(`${BASE}${urlPath}`, {
      agent, headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': crypto.randomBytes(16).toString('base64'), ...headers },
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.setTimeout(20000, () => req.destroy(new Error(`upgrade ${urlPath}: no answer`)));
    req.end();
  });
}

// 4b. OpenClaw's own Control UI through the front, in the signed-in browser `page`.
async function controlUi(page, shot, otherToken) {
  const ui = `/v1/tenants/${TENANT}/control-ui/`;
  const refused = [
    ['no credentials', (await request('GET', ui)).status, 401],
    [`a token of ${OTHER}`, (await request('GET', ui, { headers: bearer(otherToken) })).status, 404],
    ['a WebSocket from another origin', await upgradeStatus(ui.replace(/\/$/, ''), { Cookie: cookie, Origin: 'https://evil.example' }), 403],
  ];
  for (const [who, status, want] of refused) check(status === want, `the Control UI with ${who} answered ${status}, not ${want}`);
  log('Control UI refused: no credentials 401, another tenant\'s token 404, a foreign origin\'s WebSocket 403');
  const frames = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  const connected = () => frames.some((f) => { try { const m = JSON.parse(f); return m.type === 'res' && m.ok === true && m.payload?.type === 'hello-ok'; } catch { return false; } });
  try {
    let t = Date.now();
    const res = await page.goto(`${BASE}${ui}`);
    check(res.status() === 200, `the Control UI's page answered ${res.status()}`);
    for (let i = 0; i < 120 && !connected(); i++) await sleep(250);
    if (!check(connected(), `the Control UI's WebSocket never completed OpenClaw's handshake; frames: ${frames.slice(0, 4).join(' | ').slice(0, 600)}`)) {
      await shot('control-ui-not-connected');
      return;
    }
    metric('control_ui_connect_s', since(t));
    const message = `Hello from the Control UI, ${RUN}.`;
    const box = page.locator('textarea:visible').first();
    await box.waitFor({ timeout: 30000 });
    await box.fill(message);
    t = Date.now();
    await box.press('Enter');
    await page.getByText(EXPECT).first().waitFor({ timeout: TURN_MS });
    metric('control_ui_turn_s', since(t));
    await shot('control-ui-reply');
    log(`Control UI: the page loaded through the front, its WebSocket was accepted, a message got "${EXPECT}"`);
  } catch (e) {
    await shot('control-ui-failed');
    check(false, `the Control UI: ${String(e && e.message || e).split('\n')[0]}`);
  }
}

let browser = null;
try {
  await must(operator('GET', `/v1/tenants/${TENANT}`), [200], `the tenant ${TENANT}`);
  if (opt['provider-key-secret']) {
    const value = fs.readFileSync(opt['provider-key-file'], 'utf8').split(/\r?\n/)[0];
    await must(operator('PUT', `/v1/platform/secrets/${opt['provider-key-secret']}`, { value }), [200, 201],
      `the provider key ${opt['provider-key-secret']}`);
    log(`stored the provider's key as the platform secret ${opt['provider-key-secret']}`);
  }
  if ((await operator('GET', `/v1/tenants/${OTHER}`)).status === 404) {
    await must(operator('POST', '/v1/tenants', { id: OTHER, desired: 'stopped', resources: { memory_high: '192M', memory_max: '256M' } }),
      [201], `the other tenant ${OTHER}, stopped`);
    made.other = true;
  }
  const tenantToken = await token(TENANT, 'tenant-admin');
  const viewerToken = await token(TENANT, 'tenant-viewer');
  const otherToken = await token(OTHER, 'tenant-admin');
  const user = { name: `chat-${RUN}`, password: crypto.randomBytes(18).toString('base64url') };
  await must(operator('POST', `/v1/tenants/${TENANT}/users`, { name: user.name, role: 'tenant-admin', password: user.password }), [201],
    `a tenant-admin user of ${TENANT}`);
  made.user = user.name;
  log(`signed in as ${opt.operator}; made tenant-admin and tenant-viewer tokens of ${TENANT}, a token of ${OTHER}, user ${user.name}`);

  // ------------------------------------------------------------------------- 3. the tenant's endpoint
  const ep = `/v1/tenants/${TENANT}/openai/v1`;
  let t = Date.now();
  let last = null;
  for (;;) {
    last = await request('GET', `${ep}/models`, { headers: bearer(tenantToken) }).catch((e) => ({ status: 0, text: e.message }));
    if (last.status === 200 || Date.now() - t > READY_MS) break;
    await sleep(1000);
  }
  if (last.status !== 200) die(`${ep}/models did not answer 200 within ${READY_MS / 1000} s: HTTP ${last.status} ${last.text.slice(0, 300)}`);
  metric('chat_endpoint_ready_s', since(t));

  const usage = async () => {
    const r = await must(request('GET', `/v1/tenants/${TENANT}/model-usage`, { headers: bearer(tenantToken) }), [200], 'the model usage');
    return (r.json.lines || []).filter((l) => l.model === opt.model).reduce((n, l) => n + l.requests, 0);
  };
  const before = await usage();

  const turn = (message, extra = {}, headers = bearer(tenantToken), tenant = TENANT) =>
    request('POST', `/v1/tenants/${tenant}/openai/v1/chat/completions`, {
      headers, timeoutMs: TURN_MS,
      body: { model: 'openclaw', user: `chat-smoke-${RUN}`, messages: [{ role: 'user', content: message }], ...extra },
    });
  t = Date.now();
  const r1 = await turn('Say hello.');
  metric('chat_turn_s', since(t));
  if (check(r1.status === 200, `the chat turn answered HTTP ${r1.status}: ${r1.text.slice(0, 400)}`)) {
    const content = r1.json?.choices?.[0]?.message?.content ?? '';
    check(String(content).includes(EXPECT), `the chat turn's reply ${JSON.stringify(String(content).slice(0, 200))} lacks "${EXPECT}"`);
    log(`chat turn through ${ep}/chat/completions: 200, "${String(content).slice(0, 60)}"`);
  }

  t = Date.now();
  const r2 = await turn('And once more, streamed.', { stream: true });
  metric('chat_stream_turn_s', since(t));
  if (check(r2.status === 200, `the streamed chat turn answered HTTP ${r2.status}: ${r2.text.slice(0, 400)}`)) {
    check(/^text\/event-stream/.test(r2.headers['content-type'] || ''), `the streamed turn is ${r2.headers['content-type']}, not text/event-stream`);
    const events = r2.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
    check(events[events.length - 1] === '[DONE]', 'the stream does not end with [DONE]');
    const text = events.filter((e) => e !== '[DONE]').map((e) => { try { return JSON.parse(e).choices?.[0]?.delta?.content ?? ''; } catch { return ''; } }).join('');
    check(text.includes(EXPECT), `the streamed reply ${JSON.stringify(text.slice(0, 200))} lacks "${EXPECT}"`);
    log(`streamed chat turn: ${events.length} events, "${text.slice(0, 60)}"`);
  }

  const refused = [
    ['no token', await turn('hi', {}, {}), 401],
    [`a tenant-viewer token of ${TENANT}`, await turn('hi', {}, bearer(viewerToken)), 403],
    [`a token of ${OTHER}`, await turn('hi', {}, bearer(otherToken)), 404],
    [`${TENANT}'s token on ${OTHER}'s endpoint`, await turn('hi', {}, bearer(tenantToken), OTHER), 404],
  ];
  for (const [who, r, status] of refused) check(r.status === status, `a chat turn with ${who} answered ${r.status}, not ${status}: ${r.text.slice(0, 200)}`);
  log(`refused: no token 401, tenant-viewer 403, another tenant's token 404, ${TENANT}'s token on ${OTHER} 404`);

  let after = before;
  for (let i = 0; i < 60 && after < before + 2; i++) { await sleep(500); after = await usage(); }
  check(after >= before + 2, `${TENANT}'s ${opt.model} requests went from ${before} to ${after}, not up by the 2 turns`);
  log(`${TENANT}'s model usage: ${opt.model} requests ${before} -> ${after}`);

  // ------------------------------------------------------------------------- 4. the console's chat page
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', `--ignore-certificate-errors-spki-list=${CERT_SPKI}`],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  context.setDefaultTimeout(30000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught error in the page: ${e.message}`));
  page.on('dialog', async (d) => { problems.push(`a ${d.type()} dialog opened`); await d.dismiss().catch(() => {}); });
  const shot = async (name) => {
    if (!opt.screenshots) return;
    fs.mkdirSync(opt.screenshots, { recursive: true });
    await page.screenshot({ path: path.join(opt.screenshots, `${name}.png`), fullPage: true }).catch(() => {});
  };
  try {
    await page.goto(`${BASE}/`);
    await page.getByLabel('User name').fill(user.name);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid="current-user"]').filter({ hasText: user.name }).waitFor();
    await page.locator('nav[aria-label="Main"]').getByRole('link', { name: 'Chat' }).click();
    await page.waitForFunction((id) => location.hash === `#/tenants/${id}/chat`, TENANT);
    await page.locator('[data-testid="chat-agent-state"] [data-phase="running"]').waitFor();
    // Every text the reply shows while it streams, seen from inside the page.
    await page.evaluate(() => {
      window.__pieces = [];
      const tr = document.querySelector('[data-testid="chat-transcript"]');
      new MutationObserver(() => {
        const el = tr.querySelector('.chat-msg.assistant.streaming .chat-text');
        if (el && el.textContent && window.__pieces[window.__pieces.length - 1] !== el.textContent) window.__pieces.push(el.textContent);
      }).observe(tr, { subtree: true, childList: true, characterData: true });
    });
    const message = `Hello from the console, ${RUN}.`;
    await page.getByLabel('Message').fill(message);
    t = Date.now();
    await page.getByRole('button', { name: 'Send' }).click();
    const reply = page.locator('[data-testid="chat-message"][data-role="assistant"]').last();
    await reply.filter({ hasText: EXPECT }).waitFor({ timeout: TURN_MS });
    await page.locator('.chat-msg.streaming').waitFor({ state: 'detached', timeout: TURN_MS });
    metric('chat_page_turn_s', since(t));
    const pieces = await page.evaluate(() => window.__pieces);
    const final = (await reply.locator('.chat-text').innerText()).trim();
    check(pieces.length >= 1, 'the reply was never shown while it streamed');
    await page.locator('[data-testid="chat-message"][data-role="user"]').filter({ hasText: message }).waitFor();
    await page.locator('[data-testid="chat-list"] [data-conversation]').first().waitFor();
    check(problems.length === 0, `the page reported problems: ${problems.join('; ')}`);
    await shot('chat-smoke-reply');
    log(`console: ${user.name} signed in, sent a message on #/tenants/${TENANT}/chat, the reply streamed in (${pieces.length} update(s)): "${final.slice(0, 60)}"`);
  } catch (e) {
    await shot('chat-smoke-failed');
    check(false, `the console's chat page: ${String(e && e.message || e).split('\n')[0]}`);
  }
  if (opt['control-ui']) await controlUi(page, shot, otherToken);
} catch (e) {
  check(false, String(e && e.stack || e));
} finally {
  if (browser) await browser.close().catch(() => {});
  await cleanUp();
}
metric('chat_smoke_s', since(t0));
if (failures) { console.error(`chat-smoke: ${failures} check(s) failed`); process.exit(1); }
log('all checks passed');
