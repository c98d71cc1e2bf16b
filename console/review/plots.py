"""The analytics page's plots, drawn with matplotlib from `queries.analytics` (PNG bytes)."""
from __future__ import annotations

import base64
import io
from typing import Any, Callable

from matplotlib.figure import Figure  # not pyplot: its global state is not safe in worker threads
from matplotlib.ticker import MaxNLocator

RATES = (("fallback_rate", "fallback"), ("handoff_rate", "handoff"),
         ("recommendation_click_through", "card clicked, of those\nshown suggestions"),
         ("recommendation_add_to_cart", "suggestion added to cart,\nof those shown suggestions"),
         ("coupon_acceptance", "coupon applied, of those\noffered one"))


def _per_day(ax: Any, a: dict[str, Any]) -> None:
    days = [d["day"] for d in a["per_day"]]
    ax.bar(days, [d["conversations"] for d in a["per_day"]], color="#4c78a8", label="conversations")
    ax.plot(days, [d["fallbacks"] for d in a["per_day"]], "o-", color="#e45756", label="with a fallback")
    ax.plot(days, [d["handoffs"] for d in a["per_day"]], "s-", color="#f58518", label="handed to a person")
    ax.set_title("Conversations per day (UTC)")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", fontsize=8)
    ax.tick_params(axis="x", rotation=45, labelsize=7)


def _rates(ax: Any, a: dict[str, Any]) -> None:
    labels = [label for _, label in RATES]
    values = [a[key] or 0.0 for key, _ in RATES]
    bars = ax.barh(labels, values, color=["#e45756", "#f58518", "#54a24b", "#54a24b", "#b279a2"])
    for bar, (key, _) in zip(bars, RATES):
        shown = "n/a" if a[key] is None else f"{a[key]:.0%}"
        ax.text(bar.get_width() + 0.01, bar.get_y() + bar.get_height() / 2, shown, va="center", fontsize=8)
    ax.set_xlim(0, 1.1)
    ax.invert_yaxis()
    ax.set_title(f"Share of conversations ({a['conversations']} in all)")
    ax.tick_params(axis="y", labelsize=7)


def _intents(ax: Any, a: dict[str, Any]) -> None:
    top = a["top_intents"]
    ax.barh([t["intent"] for t in top], [t["conversations"] for t in top], color="#4c78a8")
    ax.invert_yaxis()
    ax.set_title("Top intents (conversations using each)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


PLOTS: dict[str, Callable[[Any, dict[str, Any]], None]] = {"per_day": _per_day, "rates": _rates, "intents": _intents}


def render(name: str, analytics: dict[str, Any]) -> bytes:
    fig = Figure(figsize=(6.4, 3.6), dpi=100)
    PLOTS[name](fig.subplots(), analytics)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def data_urls(analytics: dict[str, Any]) -> dict[str, str]:
    """Every plot as a data: URL, so a page shows them from the one analytics answer."""
    return {name: "data:image/png;base64," + base64.b64encode(render(name, analytics)).decode() for name in PLOTS}
