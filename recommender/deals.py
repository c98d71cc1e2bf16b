"""Deals for a cart: the coupons it can use now, the ones it nearly qualifies for, and the codes
that would apply to products the bot suggests.

Pure: the coupon rules come from `coupons.py`, how often a code was redeemed comes in as a
function (the service reads it from its redemption store), today's date as a value.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from cartwise.money import Currency

from .coupons import CartLine, Coupon, CouponResult, coupons_for_items, evaluate

Uses = Callable[[str], "tuple[int, int]"]   # code -> (uses by this shopper, uses by everyone)


@dataclass(frozen=True)
class Deals:
    applicable: list[CouponResult]           # valid now, the largest saving first
    almost: list[CouponResult]               # not yet: the cart is short of a minimum spend
    for_suggestions: dict[str, list[str]]    # product id -> item-specific codes that would apply


def candidate_codes(coupons: dict[str, Coupon], lines: list[CartLine]) -> list[str]:
    """Codes that could apply at all: cart-wide ones and those matching an item in the cart."""
    products = [line.product for line in lines]
    return [code for code, c in coupons.items() if c.items.any_item or any(map(c.items.matches, products))]


def cart_deals(coupons: dict[str, Coupon], lines: list[CartLine], suggested: list[dict], today: dt.date,
               uses: Uses, currency: Currency = Currency()) -> Deals:
    applicable, almost = [], []
    for code in candidate_codes(coupons, lines):
        result = evaluate(coupons[code], code, lines, today, *uses(code), currency=currency)
        if result.status == "valid":
            applicable.append(result)
        elif result.status == "not_applicable" and result.shortfall > 0:
            almost.append(result)
    applicable.sort(key=lambda r: -r.saving)
    return Deals(applicable, almost, coupons_for_items(coupons, suggested, today))
