"""The shop page's server: static page and widget bundle, a small catalog API over the recommender,
and shoppers' sign-in.

The page's cart lives in the browser (localStorage); the widget sends it with every chat message,
and for a signed-in shopper a short-lived signed token (`/api/me`) that tells the bot who it is.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from cartwise import identity
from telemetry.http import HttpTelemetry

from .accounts import ShopperAccounts, TooManyTries
from .config import ShopSettings

STATIC = Path(__file__).parent / "static"
SETTINGS = web.AppKey("settings", ShopSettings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
ACCOUNTS = web.AppKey("accounts", ShopperAccounts)
IDENTITY = web.AppKey("identity", identity.IdentitySettings)
SESSION_COOKIE = "cartwise_shopper"
SESSION_AUDIENCE = "cartwise-shop-session"   # the cookie is signed like a chat token, for another audience
MAX_QUERY_CHARS = 200
PAGE_SIZE = 24


def error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status)


async def recommender(request: web.Request, method: str, path: str, **kwargs: Any) -> web.Response:
    """Forward to the recommender; its 4xx errors pass through, anything else is a 502 with a reason."""
    url = request.app[SETTINGS].recommender_url + path
    try:
        async with request.app[HTTP].request(method, url, **kwargs) as response:
            body = await response.json(content_type=None)
            if response.status >= 500:
                return error(502, "recommender_error", f"The catalog failed ({response.status}); try again.")
            return web.json_response(body, status=response.status)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        return error(502, "recommender_unavailable", "The catalog is not reachable right now; try again in a minute.")


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "index.html")


async def page_config(request: web.Request) -> web.Response:
    return web.json_response({"socketUrl": request.app[SETTINGS].rasa_url})


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


async def me(request: web.Request) -> web.Response:
    """Who is signed in on this browser, with a fresh chat token for the widget (a guest gets none)."""
    settings = request.app[IDENTITY]
    session = identity.verify(request.cookies.get(SESSION_COOKIE), replace(settings, audience=SESSION_AUDIENCE))
    if session is None:
        return web.json_response({"signed_in": False})
    shopper_id = session.shopper_id
    return web.json_response({"signed_in": True, "shopper_id": shopper_id,
                              "identity": identity.issue(shopper_id, settings), "expires_in": settings.ttl_s},
                             headers={"Cache-Control": "no-store"})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "webchat_installed": request.app[SETTINGS].webchat_js.exists()})


def create_app(settings: ShopSettings, accounts: ShopperAccounts, identity_settings: identity.IdentitySettings
               ) -> web.Application:
    telemetry = HttpTelemetry("shop")
    app = web.Application(middlewares=[telemetry.middleware()], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[ACCOUNTS] = accounts
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
    app.router.add_static("/static", STATIC)
    return app
