// The agent console: polls the queue and the open chat; every write carries the CSRF token.
"use strict";
const state = { selected: null, handoff: null };

function renderList(id, handoffs) {
  const list = $(id);
  list.replaceChildren(...handoffs.map((h) => {
    const item = el("li", undefined, h.id === state.selected ? "selected" : "");
    item.dataset.handoff = h.id;
    const asked = (h.summary.asked || []).slice(-1)[0] || "(no message)";
    item.append(el("span", asked));
    const cart = h.summary.cart_value !== undefined ? ` · cart ${money(h.summary.cart_value)}` : "";
    const extra = h.status === "waiting" ? ` · #${h.position} in line` : h.owner ? ` · ${h.owner}` : h.contact ? ` · ${h.contact}` : "";
    item.append(el("small", `${h.reason}${cart}${extra}`));
    item.addEventListener("click", () => select(h.id));
    return item;
  }));
}

async function refreshQueue() {
  const q = await api("/api/queue");
  $("online").textContent = `${q.agents_online} agent(s) online`;
  renderList("waiting", q.waiting); renderList("mine", q.mine);
  renderList("others", q.others); renderList("missed", q.missed);
}

function renderSummary(h, slots) {
  const s = h.summary || {};
  const dl = el("dl");
  const add = (term, value) => { dl.append(el("dt", term), el("dd", value)); };
  add("Why", h.reason);
  add("Status", h.owner ? `${h.status} by ${h.owner}` : h.status);
  add("Shopper asked", (s.asked || []).join(" / ") || "-");
  const cart = slots.cart || [];
  add("Cart", cart.length ? cart.map((l) => `${l.qty} x ${l.title || l.id}`).join(", ") + ` (${money(s.cart_value)})` : "empty");
  add("Bot suggested", (s.suggested || []).join(", ") || "-");
  if (h.contact) add("Contact", h.contact);
  $("summary").replaceChildren(dl);
}

function renderTranscript(lines) {
  const list = $("transcript");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...lines.map(transcriptItem));
  if (atBottom) list.scrollTop = list.scrollHeight;
}

async function refreshChat() {
  if (state.selected === null) return;
  try {
    const chat = await api(`/api/chats/${state.selected}`);
    state.handoff = chat.handoff;
    renderSummary(chat.handoff, chat.slots);
    renderTranscript(chat.transcript);
    const mine = chat.handoff.status === "owned" && chat.handoff.owner === session.me;
    $("take").hidden = chat.handoff.status !== "waiting";
    $("compose").hidden = !mine; $("hand-back").hidden = !mine;
    $("chat-error").hidden = true;
  } catch (err) { showError(err); }
}

function showError(err) { $("chat-error").textContent = err.message; $("chat-error").hidden = false; }

async function select(id) {
  state.selected = id; $("chat").hidden = false;
  await refreshChat(); await refreshQueue();
}

async function act(path, body) {
  try {
    await api(path, { method: "POST", body: body ? JSON.stringify(body) : undefined });
    await refreshChat(); await refreshQueue();
  } catch (err) { showError(err); }
}

$("take").addEventListener("click", () => act(`/api/chats/${state.selected}/take`));
$("hand-back").addEventListener("click", () => act(`/api/chats/${state.selected}/hand-back`));
$("compose").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("message").value.trim();
  if (!text) return;
  $("message").value = "";
  act(`/api/chats/${state.selected}/messages`, { text });
});

(async function start() {
  await startSession();
  await refreshQueue();
  setInterval(() => refreshQueue().catch(showError), 2000);
  setInterval(() => refreshChat(), 1000);
})();
