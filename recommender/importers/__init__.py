"""Importers: each turns one source format into a validated `Dataset`."""
from __future__ import annotations

from ..catalog import DataError, Dataset
from ..config import Settings


def load_dataset(settings: Settings) -> Dataset:
    """The dataset named by the configuration's `source`."""
    if settings.source == "completejourney":
        from .completejourney import load_completejourney
        return load_completejourney(settings.cj_min_baskets, settings.cj_coupon_year_shift)
    if settings.source == "generic":
        from .generic import load_generic
        if settings.generic_catalog is None or settings.generic_interactions is None:
            raise DataError("source 'generic' needs recommender.generic.catalog and .interactions")
        return load_generic(settings.generic_catalog, settings.generic_interactions, settings.generic_timestamp_format)
    raise DataError(f"unknown recommender.source {settings.source!r}: use 'completejourney' or 'generic'")
