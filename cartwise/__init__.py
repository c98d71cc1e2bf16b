"""What every Cartwise process shares beneath its own code: finding and reading cartwise.yml.

Each service keeps the typed view of its own section beside it (`recommender/config.py`,
`actions/config.py`, `bot/config.py`, `console/config.py`, `shop/config.py`); they all read the
file through `cartwise.config`.
"""
