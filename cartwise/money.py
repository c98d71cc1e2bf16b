"""The shop's currency: how every service writes an amount, and which words name it in a message.

One setting in cartwise.yml (`currency: GBP`, or a mapping with a symbol and words for a currency
not listed here), read by the recommender (coupon texts, reading "under £5"), the action server
(replies and cards), the shop page and the orders store.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import config

# Words a shopper uses for the currency after a number ("5 quid"). "pounds" is money only in a shop
# priced in pounds; elsewhere "5 pounds" stays a weight.
KNOWN: dict[str, tuple[str, tuple[str, ...]]] = {
    "USD": ("$", ("dollars", "dollar", "bucks", "usd")),
    "CAD": ("$", ("dollars", "dollar", "bucks", "cad")),
    "AUD": ("$", ("dollars", "dollar", "bucks", "aud")),
    "GBP": ("£", ("pounds", "pound", "quid", "gbp")),
    "EUR": ("€", ("euros", "euro", "eur")),
    "CHF": ("CHF ", ("francs", "franc", "chf")),
    "SEK": ("kr ", ("kronor", "krona", "sek")),
    "JPY": ("¥", ("yen", "jpy")),
    "INR": ("₹", ("rupees", "rupee", "rs", "inr")),
}
SYMBOLS = "$£€¥₹"   # a symbol always marks money, whatever the shop's currency


@dataclass(frozen=True)
class Currency:
    code: str = "USD"
    symbol: str = "$"
    words: tuple[str, ...] = ("dollars", "dollar", "bucks", "usd")

    def format(self, value: float) -> str:
        """"$1,234.50", "-£2.00": the sign before the symbol."""
        sign = "-" if value < 0 else ""
        return f"{sign}{self.symbol}{abs(value):,.2f}"


def currency_of(raw: object, where: str = "cartwise.yml") -> Currency:
    """`currency:` as written: a code from KNOWN, or {code, symbol, words}."""
    if raw is None:
        return Currency()
    if isinstance(raw, str):
        code = raw.strip().upper()
        if code not in KNOWN:
            raise config.ConfigError(f"{where}: currency {raw!r} is not one Cartwise knows ({', '.join(KNOWN)}); "
                                     "write it as {code: ..., symbol: ..., words: [...]}")
        symbol, words = KNOWN[code]
        return Currency(code, symbol, words)
    if isinstance(raw, dict) and isinstance(raw.get("code"), str):
        code = raw["code"].strip().upper()
        symbol, words = KNOWN.get(code, (code + " ", (code.lower(),)))
        words = raw.get("words", words)
        if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
            raise config.ConfigError(f"{where}: currency.words must be a list of words")
        return Currency(code, str(raw.get("symbol", symbol)), tuple(w.lower() for w in words))
    raise config.ConfigError(f"{where}: currency must be a code such as GBP, or {{code, symbol, words}}")


def load_currency(file: config.Config | None = None) -> Currency:
    file = file or config.load()
    return currency_of(file.raw.get("currency"), str(file.path))
