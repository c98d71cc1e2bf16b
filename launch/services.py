"""The five Cartwise processes (recommender, action server, Rasa, staff console, shop page): how each
starts, how to know it is ready, and the supervisor that runs them together."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cartwise import config
from cartwise.config import PROJECT_ROOT

BOT_BIN = Path(sys.executable).parent                 # .venv-bot/bin: rasa and the action server
REC_PYTHON = PROJECT_ROOT / ".venv-rec" / "bin" / "python"


@dataclass(frozen=True)
class Service:
    name: str
    command: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)


DEFAULT_PORTS = {"rasa": 5005, "actions": 5055, "recommender": 5070, "shop": 5080, "console": 5090}


@dataclass(frozen=True)
class Ports:
    rasa: int
    actions: int
    recommender: int
    shop: int
    console: int


def read_ports(path: Path | None = None) -> Ports:
    file = config.load(path)
    return Ports(**{name: int(file.section(name).get("port", default)) for name, default in DEFAULT_PORTS.items()})


def secrets_env() -> dict[str, str]:
    """The shared secrets, from the environment when set (production), else fresh for this run:
    CARTWISE_RASA_TOKEN guards Rasa's HTTP API, CARTWISE_SERVICE_TOKEN the console's service API."""
    return {name: os.environ.get(name) or secrets.token_urlsafe(24)
            for name in ("CARTWISE_RASA_TOKEN", "CARTWISE_SERVICE_TOKEN")}


def recommender_command(port: int) -> list[str]:
    return [str(REC_PYTHON), "-m", "recommender.service", "--port", str(port)]


def actions_command(port: int) -> list[str]:
    return [str(BOT_BIN / "python"), "-m", "actions.server", "--port", str(port)]


def rasa_command(port: int, model: Path, endpoints: Path, credentials: Path, token: str, *extra: str) -> list[str]:
    """Rasa's server with its HTTP API behind the token, on loopback."""
    # "--auth-token=...": a token may start with "-", which argparse would take for an option.
    return [str(BOT_BIN / "rasa"), "run", "--enable-api", f"--auth-token={token}", "--model", str(model),
            "--endpoints", str(endpoints), "--credentials", str(credentials), "--port", str(port),
            "--interface", "127.0.0.1", *extra]


def rasa_status_url(port: int, token: str) -> str:
    return f"http://127.0.0.1:{port}/status?token={token}"


def services(ports: Ports, model: Path, endpoints: Path, credentials: Path, rasa_token: str) -> list[Service]:
    """In start order: each one's dependencies come before it."""
    return [
        Service("recommender", recommender_command(ports.recommender),
                f"http://127.0.0.1:{ports.recommender}/health", {"HF_HUB_OFFLINE": "1"}),
        Service("actions", actions_command(ports.actions), f"http://127.0.0.1:{ports.actions}/health"),
        Service("rasa", rasa_command(ports.rasa, model, endpoints, credentials, rasa_token, "--cors", "*"),
                rasa_status_url(ports.rasa, rasa_token)),
        Service("console", [sys.executable, "-m", "console", "--port", str(ports.console)],
                f"http://127.0.0.1:{ports.console}/health"),
        Service("shop", [sys.executable, "-m", "shop", "--port", str(ports.shop)],
                f"http://127.0.0.1:{ports.shop}/health"),
    ]


def is_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def start(service: Service, log_dir: Path) -> subprocess.Popen:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"{service.name}.log", "ab")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **service.env}
    return subprocess.Popen(service.command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def wait_ready(service: Service, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with code {process.returncode}; see its log in var/logs/")
        if is_ready(service.health_url):
            return
        time.sleep(0.5)
    raise RuntimeError(f"{service.name} was not ready within {timeout_s:.0f} s ({service.health_url})")


def stop(processes: list[subprocess.Popen], timeout_s: float = 15) -> None:
    """SIGTERM everyone (newest first), then SIGKILL whoever is still there."""
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + timeout_s
    for process in reversed(processes):
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def supervise(to_start: list[Service], log_dir: Path, banner: str, ready_timeout_s: float = 300,
              restart: bool = False) -> int:
    """Start services in order (each ready before the next), print the banner, run until Ctrl-C;
    always stop them all. A service that exits stops everything (the demo: something is wrong), or
    with `restart` is started again while the others go on (replicas: the balancer covers the gap)."""
    running: list[subprocess.Popen] = []
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):   # SIGHUP: the terminal was closed
        signal.signal(signum, request_stop)
    try:
        for service in to_start:
            say(f"starting {service.name} ...")
            running.append(start(service, log_dir))
            wait_ready(service, running[-1], ready_timeout_s)
            if stopping:
                return 130
        say(banner)
        started_at = [time.monotonic()] * len(running)
        quick_deaths = [0] * len(running)
        not_before: dict[int, float] = {}   # a dead replica waiting out its backoff
        while not stopping:
            now = time.monotonic()
            for i, (service, process) in enumerate(zip(to_start, running)):
                if process.poll() is None:
                    continue
                if not restart:
                    say(f"{service.name} exited (code {process.returncode}); stopping. See {log_dir}/.")
                    return 1
                if i not in not_before:
                    delay, quick_deaths[i] = restart_delay(now - started_at[i], quick_deaths[i])
                    not_before[i] = now + delay
                    say(f"{service.name} exited (code {process.returncode}); starting it again"
                        + (f" in {delay:.0f} s" if delay else ""))
                if now >= not_before[i]:
                    del not_before[i]
                    running[i], started_at[i] = start(service, log_dir), now
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        say(f"cartwise: {exc}")
        return 1
    finally:
        say("stopping ...")
        stop(running)
        say("stopped.")


def restart_delay(lived_s: float, quick_deaths: int, settle_s: float = 60, cap_s: float = 60) -> tuple[float, int]:
    """(seconds to wait before starting a dead replica again, its count of quick deaths in a row).

    A replica that ran for a while is started at once; one that keeps dying soon after starting
    (a bad config, a full disk) waits 1, 3, 7, 15 ... s, at most `cap_s`, instead of spinning."""
    deaths = quick_deaths + 1 if lived_s < settle_s else 0
    return min(cap_s, 2.0 ** deaths - 1), deaths


def say(text: str) -> None:
    """Print, unless the terminal or pipe is already gone (Ctrl-C also ends `| tee`): stopping must
    never fail because a message could not be shown."""
    try:
        print(text, flush=True)
    except OSError:
        pass
