"""Settings read once from the environment."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """A setting has a value the app cannot use."""


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about its deployment."""

    var_dir: Path
    database_url: str
    base_url: str
    secret_key: str
    mail_from: str
    smtp_url: str | None = None
    mail_dir: Path | None = None
    site_name: str = "Catalyst"
    run_worker: bool = True
    worker_poll_seconds: float = 2.0
    delivery_lease_seconds: float = 300.0
    delivery_connections: int = 4
    delivery_batch: int = 500
    max_body_bytes: int = 1_000_000
    page_cache_seconds: float = 1.0
    log_format: str = "text"
    log_level: str = "info"
    metrics_token: str | None = None

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite://")


def _secret_key(var_dir: Path) -> str:
    """Return the key stored under var/, creating it on first use."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL so two processes starting at once cannot each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _sqlite_url(path: Path) -> str:
    # busy_timeout lets the web app and the worker share the file without "database is locked".
    # synchronous=NORMAL is WAL's usual pairing: safe from app crashes, and a commit no longer
    # waits for fsync (a power cut may lose the last moments; PostgreSQL is for more).
    return f"sqlite://{path}?journal_mode=WAL&synchronous=NORMAL&busy_timeout=5000&foreign_keys=ON"


def _check_url(name: str, value: str, schemes: tuple[str, ...]) -> str:
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        raise SettingsError(f"{name} must start with one of {', '.join(schemes)}: got {value!r}")
    return value


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the environment; every value has a laptop default."""
    env = os.environ if environ is None else environ
    var_dir = Path(env.get("TRACKER_VAR_DIR", "var")).resolve()
    database_url = env.get("TRACKER_DATABASE_URL") or _sqlite_url(var_dir / "tracker.sqlite3")
    if database_url.startswith("postgresql://"):
        database_url = "postgres://" + database_url.removeprefix("postgresql://")
    _check_url("TRACKER_DATABASE_URL", database_url, ("sqlite", "postgres"))
    base_url = _check_url(
        "TRACKER_BASE_URL", env.get("TRACKER_BASE_URL", "http://127.0.0.1:8000"), ("http", "https")
    ).rstrip("/")
    smtp_url = env.get("TRACKER_SMTP_URL") or None
    if smtp_url:
        _check_url("TRACKER_SMTP_URL", smtp_url, ("smtp", "smtps"))
    host = urlsplit(base_url).hostname or "localhost"
    return Settings(
        var_dir=var_dir,
        database_url=database_url,
        base_url=base_url,
        secret_key=env.get("TRACKER_SECRET_KEY") or _secret_key(var_dir),
        mail_from=env.get("TRACKER_MAIL_FROM", f"Catalyst <catalyst@{host}>"),
        smtp_url=smtp_url,
        mail_dir=None if smtp_url else var_dir / "mail",
        site_name=env.get("TRACKER_SITE_NAME", "Catalyst"),
        run_worker=env.get("TRACKER_RUN_WORKER", "1") not in ("0", "false", "no"),
        delivery_lease_seconds=_number(env, "TRACKER_DELIVERY_LEASE_SECONDS", 300.0, 1, 86400),
        delivery_connections=int(_number(env, "TRACKER_DELIVERY_CONNECTIONS", 4, 1, 64)),
        delivery_batch=int(_number(env, "TRACKER_DELIVERY_BATCH", 500, 1, 10000)),
        page_cache_seconds=_number(env, "TRACKER_PAGE_CACHE_SECONDS", 1.0, 0, 3600),
        log_format=_choice(env, "TRACKER_LOG_FORMAT", "text", ("text", "json")),
        log_level=_choice(env, "TRACKER_LOG_LEVEL", "info", ("debug", "info", "warning", "error")),
        metrics_token=env.get("TRACKER_METRICS_TOKEN") or None,
    )


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}: got {value!r}")
    return value


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number: got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}: got {raw!r}")
    return value
