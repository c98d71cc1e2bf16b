"""`python -m launch.run`: start recommender, action server, Rasa, staff console and shop; Ctrl-C stops them all.

`make demo` builds and trains first; this only runs what is built.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .services import PROJECT_ROOT, read_ports, secrets_env, services, supervise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the whole Cartwise assistant on loopback.")
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "rasa" / "cartwise.tar.gz")
    parser.add_argument("--endpoints", type=Path, default=PROJECT_ROOT / "endpoints.yml")
    parser.add_argument("--credentials", type=Path, default=PROJECT_ROOT / "credentials.yml")
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"No Rasa model at {args.model}: run `make train` (or `make demo`).", file=sys.stderr)
        return 2
    ports = read_ports()
    os.environ.update(secrets_env())   # every service started below inherits them
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    banner = f"""
Cartwise is running (logs in var/logs/).
  shop page with the chat widget: http://127.0.0.1:{ports.shop}/
  agent console: http://127.0.0.1:{ports.console}/agent (logins in var/console-accounts.txt)
  review console: http://127.0.0.1:{ports.console}/review (the "reviewer" login)
  terminal:  make shell
  REST:      curl -s localhost:{ports.rasa}/webhooks/rest/webhook -d '{{"sender": "me", "message": "hi"}}'
  socket.io: http://127.0.0.1:{ports.rasa}/socket.io (rasa-webchat and other Rasa widgets)
  recommender API: http://127.0.0.1:{ports.recommender}/openapi.yaml
Press Ctrl-C to stop."""
    return supervise(services(ports, args.model, args.endpoints, args.credentials, os.environ["CARTWISE_RASA_TOKEN"]),
                     PROJECT_ROOT / "var" / "logs", banner)


if __name__ == "__main__":
    sys.exit(main())
