"""Per-sender rate limiting (pure): a token bucket for each conversation id.

A burst of `burst` messages is allowed, then `per_second` more each second. Buckets of senders who
have been quiet long enough to be full again are dropped, so memory stays bounded by the number of
senders active in the last few seconds.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    burst: float = 15.0
    per_second: float = 2.0
    max_senders: int = 100_000
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)   # sender -> (tokens, at)

    def allow(self, sender: str, now: float) -> bool:
        tokens, at = self._buckets.get(sender, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.per_second)
        allowed = tokens >= 1.0
        self._buckets[sender] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self.max_senders:
            self._forget_full(now)
        return allowed

    def _forget_full(self, now: float) -> None:
        refill_s = self.burst / self.per_second
        self._buckets = {s: (t, at) for s, (t, at) in self._buckets.items() if now - at < refill_s}
