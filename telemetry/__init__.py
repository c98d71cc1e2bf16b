"""What every Cartwise service shares for being watched in production: JSON logs that carry the
conversation id (`logs`) and Prometheus metrics over HTTP (`metrics`). Standard library and
prometheus_client only, so both environments (.venv-bot and .venv-rec) can import it."""
