"""Real browser tests: headless Debian Chromium driven by playwright-core (tests/browser/*.mjs)."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.processes import ROOT
from tests.stack import PASSWORD, Shopper, Staff

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def run_browser_script(stack, script: str, **extra: str) -> str:
    if not Path(CHROMIUM).exists() or shutil.which("node") is None:
        pytest.fail(f"browser tests need node and Chromium at {CHROMIUM} (`make browser` installs it)")
    ports = stack["ports"]
    env = {**os.environ, "SHOP_URL": f"http://127.0.0.1:{ports['shop']}",
           "CONSOLE_URL": f"http://127.0.0.1:{ports['console']}", **extra}
    result = subprocess.run(["node", str(ROOT / "tests" / "browser" / script)], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    return result.stdout


def test_shopper_adds_asks_sees_cards_adds_from_a_card_and_reloads(stack):
    assert "ok:" in run_browser_script(stack, "shopper.mjs")


def test_a_signed_in_shopper_sees_their_orders_and_a_guest_does_not(stack):
    email, _, password = (stack["folder"] / "shop-accounts.txt").read_text().splitlines()[1].split("\t")
    assert "ok:" in run_browser_script(stack, "signin.mjs", SHOPPER_EMAIL=email, SHOPPER_PASSWORD=password)


def test_a_household_sees_its_usuals_checks_out_and_only_it_sees_the_order(stack):
    rows = {row[1]: row for row in (line.split("\t") for line in
                                    (stack["folder"] / "shop-accounts.txt").read_text().splitlines()[1:])}
    owner, other = rows["u8"], rows["u9"]
    out = run_browser_script(stack, "usuals.mjs", OWNER_EMAIL=owner[0], OWNER_PASSWORD=owner[2], OWNER_ID="u8",
                             OTHER_EMAIL=other[0], OTHER_PASSWORD=other[2], OTHER_ID="u9")
    assert "ok:" in out


def test_shopper_asks_for_a_person_agent_takes_over_and_hands_back(stack):
    out = run_browser_script(stack, "handoff.mjs", AGENT="bob", AGENT_PASSWORD=PASSWORD)
    assert "ok:" in out
    assert Staff(f"http://127.0.0.1:{stack['ports']['console']}", "bob").call("POST", "/logout")[0] == 200


def test_reviewer_finds_a_misunderstood_message_and_corrects_it(stack):
    said = "zorblax quintessa fnord"
    Shopper(stack, "browser-review").say(said)
    out = run_browser_script(stack, "review.mjs", REVIEWER="rita", REVIEWER_PASSWORD=PASSWORD,
                             SENDER="browser-review", SAID=said)
    assert "ok:" in out
    assert "- intent: out_of_scope" in (stack["folder"] / "reviewed_nlu.yml").read_text()
