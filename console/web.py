"""What every console page and API shares: JSON errors, sessions and roles, CSRF, security headers."""
from __future__ import annotations

import hmac
from typing import Any, Awaitable, Callable

from aiohttp import web

from .config import ConsoleSettings
from .rasa_api import RasaApi
from .store import ConsoleStore, Session

COOKIE = "cw_session"
SETTINGS = web.AppKey("settings", ConsoleSettings)
STORE = web.AppKey("store", ConsoleStore)
RASA = web.AppKey("rasa", RasaApi)


def error(status: int, code: str, message: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 401: web.HTTPUnauthorized, 403: web.HTTPForbidden, 404: web.HTTPNotFound,
           409: web.HTTPConflict, 502: web.HTTPBadGateway}[status]
    return cls(text=web.json_response({"error": code, "message": message}).text, content_type="application/json")


@web.middleware
async def security_headers(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    response = await handler(request)
    # data: images: the analytics page's plots arrive inside its one JSON answer (no script runs from them)
    response.headers.setdefault("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                                                           "frame-ancestors 'none'")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def current_session(request: web.Request) -> Session | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    return request.app[STORE].session(token, request.app[SETTINGS].session_ttl_s)


def require(request: web.Request, *roles: str) -> Session:
    """The caller's session, with a role among `roles`; writes also need the session's CSRF token."""
    session = current_session(request)
    if session is None:
        raise error(401, "login_required", "Log in first.")
    if session.user.role not in roles + ("admin",):
        raise error(403, "forbidden", f"This needs the {' or '.join(roles)} role; you are {session.user.role}.")
    if request.method != "GET" and not hmac.compare_digest(request.headers.get("X-CSRF-Token", ""), session.csrf):
        raise error(403, "csrf", "Missing or wrong X-CSRF-Token header.")
    return session


def require_service(request: web.Request) -> None:
    expected = request.app[SETTINGS].service_token
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not expected or not hmac.compare_digest(given, expected):
        raise error(401, "service_token", "A valid service token is required.")


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise error(400, "bad_json", "The body must be a JSON object.") from None
    if not isinstance(body, dict):
        raise error(400, "bad_json", "The body must be a JSON object.")
    return body
