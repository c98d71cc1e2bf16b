"""The action server's Prometheus metrics (served at /metrics by `actions.server`).

Module-level, the Prometheus client's convention: one action server process, one set of counters.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from telemetry.http import LATENCY_BUCKETS

REGISTRY = CollectorRegistry()
RUN_SECONDS = Histogram("actions_run_seconds", "Time to run one custom action, by action", ["action"],
                        registry=REGISTRY, buckets=LATENCY_BUCKETS)
RUNS = Counter("actions_runs_total", "Custom action calls by action and HTTP status", ["action", "status"],
               registry=REGISTRY)
FALLBACKS = Counter("actions_fallbacks_total", "Messages the bot did not understand (action_fallback runs)",
                    registry=REGISTRY)
FALLBACKS_CLARIFIED = Counter("actions_fallbacks_clarified_total",
                              "Misunderstood messages answered with 'Did you mean ...?' buttons", registry=REGISTRY)
HANDOFFS = Counter("actions_handoffs_total", "Requests for a person, by outcome (queued, no_agents, console_down)",
                   ["outcome"], registry=REGISTRY)
RECOMMENDATIONS = Counter("actions_recommendations_shown_total", "Products shown to shoppers, by action",
                          ["action"], registry=REGISTRY)
DEGRADED = Counter("actions_degraded_replies_total", "Replies made without the recommender (down or slow)",
                   ["action"], registry=REGISTRY)
