"""Password hashing with scrypt from the standard library: memory-hard, salted, constant-time compare."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from pathlib import Path

_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_hex, digest_hex = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=_N, r=_R, p=_P)
    return hmac.compare_digest(digest.hex(), digest_hex)


def make_demo_accounts(path: Path, columns: str, accounts: Iterable[tuple[str, str]],
                       add: Callable[[str, str, str], None], append: bool = False) -> None:
    """Demo accounts with random passwords, each given to `add(name, detail, password)` and written
    to `path` (mode 600), so nothing secret is ever in the repository. `append`: added to the file
    (accounts made earlier stay, with their passwords) instead of replacing it."""
    lines = []
    for name, detail in accounts:
        password = secrets.token_urlsafe(12)
        add(name, detail, password)
        lines.append(f"{name}\t{detail}\t{password}")
    path.parent.mkdir(parents=True, exist_ok=True)
    append = append and path.exists()
    header = "" if append else f"# {columns}\tpassword (demo accounts with random passwords)\n"
    path.touch(mode=0o600)
    with path.open("a" if append else "w") as out:
        out.write(header + "".join(line + "\n" for line in lines))
