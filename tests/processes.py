"""Start real services for tests on loopback, wait for their health URL, stop them. Stdlib only."""
from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REC_PYTHON = ROOT / ".venv-rec" / "bin" / "python"
BOT_BIN = ROOT / ".venv-bot" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_run(count: int, tries: int = 50) -> int:
    """The first of `count` consecutive ports that are all free now (the cluster numbers its
    replicas from a base port; one free port plus the next twelve could collide with a busy one)."""
    for _ in range(tries):
        base = free_port()
        if base + count > 65535:
            continue
        try:
            with contextlib.ExitStack() as held:
                for port in range(base, base + count):
                    sock = held.enter_context(socket.socket())
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError(f"no run of {count} free ports found")


# Test secrets, made per run: services get them from the environment, as in production.
RASA_TOKEN = secrets.token_urlsafe(16)
SERVICE_TOKEN = secrets.token_urlsafe(16)


def service_env(config: Path) -> dict[str, str]:
    return {**os.environ, "CARTWISE_CONFIG": str(config), "HF_HUB_OFFLINE": "1",
            "RASA_TELEMETRY_ENABLED": "false", "CARTWISE_RASA_TOKEN": RASA_TOKEN,
            "CARTWISE_SERVICE_TOKEN": SERVICE_TOKEN}


def start(command: list[str], config: Path, health_url: str, log: Path, timeout_s: float = 180) -> subprocess.Popen:
    """A process that answers 200 on health_url, or a RuntimeError that says where its log is."""
    out = open(log, "ab")
    process = subprocess.Popen(command, cwd=ROOT, env=service_env(config), stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[:3]} exited with {process.returncode}; log: {log}")
        try:
            with urllib.request.urlopen(health_url, timeout=1) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{command[:3]} not ready after {timeout_s} s; log: {log}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def build_fixture_shop(folder: Path, ports: dict[str, int], max_wait_s: float = 300,
                       endpoints: Path | None = None) -> Path:
    """Write and build the fixture shop with the recommender's own environment; returns its config."""
    import datetime as dt

    from tests.fixture_shop import write_config, write_coupons, write_shop

    catalog, interactions = write_shop(folder / "data")
    coupons = write_coupons(folder / "coupons.yml", dt.date.today())
    config = write_config(folder, ports, folder / "models", coupons, catalog, interactions, max_wait_s,
                          endpoints=endpoints)
    subprocess.run([str(REC_PYTHON), "-m", "recommender.build"], cwd=ROOT, env=service_env(config), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return config


def start_recommender(config: Path, port: int, log_dir: Path) -> subprocess.Popen:
    return start([str(REC_PYTHON), "-m", "recommender.service", "--port", str(port)], config,
                 f"http://127.0.0.1:{port}/health", log_dir / "recommender.log")


def start_console(config: Path, port: int, log_dir: Path) -> subprocess.Popen:
    return start([str(BOT_BIN / "python"), "-m", "console", "--port", str(port)], config,
                 f"http://127.0.0.1:{port}/health", log_dir / f"console-{port}.log")


def open_connections(pid: int, port: int) -> int:
    """How many established TCP connections process `pid` holds to 127.0.0.1:`port` (Linux /proc)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    remote = f"0100007F:{port:04X}"   # /proc/net/tcp writes 127.0.0.1 little-endian, the port big-endian
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[2] == remote and fields[3] == "01" and fields[9] in inodes:   # 01: ESTABLISHED
            count += 1
    return count
