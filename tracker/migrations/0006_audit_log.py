from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0005_issue_search")]

    initial = False

    operations = [
        ops.CreateModel(
            name="AuditEntry",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "staff",
                    fields.ForeignKeyField(
                        "models.Staff",
                        source_field="staff_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="audit_entries",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("actor", fields.CharField(max_length=254)),
                ("action", fields.CharField(db_index=True, max_length=60)),
                ("target", fields.CharField(default="", max_length=100)),
                ("detail", fields.TextField(default="", unique=False)),
                ("at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "audit_entry",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One staff action: who did what to which thing, and when.",
            },
            bases=["Model"],
        ),
    ]
