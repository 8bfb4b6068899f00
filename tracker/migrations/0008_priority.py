from tortoise import migrations
from tortoise.migrations import operations as ops
from tracker.models import Severity, Stage
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0007_merge")]

    initial = False

    operations = [
        ops.CreateModel(
            name="ResponseTarget",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "stage",
                    fields.CharEnumField(
                        unique=True,
                        description="ACKNOWLEDGE: acknowledge\nROOT_CAUSE: root_cause\nFIX: fix",
                        enum_type=Stage,
                        max_length=20,
                    ),
                ),
                ("hours", fields.IntField()),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "response_target",
                "app": "models",
                "pk_attr": "id",
                "table_description": "A published promise, e.g. acknowledge every complaint within 24 hours.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Complaint",
            name="severity",
            field=fields.CharEnumField(
                default=Severity.MINOR,
                db_default="minor",
                description="RANT: rant\nMINOR: minor\nMAJOR: major",
                enum_type=Severity,
                max_length=10,
            ),
        ),
    ]
