"""Offline evaluation of the recommender.

- `completion`: the quick basket-completion check every build writes into its manifest.
- `python -m recommender.evaluation`: the full harness on real data (next-basket, basket
  completion, content search; every method side by side; weights tuned on a validation split),
  writing a markdown report with plots.
"""
from .completion import build_metrics

__all__ = ["build_metrics"]
