"""`python -m console`: serve the agent console. `python -m console add-user NAME --role agent`: add staff.

On first start with no accounts, two demo agents are created with random passwords, written to
the accounts file (mode 600) so nothing secret is ever in the repository.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import secrets
import sys

from aiohttp import web

from .app import create_app
from .config import ConsoleSettings, load
from .store import ROLES, ConsoleStore

DEMO_ACCOUNTS = (("agent1", "agent"), ("agent2", "agent"), ("reviewer", "reviewer"))


def ensure_demo_accounts(settings: ConsoleSettings) -> None:
    store = ConsoleStore(settings.db)
    try:
        if store.count_users():
            return
        lines = []
        for name, role in DEMO_ACCOUNTS:
            password = secrets.token_urlsafe(12)
            store.add_user(name, role, password)
            lines.append(f"{name}\t{role}\t{password}")
        settings.accounts_file.parent.mkdir(parents=True, exist_ok=True)
        settings.accounts_file.touch(mode=0o600)
        settings.accounts_file.write_text("# name\trole\tpassword (demo accounts made on first start)\n"
                                          + "\n".join(lines) + "\n")
        print(f"console: demo accounts written to {settings.accounts_file}", flush=True)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int)
    sub = parser.add_subparsers(dest="command")
    add = sub.add_parser("add-user", help="add a staff account (or reset its password and role)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    args = parser.parse_args(argv)
    settings = load()
    if args.command == "add-user":
        password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass()
        store = ConsoleStore(settings.db)
        try:
            store.add_user(args.name, args.role, password)
        except ValueError as exc:
            print(f"console: {exc}", file=sys.stderr)
            return 2
        finally:
            store.close()
        print(f"console: {args.name} ({args.role}) saved")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not settings.service_token or not settings.rasa_token:
        print("console: set CARTWISE_SERVICE_TOKEN and CARTWISE_RASA_TOKEN (`python -m bot.run` does)",
              file=sys.stderr)
        return 2
    ensure_demo_accounts(settings)
    web.run_app(create_app(settings), host=settings.host, port=args.port or settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
