"""The real build (MiniLM + FAISS + co-purchase) and engine on the fixture shop."""
import dataclasses
import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from recommender import artefacts
from recommender.build import build
from recommender.config import load_settings
from recommender.engine import SearchFilters
from recommender.mentions import label_phrases, singular


def test_manifest_records_data_versions_and_timings(shop):
    manifest = artefacts.read_manifest(shop[1].models_dir)
    assert manifest["items"] == 27 and manifest["index_type"] == "exact"
    assert manifest["versions"]["faiss-cpu"] != "absent" and manifest["embedding_dim"] == 384
    assert set(manifest["timings_s"]) == {"import_s", "encoder_s", "embed_s", "types_s", "index_s", "neighbours_s",
                                          "cooccurrence_s", "evaluate_s", "histories_s"}
    # each stage's peak resident memory: at least what the loaded model and tables take
    assert {f"{k}_s" for k in manifest["peak_memory_mb"]} == set(manifest["timings_s"])
    assert all(mb > 100 for mb in manifest["peak_memory_mb"].values())
    assert manifest["content_neighbours"] == 20
    methods = manifest["metrics"]["methods"]
    assert manifest["metrics"]["cases"] > 20
    # planted patterns: co-purchase finds the hidden item far more often than popularity does
    assert methods["cooccurrence_only"]["hit_rate"] > methods["popularity_only"]["hit_rate"]
    assert methods["blend"]["hit_rate"] >= methods["popularity_only"]["hit_rate"]
    popular = json.loads((shop[1].models_dir / artefacts.POPULAR_JSON).read_text())
    assert popular[0]["id"] in {"salsa-1", "milk-1", "filter-1", "sauce-1", "parm-1", "chips-1"}


def test_memory_counts_a_page_shared_with_a_forked_child_once():
    """A child forked for a moment (the encoder's export forks a dozen) maps all of the build's
    pages; summed resident sizes counted them twice, which made the encoder stage look like the peak."""
    import multiprocessing
    import time

    from recommender.build import resident_mb

    held = np.ones(400 * 2**20 // 8)   # 400 MB the child shares, never writes
    before = resident_mb()
    child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
    child.start()
    try:
        time.sleep(0.5)
        during = resident_mb()
    finally:
        child.kill()
        child.join()
    assert held.sum() > 0 and during - before < 200


def test_a_stage_counts_pages_a_fork_shares_with_the_build_once():
    """A stage's peak is the build's high-water mark, which already holds every page a fork shares
    with it; adding the fork's proportional share of them too made the 100M-line build's encoder
    stage read 14.9 GB where the machine held 11.3 GB."""
    import multiprocessing
    import time

    from recommender.build import Stages

    held = np.ones(400 * 2**20 // 8)   # 400 MB the child shares, never writes
    stages = Stages()
    with stages("import"):   # nothing: the reading the fork's stage is compared with
        pass
    with stages("encoder"):
        child = multiprocessing.get_context("fork").Process(target=time.sleep, args=(30,))
        child.start()
        try:
            time.sleep(0.5)   # ten of the sampler's rounds
        finally:
            child.kill()
            child.join()
    stages.close()
    assert held.sum() > 0 and stages.peak_mb["encoder"] - stages.peak_mb["import"] < 100


def test_a_stage_counts_memory_that_came_and_went_inside_it():
    """The kernel's high-water mark, reset per stage: a peak between two samples is not missed."""
    from recommender.build import Stages

    stages = Stages()
    with stages("types"):   # nothing: the reading the others are compared with
        pass
    with stages("import"):
        assert np.ones(300 * 2**20 // 8).sum() > 0   # 300 MB, gone before the stage ends
    with stages("encoder"):
        pass
    stages.close()
    before = stages.peak_mb["types"]
    assert stages.peak_mb["import"] - before >= 250 > stages.peak_mb["encoder"] - before


def test_rebuild_with_unchanged_inputs_is_a_no_op(shop):
    # Built first, so checkouts other tests recorded in the shared state (inputs too) are in.
    before = build(shop[1])
    after = build(shop[1])
    assert after["built_at"] == before["built_at"] and after["input_fingerprint"] == before["input_fingerprint"]


def start_from(built: Path, models: Path) -> Path:
    """A models folder holding a build's vectors and encoder, as the next build finds them."""
    models.mkdir()
    for name in (artefacts.CATALOG, artefacts.EMBEDDINGS, artefacts.MANIFEST):
        (models / name).write_bytes((built / name).read_bytes())
    shutil.copytree(built / artefacts.ENCODER, models / artefacts.ENCODER)
    return models


def test_changed_product_is_the_only_one_re_embedded(shop, tmp_path):
    config, settings = shop
    catalog = pd.read_csv(settings.generic_catalog, dtype=str)
    catalog.loc[catalog["id"] == "wine-1", "title"] = "Red Wine Merlot, 750 ml"
    changed = tmp_path / "catalog.csv"
    catalog.to_csv(changed, index=False)
    models = start_from(settings.models_dir, tmp_path / "models")
    variant = dataclasses.replace(settings, generic_catalog=changed, models_dir=models)
    manifest = build(variant)
    assert manifest["products_embedded"] == 1 and manifest["products_reused"] == 26
    # the last build's quantised encoder is kept (its vectors stay valid) once the new text passes the check
    assert manifest["embedding"]["model"] == "kept from the last build"
    assert manifest["embedding"]["check"]["texts"] == 1
    old = np.load(settings.models_dir / artefacts.EMBEDDINGS)
    new = np.load(models / artefacts.EMBEDDINGS)
    assert np.allclose(old[:-2], new[:-2])


def test_a_shop_without_baskets_builds_and_says_quality_was_not_measured(shop, tmp_path):
    config, settings = shop
    empty = tmp_path / "interactions.csv"
    empty.write_text("basket_id,product_id,timestamp\n")
    models = start_from(settings.models_dir, tmp_path / "models")   # reuse the embeddings
    # its own checkout store: the shared fixture shop's holds whatever checkouts other tests recorded
    manifest = build(dataclasses.replace(settings, generic_interactions=empty, models_dir=models,
                                         state_db=tmp_path / "state.db"))
    metrics = manifest["metrics"]
    assert metrics["cases"] == 0 and metrics["methods"] == {}
    assert metrics["not_measured"].startswith("no held-out basket with two or more products (0 basket lines")


def test_search_understands_need_and_price(engine):
    result = engine.search("coffee under $9", SearchFilters(), k=3)
    titles = [engine.titles[r] for r, _ in result.items]
    assert titles and all("Coffee" in t for t in titles[:2])
    assert all(engine.prices[r] <= 9 for r, _ in result.items)
    assert result.filters.max_price == 9.0


def test_a_category_name_keeps_search_in_that_category(engine):
    result = engine.search("ground coffee", SearchFilters(), k=10)
    assert result.filters.categories == ("Ground Coffee",)
    assert sorted(engine.ids[r] for r, _ in result.items) == ["coffee-1", "coffee-2", "coffee-3"]
    loose = engine.search("something for my morning coffee", SearchFilters(), k=10)
    assert loose.filters.categories == () and len(loose.items) > 3      # a need, not a name: no filter


def test_size_and_colour_words_filter(engine):
    result = engine.search("tortilla chips 16 oz", SearchFilters(), k=5)
    assert str(result.filters.size) == "16 oz" and [engine.ids[r] for r, _ in result.items] == ["chips-3"]
    wine = engine.search("red wine", SearchFilters(), k=5)
    assert wine.filters.color == "red" and [engine.ids[r] for r, _ in wine.items] == ["wine-1"]
    assert engine.search("red salsa", SearchFilters(), k=5).items == []     # no salsa is red


def test_search_excludes_brands_and_out_of_stock(engine):
    result = engine.search("salsa", SearchFilters(exclude_brands=("Fiesta",)), k=5)
    ids = [engine.ids[r] for r, _ in result.items]
    assert "salsa-2" in ids and "salsa-1" not in ids and "gone-1" not in ids


def test_complete_cart_finds_the_planted_complements(engine):
    out = engine.complete_cart(["chips-1", "salsa-1"], k=3)
    ids = [engine.ids[s.position] for s in out.suggestions]
    assert ids[0] in {"sour-1", "cheese-1"} and not {"chips-1", "salsa-1", "gone-1"} & set(ids)
    assert out.reasons[0].startswith("Often bought with your")


def test_the_neighbour_table_holds_what_a_search_finds(engine):
    rows = engine.rows_for(["chips-1", "salsa-1", "milk-1"])
    table_scores, table_rows = engine._content_neighbours(rows, 20)
    search_scores, search_rows = engine._search(np.asarray(engine.art.embeddings[rows]), 20, rerank=False)
    np.testing.assert_array_equal(table_rows, search_rows)
    np.testing.assert_allclose(table_scores, search_scores, atol=1e-6)
    assert table_rows[:, 0].tolist() == rows   # each product is its own nearest


def test_more_suggestions_than_the_table_holds_come_from_a_search(engine):
    cart = ["chips-1", "salsa-1"]
    wide = engine.complete_cart(cart, k=8)   # 4 x 8 = 32 neighbours per item: wider than the table's 20
    assert len(wide.suggestions) == 8 and not set(cart) & {engine.ids[s.position] for s in wide.suggestions}
    assert engine.ids[wide.suggestions[0].position] in {"sour-1", "cheese-1"}


def test_mentions_with_quantities_and_ambiguity(engine):
    mentions = engine.resolve_mentions("I have 2 bags of tortilla chips and a jar of salsa verde")
    assert [(m.text, m.qty, m.status) for m in mentions] == [("tortilla chips", 2, "resolved"),
                                                              ("salsa verde", 1, "resolved")]
    assert engine.ids[mentions[1].options[0]] == "salsa-2"
    chips = engine.resolve_mentions("chips")
    assert chips[0].status == "ambiguous"
    assert {engine.product(o)["category"] for o in chips[0].options} == {"Tortilla Chips", "Potato Chips"}
    # what the shopper did with them is no part of the thing's name
    grabbed = engine.resolve_mentions("I grabbed penne rigate and took whole milk")
    assert [(m.text, m.status) for m in grabbed] == [("penne rigate", "resolved"), ("whole milk", "resolved")]


def test_a_phrase_widened_by_another_thing_is_not_that_phrase(engine):
    # "filters" names the coffee filters; "oil filters" are not coffee filters, and nothing is put in a cart for them
    oil, = engine.resolve_mentions("add the oil filters")
    assert (oil.text, oil.status, oil.options) == ("oil filters", "unresolved", ())
    filters, = engine.resolve_mentions("add the coffee filters")
    assert filters.status == "resolved" and engine.ids[filters.options[0]] == "filter-1"
    # widened and found: the search for all the words picks among the products the phrase names
    dark, = engine.resolve_mentions("add the dark roast coffee")
    assert dark.status == "resolved" and engine.ids[dark.options[0]] == "coffee-2"


def test_fuzzy_fallback_and_unresolved_words(engine):
    mentions = engine.resolve_mentions("some spaghetti noodles and a xylophone")
    assert mentions[0].method in ("phrase", "embedding") and engine.ids[mentions[0].options[0]].startswith("pasta")
    assert mentions[-1].status == "unresolved" and "xylophone" in mentions[-1].text


def test_label_phrases_and_singulars():
    assert label_phrases("Tortilla/Nacho Chips") == {"tortilla nacho chips", "tortilla chips", "nacho chips",
                                                     "tortilla", "chips"}
    assert label_phrases("Better For You") == {"better for you"}   # "do you have ..." names no product
    assert "paper towels" in label_phrases("Paper Towels & Holders")   # each side of "&" a name of its own
    assert "baby food" in label_phrases("Baby Food - Beginner")
    assert "bread" not in label_phrases("Bread & Butter Pickles")   # ... of two words or more: no pickles for "bread"
    assert "not" not in label_phrases("Yogurt Not Multi-Packs")
    assert [singular(w) for w in ("berries", "loaves", "tomatoes", "chips", "glass")] == \
        ["berry", "loaf", "tomato", "chip", "glass"]


def test_settings_reject_bad_blend_weights(tmp_path):
    import pytest
    (tmp_path / "c.yml").write_text("recommender:\n  blend: {cooccurrence: -1, content: 0, popularity: 0}\n")
    with pytest.raises(ValueError, match="blend weights"):
        load_settings(tmp_path / "c.yml")


def test_gibberish_and_absent_products_are_not_here_but_loose_needs_still_find(engine):
    for query in ("blorp fizz wug", "lawn mower"):
        result = engine.search(query, SearchFilters(), k=5)
        assert result.not_here and len(result.items) <= 3, query   # at most the closest few, said as such
        assert engine.search(query, SearchFilters(), k=5, offset=5).items == []   # nothing to page through
    found = engine.search("something to dip chips in", SearchFilters(), k=3)
    assert found.items and not found.not_here
    assert not engine.search("salsa", SearchFilters(), k=3).not_here


def test_a_sources_own_coupons_load_beside_the_shops_and_the_shop_wins(shop, tmp_path):
    from recommender.deals import candidate_codes
    from recommender.engine import Recommender
    settings = shop[1]
    models = tmp_path / "models"
    shutil.copytree(settings.models_dir, models)
    source = {"coupons": [
        {"code": "CJ123", "description": "$0.50 off Salsa", "discount": {"amount": 0.5}, "applies_to": "matching",
         "conditions": {"items": {"product_ids": ["salsa-1"]}}, "max_uses_per_shopper": 1},
        {"code": "SAVE10", "description": "the source's SAVE10", "discount": {"amount": 9}}]}
    (models / "source_coupons.yml").write_text(yaml.safe_dump(source))
    engine = Recommender.load(dataclasses.replace(settings, models_dir=models))
    assert engine.coupons["SAVE10"].description == "10% off a cart of $30 or more"
    result = engine.validate_coupon("cj123", engine.cart([("salsa-1", 2)]), dt.date.today(), 0, 0)
    assert (result.status, result.saving) == ("valid", 0.5)
    assert "CJ123" in candidate_codes(engine.coupons, engine.cart_lines(engine.cart([("salsa-1", 1)])))
    assert "CJ123" not in candidate_codes(engine.coupons, engine.cart_lines(engine.cart([("coffee-1", 1)])))


def test_a_repeated_search_reuses_its_query_vector(engine):
    before = engine.encoder.query.cache_info()
    first = engine.search("sparkling water", SearchFilters(), k=3)
    again = engine.search("sparkling water", SearchFilters(), k=3)
    after = engine.encoder.query.cache_info()
    assert [r for r, _ in first.items] == [r for r, _ in again.items]
    assert after.hits == before.hits + 1 and after.misses == before.misses + 1
    vector = engine.encoder.query("sparkling water")
    assert not vector.flags.writeable   # shared between requests: nobody may change it
    assert np.allclose(vector, engine.encoder.encode(["sparkling water"]), atol=1e-6)


def test_a_constraint_the_catalog_cannot_check_is_named_not_applied(engine):
    """The fixture shop measures in oz, ct and ml and has no "Brand 42": a size in packs or that brand
    would leave nothing, for a reason the shopper could not see."""
    by_pack = engine.search("salsa 6 pack", SearchFilters(), k=3)
    assert by_pack.unchecked == ("size 6 pack",) and by_pack.filters.size is None and by_pack.items
    by_brand = engine.search("coffee from brand 42", SearchFilters(), k=3)
    assert by_brand.unchecked == ("brand Brand 42",) and by_brand.items
    checked = engine.search("ground coffee 12 oz", SearchFilters(), k=3)   # a unit the catalog has
    assert checked.unchecked == () and str(checked.filters.size) == "12 oz"


def test_price_words_order_the_relevant_matches(engine):
    by_relevance = engine.search("ground coffee", SearchFilters(), k=5)
    cheapest = engine.search("cheapest ground coffee", SearchFilters(), k=5)
    prices = [engine.prices[r] for r, _ in cheapest.items]
    assert cheapest.sort == "price" and prices == sorted(prices)
    assert {r for r, _ in cheapest.items} == {r for r, _ in by_relevance.items}   # the same matches, reordered
    value = engine.search("best value ground coffee", SearchFilters(), k=5)
    per_oz = [engine.prices[r] / engine.size_values[r] for r, _ in value.items]
    assert value.sort == "unit_price" and per_oz == sorted(per_oz)


def test_an_exclusion_rules_its_matches_out(engine):
    chips = engine.search("chips but not potato chips", SearchFilters(), k=5)
    titles = [engine.titles[r] for r, _ in chips.items]
    assert titles and not any("potato" in t.lower() for t in titles) and chips.excluded == ("potato chips",)


def test_attribute_words_filter_where_products_show_them_and_are_named_where_none_does(shop):
    from recommender.engine import Recommender
    settings = dataclasses.replace(shop[1], attributes={
        "dark roast": r"\bdark roast\b", "gluten free": r"\bgluten[- ]?free\b", "verde": r"\bverde\b",
        "strong": r"\bstrong\b|\bespresso\b"})
    engine = Recommender.load(settings)
    asked = engine.attributes_asked("is the dark roast one gluten free?")
    assert asked == ("dark roast", "gluten free") and [engine.marks(a) for a in asked] == [True, False]
    assert engine.marked(engine.position["coffee-2"], asked) == ("dark roast",)
    assert engine.marked(engine.position["coffee-1"], asked) == ()
    dark = engine.search("dark roast coffee", SearchFilters(), k=5)
    assert [engine.ids[r] for r, _ in dark.items] == ["coffee-2"] and not dark.unchecked and not dark.unmet
    gluten = engine.search("gluten free pasta", SearchFilters(), k=5)
    assert gluten.unchecked == ("gluten free",) and gluten.query_text == "pasta"   # said, and searched without
    assert {engine.ids[r] for r, _ in gluten.items} >= {"pasta-1", "pasta-2"}
    unmet = engine.search("dark roast spaghetti", SearchFilters(), k=5)   # dark roast exists, not as pasta
    assert unmet.unmet == ("dark roast",) and "pasta-1" in {engine.ids[r] for r, _ in unmet.items}
    # dark roast coffee is near "dark roast creamer", but it is no creamer: the creamer, saying it is not dark roast
    creamer = engine.search("dark roast creamer", SearchFilters(), k=5)
    assert creamer.unmet == ("dark roast",) and engine.ids[creamer.items[0][0]] == "creamer-1"
    # an attribute filtered on under another word ("espresso") is not a word the search "can't check"
    strong = engine.search("strong coffee", SearchFilters(), k=5)
    assert [engine.ids[r] for r, _ in strong.items] == ["coffee-3"] and not strong.unchecked and not strong.unmet
    # "something"/"anything" name no product: only the price, or only a word the catalog cannot tell
    cheap = engine.search("something under $3", SearchFilters(), k=5)
    assert cheap.items and not cheap.not_here and all(engine.product(r)["price"] <= 3 for r, _ in cheap.items)
    only_unknown = engine.search("anything gluten free?", SearchFilters(), k=5)
    assert (only_unknown.items, only_unknown.unchecked, only_unknown.not_here) == ([], ("gluten free",), False)
    dark_any = engine.search("any dark roast options", SearchFilters(), k=5)
    assert [engine.ids[r] for r, _ in dark_any.items] == ["coffee-2"]
    asked = engine.search("is your coffee dark roast?", SearchFilters(), k=5)   # asked as a yes/no question
    assert [engine.ids[r] for r, _ in asked.items] == ["coffee-2"] and asked.query_text == "coffee dark roast"


def test_an_allergy_rules_out_what_is_named_with_it_where_no_attribute_filters_it(engine):
    creamer = engine.search("I'm allergic to milk, any coffee creamer?", SearchFilters(), k=5)
    assert creamer.allergens == ("milk",) and creamer.excluded == ("milk",)
    assert creamer.items and "milk-1" not in {engine.ids[r] for r, _ in creamer.items}
    assert engine.ids[creamer.items[0][0]] == "creamer-1"


def test_a_word_no_product_uses_is_named_when_the_search_could_not_read_it(engine):
    from recommender.engine import unread_modifiers
    spicy = engine.search("spicy salsa", SearchFilters(), k=5)
    assert spicy.unchecked == spicy.unnamed == ("spicy",) and spicy.items and not spicy.not_here
    assert {engine.product(r)["category"] for r, _ in spicy.items} == {"Salsa"}
    goat = engine.search("goat cheese", SearchFilters(), k=5)   # cheese, none of it said to be goat
    assert goat.unnamed == ("goat",) and engine.ids[goat.items[0][0]] == "cheese-1" and not goat.not_here
    # the thing itself unknown ("cheddar" where the demo's embedding offers cheese crackers): said too
    assert engine._unknown_thing("mature cheddar") == "cheddar" and engine._unknown_thing("spicy salsa") is None
    assert engine.search("salsa", SearchFilters(), k=5).unnamed == ()
    assert engine.search("chunky salsa", SearchFilters(), k=5).unchecked == ()   # the catalog's own word
    fair = engine.search("is your coffee fair trade?", SearchFilters(), k=5)   # the shop's vocabulary: said whole
    assert fair.unchecked == ("fair trade",) and fair.query_text == "coffee"
    assert engine.product(fair.items[0][0])["category"] == "Ground Coffee"
    words = {"salsa", "milk", "chip"}
    assert unread_modifiers("spicy and smoky salsa", words) == ("spicy", "smoky")
    assert unread_modifiers("plant based milk", words) == ("plant based",)
    assert unread_modifiers("nappies", words) == ()   # the thing asked for: the embedding may know it by another name
    assert unread_modifiers("some really nice big salsa", words) == ()   # praise, size and filler filter nothing
    assert unread_modifiers("maybe some salsa", words) == ()   # a hedge is no word about the product


def test_a_need_gets_one_of_each_thing_with_why_and_a_product_type_keeps_its_own(engine):
    """The shipped need cues on the fixture shop: "chips and salsa night" is chips, salsa and what they
    are bought with (sour cream, cheese), not three bags of tortilla chips; "tortilla chips" is only chips."""
    night = engine.search("stuff for a chips and salsa night", SearchFilters(), k=4)
    categories = [engine.product(r)["category"] for r, _ in night.items]
    assert night.need and len(set(categories)) == 4, categories
    assert night.unchecked == ()   # an occasion's words ("night") are not filters it skipped
    assert {"Tortilla Chips", "Salsa"} <= set(categories) and {"Sour Cream", "Shredded Cheese"} & set(categories)
    assert set(night.reasons) == {r for r, _ in night.items}
    assert any(reason.startswith("Often bought with") for reason in night.reasons.values())
    # a product close to the need is said to be for one of its words, not for the whole phrase again
    matched = {reason for reason in night.reasons.values() if not reason.startswith("Often bought with")}
    assert matched and matched <= {"Matches “chips”", "Matches “salsa”"}, matched
    chips = engine.search("tortilla chips", SearchFilters(), k=3)
    assert not chips.need and {engine.product(r)["category"] for r, _ in chips.items} == {"Tortilla Chips"}


def test_asking_what_to_make_with_a_product_type_is_a_need_and_naming_it_is_not(engine):
    pasta = engine.search("pasta", SearchFilters(), k=4)
    assert not pasta.need and {engine.product(r)["category"] for r, _ in pasta.items} == {"Pasta"}
    ideas = engine.search("what can I make with pasta", SearchFilters(), k=4)   # a cue outside the type's name
    assert ideas.need and ideas.query_text == "pasta" and set(ideas.reasons) == {r for r, _ in ideas.items}


def test_food_the_shopper_does_not_eat_is_left_out_of_the_answer(engine):
    plain = engine.search("snacks", SearchFilters(), k=5)
    assert any("Potato" in engine.titles[r] for r, _ in plain.items)   # without the words, potato chips come up
    result = engine.search("we don't eat potato chips, any snacks?", SearchFilters(), k=5)
    assert result.excluded == ("potato chips",) and result.allergens == () and result.items
    assert not any("Potato" in engine.titles[r] for r, _ in result.items)


def test_a_typo_is_searched_as_the_catalog_word_and_said(engine):
    result = engine.search("tortila chips", SearchFilters(), k=3)
    assert result.spelled_as == "tortilla chips" and result.query_text == "tortilla chips"
    assert {engine.product(r)["category"] for r, _ in result.items} == {"Tortilla Chips"} and not result.not_here
    assert engine.search("tortilla chips", SearchFilters(), k=3).spelled_as is None


def test_an_english_word_read_as_the_catalogs_is_not_told_as_a_typo(engine):
    # "cheesy" is English, not a typo: searched as the catalog's "cheese", and not said back as if
    # the shopper had misspelt it (as "decaffeinated" read as a catalog's "decaffinated" would be)
    result = engine.search("cheesy tortila chips", SearchFilters(), k=3)
    assert result.query_text == "cheese tortilla chips" and result.spelled_as == "cheesy tortilla chips"
    assert engine.search("cheesy chips", SearchFilters(), k=3).spelled_as is None


def test_a_shoppers_own_word_is_searched_as_the_catalogs_and_said(engine):
    crisps = engine.search("crisps", SearchFilters(), k=3)   # cartwise.yml's synonyms: crisps -> potato chips
    assert crisps.spelled_as == "potato chips" and not crisps.not_here
    assert {engine.product(r)["category"] for r, _ in crisps.items} == {"Potato Chips"}
    said = "add two bags of crisps"   # the cart's words too: potato chips, told back as the shopper said it
    [mention] = engine.resolve_mentions(said)
    assert (mention.text, said[mention.start:mention.end], mention.qty) == ("crisps", "crisps", 2)
    assert mention.status == "resolved" and engine.product(mention.options[0])["category"] == "Potato Chips"


def test_a_catalog_with_no_usable_product_is_refused_with_the_reasons(shop, tmp_path):
    import pytest

    from recommender.catalog import DataError
    settings = shop[1]
    catalog = tmp_path / "catalog.csv"
    catalog.write_text("id,title,price\n1,Tea,-2\n2,Coffee,free\n")
    empty = tmp_path / "interactions.csv"
    empty.write_text("basket_id,product_id\n")
    with pytest.raises(DataError, match=r"no product is left after validation .*price missing, not a number or "
                                        r"negative"):
        build(dataclasses.replace(settings, generic_catalog=catalog, generic_interactions=empty,
                                  models_dir=tmp_path / "models"))


def test_a_thing_the_shop_lacks_is_not_here_even_when_another_of_its_words_is_the_shops(engine):
    """"baby stroller": baby is the catalog's word, stroller (the thing asked for) is not."""
    stroller = engine.search("baby stroller", SearchFilters(), k=5)
    assert stroller.not_here and len(stroller.items) <= 3
    assert not engine.search("chunky salsa", SearchFilters(), k=5).not_here
    assert not engine.search("stuff for a chips and salsa night", SearchFilters(), k=5).not_here   # a need
    guests = engine.search("having friends over saturday, need snacks", SearchFilters(), k=5)
    assert guests.need and not guests.not_here and guests.items   # an occasion: its words name no product


def test_without_not_and_no_rule_out_what_follows_by_its_words(engine):
    """The words of what is ruled out, in the title or the product type, in any order and plural."""
    coffee = engine.search("ground coffee not dark roast", SearchFilters(), k=5)
    assert sorted(engine.ids[r] for r, _ in coffee.items) == ["coffee-1", "coffee-3"]
    assert coffee.excluded == ("dark roast",)
    chips = engine.search("chips without potato", SearchFilters(), k=5)
    assert chips.items and not {engine.product(r)["category"] for r, _ in chips.items} - {"Tortilla Chips"}
    no_espresso = engine.search("coffee but no espresso", SearchFilters(), k=5)
    assert no_espresso.items and "coffee-3" not in {engine.ids[r] for r, _ in no_espresso.items}


def test_a_size_nothing_like_the_query_comes_in_gives_its_other_sizes_said_so(engine):
    salsa = engine.search("salsa 24 oz", SearchFilters(), k=5)   # the shop's salsas are 12 and 16 oz
    assert salsa.unmet_size == "24 oz" and salsa.filters.size is None
    assert {engine.ids[r] for r, _ in salsa.items} == {"salsa-1", "salsa-2"}
    sized = engine.search("salsa 16 oz", SearchFilters(), k=5)
    assert sized.unmet_size is None and [engine.ids[r] for r, _ in sized.items] == ["salsa-1"]


def test_a_category_name_that_holds_nothing_to_show_gives_way_to_the_rest_of_the_shop(shop, tmp_path):
    """"spices" is also the head of "Cooking Bags With Spices", whose only product is sold out; the
    shop's spices are in "Seasonings"."""
    config, settings = shop
    catalog = pd.read_csv(settings.generic_catalog, dtype=str)
    extra = pd.DataFrame([
        {"id": "bag-1", "title": "Cooking Bag With Spices, 1 oz", "category": "Cooking Bags With Spices",
         "department": "Pantry", "brand": "Roma", "price": "1.99", "size": "1 oz", "stock": "0"},
        {"id": "spice-1", "title": "Spice Blend Paprika Cumin Oregano, 2 oz", "category": "Seasonings",
         "department": "Pantry", "brand": "Roma", "price": "2.49", "size": "2 oz", "stock": "12"}])
    changed = tmp_path / "catalog.csv"
    pd.concat([catalog, extra], ignore_index=True).to_csv(changed, index=False)
    from recommender.engine import Recommender
    variant = dataclasses.replace(settings, generic_catalog=changed,
                                  models_dir=start_from(settings.models_dir, tmp_path / "models"))
    build(variant)
    engine = Recommender.load(variant)
    assert engine.mentions.phrase_categories["spice"] == ("Cooking Bags With Spices",)
    spices = engine.search("spices", SearchFilters(), k=3)
    assert [engine.ids[r] for r, _ in spices.items][:1] == ["spice-1"] and not spices.not_here


def test_a_word_the_shop_lacks_beside_the_shops_own_is_not_here_and_a_need_never_is(engine):
    """"furnace" is no word of the catalog's, "filter" is, and coffee filters are not near a furnace
    filter. An occasion's words are no product's ("picnic"): a need is answered with the nearest things."""
    furnace = engine.search("furnace filter", SearchFilters(), k=5)
    assert furnace.not_here and [engine.ids[r] for r, _ in furnace.items] == ["filter-1"]   # offered as closest
    assert not engine.search("coffee filter", SearchFilters(), k=5).not_here
    picnic = engine.search("something for a picnic", SearchFilters(), k=5)
    assert picnic.need and picnic.items and not picnic.not_here


def test_show_more_after_a_wider_answer_pages_the_same_answer(engine):
    first = engine.search("salsa 24 oz", SearchFilters(), k=1)
    second = engine.search("salsa 24 oz", SearchFilters(), k=1, offset=1)
    past = engine.search("salsa 24 oz", SearchFilters(), k=1, offset=5)
    assert second.unmet_size == first.unmet_size == "24 oz" and second.items and second.items != first.items
    assert past.items == []
    assert engine.search("salsa 16 oz", SearchFilters(), k=5, offset=5).items == []   # not the other sizes
