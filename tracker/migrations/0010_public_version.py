"""The shared counter that tells every app process its cached pages are stale."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


async def first_row(apps, schema_editor):
    await schema_editor.client.execute_query(
        "INSERT INTO public_version (id, counter) VALUES (1, 0)"
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0009_webhooks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="PublicVersion",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("counter", fields.BigIntField(default=0)),
            ],
            options={
                "table": "public_version",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A count of public changes, so each app process knows when its cached pages are stale.",
            },
            bases=["Model"],
        ),
        ops.RunPython(first_row, ops.RunPython.noop),
    ]
