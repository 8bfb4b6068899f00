"""The command line, run as a user runs it: a separate process on a fresh var/ folder."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRACKER_VAR_DIR": str(tmp_path / "var")}
    env.pop("TRACKER_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )


def test_staff_token_and_demo(tmp_path: Path) -> None:
    assert run(tmp_path, "migrate").stdout.strip() == "Database is up to date."
    added = run(
        tmp_path,
        "staff",
        "add",
        "Boss@Example.com",
        "--role",
        "admin",
        stdin="a long enough password\n",
    )
    assert added.returncode == 0 and "Added admin boss@example.com" in added.stdout
    token = run(tmp_path, "token", "create", "boss@example.com")
    assert (
        token.returncode == 0 and token.stdout.startswith("ctk_") and len(token.stdout.strip()) > 40
    )

    demo = run(tmp_path, "demo")
    assert (
        demo.returncode == 0
        and "6 issues" in demo.stdout
        and "demo-admin@example.org" in demo.stdout
    )
    again = run(tmp_path, "demo")
    assert again.returncode == 1 and "only fills an empty database" in again.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "phrase"),
    [
        (("staff", "add", "nobody"), "a long enough password\n", "not a valid address"),
        (("staff", "add", "a@example.com"), "short\n", "at least 10 characters"),
        (("token", "create", "ghost@example.com"), "", "No active staff account"),
    ],
)
def test_cli_errors_are_one_clear_line(
    tmp_path: Path, args: tuple[str, ...], stdin: str, phrase: str
) -> None:
    result = run(tmp_path, *args, stdin=stdin)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and phrase in result.stderr
    assert "Traceback" not in result.stderr


def test_duplicate_staff_is_refused(tmp_path: Path) -> None:
    run(tmp_path, "staff", "add", "a@example.com", stdin="a long enough password\n")
    again = run(tmp_path, "staff", "add", "a@example.com", stdin="a long enough password\n")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_bad_database_url_is_reported(tmp_path: Path) -> None:
    env_run = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "migrate"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "TRACKER_VAR_DIR": str(tmp_path), "TRACKER_DATABASE_URL": "mysql://x"},
    )
    assert env_run.returncode == 1 and "TRACKER_DATABASE_URL must start with" in env_run.stderr


def test_import_complaints_from_another_tool(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    export.write_text(
        "title,body,email,public_name\n"
        "Card reader broken,The reader at till 3 refuses every card.,a@example.com,Ann\n"
        'No email here,"Multi-line,\nwith a comma",,\n'
        "Bread stale,Bought on Monday.,b@example.com,\n",
        encoding="utf-8",
    )
    result = run(tmp_path, "import-complaints", str(export))
    assert result.returncode == 0, result.stderr
    assert "Imported 2 complaint(s); 1 row(s) refused." in result.stdout
    assert "line 4: email:" in result.stderr  # the refused row ends on line 4 of the file
    with sqlite3.connect(tmp_path / "var" / "tracker.sqlite3") as database:
        titles = [r[0] for r in database.execute("SELECT title FROM complaint ORDER BY id")]
        mails = database.execute("SELECT count(*) FROM delivery").fetchone()[0]
    assert titles == ["Card reader broken", "Bread stale"] and mails == 0

    acknowledged = run(tmp_path, "import-complaints", str(export), "--acknowledge")
    assert "Imported 2" in acknowledged.stdout
    with sqlite3.connect(tmp_path / "var" / "tracker.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM delivery").fetchone()[0] == 2


@pytest.mark.parametrize(
    ("content", "phrase"),
    [
        ("name,text\nx,y\n", "needs a header row with the columns title, body and email"),
        (None, "cannot read"),
    ],
)
def test_import_refuses_unusable_files(tmp_path: Path, content: str | None, phrase: str) -> None:
    path = tmp_path / "in.csv"
    if content is not None:
        path.write_text(content)
    result = run(tmp_path, "import-complaints", str(path))
    assert (
        result.returncode == 1 and result.stderr.startswith("error: ") and phrase in result.stderr
    )
