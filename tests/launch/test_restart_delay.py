"""The cluster supervisor's backoff for replicas that keep dying."""
from launch.services import restart_delay


def test_a_replica_that_ran_a_while_starts_again_at_once():
    assert restart_delay(lived_s=3600, quick_deaths=0) == (0, 0)
    assert restart_delay(lived_s=3600, quick_deaths=5) == (0, 0)   # a long run forgets earlier trouble


def test_one_that_keeps_dying_waits_longer_each_time_up_to_the_cap():
    delays, deaths = [], 0
    for _ in range(8):
        delay, deaths = restart_delay(lived_s=2, quick_deaths=deaths)
        delays.append(delay)
    assert delays == [1, 3, 7, 15, 31, 60, 60, 60]
