import pytest

from cartwise import config
from cartwise.money import Currency, currency_of, load_currency


@pytest.mark.parametrize("raw,amount,shown", [
    (None, 1234.5, "$1,234.50"),
    ("gbp", 4.25, "£4.25"),
    ("EUR", -2, "-€2.00"),
    ({"code": "NZD", "symbol": "NZ$", "words": ["dollars"]}, 3, "NZ$3.00"),
    ({"code": "PLN"}, 10, "PLN 10.00"),   # a code not listed: its code as the symbol, its own word
])
def test_amounts_are_written_in_the_shops_currency(raw, amount, shown):
    assert currency_of(raw).format(amount) == shown


@pytest.mark.parametrize("raw,problem", [
    ("XYZ", "not one Cartwise knows"),
    (5, "must be a code"),
    ({"code": "NZD", "words": "dollars"}, "must be a list of words"),
])
def test_a_wrong_currency_setting_is_a_clear_error(raw, problem):
    with pytest.raises(config.ConfigError, match=problem):
        currency_of(raw)


def test_the_currency_is_read_from_the_top_of_cartwise_yml(tmp_path):
    path = tmp_path / "cartwise.yml"
    path.write_text("currency: GBP\nrecommender: {}\n")
    assert load_currency(config.load(path)) == Currency("GBP", "£", ("pounds", "pound", "quid", "gbp"))
    path.write_text("recommender: {}\n")
    assert load_currency(config.load(path)) == Currency()   # the demo's dollars by default
