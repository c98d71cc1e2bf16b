"""Rasa with our fixes: the cached check of action-server answers accepts and refuses exactly what
Rasa's own check does; endpoint calls share one kept-alive connection."""
import asyncio

import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_patches

GOOD = {"events": [{"event": "slot", "name": "cart", "value": []}], "responses": [{"text": "Here you are"}]}
BAD = [{"events": [{"event": "slot", "timestamp": "not a number"}]}, {"events": "not a list"},
       {"responses": [42]}, {"events": [{"event": "no_such_event"}]}]


CAROUSEL = {"events": [{"event": "slot", "timestamp": None, "name": "last_results", "value": [{"id": "1"}]},
                       {"event": "followup", "name": "action_listen"}, {"event": "reset_slots"}],
            "responses": [{"text": "Found:", "attachment": {"type": "template", "payload": {"elements": []}},
                           "buttons": [{"title": "Cheaper", "payload": "/refine"}]}]}
EDGES = [
    CAROUSEL,
    {},
    {"events": []},
    {"events": None},
    {"events": [None]},
    {"events": [{}]},
    {"events": [{"event": []}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": 3}}}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1}}}]},
    {"events": [{"event": "slot", "name": "cart", "metadata": "not an object"}]},
    "not an object",
]


def rasa_own_check(result: dict) -> str | None:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return None
    except jsonschema.ValidationError as exc:
        return exc.message


def test_same_verdicts_and_messages_as_rasa():
    rasa_patches.keep_action_result_validator()
    rasa_patches.keep_action_result_validator()  # twice is once
    action = RemoteAction("action_search_products", None)
    assert rasa_own_check(GOOD) is None and action._validate_action_result(GOOD) is True
    for bad in BAD:
        expected = rasa_own_check(bad)
        assert expected is not None, f"{bad} passes Rasa's check: not a case of a bad answer"
        with pytest.raises(jsonschema.ValidationError) as refused:
            action._validate_action_result(bad)
        assert refused.value.message.startswith(expected + ". Failed to validate Action server response")


def test_quick_check_agrees_with_the_whole_schema():
    schema = RemoteAction.action_response_format_spec()
    quick = rasa_patches.quick_check(schema, jsonschema.validators.validator_for(schema))
    for case in [GOOD, *BAD, *EDGES]:
        assert quick(case) == (rasa_own_check(case) is None), case
    assert quick(CAROUSEL) and not quick({"events": [{"event": "no_such_event"}]})


async def _calls_through_one_endpoint() -> tuple[list[int], list[dict], bool]:
    client_ports: list[int] = []

    async def answer(request: web.Request) -> web.Response:
        client_ports.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"echo": await request.json()})

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    endpoint = EndpointConfig(f"http://127.0.0.1:{runner.addresses[0][1]}/webhook")
    try:
        answers = [await endpoint.request(json={"call": i}, method="post", timeout=5) for i in range(3)]
        session = endpoint._cartwise_session[1]
        await rasa_patches.close_endpoint_session(endpoint)
        return client_ports, answers, session.closed
    finally:
        await runner.cleanup()


def test_endpoint_calls_reuse_one_connection_and_close_it_on_stop():
    rasa_patches.keep_endpoint_sessions()
    client_ports, answers, closed = asyncio.run(_calls_through_one_endpoint())
    assert answers == [{"echo": {"call": i}} for i in range(3)]
    assert len(client_ports) == 3 and len(set(client_ports)) == 1  # Rasa alone opens three connections
    assert closed


def test_every_rasa_command_gets_the_fixes_from_loading_the_plugins(tmp_path):
    """`rasa shell`, `rasa test` and `rasa run` all load the pipeline's components from `bot.nlu`; that
    import alone switches the fixes on, with the configured wait, and says so once in the log."""
    import os
    import subprocess
    import sys

    config = tmp_path / "cartwise.yml"
    config.write_text("rasa: {action_timeout_s: 7}\n")
    env = {**os.environ, "CARTWISE_CONFIG": str(config)}
    code = (
        "import logging, rasa; logging.basicConfig(level=logging.INFO); import bot.nlu.minilm_featurizer; "
        "from rasa.core.actions import action; print(action.DEFAULT_REQUEST_TIMEOUT)"
    )
    ran = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert ran.stdout.strip() == "7.0", ran.stderr[-2000:]
    assert ran.stderr.count("Cartwise fixes to Rasa on: action-server wait 7 s") == 1
    # A tool that only needs the pure parts (the recommender's environment has no Rasa) loads none of it.
    ran = subprocess.run(
        [sys.executable, "-c", "import sys, bot.redaction, bot.nlu.minilm; print('rasa' in sys.modules)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.stdout.strip() == "False", ran.stderr[-2000:]
