"""The shop over HTTP: sign-in (wrong passwords, the limit on them, the chat token, signing out), the
households' demo accounts, and checkout into the orders the bot answers about."""
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


def test_a_household_signs_in_and_the_bot_knows_its_usuals(stack):
    """Demo accounts exist for the build's households; signed in, "buy it again" lists what that
    household buys, and the same words from a guest get no one's history."""
    from tests.fixture_shop import favourite
    from tests.stack import Shopper

    rows = [line.split("\t") for line in (stack["folder"] / "shop-accounts.txt").read_text().splitlines()[1:]]
    assert {shopper for _, shopper, _ in rows} == {"demo", *(f"u{n}" for n in range(40))}
    email, shopper, password = next(row for row in rows if row[1] == "u3")
    browser = Browser(f"http://127.0.0.1:{stack['ports']['shop']}")
    assert browser.call("POST", "/api/sign-in", {"email": email, "password": password}) == (200, {"shopper_id": "u3"})
    token = browser.call("GET", "/api/me")[1]["identity"]
    signed_in = Shopper(stack, "household-u3").say("/buy_again", {"identity": token})
    cards = next(m["attachment"]["payload"]["elements"] for m in signed_in if m.get("attachment"))
    assert signed_in[0]["text"].startswith("What you buy most often:")
    assert favourite(3) in [card["product_id"] for card in cards[:4]]
    guest = Shopper(stack, "u3").text("/buy_again", {"shopper_id": "u3"})
    assert guest.startswith("I can show what you usually buy once you're signed in")


def household(stack, shopper: str) -> Browser:
    """A browser signed in as one of the demo households."""
    rows = [line.split("\t") for line in (stack["folder"] / "shop-accounts.txt").read_text().splitlines()[1:]]
    email, _, password = next(row for row in rows if row[1] == shopper)
    browser = Browser(f"http://127.0.0.1:{stack['ports']['shop']}")
    assert browser.call("POST", "/api/sign-in", {"email": email, "password": password})[0] == 200
    return browser


def times_bought(stack, shopper: str) -> dict[str, int]:
    request = urllib.request.Request(f"http://127.0.0.1:{stack['ports']['recommender']}/buy-again",
                                     json.dumps({"shopper_id": shopper, "k": 50}).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return {item["id"]: item["times_bought"] for item in json.loads(response.read())["items"]}


def test_checkout_places_an_order_only_its_owner_can_see_and_feeds_their_history(stack):
    from tests.stack import Shopper

    owner = household(stack, "u6")
    before = times_bought(stack, "u6")
    cart = [{"id": "wine-1", "qty": 2}, {"id": "parm-1", "qty": 1}]   # $30.97: SAVE10 applies
    status, order = owner.call("POST", "/api/checkout", {"cart": cart, "coupon": "save10"})
    assert status == 200 and order["status"] == "processing" and order["saving"] == 3.1
    assert order["total"] == 27.87 and order["items"] == ["Red Wine Cabernet, 750 ml", "Grated Parmesan, 8 oz"]
    after = times_bought(stack, "u6")   # in the shopper's history at once, no rebuild
    assert after["wine-1"] == before.get("wine-1", 0) + 1 and after["parm-1"] == before.get("parm-1", 0) + 1
    assert owner.call("POST", "/api/checkout", {"cart": cart, "coupon": "SAVE10"})[0] == 409   # once per shopper

    number = order["order_id"]
    token = owner.call("GET", "/api/me")[1]["identity"]
    mine = Shopper(stack, "u6-orders").text(f"where is order {number}?", {"identity": token})
    assert f"Order {number} (Red Wine Cabernet" in mine and "is being prepared" in mine
    other = household(stack, "u7").call("GET", "/api/me")[1]["identity"]
    copied = {"identity": token}   # bound to u6's own chat above: a guest anywhere else
    for sender, metadata in (("u7-orders", {"identity": other}), ("guest-orders", {}), ("u6-copy", copied)):
        for words in (f"where is order {number}?", f"cancel order {number}"):
            reply = Shopper(stack, sender).text(words, metadata)
            assert reply.startswith(f"To keep orders private, I need to check that order {number} is yours"), reply
            assert "Wine" not in reply and "Parmesan" not in reply and "27.87" not in reply


def test_a_guest_checks_out_with_an_email_and_bad_checkouts_place_nothing(stack):
    guest = Browser(f"http://127.0.0.1:{stack['ports']['shop']}")
    cart = [{"id": "milk-1", "qty": 1}]
    assert guest.call("POST", "/api/checkout", {"cart": cart})[0:2] == (400, {
        "error": "email_needed", "message": "Please give an email address for the order (or sign in)."})
    email = "g@example.com"
    for bad in ({"cart": [], "email": email}, {"cart": [{"id": "milk-1", "qty": "many"}], "email": email},
                {"cart": [{"id": "milk-1", "qty": 10**9}], "email": email}, {"cart": "milk", "email": email},
                ["not", "an", "object"], {"cart": cart, "email": 5}):
        status, body = guest.call("POST", "/api/checkout", bad)
        assert status == 400 and body["message"], bad
    status, body = guest.call("POST", "/api/checkout", {"cart": [{"id": "no-such-product"}], "email": email})
    assert status == 422 and "no-such-product" in body["message"]
    status, first = guest.call("POST", "/api/checkout", {"cart": cart, "email": email})
    status, second = guest.call("POST", "/api/checkout", {"cart": cart, "email": email})
    assert status == 200 and int(second["order_id"]) == int(first["order_id"]) + 1   # nothing was placed between


def test_forgetting_a_shopper_deletes_what_the_bot_uses_of_their_history(stack):
    import subprocess

    from tests.processes import BOT_BIN, ROOT, service_env
    from tests.stack import Shopper

    token = household(stack, "u10").call("GET", "/api/me")[1]["identity"]
    chat = Shopper(stack, "u10-privacy")
    assert chat.text("/buy_again", {"identity": token}).startswith("What you buy most often:")
    done = subprocess.run([str(BOT_BIN / "python"), "-m", "console", "forget-shopper", "u10"], cwd=ROOT,
                          env=service_env(stack["config"]), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "forgot shopper u10" in done.stdout, done.stderr
    assert times_bought(stack, "u10") == {}
    assert chat.text("/buy_again", {"identity": token}).startswith("You asked me not to use your purchase history")
    assert "Your purchase history was deleted at your request" in chat.text("/ask_my_data", {"identity": token})
