// Shared by the agent and review consoles: the JSON API with CSRF, safe DOM building, the transcript.
"use strict";
const $ = (id) => document.getElementById(id);
const session = { me: null, role: null, csrf: "" };

async function api(path, options = {}) {
  const headers = { "X-CSRF-Token": session.csrf, ...(options.body ? { "Content-Type": "application/json" } : {}) };
  const response = await fetch(path, { credentials: "same-origin", ...options, headers });
  if (response.status === 401) { location.href = "/login"; throw new Error("logged out"); }
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}

function el(tag, text, className) {   // textContent only: shopper text is never parsed as HTML
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function money(value) { return "$" + Number(value || 0).toFixed(2); }

function transcriptItem(line) {
  const item = el("li", line.text, line.who);
  if (line.cards && line.cards.length) item.append(el("span", "Cards: " + line.cards.map((c) => c.title).join(", "), "meta"));
  const who = line.who === "agent" ? line.agent : line.who;
  const intent = line.intent ? ` · ${line.intent} ${(line.confidence || 0).toFixed(2)}` : "";
  const entities = (line.entities || []).map((e) => ` · ${e.entity}=${e.value}`).join("");
  if (!["system", "action", "slot"].includes(line.who)) item.append(el("span", `${who}${intent}${entities}`, "meta"));
  return item;
}

async function startSession() {   // who is logged in, the CSRF token, and the log-out button
  const me = await api("/api/me");
  Object.assign(session, { me: me.name, role: me.role, csrf: me.csrf });
  $("who").textContent = `${me.name} (${me.role})`;
  $("logout").addEventListener("click", async () => { await api("/logout", { method: "POST" }); location.href = "/login"; });
  return me;
}
