"""The Rasa server's Prometheus metrics, counted where each shopper message enters (bot/channels.py)
and served at /metrics by the `Telemetry` channel (`bot.channels.Telemetry`).

Module-level, the Prometheus client's convention: one Rasa process, one set of counters. Fallbacks,
handoffs and recommendations are counted by the action server, which runs those actions.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from telemetry.http import LATENCY_BUCKETS

REGISTRY = CollectorRegistry()
TURN_SECONDS = Histogram("rasa_turn_seconds", "From a shopper's message to the bot's last reply, by channel",
                         ["channel"], registry=REGISTRY, buckets=LATENCY_BUCKETS)
TURNS = Counter("rasa_turns_total", "Shopper messages by channel and outcome (answered, silent, rate_limited, "
                "sender_rejected, store_unavailable, action_failed)", ["channel", "outcome"], registry=REGISTRY)
