"""Prometheus metrics: requests per process, mail and webhook queues read from the database."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from tortoise.functions import Count

from tracker.models import Delivery, DeliveryState, WebhookCall

access = logging.getLogger("tracker.access")
# Tracking, confirmation and unsubscribe links are secrets: logs keep only their shape.
_SECRET_PATH = re.compile(r"^/(track|subscriptions/confirm|unsubscribe)/[^/]+")


class Metrics:
    """One registry per app, so two apps in one process (as in tests) never share counts."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self.requests = Counter(
            "catalyst_http_requests",
            "HTTP requests answered, by route and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "catalyst_http_request_duration_seconds",
            "Time to answer HTTP requests, by route.",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
            registry=self.registry,
        )
        self.deliveries = Gauge(
            "catalyst_mail_deliveries",
            "Mail deliveries in the outbox, by state (all processes: read from the database).",
            ["state"],
            registry=self.registry,
        )
        self.outbox_due = Gauge(
            "catalyst_outbox_due",
            "Pending mail deliveries whose time has come: the delivery backlog.",
            registry=self.registry,
        )
        self.oldest_due = Gauge(
            "catalyst_outbox_oldest_due_seconds",
            "How long the oldest due pending delivery has waited.",
            registry=self.registry,
        )
        self.webhook_calls = Gauge(
            "catalyst_webhook_calls",
            "Webhook calls by state (all processes: read from the database).",
            ["state"],
            registry=self.registry,
        )
        self.cache_hits = Gauge(
            "catalyst_page_cache_hits",
            "Pages served from this process's cache.",
            registry=self.registry,
        )
        self.cache_misses = Gauge(
            "catalyst_page_cache_misses",
            "Cacheable pages this process had to render.",
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request; label lookups are cached, as they cost more than the count."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    async def collect(self, cache_hits: int, cache_misses: int) -> bytes:
        """Read the queues from the database and return the exposition text."""
        now = datetime.now(UTC)
        counts = dict(
            await Delivery.annotate(n=Count("id")).group_by("state").values_list("state", "n")
        )
        for state in DeliveryState:
            self.deliveries.labels(state.value).set(counts.get(state, 0))
        due = Delivery.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        self.outbox_due.set(await due.count())
        oldest = (
            await due.order_by("next_attempt_at").first().values_list("next_attempt_at", flat=True)
        )
        self.oldest_due.set((now - oldest).total_seconds() if isinstance(oldest, datetime) else 0)
        calls = dict(
            await WebhookCall.annotate(n=Count("id")).group_by("state").values_list("state", "n")
        )
        for state in DeliveryState:
            self.webhook_calls.labels(state.value).set(calls.get(state, 0))
        self.cache_hits.set(cache_hits)
        self.cache_misses.set(cache_misses)
        return generate_latest(self.registry)


def route_name(scope: Scope) -> str:
    """Name a request by the code that answered it, never by its path, so labels stay few."""
    endpoint: Callable[..., object] | None = scope.get("endpoint")
    if endpoint is None:
        return "unmatched"
    module = getattr(endpoint, "__module__", "").removeprefix("tracker.web.")
    return f"{module}.{getattr(endpoint, '__name__', type(endpoint).__name__)}"


class RequestLog:
    """Count, time and log every request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def keep_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, keep_status)
        finally:
            elapsed = time.perf_counter() - started
            route = route_name(scope)
            self.metrics.observe(scope["method"], route, status, elapsed)
            if access.isEnabledFor(logging.INFO):
                access.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": _SECRET_PATH.sub(r"/\1/<token>", scope["path"]),
                        "route": route,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    },
                )
