"""The blend's weights chosen on the shop's own baskets, used by the service, and said when they lose."""
import dataclasses
import json
import urllib.request

import numpy as np

from recommender import artefacts, cooccurrence
from recommender.build import build, input_fingerprint, shopper_state, tuning_report, with_recent
from recommender.config import CoPurchaseSettings
from recommender.engine import Recommender
from recommender.evaluation.completion import component_warning, weight_grid
from recommender.importers import load_dataset


def test_the_grid_covers_every_mix_and_each_component_alone():
    grid = weight_grid()
    assert len(grid) == 66 and all(abs(sum(w) - 1) < 1e-9 for w in grid)
    assert {(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)} <= set(grid)


def test_a_component_that_beats_the_blend_is_said():
    results = {"blend": {"hit_rate": 0.113}, "cooccurrence_only": {"hit_rate": 0.10},
               "content_only": {"hit_rate": 0.177}, "popularity_only": {"hit_rate": 0.05}}
    warning = component_warning(results)
    assert warning.startswith("content alone beats the blend on the held-out baskets (HitRate@10 0.177 vs 0.113)")
    assert "make tune" in warning
    assert component_warning({**results, "content_only": {"hit_rate": 0.11}}) is None


def test_a_badly_configured_blend_is_retuned_on_the_shops_baskets(shop, tmp_path):
    """Popularity alone configured: the planted co-purchase patterns make the build choose
    co-purchase, and the service then ranks with what the build chose."""
    config, settings = shop
    models = tmp_path / "models"
    models.mkdir()
    for name in (artefacts.CATALOG, artefacts.EMBEDDINGS, artefacts.MANIFEST):   # reuse the embeddings
        (models / name).write_bytes((settings.models_dir / name).read_bytes())
    bad = dataclasses.replace(settings, models_dir=models, tune_blend=True,
                              blend=dataclasses.replace(settings.blend, cooccurrence=0, content=0, popularity=1))
    metrics = build(bad, force=True)["metrics"]
    tuned = metrics["tuned"]
    assert tuned["configured"] == {"cooccurrence": 0, "content": 0, "popularity": 1}
    assert tuned["weights"]["cooccurrence"] > 0
    assert tuned["validation_hit_rate"]["tuned"] > tuned["validation_hit_rate"]["configured"]
    methods = metrics["methods"]
    assert methods["blend"]["hit_rate"] > methods["blend_configured"]["hit_rate"]
    assert methods["blend"]["hit_rate"] >= methods["popularity_only"]["hit_rate"]
    engine = Recommender.load(bad)
    assert (engine.weights.cooccurrence, engine.weights.content, engine.weights.popularity) == \
        tuple(tuned["weights"].values())
    assert "| blend (tuned) |" in tuning_report(metrics)
    assert tuned["models_tried"] == ["cosine", "ease"] and tuned["weight_sets_tried"] == 2 * 66
    assert_serves_table(bad, tuned["model"])

    untuned = dataclasses.replace(bad, tune_blend=False)
    # the served weights come from these settings: changing them is a changed input, not a no-op
    assert input_fingerprint(untuned) != input_fingerprint(bad)
    assert input_fingerprint(dataclasses.replace(bad, blend=settings.blend)) != input_fingerprint(bad)
    metrics = build(untuned)["metrics"]
    assert metrics["tuned"] is None and "blend_configured" not in metrics["methods"]
    assert Recommender.load(untuned).weights == untuned.blend
    assert_serves_table(untuned, "cosine")   # auto without tuning: the cheaper fit

    ease = dataclasses.replace(untuned, copurchase=CoPurchaseSettings(model="ease"))
    assert input_fingerprint(ease) != input_fingerprint(untuned)
    build(ease)
    assert_serves_table(ease, "ease")


def assert_serves_table(settings, model):
    """The manifest names `model`, and the table the service loads is that model's on every basket."""
    assert artefacts.read_manifest(settings.models_dir)["cooccurrence_model"] == model
    served = artefacts.read(settings.models_dir, settings.index)
    positions = {pid: i for i, pid in enumerate(served.catalog["id"])}
    lines = with_recent(load_dataset(settings).interactions, shopper_state(settings)[0],   # checkouts of other tests
                        served.catalog["id"])
    expected = cooccurrence.fit_table(cooccurrence.co_counts(cooccurrence.basket_matrix(lines, positions)),
                                      settings.copurchase, model)
    assert expected.nnz > 0
    for row in range(len(positions)):
        cols, values = served.similarity.row(row)
        assert np.array_equal(np.sort(cols), np.sort(expected[row].indices))
        np.testing.assert_allclose(values[np.argsort(cols)], expected[row].data[np.argsort(expected[row].indices)],
                                   rtol=1e-6)


def test_a_shop_that_turns_tuning_off_is_served_its_configured_weights(shop, service):
    """The fixture shop says blend.tune: false (too few baskets to tune on)."""
    assert artefacts.read_manifest(shop[1].models_dir)["metrics"]["tuned"] is None
    body = json.dumps({"cart": [{"id": "chips-1", "qty": 1}], "k": 3}).encode()
    request = urllib.request.Request(service + "/complete-cart", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    used = {k: answer["weights"][k] for k in ("cooccurrence", "content", "popularity")}
    assert used == {"cooccurrence": 0.65, "content": 0.25, "popularity": 0.1}
