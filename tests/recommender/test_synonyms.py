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
