"""`python -m bot.run`: start recommender, action server and Rasa; Ctrl-C stops all three.

`make demo` builds and trains first; this only runs what is built.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from .services import PROJECT_ROOT, read_ports, secrets_env, services, start, stop, wait_ready


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
    running = []
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):   # SIGHUP: the terminal was closed
        signal.signal(signum, request_stop)
    try:
        for service in services(ports, args.model, args.endpoints, args.credentials,
                                os.environ["CARTWISE_RASA_TOKEN"]):
            print(f"starting {service.name} ...", flush=True)
            process = start(service, PROJECT_ROOT / "var" / "logs")
            running.append(process)
            wait_ready(service, process, timeout_s=240)
            if stopping:
                return 130
        print(f"""
Cartwise is running (logs in var/logs/).
  shop page with the chat widget: http://127.0.0.1:{ports.shop}/
  agent console: http://127.0.0.1:{ports.console}/agent (logins in var/console-accounts.txt)
  terminal:  make shell
  REST:      curl -s localhost:{ports.rasa}/webhooks/rest/webhook -d '{{"sender": "me", "message": "hi"}}'
  socket.io: http://127.0.0.1:{ports.rasa}/socket.io (rasa-webchat and other Rasa widgets)
  recommender API: http://127.0.0.1:{ports.recommender}/openapi.yaml
Press Ctrl-C to stop.""", flush=True)
        while not stopping:
            for process in running:
                if process.poll() is not None:
                    print(f"a service exited (code {process.returncode}); stopping. See var/logs/.", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        print(f"cartwise: {exc}", file=sys.stderr)
        return 1
    finally:
        say("stopping ...")
        stop(running)
        say("stopped.")


def say(text: str) -> None:
    """Print, unless the terminal or pipe is already gone (Ctrl-C also ends `| tee`): stopping must
    never fail because a message could not be shown."""
    try:
        print(text, flush=True)
    except OSError:
        pass


if __name__ == "__main__":
    sys.exit(main())
