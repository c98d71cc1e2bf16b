"""Signed shopper tokens: only a current token signed with our secret for our audience is identity."""
from __future__ import annotations

import json
import threading

from cartwise import identity
from cartwise.identity import IdentitySettings, issue, verify

SETTINGS = IdentitySettings(b"k" * 64)
NOW = 1_800_000_000.0


def test_a_token_names_its_shopper_until_it_expires():
    token = issue("household-42", SETTINGS, now=NOW)
    found = verify(token, SETTINGS, now=NOW + 899)
    assert found and found.shopper_id == "household-42" and found.token_id
    assert verify(token, SETTINGS, now=NOW + 900) is None
    assert issue("household-42", SETTINGS, now=NOW) != token   # each token has its own id


def test_forged_altered_foreign_and_malformed_tokens_are_guests():
    token = issue("household-42", SETTINGS, now=NOW)
    payload, signature = token.split(".")
    claims = json.loads(identity._unb64(payload))
    forged = identity._b64(json.dumps({**claims, "sub": "household-7"}).encode())
    assert verify(f"{forged}.{signature}", SETTINGS, now=NOW) is None                         # altered claims
    assert verify(issue("household-42", IdentitySettings(b"x" * 64), now=NOW), SETTINGS, now=NOW) is None
    assert verify(issue("household-42", IdentitySettings(b"k" * 64, audience="other"), now=NOW),
                  SETTINGS, now=NOW) is None                                                   # another audience
    unsigned = identity._b64(json.dumps({**claims, "exp": int(NOW) + 99}).encode())
    for bad in (None, 42, "", "a.b.c", f"{unsigned}.", "household-42", {"sub": "household-42"}, "x" * 5000):
        assert verify(bad, SETTINGS, now=NOW) is None


def test_the_embedded_default_makes_one_private_key_that_every_process_reads(tmp_path, monkeypatch):
    monkeypatch.delenv(identity.SECRET_ENV, raising=False)
    (tmp_path / "cartwise.yml").write_text("identity: {secret_file: var/identity.key, ttl_s: 60}\n")
    keys, errors = [], []

    def load():
        try:
            keys.append(identity.load_settings(tmp_path / "cartwise.yml"))
        except Exception as exc:   # a thread's error must fail the test, not vanish
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(keys) == 4 and len({k.secret for k in keys}) == 1 and keys[0].ttl_s == 60
    assert (tmp_path / "var" / "identity.key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv(identity.SECRET_ENV, "s" * 40)
    assert identity.load_settings(tmp_path / "cartwise.yml").secret == b"s" * 40
