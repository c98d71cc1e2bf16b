"""The recommender's HTTP API (aiohttp). Start it with `python -m recommender.service`."""
