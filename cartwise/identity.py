"""Who is chatting: a short-lived signed token the shop page hands the chat widget.

The shop signs `{"sub": shopper id, "aud": audience, "exp": expiry, "jti": token id}` with
HMAC-SHA256 and a secret only the shop and the action server hold; the widget sends the token with
every message (`customData.identity`, message metadata). The action server verifies it each time:
a missing, malformed, forged, expired or wrong-audience token means a guest. A sender id or a
shopper id in plain metadata is never identity. Stdlib only: every process can import it.

The secret is `CARTWISE_IDENTITY_SECRET` (production sets it), else a random key written once to
`identity.secret_file` (the embedded default: the shop and the action server on one machine).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from . import config

SECRET_ENV = "CARTWISE_IDENTITY_SECRET"


@dataclass(frozen=True)
class IdentitySettings:
    secret: bytes
    audience: str = "cartwise-chat"
    ttl_s: int = 900            # a page reload or the next page issues a fresh one


@dataclass(frozen=True)
class Identity:
    shopper_id: str
    token_id: str               # the token's jti: the action server binds it to one conversation
    expires_at: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, secret: bytes) -> str:
    return _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())


def issue(shopper_id: str, settings: IdentitySettings, now: float | None = None) -> str:
    """A token for this shopper, valid for `ttl_s` from `now`."""
    claims = {"sub": shopper_id, "aud": settings.audience, "exp": int((now or time.time()) + settings.ttl_s),
              "jti": secrets.token_urlsafe(12)}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{payload}.{_signature(payload, settings.secret)}"


def verify(token: object, settings: IdentitySettings, now: float | None = None) -> Identity | None:
    """The shopper a token names, or None for anything that is not a valid, current token for us."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 2048:
        return None
    payload, signature = token.split(".")
    if not hmac.compare_digest(signature, _signature(payload, settings.secret)):
        return None
    try:
        claims = json.loads(_unb64(payload))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(claims, dict) or claims.get("aud") != settings.audience:
        return None
    sub, exp, jti = claims.get("sub"), claims.get("exp"), claims.get("jti")
    if not (isinstance(sub, str) and sub and isinstance(exp, int) and isinstance(jti, str) and jti):
        return None
    if exp <= (now or time.time()):
        return None
    return Identity(sub, jti, float(exp))


def load_settings(path: Path | None = None) -> IdentitySettings:
    file = config.load(path)
    raw = file.section("identity")
    secret = os.environ.get(SECRET_ENV, "").encode()
    where = SECRET_ENV
    if not secret:
        where = file.resolve(raw.get("secret_file", "var/identity.key"))
        secret = _secret_from_file(where)
    if len(secret) < 32:
        raise config.ConfigError(f"{where}: the identity secret needs 32 characters or more")
    return IdentitySettings(secret, str(raw.get("audience", "cartwise-chat")), int(raw.get("ttl_s", 900)))


def _secret_from_file(path: Path) -> bytes:
    """The embedded default's key: made once, readable by this user only. Two processes starting
    together both try; whoever links the file first wins and the other reads it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
        tmp.write_bytes(secrets.token_bytes(32).hex().encode())
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes().strip()
