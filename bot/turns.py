"""What a finished turn says about itself: pure functions over a tracker's events (as dicts)."""
from __future__ import annotations

from typing import Iterable


def failed_action(events: list[dict], custom_actions: Iterable[str]) -> str | None:
    """The custom action of the latest turn that left no trace, or None.

    When Rasa cannot reach the action server it logs the action as executed and drops its events,
    so the failed action is followed directly by the next action. Every Cartwise action returns at
    least one event or message, so a custom action with nothing after it did not run.
    """
    custom = set(custom_actions)
    start = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    turn = events[start + 1:]
    for i, event in enumerate(turn):
        if event.get("event") == "action" and event.get("name") in custom:
            following = turn[i + 1] if i + 1 < len(turn) else None
            if following is None or following.get("event") == "action":
                return event["name"]
    return None
