"""Fixtures: the fixture shop built by the real build step, and the real service on loopback."""
from __future__ import annotations

import datetime as dt

import pytest

from recommender.build import build
from recommender.config import load_settings
from tests.fixture_shop import write_config, write_coupons, write_shop
from tests.processes import free_port, start_recommender, stop


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
def service(shop, tmp_path_factory):
    """Base URL of the real recommender service, started as its own process."""
    config, settings = shop
    process = start_recommender(config, settings.port, tmp_path_factory.mktemp("logs"))
    yield f"http://127.0.0.1:{settings.port}"
    stop(process)
