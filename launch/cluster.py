"""`python -m launch.cluster`: the production shape on one machine. Ctrl-C stops it all.

N replicas each of the recommender, the action server and Rasa, each pool behind a round-robin
(`launch.balancer`; the action servers spread their own calls over the recommender replicas, since a
proxy hop cost ~2 ms here, and the recommender pool's balancer is its one address for anyone
else), Rasa's tracker store in PostgreSQL and its lock store in Redis (the `production`
section of cartwise.yml), and the staff console reading the same tracker store. Everything it
writes (config, endpoints, logs) goes to var/cluster/. Needs PostgreSQL and Redis running.
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cartwise import config

from .services import (
    PROJECT_ROOT,
    Service,
    actions_command,
    rasa_command,
    rasa_status_url,
    recommender_command,
    secrets_env,
    supervise,
)

POOLS = ("recommender", "actions", "rasa")


@dataclass(frozen=True)
class ClusterPlan:
    replicas: int
    ports: dict[str, int]          # balancer port per pool (+ console)
    tracker_store: dict[str, Any]
    lock_store: dict[str, Any]
    event_broker: dict[str, Any] | None = None   # optional: Rasa streams every event there (RabbitMQ, Kafka, SQL)

    def replica_ports(self, pool: str) -> list[int]:
        return [self.ports[pool] + i for i in range(1, self.replicas + 1)]

    def url(self, pool: str) -> str:
        return f"http://127.0.0.1:{self.ports[pool]}"


def load_plan(path: Path, replicas: int | None = None) -> ClusterPlan:
    raw = config.load(path).section("production")
    ports = {"rasa": 5105, "actions": 5155, "recommender": 5170, "console": 5190, **(raw.get("ports") or {})}
    n = int(replicas or raw.get("replicas", 2))
    if not 1 <= n <= 9:
        raise ValueError("production.replicas: 1 to 9 (replica i listens on the balancer's port + i)")
    if "tracker_store" not in raw or "lock_store" not in raw:
        raise ValueError(f"{path}: the production section needs tracker_store and lock_store")
    broker = raw.get("event_broker")
    return ClusterPlan(n, ports, dict(raw["tracker_store"]), dict(raw["lock_store"]), dict(broker) if broker else None)


PATH_SUFFIXES = (".db", ".yml", ".yaml", ".json", ".txt", ".csv", ".parquet", ".tar.gz")


def absolute_paths(tree: Any, base: Path) -> Any:
    """The config with its relative file paths made absolute, so a copy elsewhere means the same files."""
    if isinstance(tree, dict):
        return {k: absolute_paths(v, base) for k, v in tree.items()}
    if isinstance(tree, list):
        return [absolute_paths(v, base) for v in tree]
    if isinstance(tree, str) and "://" not in tree and not tree.startswith("/") and \
            ("/" in tree or tree.endswith(PATH_SUFFIXES)):
        return str(base / tree)
    return tree


def write_files(plan: ClusterPlan, source: Path, folder: Path) -> tuple[Path, Path]:
    """The cluster's cartwise.yml (services point at the balancers) and Rasa's endpoints.yml."""
    from console.review.db import tracker_store_url  # Rasa's own URL rules (imports Rasa: only here)

    folder.mkdir(parents=True, exist_ok=True)
    endpoints = folder / "endpoints.yml"
    rasa_endpoints = {"action_endpoint": {"url": plan.url("actions") + "/webhook"},
                      "tracker_store": {"type": "bot.tracker_store.RedactingSQLTrackerStore", **plan.tracker_store},
                      "lock_store": plan.lock_store}
    if plan.event_broker:
        rasa_endpoints["event_broker"] = plan.event_broker
    endpoints.write_text(yaml.safe_dump(rasa_endpoints, sort_keys=False))
    file = config.load(source)
    raw = absolute_paths(file.raw, file.root)
    # Action servers spread their calls over the recommenders themselves: a proxy hop cost ~2 ms here.
    recommenders = [f"http://127.0.0.1:{port}" for port in plan.replica_ports("recommender")]
    raw.setdefault("actions", {}).update(recommender_url=recommenders, console_url=plan.url("console"))
    # socket.io replies cross replicas through Redis (the lock store's server, its own channel).
    lock = plan.lock_store
    raw.setdefault("rasa", {})["socketio_redis_url"] = (
        f"redis://{lock.get('url', '127.0.0.1')}:{lock.get('port', 6379)}/0"
    )
    console = raw.setdefault("console", {})
    console.update(rasa_url=plan.url("rasa"), db=str(folder / "console.db"))
    # The review index beside the tracker store, in the same database.
    console.setdefault("review", {}).update(endpoints=str(endpoints), db=tracker_store_url(endpoints))
    cluster_config = folder / "cartwise.yml"
    cluster_config.write_text(
        "# Written by `python -m launch.cluster` from cartwise.yml: do not edit.\n"
        + yaml.safe_dump(raw, sort_keys=False)
    )
    return cluster_config, endpoints


def cluster_services(plan: ClusterPlan, model: Path, endpoints: Path, credentials: Path, token: str) -> list[Service]:
    """In start order: each pool's replicas, then its balancer; the console last."""
    out: list[Service] = []
    balancer = [sys.executable, "-m", "launch.balancer"]
    for pool in POOLS:
        for i, port in enumerate(plan.replica_ports(pool), start=1):
            out.append(replica(pool, i, port, model, endpoints, credentials, token))
        backends = [f"http://127.0.0.1:{p}" for p in plan.replica_ports(pool)]
        health = "/" if pool == "rasa" else "/health"
        out.append(
            Service(
                f"{pool}-balancer", balancer + ["--port", str(plan.ports[pool]), *backends], plan.url(pool) + health
            )
        )
    out.append(
        Service(
            "console",
            [sys.executable, "-m", "console", "--port", str(plan.ports["console"])],
            plan.url("console") + "/health",
        )
    )
    return out


def replica(pool: str, i: int, port: int, model: Path, endpoints: Path, credentials: Path, token: str) -> Service:
    name = f"{pool}-{i}"
    if pool == "recommender":
        return Service(name, recommender_command(port), f"http://127.0.0.1:{port}/health", {"HF_HUB_OFFLINE": "1"})
    if pool == "actions":
        return Service(name, actions_command(port), f"http://127.0.0.1:{port}/health")
    return Service(name, rasa_command(port, model, endpoints, credentials, token), rasa_status_url(port, token))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "rasa" / "cartwise.tar.gz")
    parser.add_argument("--credentials", type=Path, default=PROJECT_ROOT / "credentials.yml")
    parser.add_argument(
        "--folder",
        type=Path,
        default=PROJECT_ROOT / "var" / "cluster",
        help="where the generated config, endpoints and logs go",
    )
    parser.add_argument("--config", type=Path, default=config.config_path())
    args = parser.parse_args(argv)
    try:
        plan = load_plan(args.config, args.replicas)
    except (ValueError, OSError) as exc:
        print(f"cluster: {exc}", file=sys.stderr)
        return 2
    folder = args.folder
    cluster_config, endpoints = write_files(plan, args.config, folder)
    os.environ.update(secrets_env())
    os.environ[config.ENV] = str(cluster_config)
    banner = (
        f"Cartwise cluster is running: Rasa {plan.url('rasa')} ({plan.replicas} replicas, tracker store "
        f"{plan.tracker_store.get('dialect')}, lock store {plan.lock_store.get('type')}), actions "
        f"{plan.url('actions')}, recommender {plan.url('recommender')}, console {plan.url('console')}. "
        f"Logs in {folder / 'logs'}. Ctrl-C stops it."
    )
    services = cluster_services(plan, args.model, endpoints, args.credentials, os.environ["CARTWISE_RASA_TOKEN"])
    return supervise(services, folder / "logs", banner, restart=True)


if __name__ == "__main__":
    sys.exit(main())
