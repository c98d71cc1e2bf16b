"""Process launchers: `python -m launch.run` starts the whole assistant on loopback (the embedded
defaults), `python -m launch.cluster` the production shape on one machine (replicas behind
`balancer.py`, PostgreSQL and Redis); `services.py` says how each process starts, is checked for
readiness and is supervised. Nothing here is loaded by Rasa: its plugins live in `bot/`."""
