"""One loader for cartwise.yml: every service's typed settings read the same file, relative paths
start at the file's folder, and a broken file is refused with its path."""
import pytest

from cartwise import config

VARIANT = """
recommender: {port: 6070, models_dir: built/rec}
actions: {port: 6055, orders_db: state/orders.db}
shop: {port: 6080}
console: {port: 6090, db: state/console.db}
rasa: {port: 6005, action_timeout_s: 4, rate_limit: {burst: 3}}
privacy: {keep: ['\\b\\d{6}\\b']}
"""


@pytest.fixture
def variant(tmp_path, monkeypatch):
    path = tmp_path / "shop-a" / "cartwise.yml"
    path.parent.mkdir()
    path.write_text(VARIANT)
    monkeypatch.setenv(config.ENV, str(path))
    return path.parent


def test_every_service_reads_the_file_cartwise_config_names(variant):
    from actions.config import settings
    from bot.config import load as rasa_settings
    from console.config import load as console_settings
    from launch.services import read_ports
    from recommender.config import load_settings
    from shop.config import load as shop_settings

    settings.cache_clear()
    try:
        assert settings().orders_db == f"sqlite:///{variant / 'state' / 'orders.db'}"
    finally:
        settings.cache_clear()
    assert load_settings().models_dir == variant / "built" / "rec"
    assert console_settings().db == variant / "state" / "console.db"
    assert shop_settings().port == 6080
    rasa = rasa_settings()
    assert (rasa.action_timeout_s, rasa.rate_limit.burst, rasa.rate_limit.per_second) == (4, 3, 2.0)
    assert rasa.privacy_keep == ("\\b\\d{6}\\b",)
    assert read_ports() == read_ports(variant / "cartwise.yml")
    assert (read_ports().rasa, read_ports().recommender, read_ports().shop) == (6005, 6070, 6080)


def test_the_project_file_is_the_default(monkeypatch):
    monkeypatch.delenv(config.ENV, raising=False)
    assert config.config_path() == config.PROJECT_ROOT / "cartwise.yml"
    monkeypatch.setenv(config.ENV, "")   # set but empty: still the project's file, not the working folder
    assert config.config_path() == config.PROJECT_ROOT / "cartwise.yml"


@pytest.mark.parametrize("text,problem", [
    ("recommender: [1, 2]\n", "`recommender` must be a mapping"),
    ("just a sentence\n", "must be a mapping of sections"),
    ("recommender: {port: [\n", "not valid YAML"),
])
def test_a_broken_file_is_refused_with_its_path(tmp_path, text, problem):
    path = tmp_path / "cartwise.yml"
    path.write_text(text)
    with pytest.raises(config.ConfigError) as raised:
        config.load(path).section("recommender")
    assert str(path) in str(raised.value) and problem in str(raised.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(config.ConfigError, match="nowhere.yml: cannot read"):
        config.load(tmp_path / "nowhere.yml")


def test_a_renamed_key_is_named_not_ignored(tmp_path):
    from recommender.config import load_settings
    path = tmp_path / "cartwise.yml"
    path.write_text("recommender: {cooccurrence: {neighbors: 10}}\n")
    with pytest.raises(config.ConfigError, match="cooccurrence.neighbors is now spelled `neighbours`"):
        load_settings(path)
    path.write_text("recommender: {cooccurrence: {neighbours: 10}}\n")
    assert load_settings(path).copurchase.neighbours == 10
    path.write_text("recommender: {cooccurrence: {model: svd}}\n")
    with pytest.raises(config.ConfigError, match="cooccurrence: cooccurrence.model must be auto, cosine or ease"):
        load_settings(path)
    path.write_text("recommender: {cooccurrence: {lambda: 10}}\n")
    with pytest.raises(config.ConfigError, match="recommender.cooccurrence: .*unexpected keyword argument 'lambda'"):
        load_settings(path)
    path.write_text("recommender: {build: {engine: spark}}\n")
    with pytest.raises(config.ConfigError, match="recommender.build: build.engine must be 'local' or 'dask'"):
        load_settings(path)
    path.write_text("recommender: {build: {history_part_lines: 1000000}}\n")
    with pytest.raises(config.ConfigError, match="recommender.build.history_part_lines is now `part_lines`"):
        load_settings(path)
    path.write_text("recommender: {build: {engine: dask, scheduler: 'tcp://10.0.0.5:8786'}}\n")
    assert load_settings(path).build.scheduler == "tcp://10.0.0.5:8786"


def test_an_attribute_pattern_that_is_not_a_regular_expression_is_named_at_start(tmp_path):
    from recommender.config import load_settings
    path = tmp_path / "cartwise.yml"
    path.write_text("recommender: {search: {attributes: {organic: '(organic'}}}\n")
    with pytest.raises(config.ConfigError, match="recommender.search.attributes.organic"):
        load_settings(path)
    path.write_text("recommender: {search: {attributes: {decaf: 'decaf(?!e)'}}}\n")   # Python yes, RE2 no
    with pytest.raises(config.ConfigError, match="recommender.search.attributes.decaf"):
        load_settings(path)
    assert "gluten free" in load_settings().attributes   # the project's file names the common ones


def test_synonyms_must_map_words_to_words(tmp_path):
    from recommender.config import load_settings
    path = tmp_path / "cartwise.yml"
    for bad in ("[nappies, diapers]", "{nappies: ''}", "{nappies: [diapers]}"):
        path.write_text(f"recommender: {{search: {{synonyms: {bad}}}}}\n")
        with pytest.raises(config.ConfigError, match="recommender.search.synonyms must map a shopper's words"):
            load_settings(path)
    assert load_settings().synonyms["kitchen roll"] == "paper towels"   # the project's file lists the common ones
