"""Settings come from the environment once, with defaults that work on a laptop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker.settings import SettingsError, load

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_use_sqlite_under_var_and_a_maildir(tmp_path: Path) -> None:
    settings = load({"TRACKER_VAR_DIR": str(tmp_path)})
    assert settings.database_url.startswith(f"sqlite://{tmp_path}/tracker.sqlite3?")
    assert "journal_mode=WAL" in settings.database_url and "busy_timeout=" in settings.database_url
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.smtp_url is None and settings.mail_dir == tmp_path / "mail"
    # The generated secret key is kept, so sessions survive a restart.
    assert load({"TRACKER_VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key
    assert len(settings.secret_key) >= 32


def test_postgres_and_smtp(tmp_path: Path) -> None:
    settings = load(
        {
            "TRACKER_VAR_DIR": str(tmp_path),
            "TRACKER_DATABASE_URL": "postgresql://u:p@db/catalyst",
            "TRACKER_SMTP_URL": "smtps://user:pw@mail.example.com:465",
            "TRACKER_BASE_URL": "https://fix.example.com/",
        }
    )
    assert settings.database_url == "postgres://u:p@db/catalyst"
    assert settings.mail_dir is None and settings.secure_cookies
    assert settings.base_url == "https://fix.example.com"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRACKER_DATABASE_URL", "mysql://x"),
        ("TRACKER_BASE_URL", "ftp://x"),
        ("TRACKER_SMTP_URL", "http://x"),
    ],
)
def test_wrong_schemes_are_refused(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load({"TRACKER_VAR_DIR": str(tmp_path), name: value})


def test_every_setting_is_documented() -> None:
    source = (Path(__file__).resolve().parent.parent / "tracker" / "settings.py").read_text()
    names = set(re.findall(r'"(TRACKER_[A-Z_]+)"', source))
    assert len(names) >= 7
    readme = README.read_text()
    assert [n for n in sorted(names) if f"`{n}`" not in readme] == []
