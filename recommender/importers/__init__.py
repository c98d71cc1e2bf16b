"""Importers: each turns one source format into a validated `Dataset`."""
from __future__ import annotations

from ..catalog import DataError, Dataset
from ..config import Settings


def load_dataset(settings: Settings) -> Dataset:
    """The dataset named by the configuration's `source`."""
    if settings.source == "completejourney":
        from .completejourney import load_completejourney
        return load_completejourney(settings.cj_min_baskets, settings.cj_coupon_year_shift)
    if settings.source == "generic" and settings.generic_order_lines is not None:
        from .order_lines import LineRules, load_order_lines
        if settings.generic_catalog is not None or settings.generic_interactions is not None:
            raise DataError("recommender.generic: give either order_lines (one export) or catalog and "
                            "interactions (two tables), not both")
        rules = LineRules(settings.generic_not_products, settings.generic_cancelled_baskets)
        return load_order_lines(settings.generic_order_lines, settings.generic_columns,
                                settings.generic_timestamp_format, rules, settings.generic_sheet)
    if settings.source == "generic":
        from .generic import load_generic
        if settings.generic_catalog is None or settings.generic_interactions is None:
            raise DataError("source 'generic' needs recommender.generic.order_lines, or .catalog and .interactions")
        return load_generic(settings.generic_catalog, settings.generic_interactions, settings.generic_timestamp_format,
                            settings.generic_columns, settings.generic_sheet)
    raise DataError(f"unknown recommender.source {settings.source!r}: use 'completejourney' or 'generic'")
