from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0003_delivery_lease")]

    initial = False

    operations = [
        ops.CreateModel(
            name="FeedSource",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(max_length=100)),
                ("url", fields.CharField(max_length=2000)),
                (
                    "category",
                    fields.ForeignKeyField(
                        "models.Category",
                        source_field="category_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="feed_sources",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("active", fields.BooleanField(default=True)),
                ("poll_minutes", fields.IntField(default=15)),
                ("etag", fields.CharField(default="", max_length=500)),
                ("last_modified", fields.CharField(default="", max_length=100)),
                (
                    "last_polled_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("last_ok_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("entries_seen", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "feed_source",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An outside feed (forum, review site, social search) whose entries become complaints.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="FeedEntry",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "source",
                    fields.ForeignKeyField(
                        "models.FeedSource",
                        source_field="source_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="entries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("key", fields.CharField(max_length=300)),
                (
                    "complaint",
                    fields.ForeignKeyField(
                        "models.Complaint",
                        source_field="complaint_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="feed_entries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("seen_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "feed_entry",
                "app": "models",
                "unique_together": (("source", "key"),),
                "pk_attr": "id",
                "table_description": "One entry already taken from a source, so polling again never files it twice.",
            },
            bases=["Model"],
        ),
    ]
