"""The co-op's own Ed25519 signing key, kept in a file only its owner can read.

The key signs checkpoints and the co-op's countersignatures. It is created once (`coop init`) and
never silently replaced: a missing or unreadable key is an error, because a new key would make
every published checkpoint unverifiable against `/log/key`.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import nacl.signing

_HEADER = "coop-ledger ed25519 seed v1\n"


class KeyFileError(RuntimeError):
    pass


def create_signing_key(path: Path) -> nacl.signing.SigningKey:
    """Create a new key file with mode 0600; refuse to overwrite an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = nacl.signing.SigningKey.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as error:
        raise KeyFileError(f"{path} already exists; refusing to replace the co-op's key") from error
    with os.fdopen(fd, "w") as handle:
        handle.write(_HEADER + base64.b64encode(bytes(key)).decode() + "\n")
    return key


def load_signing_key(path: Path) -> nacl.signing.SigningKey:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as error:
        raise KeyFileError(f"no co-op signing key at {path}; run `coop init` first") from error
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path} is accessible to other users (mode {oct(mode & 0o777)}); chmod 600 it")
    text = path.read_text()
    if not text.startswith(_HEADER):
        raise KeyFileError(f"{path} is not a coop-ledger key file")
    seed = base64.b64decode(text[len(_HEADER) :].strip())
    if len(seed) != 32:
        raise KeyFileError(f"{path} does not hold a 32-byte Ed25519 seed")
    return nacl.signing.SigningKey(seed)


def load_or_create_signing_key(path: Path) -> tuple[nacl.signing.SigningKey, bool]:
    """Return (key, created)."""
    if path.exists():
        return load_signing_key(path), False
    return create_signing_key(path), True


def load_or_create_app_secret(path: Path) -> str:
    """The web app's CSRF secret: random, private, stable across restarts."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.urlsafe_b64encode(os.urandom(32)).decode() + "\n")
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyFileError(f"{path} is accessible to other users (mode {oct(mode & 0o777)}); chmod 600 it")
    secret = path.read_text().strip()
    if len(secret) < 32:
        raise KeyFileError(f"{path} does not hold a usable secret")
    return secret
