"""Shoppers' own words read as the catalog's, only where the catalog lacks them."""
from recommender.synonyms import Synonyms

PAIRS = {"nappies": "diapers", "kitchen roll": "paper towels", "crisps": "potato chips", "rocket": "arugula"}


def shop(names: list[str], words: set[str]) -> Synonyms:
    """Synonyms for a catalog whose products are `names`, and which uses `words` anywhere."""
    return Synonyms.of(PAIRS, lambda said: any(set(said.split()) <= set(n.lower().split()) for n in names),
                       lambda meant: set(meant.split()) <= words)


def test_a_shoppers_phrase_becomes_the_catalogs_whole_words_only():
    synonyms = shop(["Kitchen Bin", "Dinner Rolls", "Baby Diapers"],
                    {"diapers", "paper", "towels", "potato", "chips", "kitchen", "roll"})
    assert synonyms.apply("Nappies for a newborn") == "diapers for a newborn"
    assert synonyms.apply("kitchen roll and crisps") == "paper towels and potato chips"   # each word is known alone
    assert synonyms.apply("crispstix") == "crispstix"            # a word, not a part of one
    assert synonyms.apply("rocket salad") == "rocket salad"      # the catalog has no arugula to find


def test_a_catalog_that_names_products_with_the_shoppers_words_keeps_them():
    british = shop(["Nappies Size 3", "Sea Salt Crisps"], {"diapers", "potato", "chips"})
    assert british.apply("nappies and crisps") == "nappies and crisps"
    assert Synonyms.of({}, lambda said: False, lambda meant: True).apply("nappies") == "nappies"


def test_a_reading_tells_where_each_catalog_word_was_in_the_shoppers():
    synonyms = shop(["Kitchen Bin", "Dinner Rolls", "Baby Diapers"],
                    {"diapers", "paper", "towels", "potato", "chips", "kitchen", "roll"})
    said = "add 2 kitchen roll and some crisps now"
    reading = synonyms.read(said)
    assert reading.text == "add 2 paper towels and some potato chips now"
    towels, chips = reading.text.index("paper towels"), reading.text.index("potato chips")
    assert said[slice(*reading.said_at(towels, towels + len("paper towels")))] == "kitchen roll"
    assert said[slice(*reading.said_at(chips, chips + len("potato chips")))] == "crisps"
    assert said[slice(*reading.said_at(chips + 7, chips + 12))] == "crisps"   # part of a rewrite: all of it
    assert said[slice(*reading.said_at(0, 5))] == "add 2"                     # before any rewrite
    now = reading.text.index("now")
    assert said[slice(*reading.said_at(now, now + 3))] == "now"               # after both, shifted back
    assert synonyms.read("plain words").spans == ()
