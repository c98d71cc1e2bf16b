"""Cartwise's Rasa plugins: what the Rasa server loads by name from config.yml (`nlu/`), credentials.yml
(`channels.py`) and endpoints.yml (`tracker_store.py`), and what those use.

Every Rasa command imports this package while it sets up, so this is the one place Rasa's fixes
(`rasa_patches.py`) are switched on. Only when Rasa is the one loading: `bot.nlu.minilm` (plain
numpy) is also imported where Rasa is not installed, and pure helpers need no Rasa in their tests.
"""
import sys

if "rasa" in sys.modules:
    from . import config, rasa_patches

    rasa_patches.apply(action_timeout_s=config.load().action_timeout_s)
