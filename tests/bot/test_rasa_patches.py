"""The cached check of action-server answers accepts and refuses exactly what Rasa's own check does."""
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot import rasa_patches

GOOD = {"events": [{"event": "slot", "name": "cart", "value": []}], "responses": [{"text": "Here you are"}]}
BAD = [{"events": [{"event": "slot", "timestamp": "not a number"}]}, {"events": "not a list"},
       {"responses": [42]}, {"events": [{"event": "no_such_event"}]}]


def rasa_own_check(result: dict) -> str | None:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return None
    except jsonschema.ValidationError as exc:
        return exc.message


def test_same_verdicts_and_messages_as_rasa():
    rasa_patches.keep_action_result_validator()
    rasa_patches.keep_action_result_validator()   # twice is once
    action = RemoteAction("action_search_products", None)
    assert rasa_own_check(GOOD) is None and action._validate_action_result(GOOD) is True
    for bad in BAD:
        expected = rasa_own_check(bad)
        assert expected is not None, f"{bad} passes Rasa's check: not a case of a bad answer"
        with pytest.raises(jsonschema.ValidationError) as refused:
            action._validate_action_result(bad)
        assert refused.value.message.startswith(expected + ". Failed to validate Action server response")
