from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tracker.models import Status
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0006_audit_log")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Issue",
            name="merged_into",
            field=fields.ForeignKeyField(
                "models.Issue",
                source_field="merged_into_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="merged_issues",
                on_delete=OnDelete.SET_NULL,
            ),
        ),
        ops.AddField(
            model_name="Issue",
            name="status_before_merge",
            field=fields.CharEnumField(
                null=True,
                description="NEW: new\nACKNOWLEDGED: acknowledged\nINVESTIGATING: investigating\nROOT_CAUSE_FOUND: root_cause_found\nFIXING: fixing\nFIXED: fixed\nWONT_FIX: wont_fix\nMERGED: merged",
                enum_type=Status,
                max_length=20,
            ),
        ),
    ]
