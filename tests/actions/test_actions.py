"""Actions run as Rasa would run them, against the real recommender service on loopback."""
from actions.cart import (
    ActionAddToCart,
    ActionChooseProduct,
    ActionCompleteCart,
    ActionRemoveFromCart,
    ActionShowCart,
    ActionUpdateCartFromWords,
)
from actions.conversation import ActionFallback, ActionHandleAffirm
from actions.deals import ActionApplyCoupon, ActionShowDeals
from actions.shopping import ActionCompareProducts, ActionProductInfo, ActionRefineSearch, ActionSearchProducts
from tests.actions.conftest import turn

CHIPS = {"id": "chips-1", "qty": 2, "title": "Tortilla Chips, 13 oz", "price": 3.49}
SALSA = {"id": "salsa-1", "qty": 1, "title": "Chunky Salsa, 16 oz", "price": 2.99}


def test_cart_from_words_with_quantities_then_offer(recommender):
    messages, slots = turn(ActionUpdateCartFromWords(), "I have 2 bags of tortilla chips and a jar of chunky salsa",
                           "inform_cart")
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("chips-1", 2), ("salsa-1", 1)]
    assert "Total: $9.97" in messages[0]["text"] and slots["offer"] == "complete_cart"


def test_a_cart_change_starts_the_turn_with_the_cart_for_the_page(recommender):
    messages, slots = turn(ActionAddToCart(), "/add_to_cart", "add_to_cart", entities=[
        {"entity": "product_id", "value": "salsa-1"}], metadata={"cart": [{"id": "chips-1", "qty": 2}]},
        cart_sync=True)
    sync = messages[0]["custom"]["data"]
    assert sync["text"] == "Your cart: 3 items, $9.97." and sync["metadata"]["cart"] == slots["cart"]
    assert messages[-1]["buttons"]                     # the turn's own reply, with quick replies, comes last
    unchanged, _ = turn(ActionShowCart(), "show my cart", "show_cart", cart_sync=True,
                        metadata={"cart": [{"id": "chips-1", "qty": 2}]})
    assert not any(m.get("custom") for m in unchanged)   # reading the page's cart is not a change


def test_ambiguous_mention_asks_which_one(recommender):
    messages, slots = turn(ActionUpdateCartFromWords(), "I have chips", "inform_cart")
    assert messages[-1]["text"].startswith("Which chips do you mean?")
    assert {b["payload"] for b in messages[-1]["buttons"]} >= {'/choose_product{"product_id": "chips-1"}'}
    assert slots["pending_choice"]["qty"] == 1 and "cart" not in slots


def test_a_second_unclear_item_waits_its_turn_and_add_keeps_what_it_could_not_place(recommender):
    salsa = {"text": "salsa", "qty": 1, "options": [
        {"id": "salsa-1", "title": "Chunky Salsa, 16 oz", "price": 2.99, "brand": "Fiesta"},
        {"id": "salsa-2", "title": "Salsa Verde, 12 oz", "price": 3.49, "brand": "Casa"}]}
    pending = {"text": "chips", "qty": 1, "options": [
        {"id": "potato-1", "title": "Potato Chips, 8 oz", "price": 2.99, "brand": "Crunchy"},
        {"id": "chips-1", "title": "Tortilla Chips, 13 oz", "price": 3.49, "brand": "Fiesta"}], "next": [salsa]}
    messages, slots = turn(ActionChooseProduct(), "the second", "choose_product", slots={"pending_choice": pending})
    assert messages[0]["text"].startswith("Thanks, noted 1 x Tortilla Chips, 13 oz")
    assert messages[1]["text"].startswith("Which salsa do you mean?")       # then the next, not dropped
    assert slots["pending_choice"]["text"] == "salsa" and slots["pending_choice"]["next"] == []
    messages, slots = turn(ActionAddToCart(), "add milk and chips", "add_to_cart")
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("milk-1", 1)]
    assert messages[0]["text"].startswith("Added 1 x Whole Milk") and messages[-1]["text"].startswith("Which chips")


def test_a_shoppers_own_word_for_a_product_adds_the_catalogs(recommender):
    """"crisps" where the shop says potato chips (cartwise.yml's synonyms): added, not "which chips?"
    or "I couldn't find crisps"."""
    messages, slots = turn(ActionAddToCart(), "add two bags of crisps", "add_to_cart")
    [line] = slots["cart"]
    assert line["id"].startswith("potato-") and line["qty"] == 2   # the shop's best selling potato chips
    assert messages[0]["text"].startswith("Added 2 x ") and "Potato Chips" in messages[0]["text"]


def test_choosing_for_an_add_adds_to_the_line_already_there_and_stating_the_cart_sets_it(recommender):
    messages, slots = turn(ActionAddToCart(), "add chips", "add_to_cart", slots={"cart": [CHIPS]})
    assert messages[-1]["text"].startswith("Which chips do you mean?") and slots["pending_choice"]["adds"]
    messages, slots = turn(ActionChooseProduct(), "the tortilla chips", "choose_product",
                           slots={"cart": [CHIPS], "pending_choice": slots["pending_choice"]})
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("chips-1", 3)]     # two there, one more
    assert messages[0]["text"].startswith("Added 1 x Tortilla Chips, 13 oz. Your cart now has 3 items")
    messages, slots = turn(ActionUpdateCartFromWords(), "I have chips", "inform_cart", slots={"cart": [CHIPS]})
    messages, slots = turn(ActionChooseProduct(), "the tortilla chips", "choose_product",
                           slots={"cart": [CHIPS], "pending_choice": slots["pending_choice"]})
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("chips-1", 1)]     # "I have chips": one bag
    assert messages[0]["text"].startswith("Thanks, noted 1 x Tortilla Chips")


def test_answer_to_which_one_is_understood_even_when_read_as_a_search(recommender):
    pending = {"text": "chips", "qty": 2, "options": [
        {"id": "potato-1", "title": "Potato Chips, 8 oz", "price": 2.99, "brand": "Crunchy"},
        {"id": "chips-1", "title": "Tortilla Chips, 13 oz", "price": 3.49, "brand": "Fiesta"}]}
    messages, slots = turn(ActionSearchProducts(), "the tortilla chips", "search_products",
                           slots={"pending_choice": pending})
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("chips-1", 2)] and slots["pending_choice"] is None
    assert messages[0]["text"].startswith("Thanks, noted 2 x Tortilla Chips, 13 oz")


def test_choosing_with_no_question_pending_shows_the_product_picked_from_the_last_page(recommender):
    shown = [{"id": "chips-1", "title": "Tortilla Chips, 13 oz", "price": 3.49, "brand": "Fiesta"},
             {"id": "salsa-1", "title": "Chunky Salsa, 16 oz", "price": 2.99, "brand": ""}]
    messages, slots = turn(ActionChooseProduct(), "that second one looks right", "choose_product",
                           slots={"last_results": shown})
    assert messages[0]["text"].startswith("Chunky Salsa, 16 oz by ")
    cards = messages[0]["attachment"]["payload"]["elements"]
    assert [c["product_id"] for c in cards] == ["salsa-1"]
    assert cards[0]["buttons"][0]["payload"] == '/add_to_cart{"product_id": "salsa-1"}'
    assert "cart" not in slots                    # looking at a product does not put it in the cart
    unclear, _ = turn(ActionChooseProduct(), "the blue one", "choose_product", slots={"last_results": shown})
    assert unclear[0]["text"].startswith("Sorry, I'm not sure which one you mean.")


def test_unknown_words_are_named(recommender):
    messages, _ = turn(ActionUpdateCartFromWords(), "I have a xylophone", "inform_cart")
    assert "couldn't find “xylophone”" in messages[0]["text"]


def test_complete_cart_uses_page_metadata_and_never_suggests_cart_items(recommender):
    messages, slots = turn(ActionCompleteCart(), "what else do I need?", "complete_cart",
                           metadata={"cart": [{"id": "coffee-1", "qty": 1}, {"id": "ghost"}]})
    assert [l["id"] for l in slots["cart"]] == ["coffee-1"]       # the unknown id is left out, not fatal ...
    assert messages[0]["text"] == ("I couldn't use an item from your cart: item ghost (not in our catalog). "
                                   "I've gone on with the rest.")   # ... and said first
    shown = [p["id"] for p in slots["last_results"]]
    assert "coffee-1" not in shown and shown[0] in {"filter-1", "creamer-1"}
    elements = messages[1]["attachment"]["payload"]["elements"]
    assert [e["product_id"] for e in elements] == shown and elements[0]["reason"].startswith("Often bought with")


def requests_by_route(url):
    """The recommender's own count of the requests it answered, by route (its /metrics)."""
    import re
    import urllib.request
    text = urllib.request.urlopen(url + "/metrics", timeout=5).read().decode()
    found = re.findall(r'recommender_requests_total\{route="([^"]+)",status="\d+"\} (\S+)', text)
    return {route: float(n) for route, n in found if route != "/metrics"}


def test_a_cart_turn_is_one_call_to_the_recommender(recommender):
    page = {"cart": [{"id": "chips-1", "qty": 2}, {"id": "salsa-1"}]}
    before = requests_by_route(recommender)
    messages, slots = turn(ActionCompleteCart(), "what else do I need?", "complete_cart", metadata=page)
    assert messages[0]["attachment"]["payload"]["elements"] and [l["qty"] for l in slots["cart"]] == [2, 1]
    messages, _ = turn(ActionShowDeals(), "any deals?", "ask_deals", metadata=page, slots={"last_results": [
        {"id": "coffee-2", "title": "Dark Roast", "price": 8.99, "brand": "Java"}]})
    assert "FIESTA2" in messages[0]["text"] and "COFFEE20" in messages[0]["text"]
    after = requests_by_route(recommender)
    assert {r: after[r] - before.get(r, 0) for r in after if after[r] != before.get(r, 0)} == {"/cart": 2}


def test_suggested_items_carry_their_coupons(recommender):
    messages, slots = turn(ActionCompleteCart(), "what else do I need?", "complete_cart",
                           slots={"cart": [{"id": "filter-1", "qty": 1, "title": "Coffee Filters", "price": 2.49}]})
    coffees = [p for p in slots["last_results"] if p["id"].startswith("coffee-")]
    assert coffees and all(f"{p['title']} ({p['brand']}) - ${p['price']:.2f}" in messages[0]["text"] for p in coffees)
    assert messages[0]["text"].count("[coupon: COFFEE20]") == len(coffees)


def test_text_only_channel_gets_the_list_without_cards(recommender):
    from actions.cart import ActionCompleteCart
    events = [{"event": "user", "input_channel": "cmdline", "parse_data": {"intent": {"name": "complete_cart"}}}]
    messages, _ = turn(ActionCompleteCart(), "what else do I need", "complete_cart", events=events,
                       slots={"cart": [CHIPS]})
    assert messages[0]["attachment"] is None and "\n1. " in messages[0]["text"]


def test_a_product_the_shop_does_not_sell_is_said_to_be_missing_and_the_closest_offered_as_such(recommender):
    messages, slots = turn(ActionSearchProducts(), "a lawn mower", "search_products")
    text = messages[0]["text"]
    assert text.startswith("Sorry, I don't think we have “a lawn mower” in this shop.")
    assert "Here is what I found" not in text
    if slots.get("last_results"):   # closest alternatives, never presented as a match
        assert "The closest I have:" in text and len(slots["last_results"]) <= 3
    cheapest, slots = turn(ActionSearchProducts(), "cheapest headphones", "search_products")
    text = cheapest[0]["text"]   # the thing missing is said alone; the order goes with the alternatives
    assert text.startswith("Sorry, I don't think we have “headphones” in this shop. "
                           "The closest I have (cheapest first):")
    prices = [p["price"] for p in slots["last_results"]]
    assert prices and prices == sorted(prices)


def test_an_allergy_is_answered_with_what_was_left_out_and_a_word_about_labels(recommender):
    messages, slots = turn(ActionSearchProducts(), "I'm allergic to milk, any coffee creamer?", "search_products")
    assert messages[0]["text"] == ("About the allergy to milk: I only go by product names and descriptions, so please "
                                   "check each label before you buy. I've left out products named with milk.")
    assert "milk-1" not in [p["id"] for p in slots["last_results"]] and slots["last_results"]


def test_a_shopping_list_gets_one_of_each_and_add_all_puts_them_in(recommender):
    messages, slots = turn(ActionSearchProducts(), "I need salsa, sour cream and tortilla chips", "search_products")
    assert messages[0]["text"].startswith("Here is one of each from your list:")
    reasons = [e["reason"] for e in messages[0]["attachment"]["payload"]["elements"]]
    assert reasons == ["For “salsa”", "For “sour cream”", "For “tortilla chips”"]
    assert [b["title"] for b in messages[1]["buttons"]][0] == "Add all of them"
    _, added = turn(ActionAddToCart(), "add all of them", "add_to_cart", slots={"last_results": slots["last_results"]})
    assert [l["id"].split("-")[0] for l in added["cart"]] == ["salsa", "sour", "chips"]
    # a list with a price, or a bare "x and y" (often one thing: "sweet and sour sauce"), is one search
    for text in ("I need salsa and chips under $3", "salsa and sour cream"):
        one, _ = turn(ActionSearchProducts(), text, "search_products")
        assert one[0]["text"].startswith("Here is what I found for"), text
    # a thing the cart's resolver does not know by that name is the search's first match
    nappies, _ = turn(ActionSearchProducts(), "we need nappies, wipes and salsa", "search_products")
    elements = nappies[0]["attachment"]["payload"]["elements"]
    assert [(e["product_id"], e["reason"]) for e in elements][0] == ("diaper-1", "For “nappies”")


def test_a_need_is_answered_with_different_things_each_with_why(recommender):
    messages, slots = turn(ActionSearchProducts(), "stuff for a chips and salsa night", "search_products")
    assert messages[0]["text"].startswith("For “a chips and salsa night”, a few different things")
    elements = messages[0]["attachment"]["payload"]["elements"]
    assert len({e["product_id"].split("-")[0] for e in elements}) >= 4   # chips, salsa, sour cream, cheese ...
    assert all(e["reason"] for e in elements) and any(e["reason"].startswith("Often bought with") for e in elements)


def test_a_typo_is_searched_as_the_catalog_word_and_the_shopper_is_told(recommender):
    messages, slots = turn(ActionSearchProducts(), "do you have shampo", "search_products")
    assert messages[0]["text"] == "(I read “shampo” as “shampoo”.)"
    assert messages[1]["text"].startswith("Here is what I found for “shampoo”")
    assert [p["id"] for p in slots["last_results"]][:1] == ["shampoo-1"]
    cheaper, _ = turn(ActionRefineSearch(), "cheaper", "refine_cheaper", slots=slots)
    assert not any("I read" in (m.get("text") or "") for m in cheaper)   # said once, not at every refine


def test_a_shoppers_own_word_for_a_product_is_read_as_the_shops_and_the_shopper_is_told(recommender):
    messages, slots = turn(ActionSearchProducts(), "got any crisps", "search_products")
    assert messages[0]["text"] == "(I read “crisps” as “potato chips”.)"
    assert {p["id"].split("-")[0] for p in slots["last_results"]} == {"potato"}


def test_search_then_cheaper_stays_cheaper(recommender):
    _, slots = turn(ActionSearchProducts(), "ground coffee", "search_products")
    assert {p["id"] for p in slots["last_results"]} >= {"coffee-1", "coffee-2", "coffee-3"}
    shown = slots["last_results"]
    median = sorted(p["price"] for p in shown)[(len(shown) - 1) // 2]
    messages, cheaper = turn(ActionRefineSearch(), "cheaper", "refine_cheaper", slots=slots)
    assert cheaper["last_results"] and all(p["price"] < median for p in cheaper["last_results"])


def test_size_in_words_is_a_constraint_the_bot_repeats(recommender):
    messages, slots = turn(ActionSearchProducts(), "ground coffee 12 oz", "search_products")
    assert messages[0]["text"].startswith("Here is what I found for “ground coffee” in 12 oz")
    assert sorted(p["id"] for p in slots["last_results"]) == ["coffee-1", "coffee-2"]
    messages, _ = turn(ActionRefineSearch(), "cheaper", "refine_cheaper", slots=slots)
    assert "“ground coffee” under $5.98 in 12 oz" in messages[0]["text"]    # the size still holds


def test_another_brand_excludes_shown_brands(recommender):
    _, slots = turn(ActionSearchProducts(), "salsa", "search_products")
    _, other = turn(ActionRefineSearch(), "another brand", "refine_other_brand", slots=slots)
    assert not {p["brand"] for p in slots["last_results"]} & {p["brand"] for p in other.get("last_results", [])}


def test_add_by_ordinal_and_by_button(recommender):
    shown = [{"id": "pasta-1", "title": "Spaghetti, 16 oz", "price": 1.29, "brand": "Store brand"},
             {"id": "sauce-1", "title": "Marinara Pasta Sauce, 24 oz", "price": 3.79, "brand": "Roma"}]
    messages, slots = turn(ActionAddToCart(), "add 3 of the second one", "add_to_cart", slots={"last_results": shown})
    assert slots["cart"] == [{"id": "sauce-1", "qty": 3, "title": "Marinara Pasta Sauce, 24 oz", "price": 3.79}]
    _, slots = turn(ActionAddToCart(), '/add_to_cart{"product_id":"gone-1"}', "add_to_cart",
                    entities=[{"entity": "product_id", "value": "gone-1"}])
    assert "cart" not in slots                        # out of stock: not added


def test_a_total_the_shopper_sets_replaces_the_quantity_instead_of_adding(recommender):
    shown = [{"id": "pasta-1", "title": "Spaghetti, 16 oz", "price": 1.29, "brand": "Store brand"},
             {"id": "sauce-1", "title": "Marinara Pasta Sauce, 24 oz", "price": 3.79, "brand": "Roma"}]
    slots = {"last_results": shown}

    def say(text):   # one turn, its slots kept for the next as the tracker would
        messages, changed = turn(ActionAddToCart(), text, "add_to_cart", slots=slots)
        slots.update(changed)
        return messages, [(line["id"], line["qty"]) for line in slots["cart"]]

    assert say("add the second one")[1] == [("sauce-1", 1)]
    messages, cart = say("actually make that 3")      # "that": the product just added
    assert cart == [("sauce-1", 3)]
    assert messages[0]["text"].startswith("Now 3 x Marinara Pasta Sauce, 24 oz. Your cart now has 3 items")
    assert say("I only want one")[1] == [("sauce-1", 1)]
    assert say("add 2 of the first")[1] == [("sauce-1", 1), ("pasta-1", 2)]


def test_checkout_shows_the_cart_and_where_to_pay(recommender):
    messages, _ = turn(ActionShowCart(), "checkout please", "show_cart", slots={"cart": [SALSA]})
    assert messages[0]["text"].startswith("In your cart:") and messages[0]["text"].endswith(
        "To pay, use the checkout in the shop's cart on this page; I can't take payments in this chat.")
    plain, _ = turn(ActionShowCart(), "what's in my cart", "show_cart", slots={"cart": [SALSA]})
    assert "To pay" not in plain[0]["text"]
    # the NLU has no intent for it: "checkout" alone is a fallback, which answers it the same way
    fallback, _ = turn(ActionFallback(), "take me to checkout", "nlu_fallback", slots={"cart": [SALSA]})
    assert fallback[0]["text"].startswith("In your cart:") and "To pay, use the checkout" in fallback[0]["text"]
    empty, _ = turn(ActionFallback(), "checkout", "nlu_fallback")
    assert empty[0]["text"].startswith("Your cart is empty.")


def test_remove_by_words(recommender):
    messages, slots = turn(ActionRemoveFromCart(), "remove the salsa", "remove_from_cart",
                           slots={"cart": [CHIPS, SALSA]})
    assert [l["id"] for l in slots["cart"]] == ["chips-1"] and messages[0]["text"].startswith("Removed Chunky Salsa")
    # a thing the cart does not hold is said, even in a cart of one: "take it out" alone means that one
    messages, slots = turn(ActionRemoveFromCart(), "remove the candles", "remove_from_cart", slots={"cart": [SALSA]})
    assert messages[0]["text"].startswith("I don't see “candles” in your cart. In your cart:")
    assert "cart" not in slots   # nothing taken out
    messages, slots = turn(ActionRemoveFromCart(), "take out the last thing I added", "remove_from_cart",
                           slots={"cart": [SALSA]})
    assert slots["cart"] == [] and messages[0]["text"].startswith("Removed Chunky Salsa")


def test_coupon_math_and_statuses(recommender):
    cart = [
        {"id": "coffee-1", "qty": 2, "title": "Coffee", "price": 8.99},
        {"id": "filter-1", "qty": 1, "title": "Filters", "price": 2.49},
        {"id": "wine-1", "qty": 1, "title": "Wine", "price": 12.99},
    ]
    messages, slots = turn(
        ActionApplyCoupon(),
        "apply save10",
        "apply_coupon",
        slots={"cart": cart},
        entities=[{"entity": "coupon_code", "value": "save10"}],
    )
    assert "saves you $3.35" in messages[0]["text"] and "now $30.11 (was $33.46)" in messages[0]["text"]
    assert slots["applied_coupon"] == "SAVE10"
    messages, _ = turn(ActionApplyCoupon(), "apply OLD25", "apply_coupon", slots={"cart": cart})
    assert "expired" in messages[0]["text"]
    messages, _ = turn(ActionShowDeals(), "any deals", "ask_deals", slots={"cart": cart})
    assert "SAVE10" in messages[0]["text"] and "COFFEE20" in messages[0]["text"]


def test_coupons_for_a_named_product_are_for_that_product(recommender):
    messages, _ = turn(ActionShowDeals(), "any coupons for ground coffee?", "ask_deals")
    assert messages[0]["text"].startswith("Deals for your cart:\n- for ground coffee: COFFEE20")
    messages, _ = turn(ActionShowDeals(), "any coupons for shampoo?", "ask_deals")
    assert messages[0]["text"].startswith("I have no coupon for shampoo right now.")
    messages, _ = turn(ActionShowDeals(), "what's on offer this week?", "ask_deals")
    assert not messages[0]["text"].startswith("I have no coupon for")   # "on offer" names no product


def test_compare_two_shown_products(recommender):
    shown = [
        {"id": "coffee-1", "title": "A", "price": 8.99, "brand": "Bean Co"},
        {"id": "coffee-2", "title": "B", "price": 5.99, "brand": "Store brand"},
    ]
    messages, _ = turn(
        ActionCompareProducts(), "compare the first and second", "compare_products", slots={"last_results": shown}
    )
    assert "$8.99 vs $5.99" in messages[0]["text"] and "cheaper by $3.00" in messages[0]["text"]


def test_second_fallback_offers_a_person_and_yes_without_a_console_is_an_honest_apology(recommender):
    fallback = {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    messages, slots = turn(ActionFallback(), "zzz", "nlu_fallback", events=[fallback])
    assert "rephrase" not in messages[0]["text"] and "say it another way" in messages[0]["text"]
    messages, slots = turn(ActionFallback(), "zzz", "nlu_fallback", events=[fallback, fallback])
    assert slots["offer"] == "handoff" and "talk to a person" in messages[0]["text"]
    # No console runs in these tests: the bot must say so and keep going, not pause into silence.
    messages, slots = turn(ActionHandleAffirm(), "yes", "affirm", slots={"offer": "handoff"})
    assert "can't reach our team" in messages[0]["text"] and "handoff_requested" not in slots


def test_a_first_misunderstanding_offers_the_likely_meanings_and_the_search_button_searches_the_words(recommender):
    ranking = [("nlu_fallback", 0.4), ("search_products", 0.27), ("out_of_scope", 0.2), ("show_cart", 0.16),
               ("cancel_order", 0.15)]
    messages, slots = turn(ActionFallback(), "ground coffee", "nlu_fallback", ranking=ranking)
    assert messages[0]["text"].startswith("Sorry, I'm not sure I understood. Did you mean")
    assert [(b["title"], b["payload"]) for b in messages[0]["buttons"]] == [
        ("Search for “ground coffee”", "/search_products"), ("Show my cart", "/show_cart"),
        ("Something else", "/help")]   # never "cancel an order" from a guess, never "out of scope"
    assert slots["unclear_text"] == "ground coffee"
    messages, slots = turn(ActionSearchProducts(), "/search_products", "search_products",
                           slots={"unclear_text": "ground coffee"})
    assert "ground coffee" in messages[0]["text"] and slots["last_results"]
    assert slots["unclear_text"] is None


def test_a_misunderstanding_with_no_likely_meaning_asks_to_rephrase(recommender):
    ranking = [("nlu_fallback", 0.4), ("out_of_scope", 0.3), ("search_products", 0.1), ("greet", 0.08)]
    messages, slots = turn(ActionFallback(), "zzz", "nlu_fallback", ranking=ranking)
    assert "say it another way" in messages[0]["text"] and not messages[0].get("buttons")
    assert slots["unclear_text"] is None


def test_a_misunderstood_message_naming_a_product_offers_to_search_it_first(recommender):
    ranking = [("nlu_fallback", 0.4), ("complete_cart", 0.38), ("search_products", 0.12)]
    messages, _ = turn(ActionFallback(), "salsa to go with it", "nlu_fallback", ranking=ranking)
    assert [b["title"] for b in messages[0]["buttons"]] == [
        "Search for “salsa to go with it”", "Suggest items for my cart", "Something else"]
    messages, _ = turn(ActionFallback(), "zork to go with it", "nlu_fallback", ranking=ranking)
    assert [b["title"] for b in messages[0]["buttons"]] == ["Suggest items for my cart", "Something else"]


def test_a_big_cart_goes_to_a_person_on_the_first_misunderstanding(recommender):
    fallback = {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    big = {"cart": [{"id": "coffee-1", "qty": 12}]}  # 12 x $8.99 > the $100 threshold
    messages, _ = turn(ActionFallback(), "zzz", "nlu_fallback", events=[fallback], metadata=big)
    assert "can't reach our team" in messages[0]["text"]  # it tried to hand over at once


def test_recommender_down_gives_an_apology_with_popular_items(recommender, tmp_path, monkeypatch):
    import dataclasses

    from actions import config as action_config

    broken = dataclasses.replace(
        action_config.settings(), recommender_urls=("http://127.0.0.1:9",), recommender_timeout_s=0.5
    )
    monkeypatch.setattr("actions.base.settings", lambda: broken)
    messages, slots = turn(ActionCompleteCart(), "what else do I need", "complete_cart", slots={"cart": [CHIPS]})
    assert messages[0]["text"].startswith("Sorry, my suggestions are not answering right now.")
    assert "popular with other shoppers" in messages[0]["text"] and "\n1. " in messages[0]["text"]


def test_calls_go_on_to_the_next_replica_when_one_refuses(recommender, monkeypatch):
    import dataclasses

    from actions import config as action_config

    one_down = dataclasses.replace(action_config.settings(), recommender_urls=("http://127.0.0.1:9", recommender))
    monkeypatch.setattr("actions.base.settings", lambda: one_down)
    for _ in range(12):  # each call starts at a random replica: about half start at the one that is down
        messages, _ = turn(ActionCompleteCart(), "what else do I need", "complete_cart", slots={"cart": [CHIPS]})
        assert messages[0]["attachment"]["payload"]["elements"], messages[0]["text"]


def test_a_refused_request_gets_an_answer_not_silence(recommender):
    stale = [{"id": "discontinued-9", "qty": 1, "title": "Old Salsa", "price": 1.0}]
    messages, _ = turn(ActionApplyCoupon(), "apply SAVE10", "apply_coupon", slots={"cart": stale})
    assert messages[0]["text"].startswith("Sorry, I couldn't do that: Not in the catalog: discontinued-9")


def test_a_cart_line_the_catalog_no_longer_has_does_not_stop_suggestions(recommender):
    stale = [{"id": "discontinued-9", "qty": 1, "title": "Old Salsa", "price": 1.0}, CHIPS]
    messages, slots = turn(ActionCompleteCart(), "what else do I need", "complete_cart", slots={"cart": stale})
    assert messages[0]["text"].startswith("I couldn't use an item from your cart: Old Salsa (no longer in our catalog)")
    shown = [e["product_id"] for e in messages[1]["attachment"]["payload"]["elements"]]
    assert shown and "chips-1" not in shown and "cart" not in slots  # the shopper's own cart is left as it was


def test_cart_lines_the_bot_cannot_read_are_named_and_the_rest_is_used(recommender):
    page = {"cart": [{"id": "ghost"}, {"id": "chips-1", "qty": "many"}, {"id": "salsa-1", "qty": 1e9},
                     {"id": "milk-1", "qty": 2}]}
    messages, slots = turn(ActionShowCart(), "show my cart", "show_cart", metadata=page)
    note, shown = messages[0]["text"], messages[1]["text"]
    assert note.startswith("I couldn't use 3 items from your cart:") and note.endswith("gone on with the rest.")
    assert all(words in note for words in ("item ghost (not in our catalog)", "item chips-1 (quantity 'many'",
                                           "item salsa-1 (quantity '1000000000.0'"))
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("milk-1", 2)] and "2 x Whole Milk" in shown
    only_bad = {"cart": [{"id": "chips-1", "qty": 0}]}
    messages, _ = turn(ActionShowCart(), "show my cart", "show_cart", metadata=only_bad)
    assert [m["text"] for m in messages] == [
        "I couldn't use an item from your cart: item chips-1 (quantity '0': I take whole numbers from 1 to 99).",
        "Your cart is empty."]


def test_a_size_the_shop_cannot_check_is_said_not_silently_applied(recommender):
    messages, slots = turn(ActionSearchProducts(), "chunky salsa 6 pack", "search_products")
    assert messages[0]["text"] == "I can't check size 6 pack in this shop, so I haven't filtered on it."
    assert messages[1]["attachment"]["payload"]["elements"] and "size" not in slots["search_filters"]


def test_ones_is_the_last_searchs_thing_with_the_new_words(recommender):
    _, slots = turn(ActionSearchProducts(), "Good morning, I'd like some ground coffee please", "search_products")
    messages, slots = turn(ActionSearchProducts(), "do you have dark roast ones?", "search_products", slots=slots)
    assert messages[0]["text"].startswith("Here is what I found for “dark roast ground coffee”")
    assert slots["last_results"][0]["id"] == "coffee-2"


def test_a_word_no_product_uses_is_said_not_pretended(recommender):
    """"goat cheese" where no product says goat: the cheese is shown, and the reply says the word
    was not found rather than "I can't check", which is for attributes the catalog cannot tell."""
    messages, _ = turn(ActionSearchProducts(), "goat cheese", "search_products")
    assert messages[0]["text"] == "No product in this shop is described as “goat”, so I haven't filtered on it."
    assert messages[1]["text"].startswith("Here is what I found for “goat cheese”")
    assert messages[1]["attachment"]["payload"]["elements"][0]["title"].startswith("Shredded Mexican Cheese")


def test_a_query_naming_no_product_gets_best_sellers_that_fit_or_a_question(recommender):
    messages, slots = turn(ActionSearchProducts(), "anything vegan?", "search_products")
    assert [m["text"] for m in messages] == [
        "I can't tell which products are vegan in this shop, so I can't pick them out. "
        "What kind of product are you looking for?"]
    assert "last_results" not in slots
    _, slots = turn(ActionSearchProducts(), "pasta", "search_products")
    messages, slots = turn(ActionSearchProducts(), "any of them gluten free?", "search_products", slots=slots)
    assert messages[0]["text"] == "I can't check gluten free in this shop, so I haven't filtered on it."
    assert messages[1]["text"].startswith("Here is what I found for “pasta”")   # the search pointed at
    they, _ = turn(ActionSearchProducts(), "are they gluten free?", "search_products", slots=slots)
    assert they[1]["text"].startswith("Here is what I found for “pasta”")
    cheap, slots = turn(ActionSearchProducts(), "something under $3", "search_products")
    assert cheap[0]["text"].startswith("Here is what I found for products under $3.00 (1-")
    assert slots["last_results"] and all(p["price"] <= 3 for p in slots["last_results"])


def test_the_reply_says_how_the_list_is_ordered_and_what_was_ruled_out(recommender):
    messages, _ = turn(ActionSearchProducts(), "cheapest chips but not potato chips", "search_products")
    assert messages[0]["text"].startswith("Here is what I found for “chips”, not potato chips, cheapest first")
    shown = [e["product_id"] for e in messages[0]["attachment"]["payload"]["elements"]]
    assert shown[0] == "chips-2" and not [p for p in shown if p.startswith("potato")]
    messages, _ = turn(ActionSearchProducts(), "ground coffee without dark roast", "search_products")
    assert messages[0]["text"].startswith("Here is what I found for “ground coffee”, not dark roast")
    assert "coffee-2" not in {e["product_id"] for e in messages[0]["attachment"]["payload"]["elements"]}


def test_a_size_nothing_comes_in_is_said_and_the_other_sizes_shown(recommender):
    messages, slots = turn(ActionSearchProducts(), "salsa 24 oz", "search_products")
    assert messages[0]["text"] == "I don't have “salsa” in 24 oz; here it is in other sizes."
    assert {e["product_id"] for e in messages[1]["attachment"]["payload"]["elements"]} == {"salsa-1", "salsa-2"}
    assert "size" not in slots["search_filters"]


def test_an_empty_cart_asked_what_a_need_takes_answers_the_need(recommender):
    """"What do I need for tacos" with nothing in the cart reads as "complete my cart" as much as a
    search: there is nothing to complete, so the need is answered; a plain "what else" is not a need."""
    messages, slots = turn(ActionCompleteCart(), "what do I need for a chips and salsa night?", "complete_cart")
    assert "a few different things" in messages[0]["text"]
    assert len({p["id"].split("-")[0] for p in slots["last_results"]}) >= 4
    plain, _ = turn(ActionCompleteCart(), "what else should I get", "complete_cart", sender="plain-empty")
    assert plain[0]["text"].startswith("Your cart is empty; here is what shoppers buy most:")
    cart = {"cart": [{"id": "salsa-1", "qty": 1, "title": "Chunky Salsa, 16 oz", "price": 2.99}]}
    full, _ = turn(ActionCompleteCart(), "what do I need for a chips and salsa night?", "complete_cart", slots=cart,
                   sender="full-cart")
    assert full[0]["text"].startswith("To go with your chunky salsa")


def test_it_is_the_product_just_talked_about_while_the_same_page_is_shown(recommender):
    from actions.shopping import ActionProductInfo
    shown = [{"id": "chips-1", "title": "Tortilla Chips, 13 oz", "price": 3.49, "brand": "Fiesta"},
             {"id": "salsa-1", "title": "Chunky Salsa, 16 oz", "price": 2.99, "brand": ""}]
    info = ActionProductInfo()
    first, slots = turn(info, "tell me about the second one", "product_info", slots={"last_results": shown})
    assert first[0]["text"].startswith("Chunky Salsa, 16 oz by ")
    focus = slots["in_focus"]
    again, _ = turn(info, "is it in stock?", "product_info", slots={"last_results": shown, "in_focus": focus})
    assert again[0]["text"].startswith("Chunky Salsa, 16 oz by ")
    added, slots = turn(ActionAddToCart(), "add it", "add_to_cart", slots={"last_results": shown, "in_focus": focus})
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("salsa-1", 1)]
    # Another page since: "it" could be any of it, so the bot asks rather than guess.
    other = [{"id": "coffee-1", "title": "Ground Coffee", "price": 5.0, "brand": ""}, shown[0]]
    unsure, _ = turn(info, "is it in stock?", "product_info", slots={"last_results": other, "in_focus": focus})
    assert unsure[0]["text"] == "Which one do you mean? I have: Ground Coffee, Tortilla Chips, 13 oz."
    # "add two of those" with a page shown: which of them, then two of the one chosen
    messages, slots = turn(ActionAddToCart(), "add two of those", "add_to_cart", slots={"last_results": shown})
    assert messages[-1]["text"].startswith("Which one do you mean?\n1. Tortilla Chips, 13 oz")
    assert "couldn't find" not in " ".join(m["text"] for m in messages) and "cart" not in slots
    messages, slots = turn(ActionChooseProduct(), "the second one", "choose_product",
                           slots={"last_results": shown, "pending_choice": slots["pending_choice"]})
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("salsa-1", 2)]


def test_all_of_them_adds_the_whole_page_and_each_sets_how_many(recommender):
    from actions.cart import ActionChooseProduct
    shown = [{"id": "chips-1", "title": "Tortilla Chips, 13 oz", "price": 3.49, "brand": "Fiesta"},
             {"id": "salsa-1", "title": "Chunky Salsa, 16 oz", "price": 2.99, "brand": ""}]
    _, slots = turn(ActionAddToCart(), "add all of them", "add_to_cart", slots={"last_results": shown})
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("chips-1", 1), ("salsa-1", 1)]
    _, slots = turn(ActionAddToCart(), "two of each please", "add_to_cart", slots={"last_results": shown})
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("chips-1", 2), ("salsa-1", 2)]
    # asked "which one?", "both" is not one of them: the question stands rather than the first being taken
    pending = {"text": "chips", "qty": 1, "options": shown, "adds": True}
    messages, slots = turn(ActionChooseProduct(), "both", "choose_product", slots={"pending_choice": pending})
    assert "cart" not in slots and messages[0]["text"].startswith("Which chips do you mean?")


def test_a_question_about_an_attribute_says_what_the_shop_can_tell(recommender):
    from actions.shopping import ActionProductInfo
    shown = [{"id": "chips-1", "title": "Tortilla Chips, 13 oz", "price": 3.49, "brand": "Fiesta"},
             {"id": "salsa-1", "title": "Chunky Salsa, 16 oz", "price": 2.99, "brand": ""}]
    messages, _ = turn(ActionProductInfo(), "is the second one vegan?", "product_info", slots={"last_results": shown})
    assert messages[0]["text"].startswith("Chunky Salsa, 16 oz by ")
    assert messages[1]["text"] == ("I can't tell if it is vegan: no product in this shop is marked vegan, "
                                   "so please check the label.")
    plain, _ = turn(ActionProductInfo(), "how much is the second one?", "product_info", slots={"last_results": shown})
    assert len(plain) == 1
    # what no product record holds is said, so the price given is not taken for the answer
    calories, _ = turn(ActionProductInfo(), "how many calories in the second one?", "product_info",
                       slots={"last_results": shown})
    assert calories[0]["text"].startswith("Chunky Salsa, 16 oz by ")
    assert calories[1]["text"].startswith("I can't tell you about “calories”: all this shop lists for a product is")
    spicy, _ = turn(ActionProductInfo(), "is the salsa spicy?", "product_info", slots={"last_results": shown})
    assert spicy[-1]["text"].startswith("I can't tell you about “spicy”")   # "salsa" is the product's own name


def test_a_question_about_them_all_answers_for_every_product_shown(recommender):
    from actions.shopping import ActionProductInfo
    shown = [{"id": "chips-1", "title": "Tortilla Chips, 13 oz", "price": 3.49, "brand": "Fiesta"},
             {"id": "salsa-1", "title": "Chunky Salsa, 16 oz", "price": 2.99, "brand": ""}]
    for text in ("how many are left?", "are they in stock?"):
        messages, slots = turn(ActionProductInfo(), text, "product_info", slots={"last_results": shown})
        lines = messages[0]["text"].split("\n")
        assert [line.split(" by ")[0] for line in lines] == ["Tortilla Chips, 13 oz", "Chunky Salsa, 16 oz"]
        assert "in_focus" not in slots


def test_a_bigger_size_is_the_same_kind_of_product_in_bigger_sizes(recommender):
    from actions.shopping import ActionMoreLikeThis, ActionProductInfo
    shown = [{"id": "chips-2", "title": "Tortilla Chips, 9 oz", "price": 1.99, "brand": "Store brand"},
             {"id": "milk-1", "title": "Whole Milk, 1 gal", "price": 3.29, "brand": "Store brand"}]
    messages, slots = turn(ActionProductInfo(), "does the first one come in a bigger size?", "product_info",
                           slots={"last_results": shown})
    assert messages[0]["text"].startswith("Tortilla Chips in bigger sizes than 9 oz:\n1. Tortilla Chips, 13 oz")
    assert [p["id"] for p in slots["last_results"]] == ["chips-1", "chips-3"]   # "add the first one" means these
    none, _ = turn(ActionProductInfo(), "what sizes does the second one come in?", "product_info",
                   slots={"last_results": shown})
    assert none[0]["text"] == "Sorry, I don't have Milk in other sizes than 1 gal."
    own, _ = turn(ActionProductInfo(), "what size is the first one?", "product_info", slots={"last_results": shown})
    assert own[0]["text"].startswith("Tortilla Chips, 9 oz by Store brand")   # its own size: the details
    like, _ = turn(ActionMoreLikeThis(), "any others like the first one but bigger", "more_like_this",
                   slots={"last_results": shown})
    assert like[0]["text"].startswith("Tortilla Chips in bigger sizes than 9 oz:")


def test_remove_one_takes_one_unit_and_what_goes_with_a_shown_product_needs_no_cart(recommender):
    two = [{"id": "salsa-1", "qty": 2, "title": "Chunky Salsa, 16 oz", "price": 2.99}]
    messages, slots = turn(ActionRemoveFromCart(), "remove one", "remove_from_cart", slots={"cart": two})
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("salsa-1", 1)]
    assert messages[0]["text"].startswith("Removed 1 x Chunky Salsa")
    shown = [{"id": "chips-1", "title": "Tortilla Chips, 13 oz", "price": 3.49, "brand": "Fiesta"}]
    messages, slots = turn(ActionCompleteCart(), "what goes with it?", "complete_cart", slots={"last_results": shown})
    assert messages[0]["text"].startswith("To go with tortilla chips, you might like:")
    suggested = [p["id"] for p in slots["last_results"]]
    assert "chips-1" not in suggested and "salsa-1" in suggested   # the planted chips-and-salsa baskets
    page = shown + [{"id": "chips-2", "title": "Tortilla Chips, 9 oz", "price": 1.99, "brand": "Store brand"}]
    messages, _ = turn(ActionCompleteCart(), "what goes with them?", "complete_cart", slots={"last_results": page})
    assert messages[0]["text"].startswith("To go with tortilla chips, you might like:")


def test_add_naming_nothing_adds_the_product_just_talked_about(recommender):
    _, shown = turn(ActionSearchProducts(), "tortilla chips", "search_products")
    _, focus = turn(ActionProductInfo(), "how much is the second one", "product_info", slots=shown)
    _, added = turn(ActionAddToCart(), "ok add two", "add_to_cart", slots={**shown, **focus})
    assert [(l["id"], l["qty"]) for l in added["cart"]] == [(shown["last_results"][1]["id"], 2)]
    _, unsure = turn(ActionAddToCart(), "ok add two", "add_to_cart", slots=shown)   # nothing talked about
    assert "cart" not in unsure


def test_add_the_cheapest_one_of_the_page(recommender):
    _, slots = turn(ActionSearchProducts(), "tortilla chips", "search_products")
    messages, slots = turn(ActionAddToCart(), "add 2 of the cheapest one", "add_to_cart", slots=slots)
    assert [(l["id"], l["qty"]) for l in slots["cart"]] == [("chips-2", 2)]   # $1.99, of 1.99 / 3.49 / 4.29
    assert messages[0]["text"].startswith("Added 2 x Tortilla Chips, 9 oz")


def test_what_goes_with_a_named_product_is_for_that_product_not_the_cart(recommender):
    coffee = [{"id": "coffee-1", "qty": 1, "title": "Ground Coffee Medium Roast, 12 oz", "price": 8.99}]
    messages, slots = turn(ActionCompleteCart(), "what goes well with tortilla chips?", "complete_cart",
                           slots={"cart": coffee})
    assert messages[0]["text"].startswith("To go with tortilla chips, you might like:")
    assert "salsa-1" in [p["id"] for p in slots["last_results"]]   # the planted chips-and-salsa baskets
    messages, _ = turn(ActionCompleteCart(), "what goes with my basket?", "complete_cart", slots={"cart": coffee})
    assert messages[0]["text"].startswith("To go with your ground coffee medium roast, you might like:")


def test_which_is_the_cheapest_orders_the_same_search_by_price_or_by_price_per_unit(recommender):
    _, slots = turn(ActionSearchProducts(), "tortilla chips", "search_products")
    cheapest, slots = turn(ActionRefineSearch(), "which one is the cheapest?", "refine_cheaper", slots=slots)
    assert cheapest[0]["text"].startswith("Here is what I found for “tortilla chips”, cheapest first")
    prices = [p["price"] for p in slots["last_results"]]
    assert prices == sorted(prices) and len(prices) == 3          # all of them, not only those under the middle
    value, _ = turn(ActionRefineSearch(), "and the cheapest per ounce?", "refine_cheaper", slots=slots)
    assert value[0]["text"].startswith("Here is what I found for “tortilla chips”, lowest price per unit first")
    _, slots = turn(ActionSearchProducts(), "crisps", "search_products")
    again, _ = turn(ActionRefineSearch(), "which is cheapest?", "refine_cheaper", slots=slots)
    assert again[0]["text"].startswith("Here is what I found for “potato chips”, cheapest first")   # told once


def test_a_coupon_the_cart_no_longer_qualifies_for_is_taken_off_and_said(recommender):
    cart = [{"id": "coffee-1", "qty": 1, "title": "Ground Coffee Medium Roast, 12 oz", "price": 8.99},
            {"id": "milk-1", "qty": 1, "title": "Whole Milk, 1 gal", "price": 3.29}]
    messages, slots = turn(ActionRemoveFromCart(), "remove the milk", "remove_from_cart",
                           slots={"cart": cart, "applied_coupon": "COFFEE20"})
    assert "applied_coupon" not in slots and messages[0]["text"].startswith("Removed Whole Milk")   # still applies
    messages, slots = turn(ActionRemoveFromCart(), "remove the coffee", "remove_from_cart",
                           slots={"cart": cart[:1], "applied_coupon": "COFFEE20"})
    texts = [m["text"] for m in messages]
    assert texts[0] == ("Your coupon no longer applies, so I've taken it off: "
                        "COFFEE20 needs an item from Ground Coffee in your cart.")
    assert texts[1].startswith("Removed Ground Coffee") and slots["applied_coupon"] is None


def test_a_cheaper_one_than_the_product_just_added_is_of_its_kind_and_under_its_price(recommender):
    _, slots = turn(ActionSearchProducts(), "ground coffee", "search_products")
    shown = slots["last_results"]
    priciest = max(shown, key=lambda p: p["price"])
    focus = {"id": priciest["id"], "among": [p["id"] for p in shown]}
    messages, after = turn(ActionRefineSearch(), "swap it for a cheaper one", "refine_cheaper",
                           slots={**slots, "in_focus": focus})
    assert after["last_results"] and all(p["price"] < priciest["price"] for p in after["last_results"])
    assert {p["id"].split("-")[0] for p in after["last_results"]} == {"coffee"}
    cheapest = min(shown, key=lambda p: p["price"])
    focus = {"id": cheapest["id"], "among": [p["id"] for p in shown]}
    messages, _ = turn(ActionRefineSearch(), "anything cheaper than that?", "refine_cheaper",
                       slots={**slots, "in_focus": focus})
    assert messages[0]["text"] == f"{cheapest['title']} is the cheapest ground coffee I have."


def test_coupons_for_the_products_shown_say_for_which_and_what_they_give(recommender):
    _, slots = turn(ActionSearchProducts(), "ground coffee", "search_products")
    messages, _ = turn(ActionShowDeals(), "are any of these on sale?", "ask_deals", slots=slots)
    coffee = "; ".join(p["title"] for p in slots["last_results"] if p["id"].startswith("coffee"))
    assert f"- for {coffee}: COFFEE20 (20% off ground coffee)" in messages[0]["text"]


def test_a_misunderstood_question_about_the_product_in_focus_is_answered_from_its_button(recommender):
    from actions.shopping import ActionProductInfo
    shown = [{"id": "salsa-1", "title": "Chunky Salsa, 16 oz", "price": 2.99, "brand": "Fiesta"},
             {"id": "salsa-2", "title": "Salsa Verde, 12 oz", "price": 3.49, "brand": "Casa"}]
    focus = {"id": "salsa-2", "among": ["salsa-1", "salsa-2"]}
    ranking = [("nlu_fallback", 0.4), ("product_info", 0.35), ("out_of_scope", 0.1)]
    messages, slots = turn(ActionFallback(), "is it spicy?", "nlu_fallback", ranking=ranking,
                           slots={"last_results": shown, "in_focus": focus})
    assert [(b["title"], b["payload"]) for b in messages[0]["buttons"]] == [
        ("A question about the product", "/product_info"), ("Something else", "/help")]
    messages, slots = turn(ActionProductInfo(), "/product_info", "product_info",
                           slots={"last_results": shown, "in_focus": focus, "unclear_text": slots["unclear_text"]})
    assert messages[0]["text"].startswith("Salsa Verde, 12 oz by Casa")
    assert messages[1]["text"].startswith("I can't tell you about “spicy”") and slots["unclear_text"] is None


def test_a_return_told_as_a_problem_is_met_with_sorry_before_the_order_number(recommender):
    from actions.orders import ActionReturnOrder
    messages, _ = turn(ActionReturnOrder(), "my eggs arrived broken", "return_order")
    assert messages[0]["text"].startswith("Sorry about that. What's the order number?")
    messages, _ = turn(ActionReturnOrder(), "I want to return something", "return_order")
    assert messages[0]["text"].startswith("What's the order number?")
