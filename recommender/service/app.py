"""HTTP handlers: parse and check the request, call the engine, shape the JSON. Nothing else.

Every error a client can cause is a 4xx with {"error": code, "message": text}; the service keeps
serving. The API is described in recommender/service/openapi.yaml (served at /openapi.yaml).
"""
from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

from aiohttp import web
from prometheus_client import Counter
from pydantic import BaseModel, ValidationError

from telemetry.http import HttpTelemetry

from ..blend import Suggestion, bought_text
from ..coupons import CartLine, subtotal
from ..engine import Cart, Recommender, SearchFilters, UnknownProducts
from ..query_parser import parse_size
from ..questions import unanswered
from ..redemptions import RedemptionStore
from ..shopper_state import ShopperState
from . import schemas
from .placeholder import placeholder_svg

log = logging.getLogger("recommender.service")
OPENAPI = Path(__file__).with_name("openapi.yaml")
Body = TypeVar("Body", bound=BaseModel)

ENGINE_KEY = "engine"   # the engine answering this request: one per request, even across a reload
STORE = web.AppKey("store", RedemptionStore)
SHOPPERS = web.AppKey("shoppers", ShopperState)
CLOCK = web.AppKey("clock", Callable[[], dt.date])
METRICS = web.AppKey("metrics", HttpTelemetry)
SERVED = web.AppKey("served", Counter)   # products returned, by kind
VERSION_HEADER = "X-Cartwise-Artefacts"


@dataclass
class EngineSlot:
    """The engine being served, swapped whole by a reload: load the new artefacts, then switch."""
    current: Recommender
    load: Callable[[], Recommender] | None = None
    reloading: asyncio.Lock = field(default_factory=asyncio.Lock)


SLOT = web.AppKey("slot", EngineSlot)


def version_of(engine: Recommender) -> str:
    return engine.art.manifest["input_fingerprint"][:12]


class ApiError(web.HTTPException):
    def __init__(self, status: int, error: str, message: str, **extra: Any):
        self.status_code = status
        super().__init__(text=json.dumps({"error": error, "message": message, **extra}),
                         content_type="application/json")


@web.middleware
async def errors(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    """Pins the engine for the request (a reload may swap it meanwhile), says its version on the
    response, and turns every failure into the JSON error shape. Metrics, the access line and the
    conversation id come from the telemetry middleware around it."""
    engine = request[ENGINE_KEY] = request.app[SLOT].current
    try:
        response = await handler(request)
    except ApiError:
        raise
    except web.HTTPException as exc:   # aiohttp's own (404 route, 405, 413 body too large): JSON them
        raise ApiError(exc.status, exc.reason.lower().replace(" ", "_"), exc.text or exc.reason) from None
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        raise ApiError(500, "internal_error", "The recommender failed on this request; it is still running.") from None
    response.headers[VERSION_HEADER] = version_of(engine)
    return response


async def parse(request: web.Request, model: type[Body]) -> Body:
    try:
        raw = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "malformed_json", "The request body is not valid JSON.") from None
    if not isinstance(raw, dict):
        raise ApiError(400, "invalid_request", "The request body must be a JSON object.")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = [{"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()]
        message = "; ".join(f"{p['field'] or 'body'}: {p['problem']}" for p in problems[:5])
        raise ApiError(400, "invalid_request", message, problems=problems) from None


def _check_limits(
    engine: Recommender, *, k: int | None = None, cart: list | None = None, text: str | None = None
) -> None:
    limits = engine.settings.limits
    if k is not None and k > limits.max_results:
        raise ApiError(422, "too_many_results", f"k may be at most {limits.max_results}.")
    if cart is not None and len(cart) > limits.max_cart_items:
        raise ApiError(422, "cart_too_large", f"A cart may hold at most {limits.max_cart_items} distinct items.")
    if text is not None and len(text) > limits.max_text_chars:
        raise ApiError(422, "text_too_long", f"Text may be at most {limits.max_text_chars} characters.")


def product_json(request: web.Request, engine: Recommender, row: int, **extra: Any) -> dict:
    product = engine.product(row)
    if not product.get("image_url"):
        product["image_url"] = f"{request.url.origin()}/images/{product['id']}.svg"
    product["in_stock"] = product["stock"] != 0
    product.update(extra)
    return product


def _unknown(exc: UnknownProducts) -> ApiError:
    return ApiError(422, "unknown_products", f"Not in the catalog: {', '.join(exc.ids[:10])}", ids=exc.ids)


def _pairs(items: list[schemas.CartItem]) -> list[tuple[str, int]]:
    return [(item.id, item.qty) for item in items]


def _known_cart(engine: Recommender, items: list[schemas.CartItem]) -> Cart:
    """The cart, where every id must be in the catalog (a coupon's value depends on each line)."""
    cart = engine.cart(_pairs(items))
    if cart.unknown:
        raise _unknown(UnknownProducts(list(cart.unknown)))
    return cart


def _uses(store: RedemptionStore, shopper_id: str | None) -> Callable[[str], tuple[int, int]]:
    return lambda code: store.uses(code, shopper_id)


def suggestion_json(request: web.Request, engine: Recommender, s: Suggestion, reason: str, **extra: Any) -> dict:
    return product_json(
        request,
        engine,
        s.position,
        reason=reason,
        reason_kind=s.reason,
        because_of=engine.ids[s.because_of] if s.because_of is not None else None,
        scores={"blend": s.score, "cooccurrence": s.cooccurrence, "content": s.content, "popularity": s.popularity,
                "buy_again": s.buy_again, "collaborative": s.collaborative},
        **extra,
    )


def line_json(line: CartLine) -> dict:
    """A cart line as the bot keeps it (its `cart` slot): one shape from the service to the reply."""
    p = line.product
    return {"id": str(p["id"]), "qty": line.qty, "title": p["title"], "price": float(p["price"])}


# -- handlers -------------------------------------------------------------------------------
async def health(request: web.Request) -> web.Response:
    engine = request[ENGINE_KEY]
    manifest = engine.art.manifest
    cache = engine.encoder.query.cache_info()
    return web.json_response(
        {
            "status": "ok",
            "items": len(engine.ids),
            "index_type": manifest["index_type"],
            "built_at": manifest["built_at"],
            "version": version_of(engine),
            "query_cache": {"hits": cache.hits, "misses": cache.misses, "size": cache.currsize},
        }
    )


async def reload(request: web.Request) -> web.Response:
    """Load the artefacts in models_dir now, then serve them; the old ones answer until the switch."""
    _require_service_token(request)
    slot = request.app[SLOT]
    if slot.load is None:
        raise ApiError(409, "no_loader", "This service was started without a way to load artefacts.")
    if slot.reloading.locked():
        raise ApiError(409, "reloading", "A reload is already running.")
    async with slot.reloading:
        previous = version_of(slot.current)
        try:
            fresh = await asyncio.to_thread(slot.load)
        except (FileNotFoundError, OSError, ValueError, KeyError) as exc:
            raise ApiError(
                409, "reload_failed", f"The new artefacts could not be loaded ({exc}); still serving {previous}."
            ) from None
        slot.current = fresh
    log.info("artefacts reloaded: %s -> %s", previous, version_of(fresh))
    return web.json_response({"previous": previous, "version": version_of(fresh), "items": len(fresh.ids)})


async def metrics(request: web.Request) -> web.Response:
    return await request.app[METRICS].handler(request)


async def openapi(request: web.Request) -> web.Response:
    return web.Response(text=OPENAPI.read_text(), content_type="application/yaml")


async def search(request: web.Request) -> web.Response:
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.SearchRequest)
    _check_limits(engine, k=body.k, text=body.query)
    f = body.filters
    result = engine.search(
        body.query,
        SearchFilters(
            min_price=f.min_price,
            max_price=f.max_price,
            brand=f.brand,
            exclude_brands=tuple(f.exclude_brands),
            exclude_ids=tuple(f.exclude_ids),
            department=f.department,
            categories=tuple(f.categories),
            size=parse_size(f.size),
            color=f.color,
            in_stock_only=f.in_stock_only,
        ),
        k=body.k,
        offset=body.offset,
    )
    request.app[SERVED].labels("search").inc(len(result.items))
    applied = result.filters
    return web.json_response(
        {
            "query_text": result.query_text,
            "total": result.total_matches,
            "offset": body.offset,
            "filters": {
                "min_price": applied.min_price,
                "max_price": applied.max_price,
                "brand": applied.brand,
                "size": str(applied.size) if applied.size else None,
                "color": applied.color,
                "categories": list(applied.categories),
            },
            "unchecked": list(result.unchecked),   # constraints this catalog cannot check, not applied
            "unnamed": list(result.unnamed),   # those of them no product's words use ("goat" in "goat cheese")
            "unnamed_thing": result.unnamed_thing,   # the thing itself, when no product uses its word ("cheddar")
            "sort": result.sort,
            "excluded": list(result.excluded),
            "allergens": list(result.allergens),   # allergies said: products are not checked for them
            "not_here": result.not_here,   # nothing like the query: items are the closest alternatives
            "unmet": list(result.unmet),   # attribute words some products show, none like the query
            "unmet_size": result.unmet_size,   # a size nothing like the query comes in: items are other sizes
            "need": result.need,   # an occasion or meal: the first page spreads over product types
            "spelled_as": result.spelled_as,   # typos corrected and synonyms read, against the catalog's words
            "items": [product_json(request, engine, row, score=round(score, 4),
                                   **({"reason": result.reasons[row]} if row in result.reasons else {}))
                      for row, score in result.items],
        }
    )


async def similar(request: web.Request) -> web.Response:
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.SimilarRequest)
    _check_limits(engine, k=body.k)
    try:
        hits = engine.similar(body.product_id, body.k)
    except UnknownProducts:
        raise ApiError(404, "unknown_product", f"No product with id {body.product_id!r}.") from None
    request.app[SERVED].labels("similar").inc(len(hits))
    return web.json_response({"items": [product_json(request, engine, r, score=round(s, 4)) for r, s in hits]})


async def sizes(request: web.Request) -> web.Response:
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.SizesRequest)
    _check_limits(engine, k=body.k)
    try:
        size, rows = engine.other_sizes(body.product_id, body.k, body.direction)
    except UnknownProducts:
        raise ApiError(404, "unknown_product", f"No product with id {body.product_id!r}.") from None
    request.app[SERVED].labels("sizes").inc(len(rows))
    return web.json_response({"size": size, "items": [product_json(request, engine, r) for r in rows]})


async def complete_cart(request: web.Request) -> web.Response:
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.CartRequest)
    _check_limits(engine, k=body.k, cart=body.cart)
    result = engine.suggest_for(list(_known_cart(engine, body.cart).rows), body.k,
                                *_personal(request, engine, body.shopper_id))
    request.app[SERVED].labels("complete_cart").inc(len(result.suggestions))
    return web.json_response(
        {
            "items": [
                suggestion_json(request, engine, s, reason) for s, reason in zip(result.suggestions, result.reasons)
            ],
            **_blend_used(engine, result.personal),
        }
    )


def _personal(request: web.Request, engine: Recommender, shopper: str | None
              ) -> tuple[str | None, list[list[int]]]:
    """The shopper whose history may be used, with their baskets since the build as catalog rows
    (products since removed left out); (None, []) for a guest or a shopper who said not to."""
    if not shopper or not request.app[SHOPPERS].uses_history(shopper):
        return None, []
    return shopper, _rows(engine, request.app[SHOPPERS].of(shopper, engine.recent_after))


def _rows(engine: Recommender, baskets: list[list[str]]) -> list[list[int]]:
    return [[engine.position[p] for p in basket if p in engine.position] for basket in baskets]


def _require_service_token(request: web.Request) -> None:
    expected = os.environ.get("CARTWISE_SERVICE_TOKEN", "")
    if expected and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {expected}"):
        raise ApiError(401, "service_token", "A valid service token is required (Authorization: Bearer ...).")


async def record_basket(request: web.Request) -> web.Response:
    """A signed-in shopper's checkout, so their next suggestions know it before the next build.
    The shop calls it with the service token; a retried checkout (same basket id) counts once."""
    _require_service_token(request)
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.BasketRequest)
    _check_limits(engine, cart=body.product_ids)
    unknown = [p for p in body.product_ids if p not in engine.position]
    if unknown:
        raise _unknown(UnknownProducts(unknown))
    recorded = request.app[SHOPPERS].add(body.shopper_id, body.basket_id, list(dict.fromkeys(body.product_ids)))
    return web.json_response({"recorded": recorded})


async def shopper_about(request: web.Request) -> web.Response:
    """What the service holds about a shopper, for "what do you know about me?": nothing once they
    were forgotten; while they have asked not to use it, what is kept but not used."""
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.ShopperRequest)
    state = request.app[SHOPPERS]
    status = state.history_status(body.shopper_id)
    recent = state.of(body.shopper_id, engine.recent_after)
    own = None if status == "forgotten" else engine.history(body.shopper_id, _rows(engine, recent))
    return web.json_response({"history": status, "known": own is not None,
                              "products": len(own[0]) if own else 0, "purchases": int(own[2].sum()) if own else 0,
                              "baskets_since_build": len(recent)})


async def shopper_history_use(request: web.Request) -> web.Response:
    """Stop or start using a shopper's history (their own wish, through the bot)."""
    _require_service_token(request)
    body = await parse(request, schemas.HistoryUseRequest)
    if not request.app[SHOPPERS].set_use_history(body.shopper_id, body.use):
        raise ApiError(409, "forgotten", "This shopper's history was deleted on request; it is not used again.")
    return web.json_response({"use_history": body.use})


async def shopper_forget(request: web.Request) -> web.Response:
    """Never use a shopper's history again and delete their recent baskets (`console forget-shopper`)."""
    _require_service_token(request)
    body = await parse(request, schemas.ShopperRequest)
    return web.json_response({"baskets_removed": request.app[SHOPPERS].forget(body.shopper_id),
                              "use_history": False})


def _blend_used(engine: Recommender, personal: bool) -> dict:
    """Whether the shopper's own history was blended in, and the weights that ranked the list."""
    return {"personal": personal, "weights": vars(engine.personal_weights if personal else engine.weights)}


async def buy_again(request: web.Request) -> web.Response:
    """A signed-in shopper's "buy it again" list. The caller (the action server) vouches for the
    shopper id: it sends one only for a verified sign-in. An unknown shopper gets `known: false`."""
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.BuyAgainRequest)
    _check_limits(engine, k=body.k, cart=body.cart)
    shopper, recent = _personal(request, engine, body.shopper_id)
    bought = engine.buy_again(shopper, body.k, set(engine.cart(_pairs(body.cart)).rows), recent)
    request.app[SERVED].labels("buy_again").inc(len(bought or ()))
    return web.json_response({"known": bought is not None, "history_off": shopper is None, "items": [
        product_json(request, engine, b.row, reason=bought_text(b.times), reason_kind="buy_again",
                     times_bought=b.times) for b in bought or ()]})


async def cart(request: web.Request) -> web.Response:
    """One cart turn in one call: the priced cart, suggestions with reasons and their coupons, and
    the deals the cart can use. Unknown ids are listed, not refused: a page's cart may be stale."""
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.CartTurnRequest)
    _check_limits(engine, k=body.k, cart=body.cart)
    shown = [engine.position[i] for i in body.suggestion_ids if i in engine.position]
    answer = engine.answer_cart(
        engine.cart(_pairs(body.cart)),
        body.k,
        request.app[CLOCK](),
        _uses(request.app[STORE], body.shopper_id),
        deals=body.deals,
        also_coupons_for=shown,
        **dict(zip(("shopper", "recent"), _personal(request, engine, body.shopper_id))),
    )
    request.app[SERVED].labels("complete_cart").inc(len(answer.suggestions.suggestions))
    codes = answer.deals.for_suggestions if answer.deals else {}
    lines = [line_json(line) for line in answer.lines]
    return web.json_response(
        {
            "cart": {"lines": lines, "unknown": list(answer.cart.unknown), "total": subtotal(answer.lines)},
            "suggestions": [
                suggestion_json(request, engine, s, reason, coupons=codes.get(engine.ids[s.position], []))
                for s, reason in zip(answer.suggestions.suggestions, answer.suggestions.reasons)
            ],
            "deals": None
            if answer.deals is None
            else {
                "applicable": [vars(r) for r in answer.deals.applicable],
                "almost": [vars(r) for r in answer.deals.almost],
                "for_suggestions": codes,
                # what each of those codes gives, so a reply can say it and not only a code
                "described": {code: engine.coupons[code].description for item in codes.values() for code in item
                              if code in engine.coupons},
            },
            **_blend_used(engine, answer.suggestions.personal),
        }
    )


async def _evaluate_code(request: web.Request, body: schemas.ValidateCouponRequest):
    engine, store = request[ENGINE_KEY], request.app[STORE]
    _check_limits(engine, cart=body.cart)
    code = body.code.strip().upper()
    mine, total = store.uses(code, body.shopper_id)
    return engine.validate_coupon(code, _known_cart(engine, body.cart), request.app[CLOCK](), mine, total)


async def validate_coupon(request: web.Request) -> web.Response:
    result = await _evaluate_code(request, await parse(request, schemas.ValidateCouponRequest))
    return web.json_response(vars(result))


async def redeem_coupon(request: web.Request) -> web.Response:
    body = await parse(request, schemas.RedeemCouponRequest)
    result = await _evaluate_code(request, body)
    if result.status != "valid":
        raise ApiError(409, result.status, result.message)
    recorded = request.app[STORE].record(result.code, body.shopper_id, body.order_id, result.saving)
    return web.json_response({**vars(result), "recorded": recorded})


async def resolve_mentions(request: web.Request) -> web.Response:
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.MentionsRequest)
    _check_limits(engine, text=body.text)
    mentions = engine.resolve_mentions(body.text)
    return web.json_response(
        {
            "mentions": [
                {
                    "text": m.text,
                    "start": m.start,
                    "end": m.end,
                    "qty": m.qty,
                    "status": m.status,
                    "method": m.method,
                    "score": m.score,
                    "options": [product_json(request, engine, row) for row in m.options],
                }
                for m in mentions
            ]
        }
    )


async def product(request: web.Request) -> web.Response:
    engine = request[ENGINE_KEY]
    pid = request.match_info["product_id"]
    if pid not in engine.position:
        raise ApiError(404, "unknown_product", f"No product with id {pid!r}.")
    return web.json_response(product_json(request, engine, engine.position[pid]))


async def lookup(request: web.Request) -> web.Response:
    """Several products at once; unknown ids are listed, not an error (a page's cart may be stale)."""
    engine = request[ENGINE_KEY]
    body = await parse(request, schemas.LookupRequest)
    _check_limits(engine, text=body.question)
    known = [i for i in body.ids if i in engine.position]
    asked = engine.attributes_asked(body.question) if body.question else ()
    answer: dict[str, Any] = {
        "items": [product_json(request, engine, engine.position[i],
                               **({"marked": list(engine.marked(engine.position[i], asked))} if asked else {}))
                  for i in known],
        "unknown": [i for i in body.ids if i not in engine.position],
    }
    if body.question is not None:
        answer["asked"] = [{"attribute": a, "shop_marks_it": engine.marks(a)} for a in asked]
        answer["unanswered"] = list(unanswered(body.question, asked, [
            f"{item['title']} {item.get('category') or ''} {item.get('brand') or ''}" for item in answer["items"]]))
    return web.json_response(answer)


async def popular(request: web.Request) -> web.Response:
    engine = request[ENGINE_KEY]
    try:
        k = int(request.query.get("k", "10"))
    except ValueError:
        raise ApiError(400, "invalid_request", "k must be a whole number.") from None
    if k < 1:
        raise ApiError(400, "invalid_request", "k must be at least 1.")
    _check_limits(engine, k=k)
    return web.json_response({"items": [product_json(request, engine, r) for r in engine.popular(k)]})


async def image(request: web.Request) -> web.Response:
    engine = request[ENGINE_KEY]
    pid = request.match_info["product_id"]
    if pid not in engine.position:
        raise ApiError(404, "unknown_product", f"No product with id {pid!r}.")
    return web.Response(
        text=placeholder_svg(engine.product(engine.position[pid])),
        content_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


def create_app(
    engine: Recommender,
    store: RedemptionStore,
    shoppers: ShopperState,
    clock: Callable[[], dt.date] = dt.date.today,
    loader: Callable[[], Recommender] | None = None,
) -> web.Application:
    telemetry = HttpTelemetry("recommender")
    app = web.Application(middlewares=[telemetry.middleware(), errors], client_max_size=1024**2)
    app[SLOT], app[STORE], app[CLOCK], app[METRICS] = EngineSlot(engine, loader), store, clock, telemetry
    app[SHOPPERS] = shoppers
    app[SERVED] = telemetry.counter("recommendations_served_total", "Products returned to clients", ("kind",))
    app.router.add_get("/health", health)
    app.router.add_post("/admin/reload", reload)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/openapi.yaml", openapi)
    app.router.add_post("/search", search)
    app.router.add_post("/similar", similar)
    app.router.add_post("/sizes", sizes)
    app.router.add_post("/cart", cart)
    app.router.add_post("/complete-cart", complete_cart)
    app.router.add_post("/buy-again", buy_again)
    app.router.add_post("/baskets", record_basket)
    app.router.add_post("/shoppers/about", shopper_about)
    app.router.add_post("/shoppers/history", shopper_history_use)
    app.router.add_post("/shoppers/forget", shopper_forget)
    app.router.add_post("/coupons/validate", validate_coupon)
    app.router.add_post("/coupons/redeem", redeem_coupon)
    app.router.add_post("/resolve-mentions", resolve_mentions)
    app.router.add_post("/products/lookup", lookup)
    app.router.add_get("/products/popular", popular)
    app.router.add_get("/products/{product_id}", product)
    app.router.add_get("/images/{product_id}.svg", image)
    app.on_cleanup.append(lambda _: _close(store, shoppers))
    return app


async def _close(store: RedemptionStore, shoppers: ShopperState) -> None:
    store.close()
    shoppers.close()
