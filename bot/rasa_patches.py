"""Fixes to Rasa 3.6 that no setting reaches. `bot/__init__.py` applies them whenever Rasa loads this
package (every Rasa command does: config.yml, endpoints.yml and credentials.yml name modules here),
so `rasa run`, `rasa shell` and `rasa test` all run with them; the first application logs which.

Each one is small, keeps Rasa's behaviour and is measured or tested:

- Action-server answers: Rasa checks every answer against its JSON schema with
  `jsonschema.validate`, which first re-validates the schema itself against the JSON-Schema
  metaschema, on every call. Profiling a recommendation turn (py-spy, 2 cores) put 35 % of the Rasa
  process's busy time there. The schema never changes, so it is checked once and its validator kept;
  invalid answers still raise the same ValidationError with Rasa's message. Valid answers are
  first checked event by event against their own event type's schema (`quick_check`), 8 x quicker.
- Action-server wait: Rasa waits up to 300 s (`DEFAULT_REQUEST_TIMEOUT`) for each action call, so
  a hung action server left the shopper without an answer, and their conversation locked, for five
  minutes. The wait is `rasa.action_timeout_s` (cartwise.yml); past it Rasa drops the action as it
  does for an unreachable server, and the guarded channel tells the shopper.
- Endpoint sessions: `EndpointConfig.request` (action calls, NLG and model servers) opened a new
  aiohttp session, so a new TCP connection, for every call: about 1 ms more per action call here,
  on each side, and once more at the cluster's balancer. Each endpoint now keeps one session per
  event loop; Rasa's `async with` borrows it. The action server keeps idle connections longer
  than aiohttp clients do (`actions.server`), so a kept connection is never one it just closed.
"""
from __future__ import annotations

import asyncio
import copy
import logging
from typing import Any, Callable

import aiohttp
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions import action as rasa_action
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger("cartwise.rasa")


def apply(action_timeout_s: float) -> list[str]:
    """Switch every fix on (again is a no-op); returns what is on, as logged."""
    fresh = not getattr(RemoteAction._validate_action_result, "cartwise_patch", False)
    rasa_action.DEFAULT_REQUEST_TIMEOUT = action_timeout_s   # read by RemoteAction.run on every call
    keep_action_result_validator()
    keep_endpoint_sessions()
    on = [f"action-server wait {action_timeout_s:g} s (Rasa's: 300 s)", "action answers checked by event type",
          "one kept-alive session per endpoint"]
    if fresh:
        log.info("Cartwise fixes to Rasa on: %s", "; ".join(on))
    return on


class Borrowed:
    """`async with` on a session that outlives the block (Rasa closes what `session()` returns)."""

    def __init__(self, session: aiohttp.ClientSession):
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        return None


def keep_endpoint_sessions() -> None:
    if getattr(EndpointConfig.session, "cartwise_patch", False):
        return
    new_session = EndpointConfig.session

    def session(self: EndpointConfig) -> Borrowed:
        loop = asyncio.get_running_loop()
        kept = getattr(self, "_cartwise_session", None)   # (loop, session): a session serves one loop
        if kept is None or kept[0] is not loop or kept[1].closed:
            kept = self._cartwise_session = (loop, new_session(self))
        return Borrowed(kept[1])

    session.cartwise_patch = True   # type: ignore[attr-defined]
    EndpointConfig.session = session   # type: ignore[method-assign]


async def close_endpoint_session(endpoint: EndpointConfig | None) -> None:
    kept = getattr(endpoint, "_cartwise_session", None)
    if kept is not None:
        await kept[1].close()


def keep_action_result_validator() -> None:
    if getattr(RemoteAction._validate_action_result, "cartwise_patch", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    is_valid = quick_check(schema, validator_class)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        if is_valid(result):
            return True
        error = best_match(validator.iter_errors(result))   # what jsonschema.validate raises
        if error is None:
            return True
        error.message += (". Failed to validate Action server response from API, make sure your response from "
                          "the Action endpoint is valid. For more information about the format visit "
                          f"{DOCS_BASE_URL}/custom-actions")
        raise error

    _validate_action_result.cartwise_patch = True   # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result   # type: ignore[method-assign]


def quick_check(schema: dict, validator_class: Any) -> Callable[[Any], bool]:
    """The same verdict as the whole schema, without its `oneOf` over all 23 event types per event.

    Every branch of that `oneOf` requires a different `event` constant, and `event` is required, so
    an event satisfies the `oneOf` exactly when it satisfies the branch its own `event` names. This
    checks the answer without events, then each event against its branch only: 0.3 instead of 2.7 ms
    for a product carousel with seven slot events. Anything it refuses goes through the whole schema,
    which gives the error.
    """
    items = schema["properties"]["events"]["items"]
    consts = [branch["properties"]["event"]["const"] for branch in items["oneOf"]]
    assert len(set(consts)) == len(consts) and "event" in items["required"], "Rasa's event schema changed"
    outer = copy.deepcopy(schema)
    outer["properties"]["events"]["items"] = {}
    whole = validator_class(outer)
    base = {key: value for key, value in items.items() if key != "oneOf"}
    by_event = {const: validator_class({**base, "allOf": [branch]}) for const, branch in zip(consts, items["oneOf"])}

    def is_valid(result: Any) -> bool:
        if not whole.is_valid(result):
            return False
        for event in result.get("events") or []:
            name = event.get("event") if isinstance(event, dict) else None
            check = by_event.get(name) if isinstance(name, str) else None
            if check is None or not check.is_valid(event):
                return False
        return True

    return is_valid
