"""Demo shopper accounts follow the recommender's build: a new build's households can sign in."""
import json

from shop.__main__ import ensure_demo_shoppers
from shop.accounts import ShopperAccounts
from shop.config import load


def _shop(tmp_path, shoppers: list[str]):
    (tmp_path / "history.shoppers.json").write_text(json.dumps({"shoppers": shoppers}))
    config = tmp_path / "cartwise.yml"
    config.write_text(f"""shop:
  db: {tmp_path / 'shop.db'}
  accounts_file: {tmp_path / 'accounts.txt'}
  demo_households: {{count: 3, history: {tmp_path / 'history.shoppers.json'}}}
""")
    return load(config)


def _passwords(path) -> dict[str, str]:
    return {row[0]: row[2] for row in (line.split("\t") for line in path.read_text().splitlines()[1:])}


def test_a_new_builds_households_get_accounts_and_old_passwords_keep_working(tmp_path):
    settings = _shop(tmp_path, ["h1", "h2"])
    accounts = ShopperAccounts(settings.db)
    ensure_demo_shoppers(settings, accounts)
    first = _passwords(settings.accounts_file)
    assert set(first) == {"demo@example.com", "household-h1@example.com", "household-h2@example.com"}

    settings = _shop(tmp_path, ["h1", "h2", "h3", "h4"])   # the next build knows more households
    ensure_demo_shoppers(settings, accounts)
    now = _passwords(settings.accounts_file)
    assert set(now) == set(first) | {"household-h3@example.com"}   # the first three households (count: 3)
    assert {email: now[email] for email in first} == first        # nobody's password changed
    assert accounts.sign_in("household-h3@example.com", now["household-h3@example.com"]) == "h3"
    assert accounts.sign_in("household-h1@example.com", first["household-h1@example.com"]) == "h1"

    ensure_demo_shoppers(settings, accounts)                        # nothing new: the file is untouched
    assert _passwords(settings.accounts_file) == now
    accounts.close()
