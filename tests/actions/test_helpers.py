"""Pure helpers of the action server: cart, references, quantities, replies, orders."""
import datetime as dt

import pytest

from actions import replies
from actions.base import coupon_code_in
from actions.cart_lines import (
    add_item,
    cart_total,
    match_cart_line,
    parse_ordinals,
    parse_quantity,
    parse_total,
    read_cart,
    remove_item,
    set_quantity,
)
from actions.config import HandoffRules
from actions.config import settings as action_settings
from actions.conversation import consecutive_fallbacks
from actions.handoff import fallback_reason, fallback_step, summary
from cartwise.money import currency_of
from cartwise.orders import Order, OrderStore, cancel_decision, return_decision

SALSA = {"id": "s1", "title": "Chunky Salsa, 16 oz", "price": 2.99}
CHIPS = {"id": "c1", "title": "Tortilla Chips, 13 oz", "price": 3.49}


@pytest.mark.parametrize("metadata,expected,left_out", [
    ({"cart": [{"id": "a", "qty": 2}, {"id": 7}]}, [{"id": "a", "qty": 2}, {"id": "7", "qty": 1}], []),
    ({"cart": [{"id": "a"}, {"id": "a", "qty": 3}]}, [{"id": "a", "qty": 4}], []),
    ({"cart": [{"id": "a", "qty": -1}, {"id": "", "qty": 1}, {"qty": 2}, "x", {"id": True}, {"id": "b", "qty": "2"}]},
     [], ["item a (quantity '-1'", "an item without a product id", "an item without a product id",
          "an item without a product id", "an item without a product id", "item b (quantity '2'"]),
    ({"cart": [{"id": "c", "qty": 1e9}, {"id": "d", "qty": "many"}, {"id": "e", "qty": 1}]},
     [{"id": "e", "qty": 1}], ["item c (quantity '1000000000.0'", "item d (quantity 'many'"]),
    ({"cart": [{"id": f"p{i}"} for i in range(203)]}, [{"id": f"p{i}", "qty": 1} for i in range(200)],
     ["3 more items (I read at most 200)"]),
    ({"cart": "chips"}, [], ["the cart the page sent"]),
])
def test_page_cart_metadata_is_read_defensively_and_says_what_it_left_out(metadata, expected, left_out):
    page = read_cart(metadata)
    assert page.lines == expected
    assert len(page.unreadable) == len(left_out)
    assert all(said.startswith(start) for said, start in zip(page.unreadable, left_out))


@pytest.mark.parametrize("metadata", [{"other": 1}, None, "cart"])
def test_no_page_cart_means_the_slot_is_used(metadata):
    assert read_cart(metadata) is None


def test_add_remove_and_total():
    cart = add_item(add_item([], SALSA, 2), CHIPS, 1)
    cart = add_item(cart, SALSA, 1)
    assert [(l["id"], l["qty"]) for l in cart] == [("s1", 3), ("c1", 1)] and cart_total(cart) == 12.46
    assert [(l["id"], l["qty"]) for l in remove_item(cart, "s1", 1)] == [("s1", 2), ("c1", 1)]
    assert [l["id"] for l in remove_item(cart, "s1")] == ["c1"]
    assert add_item([], SALSA, 500)[0]["qty"] == 99


@pytest.mark.parametrize("text,total", [
    ("actually make that 3", 3), ("change it to 2", 2), ("make it five instead", 5), ("I only want one", 1),
    ("set the quantity to 12", 12), ("4 in total", 4), ("just two please", 2),
    ("add 2 of those", None), ("just add the first one", None), ("add one more of the first", None),
    ("make it cheaper", None),
])
def test_a_set_total_is_told_from_an_amount_to_add(text, total):
    assert parse_total(text) == total


@pytest.mark.parametrize("text,wanted", [
    ("does it come in a bigger size?", "bigger"), ("got a family size one?", "bigger"),
    ("is there a smaller pack", "smaller"), ("what sizes does it come in", "other"),
    ("is it available in a different size", "other"),
    ("what size is the second one", None), ("what size are the eggs", None), ("how much is it", None),
])
def test_a_question_for_another_size_is_told_from_one_about_its_own(text, wanted):
    from actions.sizes import size_wanted
    assert size_wanted(text) == wanted


def test_set_quantity_replaces_or_adds_a_line():
    cart = add_item(add_item([], SALSA, 2), CHIPS, 1)
    assert [(l["id"], l["qty"]) for l in set_quantity(cart, SALSA, 5)] == [("s1", 5), ("c1", 1)]
    assert [(l["id"], l["qty"]) for l in set_quantity([], SALSA, 3)] == [("s1", 3)]
    assert set_quantity(cart, SALSA, 500)[0]["qty"] == 99


@pytest.mark.parametrize(
    "text,shown,expected",
    [
        ("add the first one", 5, [0]),
        ("compare the first and third", 5, [0, 2]),
        ("the 2nd please", 5, [1]),
        ("option 3", 5, [2]),
        ("the last one", 4, [3]),
        ("both", 2, [0, 1]),
        ("add all of them", 3, [0, 1, 2]),
        ("two of each please", 2, [0, 1]),
        ("put them all in", 3, [0, 1, 2]),
        ("the second of those", 3, [1]),
        ("is that all of it", 3, []),
        ("compare the first two", 5, [0, 1]),
        ("the fifth", 3, []),
        ("add salsa", 5, []),
    ],
)
def test_ordinals(text, shown, expected):
    assert parse_ordinals(text, shown) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("add 2 of those", 2),
        ("three of the first please", 3),
        ("add the 2nd one", None),
        ("add it", None),
        ("add one under $5", None),
        ("add two under $5", 2),
        ("order 10002", None),
        ("a dozen of them", 12),
        ("remove one", 1),
        ("take one of the wipes out", 1),
        ("one less of the chips", 1),
        ("remove the first one", None),
    ],
)
def test_quantities(text, expected):
    assert parse_quantity(text) == expected


def test_cart_line_matching_by_words():
    cart = [{"id": "c1", "title": "Tortilla Chips, 13 oz", "qty": 1}, {"id": "s1", "title": "Chunky Salsa", "qty": 1}]
    assert match_cart_line(cart, "remove the salsa")["id"] == "s1"
    assert match_cart_line(cart, "take out the chip")["id"] == "c1"
    assert match_cart_line(cart, "remove the milk") is None


def test_cards_carry_buttons_and_text_fallback_lists_the_same_products():
    products = [{**CHIPS, "brand": "Fiesta", "reason": "Often bought with your salsa", "image_url": "http://x/c1.svg"}]
    card = replies.carousel(products)["payload"]["elements"][0]
    assert card["buttons"][0]["payload"] == '/add_to_cart{"product_id": "c1"}'
    assert "$3.49" in card["subtitle"] and "Often bought with your salsa" in card["subtitle"]
    assert (
        replies.products_text("Ideas:", products)
        == "Ideas:\n1. Tortilla Chips, 13 oz (Fiesta) - $3.49 - Often bought with your salsa"
    )


def test_consecutive_fallbacks_stop_at_an_understood_message():
    def user(intent):
        return {"event": "user", "parse_data": {"intent": {"name": intent}}}

    events = [
        user("nlu_fallback"),
        user("greet"),
        {"event": "bot"},
        user("nlu_fallback"),
        {"event": "action"},
        user("nlu_fallback"),
    ]
    assert consecutive_fallbacks(events) == 2 and consecutive_fallbacks(events[:2]) == 0


def _order(status, delivered_days_ago=None):
    today = dt.date(2026, 11, 23)
    delivered = today - dt.timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    return Order("1", "s", status, today, None, delivered, 10.0, ("x",)), today


@pytest.mark.parametrize(
    "status,allowed", [("processing", True), ("shipped", False), ("cancelled", False), ("delivered", False)]
)
def test_cancel_rules(status, allowed):
    assert cancel_decision(_order(status)[0])[0] is allowed


@pytest.mark.parametrize(
    "status,days,allowed,words",
    [
        ("delivered", 5, True, "Return started"),
        ("delivered", 31, False, "within 30 days"),
        ("shipped", None, False, "hasn't been delivered"),
        ("return_requested", 3, False, "already in progress"),
    ],
)
def test_return_rules(status, days, allowed, words):
    order, today = _order(status, days)
    ok, message = return_decision(order, today, 30)
    assert ok is allowed and words in message


def test_an_order_store_made_before_orders_had_emails_gains_the_column(tmp_path):
    import sqlite3
    db = sqlite3.connect(tmp_path / "old.db")
    db.execute("CREATE TABLE orders (id TEXT PRIMARY KEY, shopper_id TEXT, status TEXT NOT NULL, placed_on TEXT "
               "NOT NULL, eta TEXT, delivered_on TEXT, total REAL NOT NULL, items TEXT NOT NULL)")
    db.execute("INSERT INTO orders VALUES ('9', 'x', 'processing', '2026-01-01', NULL, NULL, 1.5, '[\"Tea\"]')")
    db.commit()
    db.close()
    order = OrderStore(tmp_path / "old.db").get("9")
    assert order.email is None and order.items == ("Tea",)


@pytest.mark.parametrize(
    "text,code",
    [
        ("apply save10 please", "SAVE10"),
        ("use coupon CJ10000085476", "CJ10000085476"),
        ("redeem cj51380041013", "CJ51380041013"),
        ("apply my coupon", None),
        ("order 10002", None),
    ],
)
def test_coupon_codes_in_words_shop_and_complete_journey_formats(text, code):
    assert coupon_code_in(text) == code


@pytest.mark.parametrize(
    "fallbacks,cart_value,step",
    [
        (1, 0.0, "rephrase"),
        (2, 0.0, "offer"),
        (3, 0.0, "handoff"),
        (1, 99.99, "rephrase"),
        (1, 100.0, "handoff"),
    ],
)
def test_when_a_misunderstood_shopper_goes_to_a_person(fallbacks, cart_value, step):
    assert fallback_step(fallbacks, cart_value, HandoffRules()) == step


def test_a_zero_threshold_turns_the_cart_rule_off():
    rules = HandoffRules(cart_value_threshold=0)
    assert fallback_step(1, 500.0, rules) == "rephrase"
    assert fallback_reason(3, 0.0, rules) == "not understood 3 times in a row"
    assert fallback_reason(1, 150.0, HandoffRules()) == "not understood with a $150.00 cart"


def test_the_agent_summary_has_words_cart_and_suggestions_but_not_button_payloads():
    events = [
        {"event": "user", "text": "hi"},
        {"event": "user", "text": "/complete_cart"},
        {"event": "bot", "text": "..."},
        {"event": "user", "text": "I want a person"},
    ]
    got = summary(events, [{"id": "s1", "qty": 2, "price": 2.99}], [{"title": "Chips"}, {"title": "Dip"}])
    assert got == {
        "asked": ["hi", "I want a person"],
        "cart_value": 5.98,
        "cart_items": 2,
        "suggested": ["Chips", "Dip"],
    }


def test_cart_sync_carries_the_cart_for_the_page():
    cart = [{"id": "s1", "qty": 2, "title": "Salsa", "price": 2.99}]
    message = replies.cart_sync(cart)["data"]
    assert message["text"] == "Your cart: 2 items, $5.98." and message["metadata"]["cart"] == cart
    assert replies.cart_sync([])["data"]["text"] == "Your cart is empty."


def test_did_you_mean_offers_only_what_a_button_can_do_in_this_context():
    from actions.clarify import did_you_mean

    ranking = [("nlu_fallback", 0.4), ("show_more", 0.3), ("apply_coupon", 0.25), ("ask_deals", 0.2)]
    assert [p for _, p in did_you_mean(ranking, "more deals?", 0.15, has_results=False)] == ["/ask_deals", "/help"]
    assert [p for _, p in did_you_mean(ranking, "more deals?", 0.15, has_results=True)] == [
        "/show_more", "/ask_deals", "/help"]
    assert did_you_mean(ranking, "more deals?", 0.35, has_results=True) == []     # nothing likely enough
    assert did_you_mean(ranking, "/show_more", 0.15, has_results=True) == []      # a button is not words


def test_a_long_message_is_shortened_on_its_search_button():
    from actions.clarify import did_you_mean

    [(title, _), _] = did_you_mean([("search_products", 0.3)], "a very long message " * 5, 0.15, False)
    assert title.endswith("…”") and len(title) < 60


def test_replies_and_order_texts_are_in_the_shops_currency(tmp_path, monkeypatch):
    config = tmp_path / "cartwise.yml"
    config.write_text("currency: GBP\nactions: {}\n")
    monkeypatch.setenv("CARTWISE_CONFIG", str(config))
    action_settings.cache_clear()
    try:
        card = replies.card({"id": "21001", "title": "WHITE CERAMIC TEACUP", "price": 2.1, "brand": ""})
        assert card["subtitle"].startswith("£2.10")
        assert replies.cart_summary([{"id": "21001", "title": "Teacup", "qty": 2, "price": 2.1}], 4.2).endswith(
            "Total: £4.20")
    finally:
        monkeypatch.delenv("CARTWISE_CONFIG")
        action_settings.cache_clear()
    order = Order("10009", "shopper", "processing", dt.date(2026, 12, 1), None, None, 12.5, ("Teapot",))
    assert cancel_decision(order, currency_of("EUR"))[1].endswith("You'll be refunded €12.50.")


def test_attribute_notes_say_marked_or_not_only_where_the_shop_marks_it():
    asked = [{"attribute": "organic", "shop_marks_it": True}, {"attribute": "vegan", "shop_marks_it": True},
             {"attribute": "kosher", "shop_marks_it": False}]
    assert replies.attribute_notes({"marked": ["organic"]}, asked) == " Marked organic. Not marked vegan."
    assert replies.cannot_tell(asked, 2) == ("I can't tell if they are kosher: no product in this shop is marked "
                                             "kosher, so please check the label.")
    assert replies.cannot_tell(asked[:2], 1) is None


def test_x_and_y_z_is_one_thing_when_the_search_shows_only_the_last_things_kind():
    from actions.shopping_list import one_thing
    sauces = ["Oriental Soy Sauce, 10 oz", "Bbq Sauce, 21.6 oz", "Oriental Soy Sauce, 15 oz"]
    assert one_thing("I need sweet and sour sauce", ["sweet", "sauce"], sauces)
    assert one_thing("I need mac and cheese", ["mac", "cheese"], ["Macaroni & Cheese Dnrs, 6 oz"])
    assert one_thing("I need bread and butter pickles", ["bread", "butter pickles"], ["Pickles, 32 oz"])
    eggs_and_milk = ["Eggs - Large, 6 ct", "Chocolate Milk", "Eggs - Large, 12 ct"]
    assert not one_thing("I need eggs and milk", ["eggs", "milk"], eggs_and_milk)   # some of each
    assert not one_thing("I need toothpaste and apples", ["toothpaste", "apples"], ["Toothpaste, 4 oz"])
    assert not one_thing("I need eggs, milk and bread", ["eggs", "milk", "bread"], eggs_and_milk)
    assert not one_thing("I need salsa, and sauce", ["salsa", "sauce"], sauces)   # a comma: a list


def test_the_cheapest_and_the_dearest_of_a_page():
    from actions.cart_lines import price_pick
    shown = [{"id": "a", "price": 3.29}, {"id": "b", "price": 0.69}, {"id": "c", "price": 5.0},
             {"id": "d", "price": 0.69}]
    assert price_pick("add 3 of the cheapest one", shown) == 1          # the first of equals
    assert price_pick("what about the most expensive?", shown) == 2
    assert price_pick("add the least expensive", shown) == 1
    assert price_pick("add a cheap one", shown) is None                  # no superlative: not a pick
    assert price_pick("the cheapest", [{"id": "x"}]) is None             # no prices to compare


def test_a_part_about_the_shopper_is_not_a_thing_on_a_list():
    from actions.shopping_list import ABOUT_THE_SHOPPER
    assert ABOUT_THE_SHOPPER.search("I'm vegetarian, ideas for dinner?")
    assert ABOUT_THE_SHOPPER.search("for the kids, we're vegan, so snacks")
    assert not ABOUT_THE_SHOPPER.search("I'm after eggs, milk and bread")
    assert not ABOUT_THE_SHOPPER.search("my list: eggs, milk, bread")
    assert not ABOUT_THE_SHOPPER.search("we're out of eggs, milk and bread")


def test_asking_to_pay_is_not_a_payments_problem():
    from actions.cart import asks_to_pay
    for text in ("checkout", "take me to checkout", "I'm ready to pay", "how do I pay for all this", "pay now please",
                 "can I check out", "go to payment"):
        assert asks_to_pay(text), text
    for text in ("my payment failed on order 10023", "I paid twice", "pay day snacks", ""):
        assert not asks_to_pay(text), text
