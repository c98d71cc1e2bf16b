"""The agent console: an aiohttp app with login, the handoff queue, live chat and hand-back.

Who calls what:
- the action server opens handoffs (POST /api/handoffs, service token);
- agents' browsers poll the queue and their chat, and write through /api/chats/* (session cookie
  + CSRF header); agent messages and hand-backs go into the conversation through Rasa's HTTP API.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from pathlib import Path
from typing import Any, Callable

from aiohttp import web
from prometheus_client import Counter

from telemetry import logs
from telemetry.http import HttpTelemetry

from . import handoff as hf
from .config import ConsoleSettings
from .rasa_api import RasaApi, RasaUnavailable, agent_message, hand_back_events
from .review import routes as review_routes
from .store import ConsoleStore, Session
from .transcript import transcript
from .web import (
    COOKIE,
    RASA,
    SETTINGS,
    STORE,
    current_session,
    error,
    json_body,
    require,
    require_service,
    security_headers,
)

log = logging.getLogger("cartwise.console")
HANDOFFS = web.AppKey("handoffs", Counter)   # handoff events: opened, taken, handed_back, expired
STATIC = Path(__file__).parent / "static"
MAX_MESSAGE_CHARS = 2000
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[A-Za-z]{2,}$")

JOINED = "{agent} from our team has joined the chat."
HANDED_BACK = "{agent} has handed you back to the Cartwise assistant. Ask me anything, I have our conversation so far."
EXPIRED = ("Sorry, nobody from our team could take your chat in time. I'm back: you can keep chatting with me, "
           "or leave your email address and the team will write to you.")


def handoff_view(h: hf.Handoff, store: ConsoleStore) -> dict[str, Any]:
    view = {"id": h.id, "conversation_id": h.conversation_id, "status": h.status, "reason": h.reason,
            "summary": h.summary, "owner": h.owner, "created": h.created, "taken": h.taken, "closed": h.closed,
            "contact": h.contact}
    if h.status == hf.WAITING:
        view["position"] = store.queue_position(h)
    return view


def find(request: web.Request) -> hf.Handoff:
    try:
        h = request.app[STORE].get(int(request.match_info["handoff_id"]))
    except ValueError:
        h = None
    if h is None:
        raise error(404, "not_found", "No such handoff.")
    logs.bind(h.conversation_id)
    return h


async def transition(request: web.Request, before: hf.Handoff, after: hf.Handoff, event: str) -> None:
    if not request.app[STORE].apply(before, after):
        raise error(409, "conflict", "Someone else changed this chat a moment ago; reload the queue.")
    if before != after:
        request.app[HANDOFFS].labels(event).inc()
        log.info("handoff %s %s by %s", after.id, event, after.owner or before.owner, extra={"handoff": after.id})


# --- pages
async def login_page(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC / "login.html")


async def login(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    result = request.app[STORE].login(name, password, request.app[SETTINGS].session_ttl_s)
    if result is None:
        raise web.HTTPSeeOther("/login?failed=1")
    token, session = result
    response = web.HTTPSeeOther("/review" if session.user.role == "reviewer" else "/agent")
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                        max_age=int(request.app[SETTINGS].session_ttl_s))
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    session = require(request, "agent", "reviewer")
    request.app[STORE].logout(request.cookies[COOKIE])
    response = web.json_response({"logged_out": session.user.name})
    response.del_cookie(COOKIE, path="/")
    return response


async def agent_page(request: web.Request) -> web.StreamResponse:
    session = current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/login")
    if session.user.role not in ("agent", "admin"):
        raise error(403, "forbidden", "The agent console is for agents.")
    return web.FileResponse(STATIC / "agent.html")


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


# --- staff API
async def me(request: web.Request) -> web.Response:
    session = require(request, "agent", "reviewer")
    return web.json_response({"name": session.user.name, "role": session.user.role, "csrf": session.csrf})


async def queue(request: web.Request) -> web.Response:
    session = require(request, "agent")
    store = request.app[STORE]
    open_ = store.list(hf.OPEN)
    return web.json_response({
        "me": session.user.name,
        "agents_online": store.agents_online(request.app[SETTINGS].agent_online_s),
        "waiting": [handoff_view(h, store) for h in open_ if h.status == hf.WAITING],
        "mine": [handoff_view(h, store) for h in open_ if h.owner == session.user.name],
        "others": [handoff_view(h, store) for h in open_ if h.status == hf.OWNED and h.owner != session.user.name],
        # The latest missed chats: with the oldest 20 the list stopped changing once 20 had piled up.
        "missed": [handoff_view(h, store) for h in store.list((hf.MISSED, hf.EXPIRED), limit=20, newest_first=True)],
    })


async def chat(request: web.Request) -> web.Response:
    require(request, "agent")
    h = find(request)
    try:
        tracker = await request.app[RASA].tracker(h.conversation_id)
    except RasaUnavailable as exc:
        raise error(502, "rasa_unavailable", str(exc)) from None
    return web.json_response({"handoff": handoff_view(h, request.app[STORE]),
                              "paused": tracker.get("paused", False),
                              "slots": {k: tracker.get("slots", {}).get(k) for k in ("cart", "last_results")},
                              "transcript": transcript(tracker.get("events") or [])})


def planned(request: web.Request, step: Callable[[hf.Handoff, str, float], hf.Handoff]
            ) -> tuple[Session, hf.Handoff, hf.Handoff]:
    """The calling agent, the chat as it is, and as `step` would leave it (409 when not allowed)."""
    session = require(request, "agent")
    before = find(request)
    try:
        return session, before, step(before, session.user.name, time.time())
    except hf.HandoffConflict as exc:
        raise error(409, "conflict", str(exc)) from None


async def take(request: web.Request) -> web.Response:
    session, before, after = planned(request, hf.take)
    await transition(request, before, after, "taken")
    if before != after:
        await tell_shopper(request, after.conversation_id, [agent_message(session.user.name,
                                                                          JOINED.format(agent=session.user.name))])
    return web.json_response(handoff_view(after, request.app[STORE]))


async def send(request: web.Request) -> web.Response:
    session = require(request, "agent")
    h = find(request)
    text = str((await json_body(request)).get("text", "")).strip()
    if not text:
        raise error(400, "empty", "Write a message first.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise error(400, "too_long", f"A message has at most {MAX_MESSAGE_CHARS} characters.")
    try:
        hf.check_owner(h, session.user.name)
    except hf.HandoffConflict as exc:
        raise error(409, "conflict", str(exc)) from None
    await tell_shopper(request, h.conversation_id, [agent_message(session.user.name, text)])
    return web.json_response({"sent": True})


async def hand_back(request: web.Request) -> web.Response:
    session, before, after = planned(request, hf.release)
    # Resume the bot first: if Rasa is unreachable the chat stays with the agent instead of limbo.
    await tell_shopper(request, before.conversation_id, hand_back_events(HANDED_BACK.format(agent=session.user.name)))
    await transition(request, before, after, "handed_back")
    return web.json_response(handoff_view(after, request.app[STORE]))


async def tell_shopper(request: web.Request, conversation_id: str, events: list[dict[str, Any]]) -> None:
    try:
        await request.app[RASA].append(conversation_id, events)
    except RasaUnavailable as exc:
        raise error(502, "rasa_unavailable", f"{exc}; nothing was sent.") from None


# --- service API (the action server)
def conversation_id_of(body: dict[str, Any]) -> str:
    conversation_id = body.get("conversation_id")
    if not isinstance(conversation_id, str) or not conversation_id.strip() or len(conversation_id) > 200:
        raise error(400, "conversation_id", "conversation_id must be a non-empty string of at most 200 characters.")
    return conversation_id


async def open_handoff(request: web.Request) -> web.Response:
    require_service(request)
    body = await json_body(request)
    conversation_id = conversation_id_of(body)
    reason = str(body.get("reason", "asked for a person"))[:200]
    summary = body.get("summary") if isinstance(body.get("summary"), dict) else {}
    store, settings = request.app[STORE], request.app[SETTINGS]
    online = store.agents_online(settings.agent_online_s)
    h = store.open_handoff(conversation_id, reason, summary, agents_online=online > 0)
    request.app[HANDOFFS].labels("opened").inc()
    log.info("handoff %s opened: %s", h.id, reason, extra={"handoff": h.id, "agents_online": online})
    return web.json_response({**handoff_view(h, store), "agents_online": online})


async def leave_contact(request: web.Request) -> web.Response:
    require_service(request)
    body = await json_body(request)
    conversation_id = conversation_id_of(body)
    email = str(body.get("email", "")).strip()
    if not EMAIL.match(email):
        raise error(400, "email", "That does not look like an email address.")
    store = request.app[STORE]
    h = store.latest_for(conversation_id) or store.open_handoff(conversation_id, "left an email", {},
                                                                agents_online=False)
    store.set_contact(h.id, email)
    return web.json_response(handoff_view(store.get(h.id), store))


async def expire_overdue(app: web.Application) -> None:
    """Shoppers nobody took in time get the bot back with an honest message (never silence)."""
    store, settings = app[STORE], app[SETTINGS]
    now = time.time()
    for h in store.list((hf.WAITING,)):
        if hf.is_overdue(h, now, settings.max_wait_s) and store.apply(h, hf.expire(h, now)):
            app[HANDOFFS].labels("expired").inc()
            try:
                await app[RASA].append(h.conversation_id, hand_back_events(EXPIRED))
            except RasaUnavailable as exc:
                log.warning("handoff %s expired but the bot could not be resumed: %s", h.id, exc)


async def sweeper(app: web.Application):
    async def loop() -> None:
        while True:
            await asyncio.sleep(min(5.0, app[SETTINGS].max_wait_s / 4))
            try:
                await expire_overdue(app)
            except Exception:   # keep sweeping: one bad row must not stop expiry for everyone
                log.exception("expiring overdue handoffs failed")
    task = asyncio.create_task(loop())
    yield
    task.cancel()


def create_app(settings: ConsoleSettings) -> web.Application:
    telemetry = HttpTelemetry("console")
    app = web.Application(middlewares=[telemetry.middleware(), security_headers], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[HANDOFFS] = telemetry.counter("handoffs_total", "Handoff events", ("event",))
    app[STORE] = ConsoleStore(settings.db)

    async def rasa_client(app: web.Application):
        app[RASA] = RasaApi(settings.rasa_url, settings.rasa_token)
        yield
        await app[RASA].close()
        app[STORE].close()

    app.cleanup_ctx.extend([rasa_client, sweeper])
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", telemetry.handler)
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/agent", agent_page)
    app.router.add_get("/api/me", me)
    app.router.add_get("/api/queue", queue)
    app.router.add_get("/api/chats/{handoff_id}", chat)
    app.router.add_post("/api/chats/{handoff_id}/take", take)
    app.router.add_post("/api/chats/{handoff_id}/messages", send)
    app.router.add_post("/api/chats/{handoff_id}/hand-back", hand_back)
    app.router.add_post("/api/handoffs", open_handoff)
    app.router.add_post("/api/handoffs/contact", leave_contact)
    review_routes.setup(app)
    app.router.add_static("/static", STATIC)
    return app
