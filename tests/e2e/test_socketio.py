"""The socket.io channel that web widgets (rasa-webchat and others) use, with the page's cart."""
import asyncio

import socketio

from tests.e2e.conftest import cards


async def _converse(url: str, messages: list[tuple[str, dict]]) -> list[list[dict]]:
    client = socketio.AsyncClient()
    replies: asyncio.Queue = asyncio.Queue()
    session: asyncio.Future = asyncio.get_running_loop().create_future()

    @client.on("session_confirm")
    async def confirmed(data):
        session.set_result(data["session_id"] if isinstance(data, dict) else data)

    @client.on("bot_uttered")
    async def uttered(data):
        await replies.put(data)

    await client.connect(url, socketio_path="/socket.io", transports=["websocket"])
    await client.emit("session_request", {"session_id": None})
    session_id = await asyncio.wait_for(session, 10)
    answers = []
    for text, custom_data in messages:
        await client.emit("user_uttered", {"message": text, "session_id": session_id, "customData": custom_data})
        got = [await asyncio.wait_for(replies.get(), 30)]
        while True:   # a turn can produce several messages; collect until the bot goes quiet
            try:
                got.append(await asyncio.wait_for(replies.get(), 1.5))
            except asyncio.TimeoutError:
                break
        answers.append(got)
    await client.disconnect()
    return answers


def test_widget_gets_cards_and_quick_replies_for_the_page_cart(stack):
    url = f"http://127.0.0.1:{stack['ports']['rasa']}"
    page = {"cart": [{"id": "pasta-1", "qty": 1}]}
    greeting, suggestions = asyncio.run(_converse(url, [("hi", page), ("what else do I need?", page)]))
    assert greeting[0]["text"].startswith("Hi!") and [q["payload"] for q in greeting[0]["quick_replies"]][0] == "/complete_cart"
    shown = cards(suggestions)
    assert shown and "pasta-1" not in {c["product_id"] for c in shown}
    assert {c["product_id"] for c in shown[:2]} & {"sauce-1", "parm-1"}
