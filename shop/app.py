"""The shop page's server: static page and widget bundle, a small catalog API over the recommender,
and shoppers' sign-in.

The page's cart lives in the browser (localStorage); the widget sends it with every chat message,
and for a signed-in shopper a short-lived signed token (`/api/me`) that tells the bot who it is.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from cartwise import identity
from cartwise.orders import OrderStore
from telemetry.http import HttpTelemetry

from .accounts import EMAIL, ShopperAccounts, TooManyTries
from .config import ShopSettings

STATIC = Path(__file__).parent / "static"
SETTINGS = web.AppKey("settings", ShopSettings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
ACCOUNTS = web.AppKey("accounts", ShopperAccounts)
IDENTITY = web.AppKey("identity", identity.IdentitySettings)
ORDERS = web.AppKey("orders", OrderStore)
SESSION_COOKIE = "cartwise_shopper"
SESSION_AUDIENCE = "cartwise-shop-session"   # the cookie is signed like a chat token, for another audience
MAX_QUERY_CHARS = 200
PAGE_SIZE = 24
MAX_CART_LINES = 200
log = logging.getLogger("shop")


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


class RecommenderDown(Exception):
    """The recommender did not answer, or failed: said to the page as a 502."""

    def response(self) -> web.Response:
        return error(502, "recommender_unavailable", "The catalog is not reachable right now; try again in a minute.")


async def ask_recommender(request: web.Request, method: str, path: str, **kwargs: Any) -> tuple[int, dict]:
    """(status, body) of a recommender call; its 4xx answers are returned, anything else raises."""
    url = request.app[SETTINGS].recommender_url + path
    try:
        async with request.app[HTTP].request(method, url, **kwargs) as response:
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        raise RecommenderDown() from None
    if response.status >= 500:
        raise RecommenderDown()
    return response.status, body


async def recommender(request: web.Request, method: str, path: str, **kwargs: Any) -> web.Response:
    """Forward to the recommender; its 4xx errors pass through, anything else is a 502 with a reason."""
    try:
        status, body = await ask_recommender(request, method, path, **kwargs)
    except RecommenderDown as exc:
        return exc.response()
    return web.json_response(body, status=status)


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html")


async def page_config(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    return web.json_response({"socketUrl": settings.rasa_url, "currency": settings.currency.code,
                              "currencySymbol": settings.currency.symbol})


async def webchat_bundle(request: web.Request) -> web.StreamResponse:
    bundle = request.app[SETTINGS].webchat_js
    if not bundle.exists():
        return web.Response(status=503, content_type="application/javascript",
                            text="console.error('rasa-webchat is not installed: run `make install` (npm ci)');")
    return web.FileResponse(bundle, headers={"Cache-Control": "max-age=3600"})


async def products(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()
    if len(query) > MAX_QUERY_CHARS:
        return error(400, "query_too_long", f"A search has at most {MAX_QUERY_CHARS} characters.")
    if not query:
        return await recommender(request, "GET", "/products/popular", params={"k": str(PAGE_SIZE)})
    return await recommender(request, "POST", "/search", json={"query": query, "k": PAGE_SIZE})


async def lookup(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return error(400, "bad_json", "The body must be JSON: {\"ids\": [...]}.")
    return await recommender(request, "POST", "/products/lookup", json=body)


async def image(request: web.Request) -> web.StreamResponse:
    url = f"{request.app[SETTINGS].recommender_url}/images/{request.match_info['product_id']}.svg"
    try:
        async with request.app[HTTP].get(url) as response:
            return web.Response(body=await response.read(), status=response.status,
                                content_type=response.content_type)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        return error(502, "recommender_unavailable", "No image right now.")


async def sign_in(request: web.Request) -> web.Response:
    try:
        body = await request.json()
        email, password = str(body["email"]), str(body["password"])
    except (ValueError, KeyError, TypeError):
        return error(400, "bad_request", "The body must be JSON: {\"email\": ..., \"password\": ...}.")
    try:
        shopper_id = request.app[ACCOUNTS].sign_in(email, password)
    except TooManyTries:
        return error(429, "too_many_tries", "Too many wrong passwords for this email; try again in 15 minutes.")
    if shopper_id is None:
        return error(401, "wrong_credentials", "That email and password don't match an account.")
    ttl = int(request.app[SETTINGS].session_ttl_s)
    session = identity.issue(shopper_id, replace(request.app[IDENTITY], audience=SESSION_AUDIENCE, ttl_s=ttl))
    response = web.json_response({"shopper_id": shopper_id})
    response.set_cookie(SESSION_COOKIE, session, max_age=ttl, httponly=True, samesite="Strict",
                        secure=request.secure, path="/")
    return response


async def sign_out(request: web.Request) -> web.Response:
    response = web.json_response({"signed_in": False})
    response.del_cookie(SESSION_COOKIE, path="/")
    return response


def signed_in(request: web.Request) -> str | None:
    """The shopper this browser's session cookie names, or None for a guest."""
    session = identity.verify(request.cookies.get(SESSION_COOKIE),
                              replace(request.app[IDENTITY], audience=SESSION_AUDIENCE))
    return session.shopper_id if session else None


async def me(request: web.Request) -> web.Response:
    """Who is signed in on this browser, with a fresh chat token for the widget (a guest gets none)."""
    settings = request.app[IDENTITY]
    shopper_id = signed_in(request)
    if shopper_id is None:
        return web.json_response({"signed_in": False})
    return web.json_response({"signed_in": True, "shopper_id": shopper_id,
                              "identity": identity.issue(shopper_id, settings), "expires_in": settings.ttl_s},
                             headers={"Cache-Control": "no-store"})


def read_checkout(body: Any) -> tuple[list[dict], str | None, str | None]:
    """(cart lines {id, qty}, coupon code, email) from a checkout request; ValueError says what is wrong."""
    if not isinstance(body, dict) or not isinstance(body.get("cart"), list):
        raise ValueError('The body must be JSON: {"cart": [{"id": ..., "qty": ...}], "coupon": ..., "email": ...}.')
    cart = body["cart"]
    if not cart or len(cart) > MAX_CART_LINES:
        raise ValueError(f"A checkout needs 1 to {MAX_CART_LINES} cart lines.")
    lines = []
    for line in cart:
        qty = line.get("qty", 1) if isinstance(line, dict) else None
        if not isinstance(line, dict) or not isinstance(line.get("id"), str) or not line["id"] \
                or isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 99:
            raise ValueError(f"Each cart line is {{\"id\": text, \"qty\": 1 to 99}}; not {str(line)[:80]}.")
        lines.append({"id": line["id"], "qty": qty})
    coupon, email = body.get("coupon") or None, body.get("email") or None
    if coupon is not None and not isinstance(coupon, str) or email is not None and not isinstance(email, str):
        raise ValueError("coupon and email are text.")
    return lines, coupon.strip().upper() if coupon else None, email.strip() if email else None


async def checkout(request: web.Request) -> web.Response:
    """The page's cart becomes an order: priced by the catalog, a coupon redeemed, the order written
    to the orders store the bot reads, and a signed-in shopper's basket added to their history."""
    try:
        body = await request.json()
    except ValueError:
        return error(400, "bad_json", "The body must be JSON.")
    try:
        cart, coupon, email = read_checkout(body)
    except ValueError as exc:
        return error(400, "bad_request", str(exc))
    shopper = signed_in(request)
    if shopper is not None:
        email = request.app[ACCOUNTS].email_of(shopper)
    elif not email or not EMAIL.match(email):
        return error(400, "email_needed", "Please give an email address for the order (or sign in).")
    customer = shopper or f"guest:{email.lower()}"
    try:
        return await place_order(request, cart, coupon, email, shopper, customer)
    except RecommenderDown as exc:
        return exc.response()


async def place_order(request: web.Request, cart: list[dict], coupon: str | None, email: str | None,
                      shopper: str | None, customer: str) -> web.Response:
    status, priced = await ask_recommender(request, "POST", "/cart", json={
        "cart": cart, "k": 0, "deals": False, "shopper_id": customer})
    if status != 200:
        return web.json_response(priced, status=status)
    if priced["cart"]["unknown"]:
        return error(422, "unknown_products", "Some items are no longer sold: " + ", ".join(priced["cart"]["unknown"]))
    lines, saving = priced["cart"]["lines"], 0.0
    if coupon:
        status, checked = await ask_recommender(request, "POST", "/coupons/validate", json={
            "code": coupon, "cart": cart, "shopper_id": customer})
        if status != 200 or checked.get("status") != "valid":
            return error(409, checked.get("status") or checked.get("error", "coupon"), checked.get("message", ""))
        saving = float(checked["saving"])
    orders = request.app[ORDERS]
    order = orders.place(shopper, email, [line["title"] for line in lines],
                         float(priced["cart"]["total"]) - saving, dt.date.today())
    if coupon:
        status, redeemed = await ask_recommender(request, "POST", "/coupons/redeem", json={
            "code": coupon, "cart": cart, "shopper_id": customer, "order_id": order.id})
        if status != 200:   # used up since the check: the order does not stand at a price we cannot give
            orders.set_status(order.id, "cancelled", "checkout (coupon refused)", None)
            return error(409, redeemed.get("error", "coupon"), redeemed.get("message", ""))
    if shopper is not None:
        token = os.environ.get("CARTWISE_SERVICE_TOKEN", "")
        status, _ = await ask_recommender(request, "POST", "/baskets", json={
            "shopper_id": shopper, "basket_id": order.id, "product_ids": [line["id"] for line in lines]},
            headers={"Authorization": f"Bearer {token}"} if token else {})
        if status != 200:
            log.warning("order %s: the basket was not added to %s's history (%s)", order.id, shopper, status)
    return web.json_response({"order_id": order.id, "status": order.status, "total": order.total, "saving": saving,
                              "eta": order.eta.isoformat() if order.eta else None, "items": list(order.items)})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "webchat_installed": request.app[SETTINGS].webchat_js.exists()})


def create_app(settings: ShopSettings, accounts: ShopperAccounts, identity_settings: identity.IdentitySettings,
               orders: OrderStore) -> web.Application:
    telemetry = HttpTelemetry("shop")
    app = web.Application(middlewares=[telemetry.middleware()], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[ACCOUNTS] = accounts
    app[ORDERS] = orders
    app[IDENTITY] = identity_settings

    async def http_client(app: web.Application):
        app[HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        yield
        await app[HTTP].close()

    app.cleanup_ctx.append(http_client)
    app.router.add_get("/", index)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", telemetry.handler)
    app.router.add_get("/config.json", page_config)
    app.router.add_get("/vendor/rasa-webchat.js", webchat_bundle)
    app.router.add_get("/api/products", products)
    app.router.add_post("/api/products/lookup", lookup)
    app.router.add_get("/images/{product_id}.svg", image)
    app.router.add_post("/api/sign-in", sign_in)
    app.router.add_post("/api/sign-out", sign_out)
    app.router.add_get("/api/me", me)
    app.router.add_post("/api/checkout", checkout)
    app.router.add_static("/static", STATIC)
    return app
