"""The command line: serve, worker, migrate, staff, token, demo, feeds and imports."""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence

from tqdm import tqdm

from tracker import auth, db, ingest, intake, logs, webhooks
from tracker.errors import DomainError, InvalidInput
from tracker.models import FeedSource
from tracker.settings import Settings, SettingsError, load


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python main.py", description="Catalyst fix tracker.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="migrate, serve the web app and deliver mail (default)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    sub.add_parser("worker", help="run the delivery worker alone")
    sub.add_parser("migrate", help="bring the database schema up to date")
    staff = sub.add_parser("staff", help="manage staff accounts").add_subparsers(
        dest="action", required=True
    )
    add = staff.add_parser("add", help="add a staff account; password from stdin or prompted")
    add.add_argument("email")
    add.add_argument("--role", choices=["admin", "agent"], default="agent")
    add.add_argument("--name", default="")
    token = sub.add_parser("token", help="manage API tokens").add_subparsers(
        dest="action", required=True
    )
    create = token.add_parser("create", help="print a new staff API token")
    create.add_argument("email")
    create.add_argument("--label", default="")
    sub.add_parser("demo", help="fill an empty database with realistic sample data")
    feeds = sub.add_parser("feeds", help="outside feeds filed as complaints").add_subparsers(
        dest="action", required=True
    )
    feed_add = feeds.add_parser("add", help="add a feed to poll")
    feed_add.add_argument("url")
    feed_add.add_argument("--name", required=True)
    feed_add.add_argument("--category", default="")
    feed_add.add_argument("--every", type=int, default=15, help="minutes between polls")
    feeds.add_parser("list", help="list feeds with their last result")
    sub.add_parser("poll-feeds", help="poll every active feed now")
    bulk = sub.add_parser(
        "import-complaints", help="file complaints from a CSV export of another tool"
    )
    bulk.add_argument(
        "file",
        help="CSV with columns title, body, email (and optionally "
        "public_name, credit_consent, category, severity)",
    )
    bulk.add_argument(
        "--acknowledge", action="store_true", help="email each person their tracking link"
    )
    return parser


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise DomainError("The two passwords differ.")
    return first


async def _with_db(settings: Settings, work: Callable[[], Awaitable[None]]) -> None:
    await db.migrate(settings.database_url)
    async with db.connect(settings.database_url):
        await work()


async def _staff_add(settings: Settings, args: argparse.Namespace) -> None:
    password = _read_password()

    async def work() -> None:
        staff = await auth.add_staff(args.email, password, args.role, args.name)
        print(f"Added {staff.role.value} {staff.email}.")

    await _with_db(settings, work)


async def _token_create(settings: Settings, args: argparse.Namespace) -> None:
    async def work() -> None:
        print(await auth.create_token(args.email, args.label))

    await _with_db(settings, work)


def _bar(total: int | None, unit: str) -> tqdm[None]:
    """A progress bar on stderr, shown only to a person at a terminal."""
    return tqdm(
        total=total, unit=unit, file=sys.stderr, disable=not sys.stderr.isatty(), leave=False
    )


async def _demo(settings: Settings) -> None:
    from tracker import demo

    with _bar(sum(issue[6] for issue in demo.ISSUES), " complaints") as bar:
        await _with_db(settings, lambda: demo.fill(settings, progress=bar.update))


def _read_rows(path: str) -> list[tuple[int, dict[str, str]]]:
    """Read a CSV of complaints, each row with its line number for error messages."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {"title", "body", "email"} - set(reader.fieldnames or [])
            if missing:
                raise InvalidInput(
                    f"{path} needs a header row with the columns title, body and email "
                    f"(missing: {', '.join(sorted(missing))})."
                )
            return [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}") from exc


async def _import(settings: Settings, rows: list[tuple[int, dict[str, str]]], ack: bool) -> None:
    async def work() -> None:
        with _bar(len(rows), " rows") as bar:
            result = await intake.import_complaints(rows, acknowledge=ack, progress=bar.update)
        for line, problem in result.errors:
            print(f"line {line}: {problem}", file=sys.stderr)
        print(f"Imported {result.added} complaint(s); {len(result.errors)} row(s) refused.")

    await _with_db(settings, work)


def _outcome(result: ingest.PollResult) -> str:
    if result.error:
        return f"error: {result.error}"
    return "not modified" if result.not_modified else f"{result.new} new complaint(s)"


async def _feeds(settings: Settings, args: argparse.Namespace) -> None:
    async def work() -> None:
        if args.command == "poll-feeds":
            with _bar(await FeedSource.filter(active=True).count(), " feeds") as bar:
                results = await ingest.poll_all(
                    settings, only_due=False, progress=lambda r: bar.update()
                )
            for result in results:
                print(f"{result.source.name}: {_outcome(result)}", flush=True)
        elif args.action == "add":
            source = await ingest.add_source(
                {
                    "url": args.url,
                    "name": args.name,
                    "category": args.category,
                    "poll_minutes": str(args.every),
                }
            )
            print(f"Added feed {source.id}: {source.name}, polled every {source.poll_minutes} min.")
        else:
            for s in await ingest.sources():
                state = s.last_error or ("ok" if s.last_ok_at else "not polled yet")
                print(f"{s.id}\t{s.name}\t{s.url}\t{s.entries_seen} filed\t{state}")

    await _with_db(settings, work)


async def _worker(settings: Settings) -> None:
    from tracker.outbox import Worker
    from tracker.templating import make_environment

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await db.migrate(settings.database_url)
    async with db.connect(settings.database_url):
        print("Delivery worker and feed poller running; Ctrl-C to stop.", flush=True)
        await asyncio.gather(
            Worker(settings, make_environment()).run(stop),
            ingest.run(settings, stop),
            webhooks.run(settings, stop),
        )


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from tracker.app import create_app

    asyncio.run(db.migrate(settings.database_url))
    print(
        f"Catalyst on http://{host}:{port}  (mail: {settings.smtp_url or settings.mail_dir})",
        flush=True,
    )
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        proxy_headers=True,
        log_config=None,  # logs.configure already routed uvicorn's logs through ours
        access_log=False,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return the process exit status."""
    args = _parser().parse_args(argv)
    try:
        settings = load()
        logs.configure(settings)
        command = args.command or "serve"
        if command == "serve":
            _serve(settings, getattr(args, "host", "127.0.0.1"), getattr(args, "port", 8000))
        elif command == "worker":
            asyncio.run(_worker(settings))
        elif command == "migrate":
            asyncio.run(db.migrate(settings.database_url))
            print("Database is up to date.")
        elif command == "staff":
            asyncio.run(_staff_add(settings, args))
        elif command == "token":
            asyncio.run(_token_create(settings, args))
        elif command == "demo":
            asyncio.run(_demo(settings))
        elif command == "import-complaints":
            asyncio.run(_import(settings, _read_rows(args.file), args.acknowledge))
        elif command in ("feeds", "poll-feeds"):
            asyncio.run(_feeds(settings, args))
    except (DomainError, SettingsError) as exc:
        print(f"error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 1
    return 0
