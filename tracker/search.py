"""Ranked full-text search for similar issues: SQLite FTS5 or PostgreSQL tsvector, one API."""

from __future__ import annotations

import re
from typing import Any

from tortoise import connections

from tracker.models import Issue, Status

# FTS5 over the issue table, kept in step by triggers; porter stems "answering" to "answer".
SQLITE_SCHEMA = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS issue_search USING fts5(title, summary, root_cause, fix,"
    " content='issue', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS issue_search_insert AFTER INSERT ON issue BEGIN"
    " INSERT INTO issue_search(rowid, title, summary, root_cause, fix)"
    " VALUES (new.id, new.title, new.summary, new.root_cause, new.fix); END",
    "CREATE TRIGGER IF NOT EXISTS issue_search_delete AFTER DELETE ON issue BEGIN"
    " INSERT INTO issue_search(issue_search, rowid, title, summary, root_cause, fix)"
    " VALUES ('delete', old.id, old.title, old.summary, old.root_cause, old.fix); END",
    "CREATE TRIGGER IF NOT EXISTS issue_search_update AFTER UPDATE OF title, summary, root_cause,"
    " fix ON issue BEGIN"
    " INSERT INTO issue_search(issue_search, rowid, title, summary, root_cause, fix)"
    " VALUES ('delete', old.id, old.title, old.summary, old.root_cause, old.fix);"
    " INSERT INTO issue_search(rowid, title, summary, root_cause, fix)"
    " VALUES (new.id, new.title, new.summary, new.root_cause, new.fix); END",
    "INSERT INTO issue_search(issue_search) VALUES ('rebuild')",
]
# A generated, weighted tsvector with a GIN index: the title counts most.
POSTGRES_SCHEMA = [
    "ALTER TABLE issue ADD COLUMN IF NOT EXISTS search tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(summary, '') || ' ' || coalesce(root_cause, '')"
    " || ' ' || coalesce(fix, '')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS issue_search_idx ON issue USING GIN (search)",
]

_WORD = re.compile(r"\w+", re.UNICODE)
# Words that join unrelated complaints ("it is the") however small the table.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
    ]
)
MAX_WORDS = 16
# A word found in more issues than this says little about which one is meant (its inverse
# document frequency is near zero) and would make the search rank most of the table.
COMMON = 1000


def _words(text: str) -> list[str]:
    """Distinct words of the query, so any of them may match (ranked by how well)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        word = word.strip("_")
        if len(word) > 1 and word not in STOPWORDS:
            seen.setdefault(word, None)
    return list(seen)[:MAX_WORDS]


def _sqlite_match(words: list[str], joiner: str) -> str:
    # Each word quoted, so nothing a visitor types is read as FTS5 query syntax.
    return f" {joiner} ".join(f'"{w}"' for w in words)


async def _matches(connection: Any, sqlite: bool, word: str) -> int:
    """Count the issues a word appears in, stopping once it is clearly common."""
    if sqlite:
        sql = (
            "SELECT count(*) FROM"
            " (SELECT rowid FROM issue_search WHERE issue_search MATCH ? LIMIT ?)"
        )
        params: list[Any] = [_sqlite_match([word], "OR"), COMMON + 1]
    else:
        sql = (
            "SELECT count(*) FROM (SELECT 1 FROM issue"
            " WHERE search @@ to_tsquery('english', $1) LIMIT $2) AS hits"
        )
        params = [word, COMMON + 1]
    _, rows = await connection.execute_query(sql, params)
    return int(rows[0][0])


async def similar(text: str, limit: int = 5) -> list[Issue]:
    """Return the issues (open or closed, never merged) that best match a piece of text."""
    words = _words(text)
    if not words:
        return []
    connection = connections.get("default")
    sqlite = connection.capabilities.dialect == "sqlite"
    counts = {w: await _matches(connection, sqlite, w) for w in words}
    telling = [w for w in words if 0 < counts[w] <= COMMON]
    # Any telling word may match; when every word is common, all of them must.
    chosen, joiner = (telling, "OR") if telling else ([w for w in words if counts[w]], "AND")
    if not chosen:
        return []
    if sqlite:
        sql = (
            "SELECT issue.id FROM issue_search JOIN issue ON issue.id = issue_search.rowid"
            " WHERE issue_search MATCH ? AND issue.status != ?"
            " ORDER BY bm25(issue_search, 10.0, 3.0, 1.0, 1.0) LIMIT ?"
        )
        params: list[Any] = [_sqlite_match(chosen, joiner), Status.MERGED.value, limit]
    else:
        sql = (
            "SELECT id FROM issue, to_tsquery('english', $1) query"
            " WHERE search @@ query AND status != $2"
            " ORDER BY ts_rank_cd(search, query) DESC, id DESC LIMIT $3"
        )
        params = [(" | " if joiner == "OR" else " & ").join(chosen), Status.MERGED.value, limit]
    _, rows = await connection.execute_query(sql, params)
    ids = [int(row[0]) for row in rows]
    found = {i.id: i for i in await Issue.filter(id__in=ids).select_related("category")}
    return [found[i] for i in ids if i in found]
