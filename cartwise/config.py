"""The one loader of cartwise.yml: where the file is, and its sections as plain mappings.

`CARTWISE_CONFIG` names another file (the tests and the cluster run variants that way). Relative
paths inside the file are relative to the file's folder, so a copy elsewhere means the same files
as long as it sits beside them. The typed settings of each service are built on top of this.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV = "CARTWISE_CONFIG"


class ConfigError(ValueError):
    """The file is missing, is not YAML, or a section has the wrong shape: said with the path."""


def config_path() -> Path:
    return Path(os.environ.get(ENV) or PROJECT_ROOT / "cartwise.yml").resolve()


@dataclass(frozen=True)
class Config:
    path: Path                 # absolute
    raw: dict[str, Any]

    @property
    def root(self) -> Path:
        """The folder relative paths in the file start from."""
        return self.path.parent

    def section(self, name: str) -> dict[str, Any]:
        """A top-level section; {} when it is absent or empty."""
        value = self.raw.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: `{name}` must be a mapping, not {type(value).__name__}")
        return value

    def resolve(self, value: str | Path) -> Path:
        return (self.root / value).resolve()


def load(path: Path | None = None) -> Config:
    path = Path(path or config_path()).resolve()
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc.strerror or exc})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the configuration must be a mapping of sections")
    return Config(path, raw)


def sqlite_relative_to(root: Path, url: str) -> str:
    """sqlite:///var/x.db names a file relative to the config's folder, like every other path here."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/"):
        return prefix + str((root / url.removeprefix(prefix)).resolve())
    return url


def store_url(root: Path, value: str | Path) -> str:
    """A store's setting as a URL: a database URL as given (a relative SQLite file against `root`),
    a plain path as that SQLite file."""
    text = str(value)
    if "://" in text:
        return sqlite_relative_to(root, text)
    return "sqlite:///" + str((root / text).resolve())


def orders_url(file: Config) -> str:
    """The one orders store the shop writes and the action server reads (`actions.orders_db`: a
    SQLite file, the default, or a database URL; CARTWISE_ORDERS_DB, which can carry a password,
    overrides it)."""
    return store_url(file.root, os.environ.get("CARTWISE_ORDERS_DB")
                     or file.section("actions").get("orders_db", "var/orders.db"))
