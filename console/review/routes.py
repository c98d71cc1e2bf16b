"""The review console's pages and API (reviewer role): conversations, NLU inbox, analytics.

Blocking database work runs in a worker thread. Before a list is answered, events Rasa stored
since the last pass are indexed, so a conversation that just happened is there.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Callable, TypeVar

from aiohttp import web

from ..web import RASA, SETTINGS, current_session, error, json_body, require
from . import plots, queries
from .retrain import Retrainer
from .service import NotFound, Review
from .training_data import BadCorrection

log = logging.getLogger("cartwise.review")
STATIC = Path(__file__).resolve().parent.parent / "static"
REVIEW = web.AppKey("review", Review)
RETRAINER = web.AppKey("retrainer", Retrainer)
ROLE = "reviewer"
T = TypeVar("T")


async def run(request: web.Request, fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking review operation off the event loop, mapping its errors to JSON answers."""
    try:
        return await asyncio.to_thread(fn, *args)
    except NotFound as exc:
        raise error(404, "not_found", str(exc)) from None
    except (BadCorrection, queries.BadFilter) as exc:
        raise error(400, "invalid", str(exc)) from None


def _filters(request: web.Request, ignore: tuple[str, ...] = ()) -> tuple[queries.Filters, str | None, int]:
    params = {k: v for k, v in request.query.items() if k not in ignore}
    try:
        return (queries.parse_filters(params), params.get("cursor") or None, queries.parse_limit(params.get("limit")))
    except queries.BadFilter as exc:
        raise error(400, "invalid_filter", str(exc)) from None


async def page(request: web.Request) -> web.StreamResponse:
    session = current_session(request)
    if session is None:
        raise web.HTTPSeeOther("/login")
    if session.user.role not in (ROLE, "admin"):
        raise error(403, "forbidden", "The review console is for reviewers.")
    return web.FileResponse(STATIC / "review.html")


async def conversations(request: web.Request) -> web.Response:
    require(request, ROLE)
    filters, cursor, limit = _filters(request)
    review = request.app[REVIEW]
    if cursor is None:   # first page: show what just happened too
        await run(request, review.refresh)
    return web.json_response(await run(request, review.conversations, filters, cursor, limit))


async def conversation(request: web.Request) -> web.Response:
    require(request, ROLE)
    return web.json_response(await run(request, request.app[REVIEW].conversation, request.match_info["sender_id"]))


async def set_reviewed(request: web.Request) -> web.Response:
    session = require(request, ROLE)
    reviewed = (await json_body(request)).get("reviewed", True)
    if not isinstance(reviewed, bool):
        raise error(400, "invalid", "reviewed must be true or false")
    sender_id = request.match_info["sender_id"]
    await run(request, request.app[REVIEW].set_reviewed, sender_id, reviewed, session.user.name)
    return web.json_response({"sender_id": sender_id, "reviewed": reviewed})


async def add_tag(request: web.Request) -> web.Response:
    require(request, ROLE)
    tag = str((await json_body(request)).get("tag", ""))
    tags = await run(request, request.app[REVIEW].add_tag, request.match_info["sender_id"], tag)
    return web.json_response({"tags": tags})


async def remove_tag(request: web.Request) -> web.Response:
    require(request, ROLE)
    await run(request, request.app[REVIEW].remove_tag, request.match_info["sender_id"], request.match_info["tag"])
    return web.json_response({"removed": request.match_info["tag"]})


async def add_note(request: web.Request) -> web.Response:
    session = require(request, ROLE)
    text = str((await json_body(request)).get("text", ""))
    note = await run(request, request.app[REVIEW].add_note, request.match_info["sender_id"], session.user.name, text)
    return web.json_response(note)


async def save_story(request: web.Request) -> web.Response:
    require(request, ROLE)
    name = (await json_body(request)).get("name")
    if name is not None and not isinstance(name, str):
        raise error(400, "invalid", "name must be a string")
    return web.json_response(await run(request, request.app[REVIEW].save_story, request.match_info["sender_id"], name))


async def inbox(request: web.Request) -> web.Response:
    require(request, ROLE)
    review = request.app[REVIEW]
    try:
        threshold = float(request.query.get("threshold") or review.settings.inbox_threshold)
        limit = queries.parse_limit(request.query.get("limit"))
    except (ValueError, queries.BadFilter) as exc:
        raise error(400, "invalid_filter", f"threshold is a number from 0 to 1; {exc}") from None
    if not 0.0 <= threshold <= 1.0:
        raise error(400, "invalid_filter", "threshold is a number from 0 to 1")
    cursor = request.query.get("cursor") or None
    if cursor is None:
        await run(request, review.refresh)
    return web.json_response(await run(request, review.inbox, threshold, cursor, limit))


def _event_id(request: web.Request) -> int:
    try:
        return int(request.match_info["event_id"])
    except ValueError:
        raise error(404, "not_found", "No such message.") from None


async def correct(request: web.Request) -> web.Response:
    session = require(request, ROLE)
    body = await json_body(request)
    intent, annotated = body.get("intent"), body.get("example", "")
    if not isinstance(intent, str) or not isinstance(annotated, str):
        raise error(400, "invalid", "send {\"intent\": \"...\", \"example\": \"text with [value](entity) marks\"}")
    result = await run(request, request.app[REVIEW].correct, _event_id(request), intent, annotated, session.user.name)
    return web.json_response(result)


async def ignore(request: web.Request) -> web.Response:
    session = require(request, ROLE)
    await run(request, request.app[REVIEW].ignore, _event_id(request), session.user.name)
    return web.json_response({"status": "ignored"})


async def options(request: web.Request) -> web.Response:
    require(request, ROLE)
    return web.json_response(await run(request, request.app[REVIEW].options))


async def analytics(request: web.Request) -> web.Response:
    """With `plots=1` the answer also carries the plots (data: URLs): the page's one query per view."""
    require(request, ROLE)
    filters, _, _ = _filters(request, ignore=("plots",))
    await run(request, request.app[REVIEW].refresh)
    data = await run(request, request.app[REVIEW].analytics, filters)
    if request.query.get("plots") == "1":
        data["plots"] = await asyncio.to_thread(plots.data_urls, data)
    return web.json_response(data)


async def plot(request: web.Request) -> web.Response:
    require(request, ROLE)
    name = request.match_info["name"]
    if name not in plots.PLOTS:
        raise error(404, "not_found", f"plots: {', '.join(plots.PLOTS)}")
    filters, _, _ = _filters(request, ignore=("v",))   # v: the page's cache-buster, so plots redraw
    data = await run(request, request.app[REVIEW].analytics, filters)
    png = await asyncio.to_thread(plots.render, name, data)
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})


async def retrain(request: web.Request) -> web.Response:
    session = require(request, ROLE)
    retrainer = request.app[RETRAINER]
    if not retrainer.start(session.user.name):
        raise error(409, "busy", "A training run is already going; wait for it to finish.")
    return web.json_response(retrainer.view(), status=202)


async def training_status(request: web.Request) -> web.Response:
    require(request, ROLE)
    return web.json_response(request.app[RETRAINER].view())


async def keep_indexing(app: web.Application):
    """New conversations reach the review list within `index_every_s`, even with nobody asking."""
    review = Review(app[SETTINGS].review)
    app[REVIEW] = review
    app[RETRAINER] = Retrainer(app[SETTINGS].review, app[RASA])

    async def loop() -> None:
        while True:
            try:
                await asyncio.to_thread(review.refresh)
            except Exception:   # a database hiccup must not stop indexing for good
                log.exception("indexing the tracker store failed; retrying")
            await asyncio.sleep(review.settings.index_every_s)

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    review.close()


def setup(app: web.Application) -> None:
    app.cleanup_ctx.append(keep_indexing)
    r = app.router
    r.add_get("/review", page)
    r.add_get("/api/review/options", options)
    r.add_get("/api/review/conversations", conversations)
    r.add_get("/api/review/conversations/{sender_id}", conversation)
    r.add_post("/api/review/conversations/{sender_id}/reviewed", set_reviewed)
    r.add_post("/api/review/conversations/{sender_id}/tags", add_tag)
    r.add_delete("/api/review/conversations/{sender_id}/tags/{tag}", remove_tag)
    r.add_post("/api/review/conversations/{sender_id}/notes", add_note)
    r.add_post("/api/review/conversations/{sender_id}/story", save_story)
    r.add_get("/api/review/inbox", inbox)
    r.add_post("/api/review/messages/{event_id}/correct", correct)
    r.add_post("/api/review/messages/{event_id}/ignore", ignore)
    r.add_get("/api/review/analytics", analytics)
    r.add_get("/api/review/plots/{name}.png", plot)
    r.add_post("/api/review/retrain", retrain)
    r.add_get("/api/review/retrain", training_status)
