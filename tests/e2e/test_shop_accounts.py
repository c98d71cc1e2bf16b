"""The shop's sign-in over HTTP: wrong passwords, the limit on them, the chat token, signing out."""
from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request

from cartwise import identity


class Browser:
    """A cookie-keeping HTTP client, as a browser talks to the shop."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data, {"Content-Type": "application/json"}, method=method)
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


def demo_shopper(stack) -> tuple[str, str]:
    email, _, password = (stack["folder"] / "shop-accounts.txt").read_text().splitlines()[1].split("\t")
    return email, password


def test_sign_in_gives_the_page_a_chat_token_for_that_shopper_and_sign_out_ends_it(stack):
    browser = Browser(f"http://127.0.0.1:{stack['ports']['shop']}")
    email, password = demo_shopper(stack)
    assert browser.call("GET", "/api/me") == (200, {"signed_in": False})
    assert browser.call("POST", "/api/sign-in", {"email": email.upper(), "password": password}) == \
        (200, {"shopper_id": "demo"})
    status, me = browser.call("GET", "/api/me")
    found = identity.verify(me["identity"], identity.load_settings(stack["config"]))
    assert status == 200 and me["shopper_id"] == "demo" and found and found.shopper_id == "demo"
    assert browser.call("POST", "/api/sign-out")[0] == 200
    assert browser.call("GET", "/api/me") == (200, {"signed_in": False})


def test_wrong_passwords_are_refused_alike_and_then_limited(stack):
    browser = Browser(f"http://127.0.0.1:{stack['ports']['shop']}")
    nobody = browser.call("POST", "/api/sign-in", {"email": "nobody@example.com", "password": "whatever123"})
    assert nobody == (401, {"error": "wrong_credentials", "message": "That email and password don't match an account."})
    for _ in range(4):
        assert browser.call("POST", "/api/sign-in", {"email": "limit@example.com", "password": "x" * 12})[0] == 401
    assert browser.call("POST", "/api/sign-in", {"email": "limit@example.com", "password": "x" * 12})[0] == 401
    assert browser.call("POST", "/api/sign-in", {"email": "limit@example.com", "password": "y" * 12})[0] == 429
    assert browser.call("POST", "/api/sign-in", {"email": "limit@example.com"})[0] == 400
    assert browser.call("POST", "/api/sign-in", ["not", "an", "object"])[0] == 400
