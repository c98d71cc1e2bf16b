"""The socket.io channel that web widgets (rasa-webchat and others) use, with the page's cart."""
import queue

import socketio

from tests.stack import cards


def _converse(url: str, messages: list[tuple[str, dict]]) -> list[list[dict]]:
    # Long-polling transport: python-socketio's websocket and asyncio clients need newer libraries
    # than Rasa 3.6 pins; the server side is the same.
    client = socketio.Client()
    replies: queue.Queue = queue.Queue()
    sessions: queue.Queue = queue.Queue()
    client.on("session_confirm", lambda data: sessions.put(data["session_id"] if isinstance(data, dict) else data))
    client.on("bot_uttered", replies.put)
    client.connect(url, socketio_path="/socket.io", transports=["polling"])
    try:
        client.emit("session_request", {"session_id": None})
        session_id = sessions.get(timeout=10)
        answers = []
        for text, custom_data in messages:
            client.emit("user_uttered", {"message": text, "session_id": session_id, "customData": custom_data})
            got = [replies.get(timeout=30)]
            while True:   # one turn may send several messages; collect until the bot goes quiet
                try:
                    got.append(replies.get(timeout=1.5))
                except queue.Empty:
                    break
            answers.append(got)
        return answers
    finally:
        client.disconnect()


def test_widget_gets_cards_and_quick_replies_for_the_page_cart(stack):
    url = f"http://127.0.0.1:{stack['ports']['rasa']}"
    page = {"cart": [{"id": "pasta-1", "qty": 1}]}
    greeting, suggestions = _converse(url, [("hi", page), ("what else do I need?", page)])
    assert greeting[0]["text"].startswith("Hi!") and greeting[0]["quick_replies"][0]["payload"] == "/complete_cart"
    shown = cards(suggestions)
    assert shown and "pasta-1" not in {c["product_id"] for c in shown}
    assert {c["product_id"] for c in shown[:2]} & {"sauce-1", "parm-1"}
