from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tracker.models import Mode, Scope
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Subscription",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("key", fields.CharField(unique=True, max_length=300)),
                ("email", fields.CharField(db_index=True, max_length=254)),
                (
                    "scope",
                    fields.CharEnumField(
                        description="ISSUE: issue\nCATEGORY: category\nALL: all",
                        enum_type=Scope,
                        max_length=10,
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
                        related_name="subscriptions",
                        on_delete=OnDelete.CASCADE,
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
                        related_name="subscriptions",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "mode",
                    fields.CharEnumField(
                        default=Mode.EVERY,
                        description="EVERY: every\nCLOSE: close",
                        enum_type=Mode,
                        max_length=10,
                    ),
                ),
                ("affected", fields.BooleanField(default=False)),
                ("token", fields.CharField(unique=True, max_length=64)),
                ("confirm_token", fields.CharField(null=True, unique=True, max_length=64)),
                (
                    "confirm_sent_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "confirmed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                (
                    "unsubscribed_at",
                    fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "subscription",
                "app": "models",
                "pk_attr": "id",
                "table_description": "An address that follows an issue, a category or everything, active once confirmed.",
            },
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Delivery",
            name="subscription",
            field=fields.ForeignKeyField(
                "models.Subscription",
                source_field="subscription_id",
                null=True,
                db_constraint=True,
                to_field="id",
                related_name="deliveries",
                on_delete=OnDelete.CASCADE,
            ),
        ),
    ]
