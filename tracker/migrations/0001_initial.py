from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from tracker.models import Channel, ComplaintState, DeliveryState, Role, Status


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Category",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("slug", fields.CharField(unique=True, max_length=60)),
                ("name", fields.CharField(max_length=80)),
                ("description", fields.TextField(default="", unique=False)),
            ],
            options={"table": "category", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Staff",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("email", fields.CharField(unique=True, max_length=254)),
                ("name", fields.CharField(default="", max_length=100)),
                ("password_hash", fields.CharField(max_length=200)),
                (
                    "role",
                    fields.CharEnumField(
                        default=Role.AGENT,
                        description="ADMIN: admin\nAGENT: agent",
                        enum_type=Role,
                        max_length=10,
                    ),
                ),
                ("active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "staff", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="ApiToken",
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
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("label", fields.CharField(default="", max_length=100)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "last_used_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={"table": "api_token", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Issue",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("slug", fields.CharField(max_length=80)),
                ("title", fields.CharField(max_length=200)),
                ("summary", fields.TextField(default="", unique=False)),
                (
                    "status",
                    fields.CharEnumField(
                        default=Status.NEW,
                        description="NEW: new\nACKNOWLEDGED: acknowledged\nINVESTIGATING: investigating\nROOT_CAUSE_FOUND: root_cause_found\nFIXING: fixing\nFIXED: fixed\nWONT_FIX: wont_fix\nMERGED: merged",
                        enum_type=Status,
                        max_length=20,
                    ),
                ),
                ("root_cause", fields.TextField(default="", unique=False)),
                ("fix", fields.TextField(default="", unique=False)),
                ("wont_fix_reason", fields.TextField(default="", unique=False)),
                (
                    "category",
                    fields.ForeignKeyField(
                        "models.Category",
                        source_field="category_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="issues",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "owner",
                    fields.ForeignKeyField(
                        "models.Staff",
                        source_field="owner_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="owned_issues",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("closed", fields.BooleanField(default=False, db_index=True)),
                ("reporters", fields.IntField(default=0)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                (
                    "updated_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
                ("closed_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "issue",
                "app": "models",
                "pk_attr": "id",
                "table_description": "The public page for one root cause, whose id is its public number.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Complaint",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("tracking_token", fields.CharField(unique=True, max_length=64)),
                ("title", fields.CharField(max_length=200)),
                ("body", fields.TextField(unique=False)),
                ("email", fields.CharField(max_length=254)),
                ("public_name", fields.CharField(default="", max_length=80)),
                ("credit_consent", fields.BooleanField(default=False)),
                (
                    "channel",
                    fields.CharEnumField(
                        default=Channel.WEB,
                        description="WEB: web\nAPI: api\nFEED: feed\nSTAFF: staff",
                        enum_type=Channel,
                        max_length=10,
                    ),
                ),
                ("source_url", fields.CharField(default="", max_length=2000)),
                (
                    "state",
                    fields.CharEnumField(
                        default=ComplaintState.NEW,
                        db_index=True,
                        description="NEW: new\nLINKED: linked\nDISMISSED: dismissed",
                        enum_type=ComplaintState,
                        max_length=10,
                    ),
                ),
                (
                    "category",
                    fields.ForeignKeyField(
                        "models.Category",
                        source_field="category_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="complaints",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "issue",
                    fields.ForeignKeyField(
                        "models.Issue",
                        source_field="issue_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="complaints",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
                ("linked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "complaint",
                "app": "models",
                "pk_attr": "id",
                "table_description": "What one person reported, with contact details that only staff and they may see.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Update",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "issue",
                    fields.ForeignKeyField(
                        "models.Issue",
                        source_field="issue_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="updates",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "author",
                    fields.ForeignKeyField(
                        "models.Staff",
                        source_field="author_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="updates",
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("body", fields.TextField(default="", unique=False)),
                ("internal", fields.BooleanField(default=False)),
                (
                    "status_from",
                    fields.CharEnumField(
                        null=True,
                        description="NEW: new\nACKNOWLEDGED: acknowledged\nINVESTIGATING: investigating\nROOT_CAUSE_FOUND: root_cause_found\nFIXING: fixing\nFIXED: fixed\nWONT_FIX: wont_fix\nMERGED: merged",
                        enum_type=Status,
                        max_length=20,
                    ),
                ),
                (
                    "status_to",
                    fields.CharEnumField(
                        null=True,
                        description="NEW: new\nACKNOWLEDGED: acknowledged\nINVESTIGATING: investigating\nROOT_CAUSE_FOUND: root_cause_found\nFIXING: fixing\nFIXED: fixed\nWONT_FIX: wont_fix\nMERGED: merged",
                        enum_type=Status,
                        max_length=20,
                    ),
                ),
                ("root_cause", fields.TextField(default="", unique=False)),
                ("fix", fields.TextField(default="", unique=False)),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True),
                ),
            ],
            options={
                "table": "issue_update",
                "app": "models",
                "pk_attr": "id",
                "table_description": "One entry on an issue's timeline, internal ones for staff eyes only.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Notification",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("kind", fields.CharField(max_length=30)),
                (
                    "issue",
                    fields.ForeignKeyField(
                        "models.Issue",
                        source_field="issue_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="notifications",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "update",
                    fields.ForeignKeyField(
                        "models.Update",
                        source_field="update_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="notifications",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "complaint",
                    fields.ForeignKeyField(
                        "models.Complaint",
                        source_field="complaint_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="notifications",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "notification",
                "app": "models",
                "pk_attr": "id",
                "table_description": "Something happened that people must hear about, fanned out as deliveries.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Delivery",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "notification",
                    fields.ForeignKeyField(
                        "models.Notification",
                        source_field="notification_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("recipient", fields.CharField(max_length=254)),
                (
                    "complaint",
                    fields.ForeignKeyField(
                        "models.Complaint",
                        source_field="complaint_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "state",
                    fields.CharEnumField(
                        default=DeliveryState.PENDING,
                        db_index=True,
                        description="PENDING: pending\nSENT: sent\nFAILED: failed\nCANCELLED: cancelled",
                        enum_type=DeliveryState,
                        max_length=10,
                    ),
                ),
                ("attempts", fields.IntField(default=0)),
                (
                    "next_attempt_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
                ("last_error", fields.TextField(default="", unique=False)),
                ("message_id", fields.CharField(default="", max_length=200)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "delivery",
                "app": "models",
                "unique_together": (("notification", "recipient"),),
                "pk_attr": "id",
                "table_description": "One email to one recipient for one notification, sent at most once.",
            },
            bases=["Model"],
        ),
    ]
