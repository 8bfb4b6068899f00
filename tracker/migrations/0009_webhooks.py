from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tracker.models import DeliveryState
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0008_priority")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Webhook",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("url", fields.CharField(max_length=2000)),
                ("secret", fields.CharField(max_length=100)),
                ("active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "webhook",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An outside address told about issues being created, updated and closed, signed.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookCall",
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
                        related_name="webhook_calls",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "webhook",
                    fields.ForeignKeyField(
                        "models.Webhook",
                        source_field="webhook_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="calls",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("event", fields.CharField(max_length=30)),
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
                ("lease_token", fields.CharField(null=True, db_index=True, max_length=32)),
                ("last_error", fields.TextField(default="", unique=False)),
                ("sent_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_call",
                "app": "models",
                "unique_together": (("notification", "webhook"),),
                "pk_attr": "id",
                "table_description": "One signed POST of one notification to one webhook, retried like mail.",
            },
            bases=["Model"],
        ),
    ]
