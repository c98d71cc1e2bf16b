"""Coupons: rules loaded from data (shop/data/coupons.yml), evaluated by pure functions.

A coupon has a discount (percent or fixed amount), what it applies to (the whole cart or only
the matching items), conditions (minimum subtotal, which items must be in the cart), validity
dates and usage limits. `evaluate` answers one question — can this cart use this code today, and
what does it save — with a status a shopper can be told.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from cartwise.money import Currency

log = logging.getLogger(__name__)

Status = Literal["valid", "unknown", "expired", "not_yet_valid", "not_applicable", "already_used", "exhausted"]


@dataclass(frozen=True)
class ItemFilter:
    departments: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    brands: frozenset[str] = frozenset()
    product_ids: frozenset[str] = frozenset()

    @property
    def any_item(self) -> bool:
        return not (self.departments or self.categories or self.brands or self.product_ids)

    def matches(self, product: dict) -> bool:
        if self.any_item:
            return True
        return (product.get("department", "").lower() in self.departments
                or product.get("category", "").lower() in self.categories
                or product.get("brand", "").lower() in self.brands
                or str(product.get("id")) in self.product_ids)


@dataclass(frozen=True)
class Coupon:
    code: str
    description: str
    percent: float = 0.0
    amount: float = 0.0
    applies_to: Literal["cart", "matching"] = "cart"
    items: ItemFilter = field(default_factory=ItemFilter)
    min_subtotal: float = 0.0
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    max_uses_per_shopper: int | None = None
    max_uses_total: int | None = None


@dataclass(frozen=True)
class CartLine:
    product: dict          # id, title, price, department, category, brand
    qty: int


@dataclass(frozen=True)
class CouponResult:
    code: str
    status: Status
    message: str
    saving: float = 0.0
    description: str = ""
    shortfall: float = 0.0                  # how much more to spend to qualify, when that is the gap
    matching_ids: tuple[str, ...] = ()


class CouponFileError(ValueError):
    pass


def _date(value: object, code: str, key: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CouponFileError(f"coupon {code}: {key} {value!r} is not a YYYY-MM-DD date") from exc


def _lowered(values: object) -> frozenset[str]:
    return frozenset(str(v).lower() for v in (values or []))


def parse_coupons(raw: dict) -> dict[str, Coupon]:
    """Coupon rules keyed by upper-case code; raises CouponFileError naming the bad entry."""
    coupons: dict[str, Coupon] = {}
    for i, entry in enumerate((raw or {}).get("coupons", [])):
        code = str(entry.get("code", "")).strip().upper()
        if not code:
            raise CouponFileError(f"coupon #{i + 1} has no code")
        discount = entry.get("discount") or {}
        percent, amount = float(discount.get("percent", 0)), float(discount.get("amount", 0))
        if (percent <= 0) == (amount <= 0) or percent > 100:
            raise CouponFileError(f"coupon {code}: discount needs exactly one of percent (0-100] or amount > 0")
        conditions = entry.get("conditions") or {}
        items = conditions.get("items") or {}
        coupons[code] = Coupon(
            code=code,
            description=str(entry.get("description", "")),
            percent=percent, amount=amount,
            applies_to=entry.get("applies_to", "cart"),
            items=ItemFilter(_lowered(items.get("departments")), _lowered(items.get("categories")),
                             _lowered(items.get("brands")), frozenset(str(p) for p in items.get("product_ids", []))),
            min_subtotal=float(conditions.get("min_subtotal", 0)),
            valid_from=_date(entry.get("valid_from"), code, "valid_from"),
            valid_until=_date(entry.get("valid_until"), code, "valid_until"),
            max_uses_per_shopper=entry.get("max_uses_per_shopper"),
            max_uses_total=entry.get("max_uses_total"),
        )
        if coupons[code].applies_to not in ("cart", "matching"):
            raise CouponFileError(f"coupon {code}: applies_to must be 'cart' or 'matching'")
    return coupons


def load_coupons(path: Path, source: str) -> dict[str, Coupon]:
    """The coupon file's rules. A file written for one data source (`for_source:` at its top, as
    the demo's) is skipped for any other: its dollar amounts and product groups are that shop's."""
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CouponFileError(f"{path}: {exc}") from exc
    if raw.get("for_source") not in (None, source):
        log.info("%s is for the %s source, not %s: its coupons are not offered", path, raw["for_source"], source)
        return {}
    return parse_coupons(raw)


def _amount(lines: list[CartLine]) -> float:
    return sum(line.product["price"] * line.qty for line in lines)


def subtotal(lines: list[CartLine]) -> float:
    return round(_amount(lines), 2)


def evaluate(coupon: Coupon | None, code: str, cart: list[CartLine], today: dt.date,
             uses_by_shopper: int = 0, uses_total: int = 0, currency: Currency = Currency()) -> CouponResult:
    money = currency.format
    code = code.strip().upper()
    if coupon is None:
        return CouponResult(code, "unknown", f"I don't know the code {code}. Please check the spelling.")
    if coupon.valid_until and today > coupon.valid_until:
        return CouponResult(code, "expired", f"{code} expired on {coupon.valid_until:%B %d, %Y}.",
                            description=coupon.description)
    if coupon.valid_from and today < coupon.valid_from:
        return CouponResult(code, "not_yet_valid", f"{code} can be used from {coupon.valid_from:%B %d, %Y}.",
                            description=coupon.description)
    if coupon.max_uses_per_shopper is not None and uses_by_shopper >= coupon.max_uses_per_shopper:
        return CouponResult(code, "already_used", f"You have already used {code}.", description=coupon.description)
    if coupon.max_uses_total is not None and uses_total >= coupon.max_uses_total:
        return CouponResult(code, "exhausted", f"{code} has been fully redeemed.", description=coupon.description)
    matching = [line for line in cart if coupon.items.matches(line.product)]
    total = _amount(cart)
    if not matching:
        return CouponResult(code, "not_applicable",
                            f"{code} needs {_item_rule(coupon)} in your cart.", description=coupon.description)
    if total < coupon.min_subtotal:
        gap = round(coupon.min_subtotal - total, 2)
        return CouponResult(code, "not_applicable",
                            f"{code} needs a cart of at least {money(coupon.min_subtotal)}; add {money(gap)} more.",
                            description=coupon.description, shortfall=gap)
    base = total if coupon.applies_to == "cart" else _amount(matching)
    saving = round(min(base, base * coupon.percent / 100 if coupon.percent else coupon.amount), 2)
    return CouponResult(code, "valid", f"{code} saves you {money(saving)} ({coupon.description}).",
                        saving=saving, description=coupon.description,
                        matching_ids=tuple(str(l.product["id"]) for l in matching))


def _item_rule(coupon: Coupon) -> str:
    names = sorted(coupon.items.categories | coupon.items.departments | coupon.items.brands)
    if names:
        return "an item from " + " or ".join(n.title() for n in names)
    return "a qualifying item"


def coupons_for_items(coupons: dict[str, Coupon], products: list[dict], today: dt.date) -> dict[str, list[str]]:
    """Codes (currently valid, item-specific) that would apply to each of these products."""
    out: dict[str, list[str]] = {}
    for coupon in coupons.values():
        live = ((not coupon.valid_from or coupon.valid_from <= today)
                and (not coupon.valid_until or today <= coupon.valid_until))
        if not live or coupon.items.any_item:
            continue
        for product in products:
            if coupon.items.matches(product):
                out.setdefault(str(product["id"]), []).append(coupon.code)
    return out
