import datetime as dt

import pytest

from cartwise.money import currency_of
from recommender.coupons import CartLine, CouponFileError, evaluate, load_coupons, parse_coupons

TODAY = dt.date(2026, 11, 23)
RULES = parse_coupons({"coupons": [
    {"code": "save10", "description": "10% off $30+", "discount": {"percent": 10},
     "conditions": {"min_subtotal": 30}, "valid_from": "2026-01-01", "valid_until": "2027-12-31",
     "max_uses_per_shopper": 1},
    {"code": "FIESTA2", "description": "$2 off chips or salsa", "discount": {"amount": 2}, "applies_to": "matching",
     "conditions": {"items": {"categories": ["Tortilla Chips", "Salsa"]}}},
    {"code": "COFFEE20", "description": "20% off coffee", "discount": {"percent": 20}, "applies_to": "matching",
     "conditions": {"items": {"departments": ["Coffee"]}}},
    {"code": "OLD", "description": "old", "discount": {"amount": 5}, "valid_until": "2026-08-31"},
    {"code": "SOON", "description": "soon", "discount": {"amount": 5}, "valid_from": "2027-03-01"},
    {"code": "RARE", "description": "rare", "discount": {"amount": 1}, "max_uses_total": 100},
]})


def line(pid, price, qty=1, category="Other", department="Grocery"):
    return CartLine({"id": pid, "price": price, "category": category, "department": department, "brand": "X"}, qty)


def test_percent_of_whole_cart_when_subtotal_reached():
    result = evaluate(RULES["SAVE10"], "save10", [line("a", 20.0), line("b", 7.5, qty=2)], TODAY)
    assert result.status == "valid" and result.saving == 3.50


def test_shortfall_is_told_when_subtotal_is_not_reached():
    result = evaluate(RULES["SAVE10"], "SAVE10", [line("a", 12.25)], TODAY)
    assert result.status == "not_applicable" and result.shortfall == 17.75 and "$17.75" in result.message


def test_matching_coupon_discounts_only_matching_items_and_never_more_than_them():
    cart = [line("chips", 1.50, category="Tortilla Chips"), line("milk", 3.0)]
    result = evaluate(RULES["FIESTA2"], "FIESTA2", cart, TODAY)
    assert result.status == "valid" and result.saving == 1.50 and result.matching_ids == ("chips",)


def test_percent_on_matching_items():
    cart = [line("c", 10.0, qty=2, department="Coffee"), line("milk", 3.0)]
    assert evaluate(RULES["COFFEE20"], "COFFEE20", cart, TODAY).saving == 4.0


def test_not_applicable_without_a_matching_item():
    result = evaluate(RULES["FIESTA2"], "FIESTA2", [line("milk", 3.0)], TODAY)
    assert result.status == "not_applicable" and "Tortilla Chips" in result.message


@pytest.mark.parametrize("code,status", [("OLD", "expired"), ("SOON", "not_yet_valid"), ("NOPE1", "unknown")])
def test_dates_and_unknown_codes(code, status):
    assert evaluate(RULES.get(code), code, [line("a", 50.0)], TODAY).status == status


def test_usage_limits():
    cart = [line("a", 50.0)]
    assert evaluate(RULES["SAVE10"], "SAVE10", cart, TODAY, uses_by_shopper=1).status == "already_used"
    assert evaluate(RULES["RARE"], "RARE", cart, TODAY, uses_total=100).status == "exhausted"
    assert evaluate(RULES["RARE"], "RARE", cart, TODAY, uses_total=99).status == "valid"


@pytest.mark.parametrize("entry,problem", [
    ({"description": "no code", "discount": {"amount": 1}}, "no code"),
    ({"code": "X1", "discount": {"amount": 1, "percent": 5}}, "exactly one"),
    ({"code": "X2", "discount": {"percent": 150}}, "exactly one"),
    ({"code": "X3", "discount": {"amount": 1}, "valid_until": "tomorrow"}, "YYYY-MM-DD"),
    ({"code": "X4", "discount": {"amount": 1}, "applies_to": "everything"}, "applies_to"),
])
def test_bad_coupon_rules_are_named(entry, problem):
    with pytest.raises(CouponFileError, match=problem):
        parse_coupons({"coupons": [entry]})


def test_coupon_messages_are_in_the_shops_currency():
    pounds = currency_of("GBP")
    short = evaluate(RULES["SAVE10"], "SAVE10", [line("a", 12.25)], TODAY, currency=pounds)
    assert short.message == "SAVE10 needs a cart of at least £30.00; add £17.75 more."
    assert "saves you £4.00" in evaluate(RULES["SAVE10"], "SAVE10", [line("a", 40.0)], TODAY, currency=pounds).message


def test_a_coupon_file_written_for_another_source_is_not_offered(tmp_path):
    path = tmp_path / "coupons.yml"
    path.write_text("for_source: completejourney\ncoupons:\n  - {code: WELCOME5, discount: {amount: 5}}\n")
    assert set(load_coupons(path, "completejourney")) == {"WELCOME5"}
    assert load_coupons(path, "generic") == {}
    path.write_text("coupons:\n  - {code: OWN1, discount: {amount: 1}}\n")   # a shop's own file: any source
    assert set(load_coupons(path, "generic")) == {"OWN1"}
