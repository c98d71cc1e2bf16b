"""Request bodies of the HTTP API. Unknown fields and wrong types are rejected with a clear 400."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

from ..query_parser import parse_size


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CartItem(_Body):
    id: StrictStr = Field(min_length=1, max_length=64)
    qty: StrictInt = Field(default=1, ge=1, le=999)


class Filters(_Body):
    min_price: float | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0)
    brand: StrictStr | None = None
    exclude_brands: list[StrictStr] = Field(default_factory=list, max_length=200)
    exclude_ids: list[StrictStr] = Field(default_factory=list, max_length=1000)
    department: StrictStr | None = None
    categories: list[StrictStr] = Field(default_factory=list, max_length=200)
    size: StrictStr | None = Field(default=None, description="a package size such as '16 oz'")
    color: StrictStr | None = None
    in_stock_only: StrictBool = True

    @field_validator("size")
    @classmethod
    def _a_size(cls, value: str | None) -> str | None:
        if value is not None and parse_size(value) is None:
            raise ValueError("size must be a number and a unit, e.g. '16 oz', '1 gal', '12 ct'")
        return value


class SearchRequest(_Body):
    query: StrictStr = Field(min_length=1)
    k: StrictInt = Field(default=5, ge=1)
    offset: StrictInt = Field(default=0, ge=0, le=10_000)
    filters: Filters = Field(default_factory=Filters)

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query is blank")
        return value


class SimilarRequest(_Body):
    product_id: StrictStr = Field(min_length=1)
    k: StrictInt = Field(default=5, ge=1)


class SizesRequest(_Body):
    product_id: StrictStr = Field(min_length=1)
    k: StrictInt = Field(default=5, ge=1)
    direction: Literal["bigger", "smaller", "other"] = "other"


class CartRequest(_Body):
    cart: list[CartItem]
    k: StrictInt = Field(default=5, ge=1)
    shopper_id: StrictStr | None = None


class BuyAgainRequest(_Body):
    shopper_id: StrictStr = Field(min_length=1, max_length=200)
    k: StrictInt = Field(default=10, ge=1)
    cart: list[CartItem] = Field(default_factory=list, description="items already in the cart, left out")


class BasketRequest(_Body):
    shopper_id: StrictStr = Field(min_length=1, max_length=200)
    basket_id: StrictStr = Field(min_length=1, max_length=64, description="the order number: a retry counts once")
    product_ids: list[StrictStr] = Field(min_length=1)


class ShopperRequest(_Body):
    shopper_id: StrictStr = Field(min_length=1, max_length=200)


class HistoryUseRequest(ShopperRequest):
    use: StrictBool


class CartTurnRequest(_Body):
    cart: list[CartItem]
    k: StrictInt = Field(default=5, ge=0, description="suggestions to complete the cart; 0 for none")
    shopper_id: StrictStr | None = None
    deals: StrictBool = Field(default=True, description="coupons the cart can use, and those of the suggestions")
    suggestion_ids: list[StrictStr] = Field(default_factory=list, max_length=200,
                                            description="products shown earlier whose coupon codes to include")


class ValidateCouponRequest(_Body):
    code: StrictStr = Field(min_length=1, max_length=40)
    cart: list[CartItem]
    shopper_id: StrictStr | None = None


class RedeemCouponRequest(ValidateCouponRequest):
    shopper_id: StrictStr = Field(min_length=1)
    order_id: StrictStr | None = None


class MentionsRequest(_Body):
    text: StrictStr = Field(min_length=1)


class LookupRequest(_Body):
    ids: list[StrictStr] = Field(max_length=200)
    question: StrictStr | None = Field(default=None, description="'is it vegan?': which attribute words it asks about")
