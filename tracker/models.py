"""Every table the tracker stores, in one place.

Model docstrings become table comments in migrations, and tortoise splits SQLite DDL on
semicolons, so keep semicolons out of them.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"


class Channel(StrEnum):
    WEB = "web"
    API = "api"
    FEED = "feed"
    STAFF = "staff"


class ComplaintState(StrEnum):
    NEW = "new"
    LINKED = "linked"
    DISMISSED = "dismissed"


class Status(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    INVESTIGATING = "investigating"
    ROOT_CAUSE_FOUND = "root_cause_found"
    FIXING = "fixing"
    FIXED = "fixed"
    WONT_FIX = "wont_fix"
    MERGED = "merged"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATUSES


STATUS_LABELS = {
    Status.NEW: "New",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.INVESTIGATING: "Investigating",
    Status.ROOT_CAUSE_FOUND: "Root cause found",
    Status.FIXING: "Fixing",
    Status.FIXED: "Fixed",
    Status.WONT_FIX: "Won't fix",
    Status.MERGED: "Merged",
}
CLOSED_STATUSES = frozenset({Status.FIXED, Status.WONT_FIX, Status.MERGED})


class Scope(StrEnum):
    ISSUE = "issue"
    CATEGORY = "category"
    ALL = "all"


class Mode(StrEnum):
    EVERY = "every"  # every public update
    CLOSE = "close"  # only when the issue closes


class Severity(StrEnum):
    RANT = "rant"  # venting, nothing lost
    MINOR = "minor"  # an inconvenience
    MAJOR = "major"  # cost money, time, safety or access

    @property
    def weight(self) -> int:
        return {Severity.RANT: 1, Severity.MINOR: 3, Severity.MAJOR: 9}[self]


class Stage(StrEnum):
    """Response targets a company publishes: how soon each step of the loop happens."""

    ACKNOWLEDGE = "acknowledge"
    ROOT_CAUSE = "root_cause"
    FIX = "fix"


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # permanently refused (5xx) or gave up after retries
    CANCELLED = "cancelled"  # the recipient no longer wants it


class Staff(Model):
    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=254, unique=True)
    name = fields.CharField(max_length=100, default="")
    password_hash = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=10, default=Role.AGENT)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "staff"


class ApiToken(Model):
    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="tokens", on_delete=fields.CASCADE
    )
    # Only the SHA-256 of the token is kept, so a leaked database leaks no usable token.
    token_hash = fields.CharField(max_length=64, unique=True)
    label = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "api_token"


class Category(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=60, unique=True)
    name = fields.CharField(max_length=80)
    description = fields.TextField(default="")

    class Meta:
        table = "category"
        ordering = ["name"]


class Issue(Model):
    """The public page for one root cause, whose id is its public number."""

    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=80)
    title = fields.CharField(max_length=200)
    summary = fields.TextField(default="")
    status = fields.CharEnumField(Status, max_length=20, default=Status.NEW)
    root_cause = fields.TextField(default="")
    fix = fields.TextField(default="")
    wont_fix_reason = fields.TextField(default="")
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="issues", null=True, on_delete=fields.SET_NULL
    )
    owner: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="owned_issues", null=True, on_delete=fields.SET_NULL
    )
    closed = fields.BooleanField(default=False, db_index=True)
    reporters = fields.IntField(default=0)  # across the issue and all merged into it
    # A merged issue keeps its rows and points at the survivor, so unmerging restores it whole.
    merged_into: fields.ForeignKeyNullableRelation[Issue] = fields.ForeignKeyField(
        "models.Issue", related_name="merged_issues", null=True, on_delete=fields.SET_NULL
    )
    status_before_merge = fields.CharEnumField(Status, max_length=20, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    closed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "issue"


class Complaint(Model):
    """What one person reported, with contact details that only staff and they may see."""

    id = fields.IntField(primary_key=True)
    tracking_token = fields.CharField(max_length=64, unique=True)
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    email = fields.CharField(max_length=254)
    public_name = fields.CharField(max_length=80, default="")
    credit_consent = fields.BooleanField(default=False)
    channel = fields.CharEnumField(Channel, max_length=10, default=Channel.WEB)
    # A database default too, so adding the column to a table with rows works.
    severity = fields.CharEnumField(
        Severity, max_length=10, default=Severity.MINOR, db_default=Severity.MINOR.value
    )
    source_url = fields.CharField(max_length=2000, default="")
    state = fields.CharEnumField(
        ComplaintState, max_length=10, default=ComplaintState.NEW, db_index=True
    )
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="complaints", null=True, on_delete=fields.SET_NULL
    )
    issue: fields.ForeignKeyNullableRelation[Issue] = fields.ForeignKeyField(
        "models.Issue", related_name="complaints", null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    linked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "complaint"


class Update(Model):
    """One entry on an issue's timeline, internal ones for staff eyes only."""

    id = fields.IntField(primary_key=True)
    issue: fields.ForeignKeyRelation[Issue] = fields.ForeignKeyField(
        "models.Issue", related_name="updates", on_delete=fields.CASCADE
    )
    author: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="updates", null=True, on_delete=fields.SET_NULL
    )
    body = fields.TextField(default="")
    internal = fields.BooleanField(default=False)
    status_from = fields.CharEnumField(Status, max_length=20, null=True)
    status_to = fields.CharEnumField(Status, max_length=20, null=True)
    root_cause = fields.TextField(default="")
    fix = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "issue_update"
        ordering = ["created_at", "id"]


class Subscription(Model):
    """An address that follows an issue, a category or everything, active once confirmed."""

    id = fields.IntField(primary_key=True)
    # email|scope|target, unique, because NULL targets would slip past a composite unique index.
    key = fields.CharField(max_length=300, unique=True)
    email = fields.CharField(max_length=254, db_index=True)
    scope = fields.CharEnumField(Scope, max_length=10)
    issue: fields.ForeignKeyNullableRelation[Issue] = fields.ForeignKeyField(
        "models.Issue", related_name="subscriptions", null=True, on_delete=fields.CASCADE
    )
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="subscriptions", null=True, on_delete=fields.CASCADE
    )
    mode = fields.CharEnumField(Mode, max_length=10, default=Mode.EVERY)
    affected = fields.BooleanField(default=False)
    token = fields.CharField(max_length=64, unique=True)
    confirm_token = fields.CharField(max_length=64, null=True, unique=True)
    confirm_sent_at = fields.DatetimeField(null=True)
    confirmed_at = fields.DatetimeField(null=True)
    unsubscribed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "subscription"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class FeedSource(Model):
    """An outside feed (forum, review site, social search) whose entries become complaints."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    url = fields.CharField(max_length=2000)
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="feed_sources", null=True, on_delete=fields.SET_NULL
    )
    active = fields.BooleanField(default=True)
    poll_minutes = fields.IntField(default=15)
    etag = fields.CharField(max_length=500, default="")
    last_modified = fields.CharField(max_length=100, default="")
    last_polled_at = fields.DatetimeField(null=True)
    last_ok_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(default="")
    entries_seen = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "feed_source"


class FeedEntry(Model):
    """One entry already taken from a source, so polling again never files it twice."""

    id = fields.IntField(primary_key=True)
    source: fields.ForeignKeyRelation[FeedSource] = fields.ForeignKeyField(
        "models.FeedSource", related_name="entries", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=300)  # the entry id, else its link, else a content hash
    complaint: fields.ForeignKeyNullableRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="feed_entries", null=True, on_delete=fields.SET_NULL
    )
    seen_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "feed_entry"
        unique_together = (("source", "key"),)


class AuditEntry(Model):
    """One staff action: who did what to which thing, and when."""

    id = fields.IntField(primary_key=True)
    staff: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    actor = fields.CharField(max_length=254)  # kept as written, even if the account goes
    action = fields.CharField(max_length=60, db_index=True)
    target = fields.CharField(max_length=100, default="")
    detail = fields.TextField(default="")
    at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_entry"


class ResponseTarget(Model):
    """A published promise, e.g. acknowledge every complaint within 24 hours."""

    id = fields.IntField(primary_key=True)
    stage = fields.CharEnumField(Stage, max_length=20, unique=True)
    hours = fields.IntField()
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "response_target"


class PublicVersion(Model):
    """A count of public changes, so each app process knows when its cached pages are stale."""

    id = fields.IntField(primary_key=True)
    counter = fields.BigIntField(default=0)

    class Meta:
        table = "public_version"


class Webhook(Model):
    """An outside address told about issues being created, updated and closed, signed."""

    id = fields.IntField(primary_key=True)
    url = fields.CharField(max_length=2000)
    secret = fields.CharField(max_length=100)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook"


class Notification(Model):
    """Something happened that people must hear about, fanned out as deliveries."""

    id = fields.IntField(primary_key=True)
    kind = fields.CharField(max_length=30)
    issue: fields.ForeignKeyNullableRelation[Issue] = fields.ForeignKeyField(
        "models.Issue", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    update: fields.ForeignKeyNullableRelation[Update] = fields.ForeignKeyField(
        "models.Update", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    complaint: fields.ForeignKeyNullableRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="notifications", null=True, on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "notification"


class Delivery(Model):
    """One email to one recipient for one notification, sent at most once."""

    id = fields.IntField(primary_key=True)
    notification: fields.ForeignKeyRelation[Notification] = fields.ForeignKeyField(
        "models.Notification", related_name="deliveries", on_delete=fields.CASCADE
    )
    recipient = fields.CharField(max_length=254)
    complaint: fields.ForeignKeyNullableRelation[Complaint] = fields.ForeignKeyField(
        "models.Complaint", related_name="deliveries", null=True, on_delete=fields.CASCADE
    )
    subscription: fields.ForeignKeyNullableRelation[Subscription] = fields.ForeignKeyField(
        "models.Subscription", related_name="deliveries", null=True, on_delete=fields.CASCADE
    )
    state = fields.CharEnumField(
        DeliveryState, max_length=10, default=DeliveryState.PENDING, db_index=True
    )
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    # Set by the worker that claimed the row, so a claim is exclusive even without row locks.
    lease_token = fields.CharField(max_length=32, null=True, db_index=True)
    last_error = fields.TextField(default="")
    message_id = fields.CharField(max_length=200, default="")
    sent_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "delivery"
        unique_together = (("notification", "recipient"),)


class WebhookCall(Model):
    """One signed POST of one notification to one webhook, retried like mail."""

    id = fields.IntField(primary_key=True)
    notification: fields.ForeignKeyRelation[Notification] = fields.ForeignKeyField(
        "models.Notification", related_name="webhook_calls", on_delete=fields.CASCADE
    )
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "models.Webhook", related_name="calls", on_delete=fields.CASCADE
    )
    event = fields.CharField(max_length=30)
    state = fields.CharEnumField(
        DeliveryState, max_length=10, default=DeliveryState.PENDING, db_index=True
    )
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    lease_token = fields.CharField(max_length=32, null=True, db_index=True)
    last_error = fields.TextField(default="")
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_call"
        unique_together = (("notification", "webhook"),)
