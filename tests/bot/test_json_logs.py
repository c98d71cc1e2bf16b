"""JSON log lines: one object per line, the conversation id from the request's context, Rasa's
structlog events merged rather than quoted."""
import json
import logging

from telemetry.logs import JsonFormatter, conversation


def formatted(message: str, *args, **extra) -> dict:
    record = logging.LogRecord("cartwise.test", logging.INFO, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return json.loads(JsonFormatter("rasa").format(record))


def test_a_line_names_its_service_and_conversation_and_keeps_extra_fields():
    with conversation("shopper-7"):
        line = formatted("turn %s", "answered", outcome="answered")
    assert line["service"] == "rasa" and line["message"] == "turn answered"
    assert line["conversation_id"] == "shopper-7" and line["outcome"] == "answered"
    assert "conversation_id" not in formatted("outside any conversation")


def test_a_structlog_event_is_merged_and_odd_text_stays_a_message():
    line = formatted('{"event": "rest.message.received.failure", "text": "hi"}')
    assert line["event"] == "rest.message.received.failure" and "message" not in line
    assert formatted("{not json")["message"] == "{not json"
    assert formatted('["a list"]')["message"] == '["a list"]'
