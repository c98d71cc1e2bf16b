"""What the shopper sees: product cards (carousel), quick replies, and a plain-text fallback.

Cards use the generic-template attachment that web widgets such as rasa-webchat render as a
carousel; the text part lists the same products so text-only channels (rasa shell, SMS) lose
nothing.
"""
from __future__ import annotations

import json

from .cart_lines import cart_total
from .config import settings


def money(value: float) -> str:
    """An amount in the shop's currency (cartwise.yml's `currency:`)."""
    return settings().currency.format(value)


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities)}" if entities else f"/{intent}"


def product_line(position: int, product: dict) -> str:
    parts = [f"{position}. {product['title']} ({product.get('brand', '')}) - {money(product['price'])}"]
    if product.get("reason"):
        parts.append(f" - {product['reason']}")
    if product.get("coupons"):
        parts.append(f" [coupon: {', '.join(product['coupons'])}]")
    return "".join(parts)


def products_text(intro: str, products: list[dict]) -> str:
    return "\n".join([intro] + [product_line(i, p) for i, p in enumerate(products, start=1)])


def card(product: dict) -> dict:
    subtitle = [money(product["price"]), product.get("brand", "")]
    if product.get("size"):
        subtitle.append(product["size"])
    if product.get("reason"):
        subtitle.append(product["reason"])
    if product.get("coupons"):
        subtitle.append("Coupon: " + ", ".join(product["coupons"]))
    return {
        "title": product["title"],
        "subtitle": " · ".join(s for s in subtitle if s),
        "image_url": product.get("image_url", ""),
        "product_id": str(product["id"]),
        "price": product["price"],
        "reason": product.get("reason", ""),
        "buttons": [
            {
                "title": "Add to cart",
                "type": "postback",
                "payload": payload("add_to_cart", product_id=str(product["id"])),
            },
            {
                "title": "More like this",
                "type": "postback",
                "payload": payload("more_like_this", product_id=str(product["id"])),
            },
        ],
    }


def carousel(products: list[dict]) -> dict:
    return {"type": "template", "payload": {"template_type": "generic", "elements": [card(p) for p in products]}}


def shown_record(products: list[dict]) -> dict:
    """Bot-message metadata saying which products and coupons a reply showed (read by the review console)."""
    record: dict = {"shown": [str(p["id"]) for p in products]}
    codes = sorted({code for p in products for code in p.get("coupons") or []})
    if codes:
        record["coupons_offered"] = codes
    return record


def buttons(*pairs: tuple[str, str]) -> list[dict]:
    return [{"title": title, "payload": value} for title, value in pairs]


def product_details(product: dict) -> str:
    stock = product.get("stock", -1)
    if stock == 0:
        availability = "out of stock"
    elif stock < 0:
        availability = "in stock"
    elif stock <= 5:
        availability = f"in stock, only {stock} left"
    else:
        availability = "in stock"
    size = f", size {product['size']}" if product.get("size") else ""
    return (
        f"{product['title']} by {product.get('brand', 'unknown brand')}: {money(product['price'])}{size}, "
        f"{availability}. Aisle: {product.get('category', '')} ({product.get('department', '')})."
    )


def attribute_notes(product: dict, asked: list[dict]) -> str:
    """" Marked vegan." / " Not marked organic." for the asked attributes the shop marks at all."""
    marked = set(product.get("marked") or [])
    return "".join(f" {'Marked' if a['attribute'] in marked else 'Not marked'} {a['attribute']}."
                   for a in asked if a["shop_marks_it"])


def cannot_tell(asked: list[dict], products: int) -> str | None:
    """The asked attributes no product in the shop is marked with: not being marked says nothing."""
    unknown = [a["attribute"] for a in asked if not a["shop_marks_it"]]
    if not unknown:
        return None
    which = " or ".join(unknown)
    return (f"I can't tell if {'it is' if products == 1 else 'they are'} {which}: no product in this shop is "
            f"marked {which}, so please check the label.")


def not_in_the_record(words: list[str]) -> str | None:
    """What a product question asked that no product record holds ("how many calories ..."): said,
    so the price and size given are not taken for the answer."""
    if not words:
        return None
    return (f"I can't tell you about “{' '.join(words)}”: all this shop lists for a product is its name, type, "
            "brand, price, size, stock and a short description, so please check the label or ask a person.")


def comparison(a: dict, b: dict) -> str:
    lines = [
        f"{a['title']} ({a.get('brand', '')}) vs {b['title']} ({b.get('brand', '')}):",
        f"- price: {money(a['price'])} vs {money(b['price'])}",
        f"- size: {a.get('size') or 'n/a'} vs {b.get('size') or 'n/a'}",
        f"- in stock: {'yes' if a.get('stock', -1) != 0 else 'no'} vs {'yes' if b.get('stock', -1) != 0 else 'no'}",
    ]
    if a["price"] != b["price"]:
        cheaper = a if a["price"] < b["price"] else b
        lines.append(
            f"The {cheaper['title'].split(',')[0].lower()} by {cheaper.get('brand', '')} is cheaper "
            f"by {money(abs(a['price'] - b['price']))}."
        )
    else:
        lines.append("They cost the same.")
    return "\n".join(lines)


def cart_sync(cart: list[dict]) -> dict:
    """The cart after the bot changed it, for the shop page to mirror (so page and bot never disagree).

    A custom message: Rasa's socket.io channel emits `data` as the bot message itself, so a widget
    shows the text, and rasa-webchat hands `metadata` to the page's `bot_uttered` listener.
    """
    items = sum(line["qty"] for line in cart)
    text = (
        f"Your cart: {items} item{'s' if items != 1 else ''}, {money(cart_total(cart))}."
        if cart
        else "Your cart is empty."
    )
    return {"data": {"text": text, "metadata": {"cart": cart}}}


def cart_summary(cart: list[dict], total: float) -> str:
    if not cart:
        return "Your cart is empty."
    lines = [
        f"- {line['qty']} x {line.get('title') or line['id']} ({money(line.get('price', 0.0))} each)" for line in cart
    ]
    return "\n".join(["In your cart:"] + lines + [f"Total: {money(total)}"])


def unreadable_lines(what: list[str], rest: bool) -> str:
    """What the bot left out of the cart, so a line the page sent never vanishes without a word."""
    items = "an item" if len(what) == 1 else f"{len(what)} items"
    listed = "; ".join(what[:5]) + ("; ..." if len(what) > 5 else "")
    return f"I couldn't use {items} from your cart: {listed}." + (" I've gone on with the rest." if rest else "")
