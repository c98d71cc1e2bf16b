"""The handoff state machine, as pure functions over an immutable record.

    waiting --take(agent)--> owned(agent) --release(agent)--> closed
    waiting --expire--> expired          (nobody took it in time: the bot comes back)
    (no agent online when asked) --> missed   (kept so the team can write back)

The store applies each transition as a compare-and-set on (status, owner), so two agents
clicking "take" at once cannot both win, whichever console replica they talk to.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

WAITING, OWNED, CLOSED, EXPIRED, MISSED = "waiting", "owned", "closed", "expired", "missed"
OPEN = (WAITING, OWNED)


class HandoffConflict(Exception):
    """The transition is not allowed from the handoff's current state (HTTP 409)."""


@dataclass(frozen=True)
class Handoff:
    id: int
    conversation_id: str
    status: str
    reason: str
    created: float
    summary: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None
    taken: float | None = None
    closed: float | None = None
    contact: str | None = None


def take(h: Handoff, agent: str, now: float) -> Handoff:
    if h.status == OWNED and h.owner == agent:
        return h                                    # a double click is not an error
    if h.status != WAITING:
        who = f" by {h.owner}" if h.status == OWNED else ""
        raise HandoffConflict(f"this chat is {h.status}{who}")
    return replace(h, status=OWNED, owner=agent, taken=now)


def check_owner(h: Handoff, agent: str) -> None:
    """Only the agent who owns an open chat may write in it or hand it back."""
    if h.status != OWNED or h.owner != agent:
        raise HandoffConflict(f"this chat is {h.status}" + (f" by {h.owner}" if h.owner else "")
                              + f", not owned by {agent}")


def release(h: Handoff, agent: str, now: float) -> Handoff:
    check_owner(h, agent)
    return replace(h, status=CLOSED, closed=now)


def is_overdue(h: Handoff, now: float, max_wait_s: float) -> bool:
    return h.status == WAITING and now - h.created >= max_wait_s


def expire(h: Handoff, now: float) -> Handoff:
    if h.status != WAITING:
        raise HandoffConflict(f"only a waiting chat can expire, this one is {h.status}")
    return replace(h, status=EXPIRED, closed=now)
