"""Product image placeholders (the demo catalog has no photos): an SVG tile per product."""
from __future__ import annotations

import hashlib
from html import escape

_PALETTE = ["#2f6f4f", "#a4442b", "#35618f", "#8a5a12", "#6b3f8f", "#2b7a83", "#8f2f55", "#4f6b2f"]


_TEXT = 'font-family="sans-serif" fill="#fff" text-anchor="middle"'


def placeholder_svg(product: dict) -> str:
    department = str(product.get("department") or "Shop")
    colour = _PALETTE[int(hashlib.md5(department.encode()).hexdigest(), 16) % len(_PALETTE)]
    title = str(product.get("title", "")).split(",")[0]
    initials = "".join(w[0] for w in title.replace("/", " ").split()[:2]).upper() or "?"
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240">'
        f'<rect width="320" height="240" fill="{colour}"/>'
        f'<text x="160" y="130" {_TEXT} font-size="72">{escape(initials)}</text>'
        f'<text x="160" y="200" {_TEXT} font-size="18">{escape(title[:30])}</text>'
        "</svg>"
    )
