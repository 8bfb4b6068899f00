"""Database configuration, schema migrations and the ORM's lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext
from tortoise.migrations.api import migrate as run_migrations

APP_LABEL = "models"


def tortoise_config(database_url: str) -> dict[str, Any]:
    """Return the ORM configuration for one database URL."""
    return {
        "connections": {"default": database_url},
        "apps": {
            APP_LABEL: {
                "models": ["tracker.models"],
                "default_connection": "default",
                "migrations": "tracker.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Used only by `tortoise makemigrations` (see [tool.tortoise] in pyproject.toml).
DEV_CONFIG = tortoise_config("sqlite://:memory:")


def _ensure_sqlite_dir(database_url: str) -> None:
    if database_url.startswith("sqlite://") and ":memory:" not in database_url:
        Path(database_url.removeprefix("sqlite://").split("?")[0]).parent.mkdir(
            parents=True, exist_ok=True
        )


async def migrate(database_url: str, target: str | None = None) -> None:
    """Bring the schema up to date (or to `target`, e.g. models.0001_initial); safe to rerun."""
    _ensure_sqlite_dir(database_url)
    # The migration API initialises whatever context is current, so give it one of its own.
    async with TortoiseContext():
        await run_migrations(config=tortoise_config(database_url), target=target)


@asynccontextmanager
async def connect(database_url: str) -> AsyncIterator[TortoiseContext]:
    """Open the ORM for the lifetime of the block and close its connections after."""
    _ensure_sqlite_dir(database_url)
    # Tortoise caches insert SQL per connection name and table, not per dialect: a process that
    # opens SQLite, then PostgreSQL (the tests do) would reuse SQLite's placeholders.
    EXECUTOR_CACHE.clear()
    async with TortoiseContext() as ctx:
        # The global fallback lets request tasks (not children of the lifespan task) see it.
        await ctx.init(config=tortoise_config(database_url), _enable_global_fallback=True)
        yield ctx
