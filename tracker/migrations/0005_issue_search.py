"""Full-text search over issues: FTS5 on SQLite, a weighted tsvector with GIN on PostgreSQL."""

from tortoise import migrations
from tortoise.migrations import operations as ops


async def create_search(apps, schema_editor):
    from tracker.search import POSTGRES_SCHEMA, SQLITE_SCHEMA

    statements = SQLITE_SCHEMA if schema_editor.DIALECT == "sqlite" else POSTGRES_SCHEMA
    for statement in statements:
        # One statement per call: trigger bodies hold semicolons a script splitter would cut.
        await schema_editor.client.execute_query(statement)


class Migration(migrations.Migration):
    dependencies = [("models", "0004_feed_sources")]

    initial = False

    operations = [ops.RunPython(create_search, ops.RunPython.noop)]
