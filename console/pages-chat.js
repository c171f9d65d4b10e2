// Chat with a tenant's agent: a conversation list, a transcript, and a reply that is shown as it streams in
// (fetch + ReadableStream over the server-sent events of POST /v1/tenants/{id}/openai/v1/chat/completions).
//
// Where conversations live: in this browser (localStorage, one key per signed-in user and tenant), and
// removed at sign-out. The appliance keeps no transcripts of its own: the agent keeps each conversation's
// context in its own session (OpenClaw derives it from the `user` field, here "conv:<id>"), so only the
// new message is sent each turn, and the supervisor never becomes a second store of customer content
// with its own retention, backup and deletion duties. The cost: the list is per browser, not per account.
import { get, path, postStream, sseData, ApiError } from './api.js';
import { h, mount, notice, button, pageHead, phaseBadge, emptyState, confirmDialog, fmtAgo } from './dom.js';
import { state, mayWrite, deniedBlock } from './state.js';

const PREFIX = 'clawhive.chat.v1.';
const MAX_CONVERSATIONS = 50;
const MAX_MESSAGES = 200;
const MAX_INPUT = 32 * 1024;

const storageKey = (tenant) => `${PREFIX}${state.session.user}.${tenant}`;

function loadConversations(tenant) {
  try {
    const doc = JSON.parse(localStorage.getItem(storageKey(tenant)) || '[]');
    return Array.isArray(doc) ? doc.filter((c) => c && typeof c.id === 'string' && Array.isArray(c.messages)) : [];
  } catch { return []; }
}
function saveConversations(tenant, list) {
  const kept = list.slice(0, MAX_CONVERSATIONS).map((c) => ({ ...c, messages: c.messages.slice(-MAX_MESSAGES) }));
  try { localStorage.setItem(storageKey(tenant), JSON.stringify(kept)); } catch { /* full: the page keeps them */ }
}

// At sign-out: every conversation this browser kept (app.js calls it).
export function forgetConversations() {
  try {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const k = localStorage.key(i);
      if (k && k.startsWith(PREFIX)) localStorage.removeItem(k);
    }
  } catch { /* storage off */ }
}

function newId() {
  const b = new Uint8Array(9);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

// What a refusal means for the person chatting, in words.
function explain(e, tenant) {
  if (!(e instanceof ApiError)) return 'The reply broke off. Try again.';
  switch (e.code) {
    case 'agent_not_running': return `The agent of ${tenant} is not running. ${mayWrite(tenant) ? 'Start it from the tenant page, then try again.' : 'Ask an administrator to start it.'}`;
    case 'agent_not_ready': return 'The agent is starting or not answering its health checks. Try again in a few seconds.';
    case 'agent_timeout': return 'The agent did not answer in time. Try again.';
    case 'agent_unreachable': case 'agent_broken_answer': case 'agent_refused_appliance':
      return `The agent could not be reached (${e.message}).`;
    case 'busy': return 'The appliance is handling many conversations right now. Try again shortly.';
    default: return e.message;
  }
}

export async function chatPage(ctx) {
  const id = ctx.params.id;
  let tenant;
  try {
    tenant = await ctx.get(path`/v1/tenants/${id}`);
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 403)) throw e;
    ctx.setHeader('Tenant not found', [['Tenants', '#/tenants'], [id]]);
    mount(ctx.content, deniedBlock('Tenant not found', `There is no tenant "${id}", or you do not have access to it.`));
    return;
  }
  const tenantHref = `#/tenants/${encodeURIComponent(id)}`;
  ctx.setHeader('Chat', [['Tenants', '#/tenants'], [id, tenantHref], ['Chat']]);
  if (!mayWrite(id)) {
    mount(ctx.content, pageHead(`Chat with ${tenant.display_name || id}`),
      deniedBlock('Chat is not available to your role', 'Talking to the agent takes a tenant admin or an operator: it can spend the tenant\'s model budget and act with the agent\'s tools.'));
    return;
  }

  let conversations = loadConversations(id);
  let active = conversations[0] || null;
  let streaming = null; // AbortController of the reply in progress

  const stateHost = h('span', { 'data-testid': 'chat-agent-state' });
  const listHost = h('ul', { class: 'chat-list', 'aria-label': 'Conversations', 'data-testid': 'chat-list' });
  const transcript = h('ol', { class: 'chat-transcript', 'aria-live': 'polite', 'data-testid': 'chat-transcript' });
  const msgHost = h('div', { 'aria-live': 'polite', 'data-testid': 'chat-error' });
  const input = h('textarea', { name: 'message', rows: '3', maxlength: String(MAX_INPUT), placeholder: 'Write a message…' });
  const send = h('button', { type: 'submit', class: 'btn primary', 'data-testid': 'chat-send' }, 'Send');
  const stop = button('Stop', { icon: 'stop', onClick: () => streaming && streaming.abort() });
  stop.hidden = true;
  const form = h('form', { class: 'chat-form', novalidate: true },
    h('label', { for: 'chat-input', class: 'sr-only' }, 'Message'), input, h('div', { class: 'chat-form-actions' }, stop, send));
  input.id = 'chat-input';

  function renderState(t) {
    const up = t.phase === 'running' && t.status && t.status.healthy;
    mount(stateHost, phaseBadge(t.phase), up ? null : h('span', { class: 'hint' },
      ' The agent must be running to answer.'));
  }
  renderState(tenant);

  function renderList() {
    mount(listHost, conversations.length ? conversations.map((c) => h('li', { 'data-conversation': c.id },
      h('button', { type: 'button', class: ['chat-conv', active && active.id === c.id ? 'active' : ''],
        'aria-current': active && active.id === c.id ? 'true' : null, onclick: () => { if (!streaming) { active = c; renderAll(); } } },
      h('span', { class: 'chat-conv-title' }, c.title || 'New conversation'),
      h('span', { class: 'chat-conv-when' }, fmtAgo(c.updated))))) : h('li', { class: 'hint' }, 'No conversations yet.'));
  }

  function bubble(m) {
    return h('li', { class: ['chat-msg', m.role], 'data-role': m.role, 'data-testid': 'chat-message' },
      h('div', { class: 'chat-who' }, m.role === 'user' ? 'You' : 'Agent'),
      h('div', { class: 'chat-text' }, m.content));
  }

  function renderTranscript() {
    if (!active || !active.messages.length) {
      mount(transcript, h('li', { class: 'chat-empty' }, emptyState('Start a conversation', 'Your message goes to this tenant\'s agent; its reply appears as it is written.')));
      return;
    }
    mount(transcript, active.messages.map(bubble));
    transcript.scrollTop = transcript.scrollHeight;
  }

  function renderAll() { renderList(); renderTranscript(); }

  function newConversation() {
    if (streaming) return;
    active = null;
    mount(msgHost);
    renderAll();
    input.focus();
  }

  async function deleteConversation() {
    if (!active || streaming) return;
    const ok = await confirmDialog({ title: 'Delete conversation', message: 'It is removed from this browser. The agent may still remember it.', confirmLabel: 'Delete', danger: true });
    if (!ok) return;
    conversations = conversations.filter((c) => c.id !== active.id);
    active = conversations[0] || null;
    saveConversations(id, conversations);
    renderAll();
  }

  async function submit() {
    const text = input.value.trim();
    if (!text || streaming) return;
    mount(msgHost);
    if (!active) {
      active = { id: newId(), title: text.slice(0, 60), created: Date.now(), updated: Date.now(), messages: [] };
      conversations.unshift(active);
    }
    const conv = active;
    conv.messages.push({ role: 'user', content: text });
    conv.updated = Date.now();
    conversations = [conv, ...conversations.filter((c) => c !== conv)];
    input.value = '';
    renderAll();
    const reply = { role: 'assistant', content: '' };
    const replyEl = bubble(reply);
    replyEl.classList.add('streaming');
    const replyText = replyEl.querySelector('.chat-text');
    transcript.appendChild(replyEl);
    streaming = new AbortController();
    ctx.signal.addEventListener('abort', () => streaming && streaming.abort(), { once: true });
    send.disabled = true;
    stop.hidden = false;
    let failure = null;
    try {
      const res = await postStream(path`/v1/tenants/${id}/openai/v1/chat/completions`,
        { model: 'openclaw', stream: true, user: `conv:${conv.id}`, messages: [{ role: 'user', content: text }] },
        { signal: streaming.signal });
      for await (const data of sseData(res, streaming.signal)) {
        if (data === '[DONE]') break;
        let doc;
        try { doc = JSON.parse(data); } catch { continue; }
        if (doc.error) { failure = new ApiError(502, doc.error.code || '', doc.error.message || 'the agent failed'); break; }
        const delta = doc.choices && doc.choices[0] && doc.choices[0].delta;
        if (delta && typeof delta.content === 'string') {
          reply.content += delta.content;
          replyText.textContent = reply.content;
          transcript.scrollTop = transcript.scrollHeight;
        }
      }
    } catch (e) {
      if (!(e && e.name === 'AbortError')) failure = e;
    }
    const stopped = streaming.signal.aborted;
    streaming = null;
    send.disabled = false;
    stop.hidden = true;
    replyEl.classList.remove('streaming');
    if (reply.content) conv.messages.push(reply);
    else replyEl.remove();
    if (stopped && reply.content) reply.content += ' [stopped]';
    saveConversations(id, conversations);
    if (!ctx.alive) return;
    renderAll();
    if (failure) {
      mount(msgHost, notice('error', explain(failure, id)));
      if (failure instanceof ApiError && failure.status === 503) {
        try { renderState(await get(path`/v1/tenants/${id}`, { signal: ctx.signal })); } catch { /* keep the last state */ }
      }
    }
    input.focus();
  }

  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
  });

  mount(ctx.content,
    pageHead(`Chat with ${tenant.display_name || id}`, h('span', null, 'Agent: ', stateHost),
      h('div', { class: 'actions' },
        // OpenClaw's own UI of this agent, behind the same sign-in (docs/openclaw.md, "OpenClaw's Control UI").
        tenant.runtime && tenant.runtime.image ? h('a', { class: 'btn', href: `/v1/tenants/${encodeURIComponent(id)}/control-ui/`,
          target: '_blank', rel: 'noopener', 'data-testid': 'control-ui-link' }, 'OpenClaw Control UI') : null,
        h('a', { class: 'btn', href: tenantHref }, 'Tenant page'))),
    h('div', { class: 'chat' },
      h('aside', { class: 'chat-side card' },
        h('div', { class: 'chat-side-head' },
          button('New conversation', { kind: 'primary small', icon: 'plus', onClick: newConversation }),
          button('Delete', { kind: 'ghost small', icon: 'trash', onClick: deleteConversation, attrs: { 'aria-label': 'Delete conversation' } })),
        listHost,
        h('p', { class: 'hint chat-note' }, 'Conversations are kept in this browser until you sign out.')),
      h('section', { class: 'chat-main card', 'aria-label': 'Conversation' }, transcript, msgHost, form)));
  renderAll();
  ctx.every(async () => {
    try { renderState(await ctx.get(path`/v1/tenants/${id}`)); } catch { /* shown at the next send */ }
  }, 10000);
}

