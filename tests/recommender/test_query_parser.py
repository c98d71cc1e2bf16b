import re

import pytest

from cartwise.money import currency_of
from recommender.query_parser import Size, parse_query, parse_size


@pytest.mark.parametrize("query,text,lo,hi,brand", [
    ("gluten-free pasta under $5", "gluten-free pasta", None, 5.0, None),
    ("a gift for a coffee lover under $30", "a gift for a coffee lover", None, 30.0, None),
    ("coffee between 5 and 10 dollars", "coffee", 5.0, 10.0, None),
    ("chips $2-$4", "chips", 2.0, 4.0, None),
    ("store brand milk over 3", "milk", 3.0, None, "Store brand"),
    ("show me salsa", "salsa", None, None, None),
    ("cereal 12 oz", "cereal", None, None, None),
    ("diapers from brand 764 less than 20.50", "diapers", None, 20.5, "Brand 764"),
    ("wisdom stone river 3-3/4", "wisdom stone river 3-3/4", None, None, None),   # a fraction, not $3-$3
    ("beer 3 - 3", "beer 3 - 3", None, None, None),                             # no width: not a range
    ("nails 1/2 inch under $4", "nails 1/2 inch", None, 4.0, None),
    ("coffee 5-10", "coffee", 5.0, 10.0, None),
])
def test_constraints_are_split_from_the_need(query, text, lo, hi, brand):
    parsed = parse_query(query)
    assert (parsed.text, parsed.min_price, parsed.max_price, parsed.brand) == (text, lo, hi, brand)


@pytest.mark.parametrize("query,text,size,max_price", [
    ("cereal 12 oz", "cereal", Size(12, "oz"), None),
    ("milk 1 gallon under $4", "milk", Size(128, "oz"), 4.0),
    ("a 12 pack of soda", "a soda", Size(12, "pk"), None),
    ("64 oz of orange juice", "orange juice", Size(64, "oz"), None),
    ("wine 750ml", "wine", Size(750, "ml"), None),
    ("a gallon of milk", "milk", Size(128, "oz"), None),
    ("a pack of gum", "a pack of gum", None, None),
    ("coffee under 5 dollars", "coffee", None, 5.0),
])
def test_sizes_are_constraints_and_not_prices(query, text, size, max_price):
    parsed = parse_query(query)
    assert (parsed.text, parsed.size, parsed.max_price) == (text, size, max_price)


def test_area_is_a_size_so_paper_towels_compare_by_price_per_square_foot():
    assert parse_size("57 sq ft") == Size(57, "sqft") and parse_size("107.4 SQ FT") == Size(107.4, "sqft")


def test_catalog_sizes_parse_and_unparseable_ones_are_none():
    assert parse_size("64 OZ") == Size(64, "oz") and parse_size("1 GA") == parse_size("GAL") == Size(128, "oz")
    assert str(parse_size("14.5 oz")) == "14.5 oz"
    assert parse_size("large") is None and parse_size(None) is None


def test_colours_are_read_only_where_the_catalog_has_them():
    assert parse_query("red wine").text == "red wine" and parse_query("red wine").color is None
    parsed = parse_query("a red mug", frozenset({"red", "dark blue"}))
    assert (parsed.text, parsed.color) == ("a mug", "red")
    assert parse_query("dark blue jeans", frozenset({"blue", "dark blue"})).color == "dark blue"


@pytest.mark.parametrize("query,text,sort,exclude", [
    ("cheap cereal", "cereal", "price", ()),
    ("cheapest coffee", "coffee", "price", ()),
    ("best value paper towels", "paper towels", "unit_price", ()),
    ("affordable shampoo", "shampoo", "price", ()),
    ("the most economical rice", "the rice", "unit_price", ()),
    ("most bang for your buck toilet paper", "toilet paper", "unit_price", ()),
    ("lowest price per pound ground beef", "ground beef", "unit_price", ()),
    ("cheapest per roll paper towels", "paper towels", "unit_price", ()),
    ("chips but not potato chips", "chips", None, ("potato chips",)),
    ("crackers except cheese crackers under $4", "crackers", None, ("cheese crackers",)),
    ("cookies without chocolate", "cookies", None, ("chocolate",)),
    ("frozen pizza not premium", "frozen pizza", None, ("premium",)),
    ("soup but no chicken soup", "soup", None, ("chicken soup",)),
    ("no, chips please", "no, chips", None, ()),   # answering the bot, not ruling anything out
    ("something cheaper", "something cheaper", None, ()),   # the bot's refine, not a price order
])
def test_price_words_order_and_exclusions_are_read(query, text, sort, exclude):
    parsed = parse_query(query)
    assert (parsed.text, parsed.sort, parsed.exclude) == (text, sort, exclude)


@pytest.mark.parametrize("query,text", [
    ("something under $5", ""), ("anything cheap?", ""), ("any options", ""),
    ("something for dinner", "something for dinner"), ("anything organic", "anything organic"),
])
def test_a_text_of_placeholder_words_asks_for_no_product(query, text):
    assert parse_query(query).text == text


def test_attribute_words_are_named_and_can_be_taken_out():
    import re

    from recommender.query_parser import without
    vocabulary = {"gluten free": re.compile(r"\bgluten[- ]?free\b", re.I),
                  "sugar free": re.compile(r"\bsugar[- ]?free\b|\bwithout sugar\b", re.I)}
    parsed = parse_query("Gluten-free pasta under $5", attributes=vocabulary)
    assert parsed.attributes == ("gluten free",) and parsed.max_price == 5.0 and parsed.text == "Gluten-free pasta"
    assert parse_query("cereal without sugar", attributes=vocabulary).attributes == ("sugar free",)
    # an attribute whose pattern holds the negation is a filter; a negated attribute word is ruled out
    assert parse_query("cereal without sugar", attributes=vocabulary).exclude == ()
    decaf = parse_query("coffee but not decaf", attributes={"decaf": re.compile(r"\bdecaf\b", re.I)})
    assert (decaf.text, decaf.exclude, decaf.attributes) == ("coffee", ("decaf",), ())
    assert parse_query("pasta", attributes=vocabulary).attributes == ()
    assert without("gluten-free pasta", [vocabulary["gluten free"]]) == "pasta"


@pytest.mark.parametrize("currency,query,text,max_price,size", [
    ("GBP", "cushion under 5 pounds", "cushion", 5.0, None),       # a shop in pounds: money
    ("USD", "cushion under 5 pounds", "cushion under", None, "5 pounds"),   # elsewhere: a weight
    ("GBP", "teacups under £5", "teacups", 5.0, None),
    ("GBP", "candles under 5 quid", "candles", 5.0, None),
    ("EUR", "mugs under 5 euros", "mugs", 5.0, None),
    ("EUR", "mugs under 5€", "mugs", 5.0, None),
    ("GBP", "potatoes 5 pounds", "potatoes", None, "5 pounds"),     # no price word: still a weight
])
def test_prices_are_read_in_the_shops_currency(currency, query, text, max_price, size):
    parsed = parse_query(query, currency=currency_of(currency))
    assert (parsed.text, parsed.max_price) == (text, max_price)
    assert (str(parsed.size) if parsed.size else None) == size


def test_a_range_in_euros_after_the_number():
    parsed = parse_query("candles between 5€ and 10€", currency=currency_of("EUR"))
    assert (parsed.text, parsed.min_price, parsed.max_price) == ("candles", 5.0, 10.0)


@pytest.mark.parametrize("query,text", [
    ("do you sell shoes?", "shoes"),
    ("does this shop carry lawn mowers", "lawn mowers"),
    ("have you got any coats I could see?", "coats"),
    ("we ran out of milk", "milk"),
    ("I'm out of diapers", "diapers"),
    ("any chance you stock tahini?", "tahini"),
    ("are there eggs in stock", "eggs"),
    ("can I buy wine here?", "wine"),
    ("where can I get a kettle", "a kettle"),
    ("here and there rugs", "here and there rugs"),   # "here" is a name's word unless it ends the question
    ("out of office mug", "out of office mug"),        # "out of" without someone who ran out
    ("what about wipes?", "wipes"),
    ("and how about some bread", "bread"),
    ("any of them gluten free?", "gluten free"),
    ("which of these decaf?", "decaf"),
    ("are your eggs free range?", "eggs free range"),
    ("is the salmon wild caught", "salmon wild caught"),
    ("are they organic?", "organic"),
    ("this is it bread", "this is it bread"),          # "is it" asks only at the start
    ("need some cat food", "cat food"),
    ("want bread", "bread"),
    ("wanted poster frame", "wanted poster frame"),
    ("Good afternoon, I would like to buy some tea bags please", "tea bags"),
    ("hi there, I'd like a bag of rice", "a bag of rice"),
    ("could I have two loaves of bread", "two loaves of bread"),
    ("we wish to order cat food", "cat food"),
    ("I like spicy food", "I like spicy food"),              # a liking is not a lead-in
    ("hello kitty stickers", "hello kitty stickers"),        # a greeting's word inside a name
    ("hey do you have oat milk", "oat milk"),
    ("evening! got any fresh salmon", "fresh salmon"),
    ("what else do I need for a fish dinner", "a fish dinner"),
    ("morning glory muffins", "morning glory muffins"),
    ("I'm throwing a birthday party for my 6 year old", "a birthday party for my 6 year old"),
    ("we're having friends over saturday", "friends over saturday"),
    ("greek yogurt with no sugar", "greek yogurt"),   # the attribute read, no "with" left dangling
    ("ok what about crackers to go with it", "crackers"),   # an acknowledgement, and what it is for
    ("okay, any cheese to go with that?", "cheese"),
    ("right guard deodorant", "right guard deodorant"),      # a name, not an acknowledgement
    ("can you recommend a good red wine", "a good red wine"),   # asking advice: "recommend" is no product word
    ("what would you suggest for breakfast", "breakfast"),
    ("what can I make for dinner?", "dinner"),
    ("any ideas for a bbq", "a bbq"),
])
def test_how_a_shopper_asks_is_not_what_they_ask_for(query, text):
    assert parse_query(query).text == text


@pytest.mark.parametrize("query,text,allergens", [
    ("I'm allergic to nuts, what snacks can I have", "what snacks without nuts", ("nuts",)),
    ("egg allergy cake mix", "cake mix", ("egg",)),            # no "egg free" word: "without egg" rules it out
    ("lactose intolerant milk", "milk without lactose", ("lactose",)),
    ("hay fever allergy relief", "hay fever allergy relief", ()),   # an allergy product, not an allergen
    ("allergy tablets", "allergy tablets", ()),
])
def test_an_allergy_is_read_as_without_it(query, text, allergens):
    attributes = {"nut free": re.compile(r"\bnut[- ]?free\b|\b(?:no|without) nuts?\b", re.I),
                  "lactose free": re.compile(r"\blactose[- ]?free\b|\b(?:no|without) lactose\b", re.I)}
    parsed = parse_query(query, attributes=attributes)
    assert (parsed.text, parsed.allergens) == (text, allergens)



@pytest.mark.parametrize("query,text,excluded", [
    ("I don't eat pork, what can I make for dinner?", "dinner", ("pork",)),
    ("we don't eat meat so any ideas for a bbq", "a bbq", ("meat",)),
    ("i dont eat red meat, burgers?", "burgers", ("red meat",)),
    ("my son can't have peppers, something for tacos", "something for tacos", ("peppers",)),
    ("pork chops", "pork chops", ()),
    ("I don't need a big bag of rice", "I don't need a big bag of rice", ()),   # not about what they eat
])
def test_food_the_shopper_does_not_eat_is_ruled_out_not_searched(query, text, excluded):
    parsed = parse_query(query)
    assert (parsed.text, parsed.exclude, parsed.allergens) == (text, excluded, ())
