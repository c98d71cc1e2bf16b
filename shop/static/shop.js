// The demo shop page: catalog grid, search, a cart in localStorage, checkout, sign-in, and the rasa-webchat widget.
// The cart travels with every chat message as `customData.cart`; when the bot changes the cart
// (a card's "Add to cart", "remove the salsa") its reply carries the new cart in `metadata.cart`.
// A signed-in shopper's messages also carry `customData.identity`, a short-lived token the shop
// signs (GET /api/me, renewed before it expires): the bot shows their orders without asking.
"use strict";
const CART_KEY = "cartwise.cart";
const $ = (id) => document.getElementById(id);
// rasa-webchat keeps a reference to this object and sends it with each message: mutate, never replace.
const customData = { cart: [] };
let cart = [];

let currencySymbol = "$";   // the shop's, from /config.json (cartwise.yml's `currency:`)
const pageConfig = fetch("/config.json").then((response) => response.json());

function money(value) { return currencySymbol + Number(value || 0).toFixed(2); }

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function loadCart() {
  try { return JSON.parse(localStorage.getItem(CART_KEY)) || []; } catch { return []; }
}

function setCart(lines) {
  cart = lines.filter((l) => l && l.id && l.qty > 0).map((l) => ({ id: String(l.id), qty: l.qty, title: l.title || "", price: Number(l.price) || 0 }));
  localStorage.setItem(CART_KEY, JSON.stringify(cart));
  customData.cart = cart.map((l) => ({ id: l.id, qty: l.qty }));
  renderCart();
}

function changeQty(product, delta) {
  const lines = cart.map((l) => ({ ...l }));
  const line = lines.find((l) => l.id === String(product.id));
  if (line) line.qty = Math.max(0, Math.min(99, line.qty + delta));
  else if (delta > 0) lines.push({ id: String(product.id), qty: delta, title: product.title, price: product.price });
  setCart(lines.filter((l) => l.qty > 0));
}

function renderCart() {
  $("cart-lines").replaceChildren(...cart.map((line) => {
    const item = el("li");
    item.dataset.productId = line.id;
    item.append(el("span", line.title || line.id, "line-title"), el("span", money(line.price * line.qty)));
    const qty = el("span", undefined, "qty");
    const minus = el("button", "-", "secondary"); minus.setAttribute("aria-label", `one less ${line.title}`);
    const plus = el("button", "+", "secondary"); plus.setAttribute("aria-label", `one more ${line.title}`);
    minus.addEventListener("click", () => changeQty(line, -1));
    plus.addEventListener("click", () => changeQty(line, 1));
    qty.append(minus, el("span", String(line.qty), "line-qty"), plus);
    item.append(qty);
    return item;
  }));
  const items = cart.reduce((n, l) => n + l.qty, 0);
  $("cart-total").textContent = items ? `${items} item(s), total ${money(cart.reduce((s, l) => s + l.price * l.qty, 0))}` : "Your cart is empty.";
}

function productCard(product) {
  const item = el("li", undefined, "product");
  item.dataset.productId = product.id;
  const img = el("img"); img.alt = ""; img.loading = "lazy";
  img.src = product.image_url && !product.image_url.includes("/images/") ? product.image_url : `/images/${encodeURIComponent(product.id)}.svg`;
  const add = el("button", "Add to cart"); add.setAttribute("aria-label", `Add ${product.title} to cart`);
  add.addEventListener("click", () => changeQty(product, 1));
  item.append(img, el("span", product.title, "title"), el("span", product.brand || "", "brand"),
    el("span", product.size || "", "size"), el("span", money(product.price), "price"), add);
  return item;
}

async function showProducts(query) {
  $("status").textContent = "Loading...";
  try {
    const response = await fetch("/api/products" + (query ? "?q=" + encodeURIComponent(query) : ""));
    const body = await response.json();
    if (!response.ok) throw new Error(body.message || response.statusText);
    $("results-title").textContent = query ? `Results for "${query}"` : "Popular right now";
    $("products").replaceChildren(...body.items.map(productCard));
    $("status").textContent = body.items.length ? "" : "Nothing found; try other words, or ask the assistant.";
  } catch (err) {
    $("status").textContent = "Sorry, the catalog is not reachable: " + err.message;
  }
}

function onBotMessage(message) {
  if (message && message.metadata && Array.isArray(message.metadata.cart)) setCart(message.metadata.cart);
}

let renewal = null;
async function refreshIdentity() {
  clearTimeout(renewal);
  const me = await (await fetch("/api/me", { credentials: "same-origin" })).json();
  $("sign-in").hidden = me.signed_in;
  $("account").hidden = !me.signed_in;
  $("checkout-email").hidden = me.signed_in;   // a signed-in order goes to the account's email
  if (me.signed_in) {
    customData.identity = me.identity;
    $("who").textContent = `Signed in as ${me.shopper_id}`;
    renewal = setTimeout(refreshIdentity, me.expires_in * 500);   // halfway through its life
  } else {
    delete customData.identity;
  }
}

async function signIn(event) {
  event.preventDefault();
  const response = await fetch("/api/sign-in", {
    method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: $("email").value, password: $("password").value }),
  });
  const body = await response.json();
  $("sign-in-status").textContent = response.ok ? "" : body.message;
  $("password").value = "";
  await refreshIdentity();
}

async function signOut() {
  await fetch("/api/sign-out", { method: "POST", credentials: "same-origin" });
  await refreshIdentity();
}

async function checkOut(event) {
  event.preventDefault();
  if (!cart.length) { $("checkout-status").textContent = "Your cart is empty."; return; }
  const response = await fetch("/api/checkout", {
    method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ cart: customData.cart, coupon: $("checkout-coupon").value, email: $("checkout-email").value }),
  });
  const body = await response.json();
  if (!response.ok) { $("checkout-status").textContent = body.message || "The order could not be placed."; return; }
  const saved = body.saving ? ` (you saved ${money(body.saving)})` : "";
  $("checkout-status").textContent = `Order ${body.order_id} placed: ${money(body.total)}${saved}, expected by ${body.eta}. ` +
    `Ask the assistant "where is order ${body.order_id}?"`;
  $("checkout-coupon").value = "";
  setCart([]);
}

async function startChat() {
  if (!window.WebChat) { $("status").textContent = "The chat widget is not installed (run make install)."; return; }
  const config = await pageConfig;
  window.WebChat.default({
    initPayload: "/greet",
    customData,
    socketUrl: config.socketUrl,
    socketPath: "/socket.io/",
    title: "Cartwise",
    subtitle: "Your shopping assistant",
    inputTextFieldHint: "Ask for a product, or \"what else do I need?\"",
    params: { storage: "local" },   // the conversation survives a reload
    onSocketEvent: { bot_uttered: onBotMessage },
  }, null);
}

$("search").addEventListener("submit", (event) => { event.preventDefault(); showProducts($("query").value.trim()); });
$("cart-clear").addEventListener("click", () => setCart([]));
$("sign-in").addEventListener("submit", signIn);
$("sign-out").addEventListener("click", signOut);
$("checkout").addEventListener("submit", checkOut);
pageConfig.catch(() => ({})).then((config) => {
  currencySymbol = config.currencySymbol || currencySymbol;
  setCart(loadCart());
  showProducts("");
});
refreshIdentity().finally(startChat);   // the first message already says who is chatting
