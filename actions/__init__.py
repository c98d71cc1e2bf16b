"""Cartwise custom actions (rasa_sdk action server): where a shopper's request turns into an answer."""
