"""The console's typed view of its section of cartwise.yml, plus the secrets it reads from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cartwise import config
from cartwise.config import sqlite_relative_to


@dataclass(frozen=True)
class ReviewSettings:
    endpoints: Path           # Rasa's endpoints.yml: where the tracker store is
    db_url: str               # the review index (SQLAlchemy URL)
    domain: Path
    data_dir: Path            # the project's NLU data, checked for clashes before a correction is written
    nlu_file: Path            # corrections land here (Rasa YAML, under data/)
    stories_file: Path        # conversations saved as test stories
    inbox_threshold: float    # shopper messages parsed with less confidence than this go to the NLU inbox
    index_every_s: float      # how often new tracker events are indexed
    train_config: Path        # Rasa's config.yml, for retraining from the console
    model_dir: Path           # where the retrained model goes (the running Rasa then loads it)
    model_name: str


@dataclass(frozen=True)
class ConsoleSettings:
    host: str
    port: int
    db: Path
    accounts_file: Path
    rasa_url: str
    recommender_url: str      # where `forget-shopper` deletes a shopper's history
    session_ttl_s: float      # a login lasts this long without activity
    agent_online_s: float     # an agent whose page has not polled for this long counts as away
    max_wait_s: float         # a shopper waiting this long for a person gets the bot back
    rasa_token: str           # CARTWISE_RASA_TOKEN: Rasa's --auth-token
    service_token: str        # CARTWISE_SERVICE_TOKEN: what the action server presents
    review: ReviewSettings


def load(path: Path | None = None) -> ConsoleSettings:
    file = config.load(path)
    raw = file.section("console")
    root, rel = file.root, file.resolve
    review = raw.get("review") or {}
    return ConsoleSettings(
        host=str(raw.get("host", "127.0.0.1")),
        port=int(raw.get("port", 5090)),
        db=rel(raw.get("db", "var/console.db")),
        accounts_file=rel(raw.get("accounts_file", "var/console-accounts.txt")),
        rasa_url=str(raw.get("rasa_url", "http://127.0.0.1:5005")).rstrip("/"),
        recommender_url=str(raw.get("recommender_url", "http://127.0.0.1:5070")).rstrip("/"),
        session_ttl_s=float(raw.get("session_ttl_s", 8 * 3600)),
        agent_online_s=float(raw.get("agent_online_s", 30)),
        max_wait_s=float(raw.get("max_wait_s", 300)),
        rasa_token=os.environ.get("CARTWISE_RASA_TOKEN", ""),
        service_token=os.environ.get("CARTWISE_SERVICE_TOKEN", ""),
        review=ReviewSettings(
            endpoints=rel(review.get("endpoints", "endpoints.yml")),
            db_url=sqlite_relative_to(root, os.environ.get("CARTWISE_REVIEW_DB")
                                      or str(review.get("db", "sqlite:///var/review.db"))),
            domain=rel(review.get("domain", "domain.yml")),
            data_dir=rel(review.get("data_dir", "data")),
            nlu_file=rel(review.get("nlu_file", "data/reviewed_nlu.yml")),
            stories_file=rel(review.get("stories_file", "tests/reviewed_stories.yml")),
            inbox_threshold=float(review.get("inbox_threshold", 0.6)),
            index_every_s=float(review.get("index_every_s", 2.0)),
            train_config=rel(review.get("train_config", "config.yml")),
            model_dir=rel(review.get("model_dir", "models/rasa")),
            model_name=str(review.get("model_name", "cartwise")),
        ),
    )
