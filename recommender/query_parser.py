"""Constraints a shopper states in words, split from what they want.

"gluten-free pasta under $5" -> text "gluten-free pasta", max_price 5.0 ("under £5", "under 5
                                quid" in a shop priced in pounds).
"store brand milk 64 oz"     -> text "milk", brand "Store brand", size 64 oz.
"a red mug" (in a catalog that has colours) -> text "mug", color "red".
"cheapest coffee"            -> text "coffee", sort by price; "best value ..." by price per unit.
"chips but not potato chips" -> text "chips", excluding "potato chips".
Price, brand and size are read from patterns; colours only where the catalog has them (the
caller passes its colours), because "red" in "red wine" is meaning in a shop without colours.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cartwise.money import SYMBOLS, Currency
from cartwise.price_words import price_order

# Package sizes as the catalog writes them ("16 oz", "1 ga", "750 ml") and as shoppers say them
# ("a gallon", "half gallon"), as (canonical unit, factor). Volumes and weights become ounces
# because shop labels write "oz" for both; a gallon of milk is labelled "1 gal" or "128 oz".
UNITS = {
    "oz": ("oz", 1), "ounce": ("oz", 1), "ounces": ("oz", 1), "fl oz": ("oz", 1),
    "lb": ("oz", 16), "lbs": ("oz", 16), "pound": ("oz", 16), "pounds": ("oz", 16),
    "gal": ("oz", 128), "ga": ("oz", 128), "gallon": ("oz", 128), "gallons": ("oz", 128),
    "qt": ("oz", 32), "quart": ("oz", 32), "quarts": ("oz", 32),
    "pt": ("oz", 16), "pint": ("oz", 16), "pints": ("oz", 16),
    "ml": ("ml", 1), "l": ("ml", 1000), "ltr": ("ml", 1000), "liter": ("ml", 1000), "liters": ("ml", 1000),
    "litre": ("ml", 1000), "litres": ("ml", 1000),
    "ct": ("ct", 1), "count": ("ct", 1), "dz": ("ct", 12), "dozen": ("ct", 12),
    "pk": ("pk", 1), "pack": ("pk", 1),
    "sq ft": ("sqft", 1), "sqft": ("sqft", 1),   # paper towels, foil, wrap: "best value" compares these
}
_UNIT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))


@functools.lru_cache(maxsize=8)
def price_patterns(currency: Currency) -> list[tuple[str, re.Pattern[str]]]:
    """Price phrases in the shop's currency: any currency symbol before or after the number, the
    currency's own words after it ("5 quid", "5 euros"). A price is not part of a fraction or a
    size ("3-3/4", "5 lb"): a "/" on either side, or a unit after it, rules it out. The currency's
    words are tried before units, so "under 5 pounds" is £5 in a shop priced in pounds and a 5 lb
    size elsewhere."""
    symbols = f"[{re.escape(SYMBOLS)}]"
    words = "|".join(sorted(map(re.escape, currency.words), key=len, reverse=True)) or "(?!)"
    number = (rf"(?:{symbols}|{re.escape(currency.symbol.strip())})?\s*(\d+(?:\.\d{{1,2}})?)"
              rf"(?:\s*(?:{words})\b|\s*{symbols})?(?![\d./]|\s*-?\s*(?:{_UNIT})\b)")
    return [
        ("between", re.compile(rf"\bbetween\s+{number}\s+(?:and|to|-)\s+{number}", re.I)),
        ("range", re.compile(rf"(?<![\w./]){number}\s*(?:-|to)\s*{number}", re.I)),
        ("max", re.compile(rf"\b(?:under|below|less than|cheaper than|at most|max(?:imum)?|no more than|up to|within)"
                           rf"\s+{number}", re.I)),
        ("min", re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?)\s+{number}", re.I)),
    ]


_BRAND = re.compile(r"\b(?:(?:from|by)\s+)?(store brand|private label|brand\s+\d+)\b", re.I)
_FILLER = re.compile(
    r"\b(what (?:else )?(?:do|should|would|can) (?:i|we) (?:need|buy|get|use)(?: for)?|"
    r"what (?:can|could|should|shall) (?:i|we) (?:make|cook|serve|bring)(?: for| with)?|"
    r"(?:ingredients|stuff|things|supplies|everything)(?: (?:for|to make))?|i want|i need|"
    r"^\s*(?:need|want|get me)(?= )|i'm looking for|im looking for|looking for|show me|find me|find|"
    r"do you have|search for|search|please|^\s*(?:you )?got(?= (?:any|some)\b)|some|any)\b",
    re.I,
)
# How a shopper asks, not what for: "do you sell shoes?", "we ran out of milk", "have you got any
# coats I could see?", "are your eggs free range?". Left in, they were echoed as the thing looked
# for ("I don't think we have “do you sell shoes”") and pulled the search towards their own words.
# Joining words left at the end once what followed them was read as a constraint.
_DANGLING = re.compile(r"(?:\s+(?:with|and|or|but|of|for|in|to))+$", re.I)
# A greeting before the question ("Good afternoon, I would like ...", "hey do you have ..."), not
# one inside a name ("hello kitty stickers").
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|hiya|howdy|(?:good )?(?:morning|afternoon|evening)|good day|"
    r"ok(?:ay)?|alright|all right|right|so|well|hmm+|um+|erm)(?: there)?"
    r"(?:\s*[,!.]+|\s+(?=(?:i|we|do|does|can|could|have|got|any|is|are|what|where|please)\b))", re.I)
_ASKING = re.compile(
    r"\b(?:(?:do|does|did) (?:you|u|ya|you guys|this shop|this store|your shop|your store|the shop|the store) "
    r"(?:sell|carry|stock|have|do|offer)|(?:have|has) (?:you|u) got|(?:is|are) there|"
    r"(?:where )?(?:can|could|do) (?:i|we) (?:buy|get|order|find)|(?:any )?chance (?:you|u) (?:sell|carry|stock|have)|"
    r"(?:i'?m|i am|we'?re|we are) (?:all |completely )?out of|(?:i|we)(?:'ve| have)? (?:ran|run) out of|"
    r"(?:i|we) (?:could|can) see|in stock|for sale|(?:here|from you)(?=\s*[?!.]*$)|^\s*(?:and )?(?:what|how) about|"
    r"^\s*(?:are|is) (?:all (?:of )?)?(?:your|the|these|those|they|this|that|it)\b|"
    r"\b(?:(?:any|some|all|which|none|each|one|either) )?of (?:them|these|those|the above)\b|"
    # what the shopper is doing, before the occasion: "I'm throwing a birthday party"
    r"\b(?:i'?m|i am|we'?re|we are) (?:throwing|having|hosting|planning|organi[sz]ing|cooking|making)\b|"
    # polite lead-ins: "I would like to buy some tea bags please"
    r"\b(?:i|we)(?: would|'d)? like to (?:buy|get|order|have|find|see)\b|\b(?:i|we)(?: would|'d) like\b|"
    r"\b(?:i|we) wish to (?:buy|get|order)\b|\b(?:may|could|can) (?:i|we) (?:please )?have\b|"
    # what it is for, after the thing: "crackers to go with it", "a wine that goes with that"
    r"\b(?:to go|(?:that|which) goes?|to have|to serve|to eat) (?:well |nicely )?with "
    r"(?:it|that|this|them|those|these)\b|"
    # asking the shop's advice: "can you recommend a good red wine", "any ideas for a bbq"
    r"\b(?:(?:can|could|would) (?:you|u) (?:please )?(?:recommend|suggest)|(?:what|which) (?:do|would) (?:you|u) "
    r"(?:recommend|suggest)|(?:recommend|suggest) me)\b(?: for\b)?|\b(?:ideas?|suggestions?|inspiration) (?:for|on)\b)",
    re.I,
)
# Words stand for a number only before big units: "a gallon of milk" is a size, "a pack of gum" is not.
_WORD_AMOUNT = {"a": 1.0, "an": 1.0, "one": 1.0, "half a": 0.5, "half": 0.5}
_SIZE = re.compile(
    rf"(?<![\w.$])(\d*\.?\d+)\s*-?\s*({_UNIT})\b(?:\s+of\b)?"
    rf"|\b(half a|half|an|a|one)\s+(gallon|quart|pint|pound|liter|litre)\b(?:\s+of\b)?",
    re.I,
)
SIZE_TOLERANCE = 0.05  # "16 oz" also finds 15.9 oz and 16.5 oz, not 18 oz


@dataclass(frozen=True)
class Size:
    value: float  # in the canonical unit
    unit: str  # oz, ml, ct, pk or sqft
    label: str = field(default="", compare=False)  # as written, for replies: "1 gallon"

    def __str__(self) -> str:
        return self.label or f"{self.value:g} {self.unit}"


def _size_of(match: re.Match[str]) -> Size:
    number, unit, word, word_unit = match.groups()
    amount = float(number) if number is not None else _WORD_AMOUNT[word.lower()]
    canonical, factor = UNITS[(unit or word_unit).lower()]
    label = f"{amount:g} {(unit or word_unit).lower()}"
    return Size(round(amount * factor, 4), canonical, label)


def parse_size(text: object) -> Size | None:
    """The first package size in a text: '64 OZ' -> 64 oz, 'a gallon' -> 128 oz; None if none.
    A bare unit, as catalogs sometimes write ("GAL"), is one of it."""
    if not isinstance(text, str):
        return None
    match = _SIZE.search(text)
    if match:
        return _size_of(match)
    bare = text.strip().lower()
    return Size(UNITS[bare][1], UNITS[bare][0], f"1 {bare}") if bare in UNITS else None


# An exclusion the shopper states: "chips but not potato chips", "crackers except cheese crackers",
# "cookies without chocolate", "frozen pizza not premium". A bare "not" / "no" only after a word,
# so that "no, ..." answering the bot is not one.
_EXCLUDE = re.compile(r"(?:\b(?:but not|but no|except(?: for)?|other than|apart from|without)|(?<=\w )(?:not|no))"
                      r"\s+(?:any\s+|the\s+)?"
                      r"([a-z][a-z' -]*?)\s*(?=$|[,.;!?]|\s+(?:and|or|under|over|below|above|for)\b)", re.I)


# Words that stand for "a product" without naming one: "something under $5", "anything vegan?",
# "any organic options". A text of only these (and "a", "some") asks for no product in particular.
_PLACEHOLDERS = frozenset({"a", "an", "the", "some", "any", "something", "anything", "stuff", "thing", "things",
                           "product", "products", "item", "items", "option", "options", "suggestion",
                           "suggestions", "idea", "ideas", "whatever", "else"})


def names_nothing(text: str) -> bool:
    """Whether the text names no product: empty, or only placeholder words ("something")."""
    return all(word in _PLACEHOLDERS for word in re.findall(r"[a-z]+", text.lower()))


@dataclass(frozen=True)
class QueryConstraints:
    text: str
    min_price: float | None = None
    max_price: float | None = None
    brand: str | None = None
    size: Size | None = None
    color: str | None = None
    sort: str | None = None                 # "price" (cheapest first) or "unit_price" (best value first)
    exclude: tuple[str, ...] = ()           # phrases the shopper ruled out ("potato chips")
    attributes: tuple[str, ...] = ()        # attribute words named ("gluten free"), still in `text`
    allergens: tuple[str, ...] = ()         # "allergic to nuts": nuts, said in `text` as "without nuts"


def _cut(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def attributes_in(text: str, attributes: Mapping[str, re.Pattern[str]]) -> tuple[str, ...]:
    """The configured attribute words the text uses, in the configuration's order."""
    return tuple(name for name, pattern in attributes.items() if pattern.search(text))


def without(text: str, patterns: Iterable[re.Pattern[str]]) -> str:
    """The text with every match of `patterns` taken out: what is left to search for."""
    for pattern in patterns:
        text = pattern.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" ,.-")


# An allergy or intolerance says what the products must be without: "I'm allergic to nuts, any
# snacks?" and "nut allergy snacks" are read as "snacks without nuts", which the attribute words
# turn into "nut free" (filtered where the catalog shows it, said as unchecked where not) and other
# allergens into an exclusion ("egg allergy cake mix": no product named with egg), never a search for them.
_ALLERGENS = r"(?:tree )?nuts?|peanuts?|dairy|milk|lactose|gluten|wheat|eggs?|soy|sesame|shellfish|fish"
_ALLERGY = re.compile(rf"\b(?:(?:i'?m|i am|we'?re|we are|(?:my |our )?\w+ (?:is|are)) )?(?:allergic|intolerant) to "
                      rf"(?:the )?({_ALLERGENS})\b|\b(?:(?:has|have) an? )?({_ALLERGENS}) "
                      r"(?:allergy|allergies|intolerance|intolerant)\b", re.I)


def _without_allergens(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with its allergies said as "without X" at the end, and the allergens."""
    allergens = tuple(dict.fromkeys((m.group(1) or m.group(2)).lower() for m in _ALLERGY.finditer(text)))
    if not allergens:
        return text, ()
    rest = re.sub(r"\s+", " ", _ALLERGY.sub(" ", text)).strip(" ,.?!")
    return " ".join([rest, *(f"without {a}" for a in allergens)]).strip(), allergens


# Food a shopper says they do not eat is what the products must be without, as an allergy is but
# with no label warning: "I don't eat pork, what can I make for dinner?" is dinner without pork,
# never a search for pork.
_THEN = r"(?:and|so|but|or|any|anything|what|can|could|please)\b"   # what may follow the food
_AVOIDED = re.compile(rf"\b(?:i|we|he|she|they|(?:my|our) \w+)\s+(?:don'?t|do not|doesn'?t|does not|can'?t|cannot|"
                      rf"never|no longer)\s+(?:eat|drink|have|touch)\s+(?:any\s+)?([a-z]+(?: (?!{_THEN})[a-z]+)?)"
                      rf"(?=\s*(?:[,.;!?]|$|\s+{_THEN}))", re.I)


def _without_avoided(text: str) -> str:
    """The text with the food the shopper does not eat said as "without X" at the end."""
    avoided = [m.group(1).lower() for m in _AVOIDED.finditer(text)]
    if not avoided:
        return text
    rest = re.sub(r"^(?:and|so|but)\s+", "", re.sub(r"\s+", " ", _AVOIDED.sub(" ", text)).strip(" ,.?!"))
    return " ".join([rest, *(f"without {a}" for a in avoided)]).strip()


def parse_query(query: str, colors: frozenset[str] = frozenset(),
                attributes: Mapping[str, re.Pattern[str]] | None = None,
                currency: Currency = Currency()) -> QueryConstraints:
    text, allergens = _without_allergens(_without_avoided(query))
    min_price = max_price = None
    for kind, pattern in price_patterns(currency):
        match = pattern.search(text)
        if not match:
            continue
        values = [float(g) for g in match.groups() if g is not None]
        if kind in ("between", "range") and len(values) == 2 and values[0] == values[1]:
            continue   # "3-3" is a model number or a size, not a price range with no width
        if kind in ("between", "range") and len(values) == 2:
            min_price, max_price = sorted(values)
        elif kind == "max":
            max_price = values[0]
        elif kind == "min":
            min_price = values[0]
        text = _cut(text, match)
    brand = None
    brand_match = _BRAND.search(text)
    if brand_match:
        raw = brand_match.group(1).lower()
        brand = "Store brand" if raw in ("store brand", "private label") else "Brand " + raw.split()[-1]
        text = _cut(text, brand_match)
    size = None
    size_match = _SIZE.search(text)
    if size_match:
        size = _size_of(size_match)
        text = _cut(text, size_match)
    color = None
    if colors:
        color_match = re.search(
            r"\b(" + "|".join(map(re.escape, sorted(colors, key=len, reverse=True))) + r")\b", text, re.I
        )
        if color_match:
            color = color_match.group(1).lower()
            text = _cut(text, color_match)
    # Price words order the matches instead of bounding them: "cheap cereal" wants the cheapest
    # cereals first, "best value paper towels" the lowest price per unit.
    sort = None
    order = price_order(text)
    if order:
        sort, text = order[0], _cut(text, order[1])
    # "without sugar" is the attribute "sugar free" (its pattern holds the "without"): a filter, not
    # an exclusion. "but not decaf" rules decaf out.
    patterns = (attributes or {}).values()
    ruled_out = [m for m in _EXCLUDE.finditer(text)
                 if not any(p.search(m.group(0)) and not p.search(m.group(1)) for p in patterns)]
    exclude = tuple(m.group(1).strip().lower() for m in ruled_out)
    for m in reversed(ruled_out):
        text = _cut(text, m)
    text = _ASKING.sub(" ", _FILLER.sub(" ", _GREETING.sub("", text).lstrip()))
    text = re.sub(r"\s+", " ", re.sub(r"[?!.,]+$", "", text.strip())).strip(" ,.")
    text = _DANGLING.sub("", text)   # "greek yogurt with" once "no sugar" is read as an attribute
    text = "" if names_nothing(text) else text
    return QueryConstraints(text=text, min_price=min_price, max_price=max_price, brand=brand, size=size, color=color,
                            sort=sort, exclude=exclude, attributes=attributes_in(text, attributes or {}),
                            allergens=allergens)
