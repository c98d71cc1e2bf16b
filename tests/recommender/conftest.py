"""Fixtures: the fixture shop built by the real build step, and the real service on loopback."""
from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from recommender.build import build
from recommender.config import load_settings
from tests.fixture_shop import write_config, write_coupons, write_shop

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def shop(tmp_path_factory):
    """(config path, settings) of a built fixture shop."""
    folder = tmp_path_factory.mktemp("shop")
    catalog, interactions = write_shop(folder / "data")
    coupons = write_coupons(folder / "coupons.yml", dt.date.today())
    config = write_config(folder, {"recommender": free_port(), "actions": free_port()}, folder / "models",
                          coupons, catalog, interactions)
    settings = load_settings(config)
    build(settings)
    return config, settings


@pytest.fixture(scope="session")
def engine(shop):
    from recommender.engine import Recommender
    return Recommender.load(shop[1])


@pytest.fixture(scope="session")
def service(shop):
    """Base URL of the real recommender service, started as its own process."""
    config, settings = shop
    env = {**os.environ, "CARTWISE_CONFIG": str(config), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "recommender.service"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{settings.port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/health", timeout=1):
                break
        except OSError:
            assert process.poll() is None, "recommender service exited during start-up"
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("recommender service did not start")
    yield url
    process.terminate()
    process.wait(10)
