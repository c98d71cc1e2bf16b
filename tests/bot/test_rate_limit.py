"""The per-sender token bucket behind the rate-limited channels (bot/rate_limit.py)."""
from bot.rate_limit import RateLimiter


def test_a_burst_then_the_steady_rate_per_sender():
    limiter = RateLimiter(burst=3, per_second=2)
    assert [limiter.allow("a", 0.0) for _ in range(5)] == [True, True, True, False, False]
    assert limiter.allow("b", 0.0)                       # another sender has its own bucket
    assert not limiter.allow("a", 0.2)                   # 0.4 of a token back: not yet
    assert limiter.allow("a", 0.5) and not limiter.allow("a", 0.5)
    assert [limiter.allow("a", 10.0) for _ in range(4)] == [True, True, True, False]   # refilled to the burst, no more


def test_memory_stays_bounded_by_recently_active_senders():
    limiter = RateLimiter(burst=2, per_second=1, max_senders=100)
    for i in range(1000):
        limiter.allow(f"s{i}", float(i))                 # one new sender a second: the old ones are full again
    assert len(limiter._buckets) <= 101
