"""`python -m console`: serve the staff console (agents and reviewers). Commands for staff and operators:

  add-user NAME --role agent|reviewer|admin   add staff (or reset a password)
  reindex                                     bring the review index up to date with the tracker store
  export --out FILE [--intent X ...]          conversations (filtered as in the review list) to JSONL
  forget SENDER_ID                            delete everything stored about one shopper's conversation
  forget-shopper SHOPPER_ID                   never use a signed-in shopper's purchase history again, and
                                              delete what they bought since the last build (recommender)

On first start with no accounts, two demo agents are created with random passwords, written to
the accounts file (mode 600) so nothing secret is ever in the repository.
"""
from __future__ import annotations

import argparse
import getpass
import json
import sys
import urllib.error
import urllib.request
from dataclasses import fields

from aiohttp import web

from cartwise.passwords import make_demo_accounts
from telemetry import logs

from .app import create_app
from .config import ConsoleSettings, load
from .review.export import export_jsonl, reindex
from .review.queries import BadFilter, Filters, parse_filters
from .review.service import Review
from .store import ROLES, ConsoleStore

DEMO_ACCOUNTS = (("agent1", "agent"), ("agent2", "agent"), ("reviewer", "reviewer"))


def ensure_demo_accounts(settings: ConsoleSettings) -> None:
    store = ConsoleStore(settings.db)
    try:
        if store.count_users():
            return
        make_demo_accounts(settings.accounts_file, "name\trole", DEMO_ACCOUNTS, store.add_user)
        print(f"console: demo accounts written to {settings.accounts_file}", flush=True)
    finally:
        store.close()


FILTER_NAMES = [f.name for f in fields(Filters)]


def operate(args: argparse.Namespace, settings: ConsoleSettings) -> int:
    review = Review(settings.review)
    try:
        if args.command == "reindex":
            result = reindex(review)
            print(f"console: indexed {result.events} events of {result.conversations} conversations", file=sys.stderr)
        elif args.command == "export":
            filters = parse_filters({name: getattr(args, name) for name in FILTER_NAMES})
            count = export_jsonl(review, filters, args.out)
            print(f"console: exported {count} conversations to {args.out}", file=sys.stderr)
        else:
            removed = review.forget(args.sender_id)
            store = ConsoleStore(settings.db)
            try:
                removed["handoffs"] = store.forget(args.sender_id)
            finally:
                store.close()
            print(f"console: forgot {args.sender_id}: " + ", ".join(f"{v} {k}" for k, v in removed.items()))
    except BadFilter as exc:
        print(f"console: {exc}", file=sys.stderr)
        return 2
    finally:
        review.close()
    return 0


def forget_shopper(shopper_id: str, settings: ConsoleSettings) -> int:
    """Ask the recommender to forget a shopper's history; its next build writes none for them."""
    headers = {"Content-Type": "application/json"}
    if settings.service_token:
        headers["Authorization"] = f"Bearer {settings.service_token}"
    request = urllib.request.Request(f"{settings.recommender_url}/shoppers/forget",
                                     json.dumps({"shopper_id": shopper_id}).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            done = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        print(f"console: the recommender at {settings.recommender_url} did not forget {shopper_id}: {exc}",
              file=sys.stderr)
        return 2
    print(f"console: forgot shopper {shopper_id}: history no longer used, {done['baskets_removed']} recent "
          "basket(s) deleted; the next build writes no history for them")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int)
    sub = parser.add_subparsers(dest="command")
    add = sub.add_parser("add-user", help="add a staff account (or reset its password and role)")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="agent")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    sub.add_parser("reindex", help="index new tracker events for review")
    export = sub.add_parser("export", help="write conversations to JSONL (one conversation per line)")
    export.add_argument("--out", default="-", help="file to write, - for standard output")
    for name in FILTER_NAMES:
        export.add_argument(f"--{name.replace('_', '-')}", dest=name, default="")
    forget = sub.add_parser("forget", help="delete one shopper's conversation from every store")
    forget.add_argument("sender_id")
    forget_history = sub.add_parser("forget-shopper", help="stop using a shopper's purchase history, for good")
    forget_history.add_argument("shopper_id")
    args = parser.parse_args(argv)
    settings = load()
    if args.command == "forget-shopper":
        return forget_shopper(args.shopper_id, settings)
    if args.command in ("reindex", "export", "forget"):
        return operate(args, settings)
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
    logs.configure("console")
    if not settings.service_token or not settings.rasa_token:
        print("console: set CARTWISE_SERVICE_TOKEN and CARTWISE_RASA_TOKEN (`python -m launch.run` does)",
              file=sys.stderr)
        return 2
    ensure_demo_accounts(settings)
    web.run_app(create_app(settings), host=settings.host, port=args.port or settings.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
