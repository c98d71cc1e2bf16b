// The review console: filter conversations, read one, correct what the NLU got wrong, see analytics.
"use strict";
const review = { options: null, next: null, inboxNext: null, selected: null, conversation: null };

function showError(err) { $("error").textContent = err.message; $("error").hidden = false; }
function clearError() { $("error").hidden = true; }

function filterQuery() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($("filters"))) if (String(value).trim()) params.set(name, value);
  return params;
}

function fillOptions() {
  for (const select of document.querySelectorAll("select[data-options]")) {
    const current = select.value;
    select.replaceChildren(el("option", "any"), ...review.options[select.dataset.options].map((v) => el("option", v)));
    select.firstChild.value = "";
    select.value = current;
  }
}

// The example as Rasa writes it, with the entities the NLU found marked: "use [SAVE10](coupon_code)".
function annotate(text, entities) {
  const marks = (entities || []).filter((e) => Number.isInteger(e.start) && Number.isInteger(e.end))
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of marks) out = `${out.slice(0, e.start)}[${out.slice(e.start, e.end)}](${e.entity})${out.slice(e.end)}`;
  return out;
}

function correctionForm(message, onDone) {
  const form = el("form", undefined, "correction");
  const intent = el("select");
  intent.append(...review.options.intents.map((i) => el("option", i)));
  intent.value = review.options.intents.includes(message.intent) ? message.intent : review.options.intents[0];
  const example = el("input");
  example.value = annotate(message.text, message.entities);
  example.size = 50;
  const save = el("button", "Save to training data");
  save.type = "submit";
  form.append(intent, example, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const result = await api(`/api/review/messages/${message.event_id}/correct`,
        { method: "POST", body: JSON.stringify({ intent: intent.value, example: example.value }) });
      form.replaceChildren(el("span", `${result.status}: ${result.example} → ${intent.value} (${result.outcome})`, "done"));
      clearError();
      if (onDone) onDone();
    } catch (err) { showError(err); }
  });
  return form;
}

function flags(c) {
  return [c.fallback ? "fallback" : "", c.handoff ? "handoff" : "", c.reviewed ? "reviewed" : "", ...(c.tags || [])]
    .filter(Boolean).join(" · ");
}

// One page of a keyset-paged list: fetch, render, append or replace, show "more" while there is more.
async function loadPage(key, url, params, append, list, render, more) {
  if (append && review[key]) params.set("cursor", review[key]);
  try {
    const page = await api(`${url}?${params}`);
    review[key] = page.next;
    const items = page.items.map(render);
    if (append) list.append(...items); else list.replaceChildren(...items);
    $(more).hidden = !page.next;
    clearError();
  } catch (err) { showError(err); }
}

function conversationRow(c) {
  const row = el("tr");
  row.dataset.sender = c.sender_id;
  row.append(el("td", new Date(c.last_ts * 1000).toLocaleString()), el("td", c.sender_id), el("td", String(c.user_turns)),
    el("td", c.min_confidence === null ? "-" : c.min_confidence.toFixed(2)), el("td", flags(c)));
  row.addEventListener("click", () => openConversation(c.sender_id));
  return row;
}

function loadConversations(append) {
  return loadPage("next", "/api/review/conversations", filterQuery(), append,
    $("conversation-list").querySelector("tbody"), conversationRow, "more");
}

function renderConversation(data) {
  const c = data.conversation;
  review.conversation = c;
  $("conversation").hidden = false;
  $("conversation-title").textContent = `${c.sender_id} · ${c.channel || "?"} · ${new Date(c.started * 1000).toLocaleString()}`;
  $("mark-reviewed").textContent = c.reviewed ? "Reviewed ✓ (undo)" : "Mark as reviewed";
  $("tags").replaceChildren(...c.tags.map((tag) => {
    const chip = el("span", tag, "tag");
    const remove = el("button", "×");
    remove.type = "button"; remove.title = `remove ${tag}`;
    remove.addEventListener("click", () => act(`/api/review/conversations/${encodeURIComponent(c.sender_id)}/tags/${encodeURIComponent(tag)}`, "DELETE"));
    chip.append(remove);
    return chip;
  }));
  $("conversation-status").textContent = `${c.user_turns} shopper messages · suggestions shown ${c.recs_shown}, clicked ${c.rec_clicks}, ` +
    `added ${c.rec_adds} · coupons offered ${c.coupons_offered}, applied ${c.coupons_applied}`;
  $("transcript").replaceChildren(...data.transcript.map((line) => {
    const item = transcriptItem(line);
    if (line.who === "shopper" && line.event_id !== undefined && !line.text.startsWith("/")) {
      const fix = el("button", "Correct", "small");
      fix.type = "button";
      fix.addEventListener("click", () => { fix.replaceWith(correctionForm(line)); });
      item.append(fix);
    }
    return item;
  }));
  $("notes").replaceChildren(...data.notes.map((n) => el("li", `${n.author}, ${new Date(n.created * 1000).toLocaleString()}: ${n.text}`)));
}

async function openConversation(sender) {
  review.selected = sender;
  for (const row of $("conversation-list").querySelectorAll("tr")) row.classList.toggle("selected", row.dataset.sender === sender);
  try { renderConversation(await api(`/api/review/conversations/${encodeURIComponent(sender)}`)); clearError(); }
  catch (err) { showError(err); }
}

async function act(path, method = "POST", body) {
  try {
    const result = await api(path, { method, body: body ? JSON.stringify(body) : undefined });
    await openConversation(review.selected);
    return result;
  } catch (err) { showError(err); return null; }
}

function inboxItem(m) {
  const item = el("li");
  item.dataset.event = m.event_id;
  item.append(el("q", m.text), el("span", ` ${m.intent} ${m.confidence.toFixed(2)}${m.fallback ? " · fallback" : ""} · ${new Date(m.ts * 1000).toLocaleString()}`, "meta"));
  const ignore = el("button", "Ignore", "small");
  ignore.type = "button";
  ignore.addEventListener("click", async () => {
    try { await api(`/api/review/messages/${m.event_id}/ignore`, { method: "POST" }); item.remove(); } catch (err) { showError(err); }
  });
  item.append(correctionForm(m), ignore);
  return item;
}

function loadInbox(append) {
  return loadPage("inboxNext", "/api/review/inbox", new URLSearchParams({ threshold: $("threshold").value }), append,
    $("inbox"), inboxItem, "inbox-more");
}

async function loadAnalytics() {
  const params = filterQuery();
  try {
    const a = await api(`/api/review/analytics?${new URLSearchParams([...params, ["plots", "1"]])}`);
    const pct = (v) => (v === null ? "n/a" : `${(v * 100).toFixed(1)} %`);
    const figures = [["Conversations", String(a.conversations)], ["Fallback rate", pct(a.fallback_rate)],
      ["Handoff rate", pct(a.handoff_rate)], ["Suggestion click-through", pct(a.recommendation_click_through)],
      ["Suggestion add-to-cart", pct(a.recommendation_add_to_cart)], ["Coupon acceptance", pct(a.coupon_acceptance)]];
    $("figures").replaceChildren(...figures.flatMap(([term, value]) => [el("dt", term), el("dd", value)]));
    for (const [name, url] of Object.entries(a.plots)) $(`plot-${name}`).src = url;
    clearError();
  } catch (err) { showError(err); }
}

function showTab(name) {
  for (const button of document.querySelectorAll(".tab")) button.classList.toggle("active", button.dataset.tab === name);
  for (const page of document.querySelectorAll(".tab-page")) page.hidden = page.id !== `tab-${name}`;
  if (name === "inbox") loadInbox(false);
  if (name === "analytics") loadAnalytics();
}

for (const button of document.querySelectorAll(".tab")) button.addEventListener("click", () => showTab(button.dataset.tab));
$("filters").addEventListener("submit", (event) => { event.preventDefault(); loadConversations(false); });
$("more").addEventListener("click", () => loadConversations(true));
$("inbox-more").addEventListener("click", () => loadInbox(true));
$("threshold").addEventListener("change", () => loadInbox(false));
$("mark-reviewed").addEventListener("click", () => act(`/api/review/conversations/${encodeURIComponent(review.selected)}/reviewed`,
  "POST", { reviewed: !review.conversation.reviewed }));
$("save-story").addEventListener("click", async () => {
  const result = await act(`/api/review/conversations/${encodeURIComponent(review.selected)}/story`, "POST", {});
  if (result) $("conversation-status").textContent = `Saved "${result.story}" (${result.steps} steps) to ${result.file}`;
});
// A one-field form that posts {field: value} to a sub-resource of the open conversation.
function postOnSubmit(formId, inputId, resource, field) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = $(inputId).value.trim();
    if (!value) return;
    $(inputId).value = "";
    await act(`/api/review/conversations/${encodeURIComponent(review.selected)}/${resource}`, "POST", { [field]: value });
  });
}
postOnSubmit("tag-form", "tag-input", "tags", "tag");
postOnSubmit("note-form", "note-input", "notes", "text");

function showTraining(t) {
  const when = t.finished ? ` (${new Date(t.finished * 1000).toLocaleTimeString()})` : "";
  $("training").textContent = t.state === "idle" ? "" : `Training: ${t.state}${when} · ${t.message}`;
  $("retrain").disabled = t.state === "training" || t.state === "loading";
  if ($("retrain").disabled) setTimeout(async () => showTraining(await api("/api/review/retrain")), 3000);
}

$("retrain").addEventListener("click", async () => {
  try { showTraining(await api("/api/review/retrain", { method: "POST" })); clearError(); } catch (err) { showError(err); }
});

(async function start() {
  await startSession();
  review.options = await api("/api/review/options");
  fillOptions();
  $("threshold").value = "0.6";
  showTraining(await api("/api/review/retrain"));
  await loadConversations(false);
})();
