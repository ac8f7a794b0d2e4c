"""Writes for notifications: outbox rows, their delivery, in-app notices, preferences, webhooks.

The outbox: `delivery_enqueue` writes a Delivery row inside the caller's transaction and asks
for a drain after commit. Workers claim due rows with a lease (a conditional UPDATE, so two
workers on two machines never hold the same row), send them and mark them sent. A worker that
dies mid-send leaves the row leased; once the lease runs out another worker sends it again:
at least once, deduplicated by the receiver on the delivery key / id.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from beacon.accounts.models import User
from beacon.audit.services import audit_record
from beacon.core import configcache
from beacon.core.bulk import insert_rows
from beacon.core.errors import NotFound
from beacon.notifications.backends import (
    DeliveryError,
    OutgoingMessage,
    PermanentDeliveryError,
    get_backend,
    sender_for,
)
from beacon.notifications.backends.webhook import webhook_body, webhook_call
from beacon.notifications.link_urls import ticket_url
from beacon.notifications.models import (
    Delivery,
    DeliveryStatus,
    InAppNotification,
    Kind,
    NotificationPreference,
    WebhookDelivery,
    WebhookEndpoint,
)
from beacon.notifications.queries import preference_for
from beacon.notifications.rendering import (
    CUSTOMER_TEMPLATES,
    STAFF_TEMPLATES,
    render_notice,
)
from beacon.tickets.models import Channel, Ticket

logger = logging.getLogger(__name__)

# On email tickets these notices come as mail in the ticket's thread instead (beacon/intake/
# email: the auto-reply, with its loop checks, and the agent's reply itself).
EMAIL_THREAD_REPLACES = frozenset({"customer_received", "customer_waiting"})
RETRYABLE = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING)
MAX_BACKOFF_SECONDS = 3600
# One drain run stops claiming after this long, so one task never holds a worker for ages.
DRAIN_BUDGET_SECONDS = 50


# --- enqueueing ----------------------------------------------------------------------------


def delivery_enqueue(
    *,
    dedup_key: str,
    kind: str,
    template_key: str,
    language: str = "en",
    context: dict[str, Any] | None = None,
    recipient: User | None = None,
    address: str = "",
    endpoint: WebhookEndpoint | None = None,
) -> Delivery:
    """Write one outbox row unless a row with `dedup_key` exists (then return that one).

    Call inside the transaction of the change it announces; the drain is kicked after commit.
    """
    delivery, created = Delivery.objects.get_or_create(
        dedup_key=dedup_key[:200],
        defaults={
            "kind": kind,
            "template_key": template_key,
            "language": language,
            "context": context or {},
            "recipient": recipient,
            "address": address,
            "endpoint": endpoint,
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        _kick_after_commit()
    return delivery


def _kick() -> None:
    from beacon.notifications.tasks import deliveries_drain_task

    deliveries_drain_task()


def _kick_after_commit() -> None:
    # One kick per transaction is enough: a drain sends every due row, not just one.
    pending = getattr(connection, "run_on_commit", [])
    if any(entry[1] is _kick for entry in pending):
        return
    transaction.on_commit(_kick, robust=True)


def _ticket_url(ticket: Ticket, *, staff: bool) -> str:
    return ticket_url(ticket.reference, staff=staff)


def customer_context(
    ticket: Ticket, kind: str, *, url: str | None = None
) -> dict[str, Any]:
    """What a customer notice may show on channel `kind` (`url`: the ticket's portal link,
    when already built).

    Nothing the customer wrote (subject, description, replies) goes to an address not verified
    as theirs: unverified email, SMS and push get only the reference and the fixed text.
    """
    context: dict[str, Any] = {
        "reference": ticket.reference,
        "url": url if url is not None else _ticket_url(ticket, staff=False),
    }
    verified = kind == Kind.IN_APP or (
        kind == Kind.EMAIL and ticket.customer.email_verified
    )
    if verified:
        context["subject"] = ticket.subject
    return context


def _address_for(user: User, kind: str) -> str | None:
    if kind == Kind.EMAIL:
        return user.email or None
    if kind == Kind.SMS:
        return user.phone or None
    if kind == Kind.PUSH:
        return user.exchange_uid or str(user.pk)
    return ""


def notify_customer(
    *, ticket: Ticket, template_key: str, marker: str
) -> list[Delivery]:
    """Queue a progress notice for the ticket's customer on each channel they chose.

    `marker` names the change (an event id, "created"); with the template it forms the dedup key,
    so announcing the same change twice sends one notice.
    """
    return [
        delivery_enqueue(**row)
        for row in customer_notice_rows(
            ticket=ticket, template_key=template_key, marker=marker
        )
    ]


def customer_notice_rows(
    *,
    ticket: Ticket,
    template_key: str,
    marker: str,
    preference: NotificationPreference | None = None,
) -> list[dict[str, Any]]:
    """The `delivery_enqueue` arguments of `notify_customer` (`preference` when already read)."""
    if template_key not in CUSTOMER_TEMPLATES:
        raise ValueError(f"unknown customer template {template_key!r}")
    customer = ticket.customer
    if not customer.is_active or not customer.is_customer:
        return []
    preference = preference or preference_for(customer)
    rows = []
    url: str | None = None
    for kind in _channels(preference):
        address = _address_for(customer, kind)
        if address is None:
            continue
        if (
            kind == Kind.EMAIL
            and ticket.channel == Channel.EMAIL
            and template_key in EMAIL_THREAD_REPLACES
        ):
            continue
        rows.append(
            {
                "dedup_key": f"{template_key}:t{ticket.pk}:{marker}:{kind}",
                "kind": kind,
                "template_key": template_key,
                "language": ticket.language,
                "context": customer_context(
                    ticket, kind, url=url or (url := _ticket_url(ticket, staff=False))
                ),
                "recipient": customer,
                "address": address,
            }
        )
    return rows


def delivery_enqueue_many(
    rows: Iterable[dict[str, Any]], *, fresh: bool = False
) -> int:
    """`delivery_enqueue` for many rows at once (bulk intake): rows whose dedup key exists are
    skipped, the rest inserted in one statement; one drain kick after commit. Returns how many
    were new. `fresh`: the keys name objects created in this transaction, so none can exist
    yet and the check is skipped (a conflict is still ignored by the insert)."""
    now = timezone.now()
    wanted: dict[str, Delivery] = {}
    for row in rows:
        key = row["dedup_key"][:200]
        if key not in wanted:
            wanted[key] = Delivery(
                **{
                    "language": "en",
                    **row,
                    "dedup_key": key,
                    "context": row.get("context") or {},
                },
                next_attempt_at=now,
            )
    existing: set[str] = (
        set()
        if fresh
        else set(
            Delivery.objects.filter(dedup_key__in=list(wanted)).values_list(
                "dedup_key", flat=True
            )
        )
    )
    new = [delivery for key, delivery in wanted.items() if key not in existing]
    if new:
        # A row written meanwhile by another transaction wins, as with get_or_create.
        insert_rows(new, ignore_conflicts=True)
        _kick_after_commit()
    return len(new)


def _channels(preference: NotificationPreference) -> list[str]:
    wanted = [
        (Kind.EMAIL, preference.email),
        (Kind.IN_APP, preference.in_app),
        (Kind.SMS, preference.sms),
        (Kind.PUSH, preference.push),
    ]
    return [str(kind) for kind, on in wanted if on]


def notify_staff(
    *,
    user: User,
    template_key: str,
    context: dict[str, Any],
    dedup_key: str,
    ticket: Ticket | None = None,
) -> list[Delivery]:
    """Queue a notice for a support agent or lead (SLA warning or breach, security emergency)
    on the in-app bell and by email. Same `dedup_key`, same notice: calling twice sends once.

    `context` is stored in the outbox: no secrets. With `ticket`, its reference and console
    link are added.
    """
    if template_key not in STAFF_TEMPLATES:
        raise ValueError(f"unknown staff template {template_key!r}")
    if not user.is_active or not user.is_support_staff:
        return []
    values = dict(context)
    if ticket is not None:
        values.setdefault("reference", ticket.reference)
        values.setdefault("url", _ticket_url(ticket, staff=True))
    preference = preference_for(user)
    deliveries = []
    for kind in _channels(preference):
        address = _address_for(user, kind)
        if address is None:
            continue
        deliveries.append(
            delivery_enqueue(
                dedup_key=f"{dedup_key}:{kind}",
                kind=kind,
                template_key=template_key,
                language=user.language,
                context=values,
                recipient=user,
                address=address,
            )
        )
    return deliveries


def webhook_event(*, event: str, data: dict[str, Any], marker: str) -> list[Delivery]:
    """Queue `event` for every active endpoint subscribed to it (inside the change's transaction)."""
    return [
        delivery_enqueue(**row)
        for row in webhook_rows(event=event, data=data, marker=marker)
    ]


def active_endpoints() -> list[WebhookEndpoint]:
    """The active webhook endpoints, from the configuration cache (read-only objects)."""
    return configcache.get(
        "notifications:active_endpoints",
        lambda: list(WebhookEndpoint.objects.filter(active=True)),
    )


def webhook_rows(
    *,
    event: str,
    data: dict[str, Any],
    marker: str,
    endpoints: Iterable[WebhookEndpoint] | None = None,
) -> list[dict[str, Any]]:
    """The `delivery_enqueue` arguments of `webhook_event` (`endpoints` when already read)."""
    if endpoints is None:
        endpoints = active_endpoints()
    return [
        {
            "dedup_key": f"webhook:e{endpoint.pk}:{event}:{marker}",
            "kind": Kind.WEBHOOK,
            "template_key": event,
            "context": {"event": event, "data": data},
            "address": endpoint.url,
            "endpoint": endpoint,
        }
        for endpoint in endpoints
        if endpoint.wants(event)
    ]


# --- claiming and sending --------------------------------------------------------------------


class EndpointDisabled(DeliveryError):
    """The webhook endpoint was disabled: retrying is pointless until an admin enables it."""


def _due(now: datetime) -> Q:
    # A SENDING row whose lease ran out belongs to a worker that died mid-send.
    return (
        Q(status__in=RETRYABLE)
        & Q(next_attempt_at__lte=now)
        & (Q(locked_until__isnull=True) | Q(locked_until__lt=now))
    )


def deliveries_claim(*, limit: int | None = None) -> tuple[str, list[int]]:
    """Lease up to `limit` due rows for this worker; returns the lease token and the row ids.

    The conditional UPDATE re-checks that each row is still due, so of two workers racing for
    a row exactly one gets it; the ids are re-read by token to learn which ones we won.
    """
    now = timezone.now()
    token = uuid.uuid4().hex
    limit = limit or settings.NOTIFY_CLAIM_BATCH
    with transaction.atomic():
        candidates = Delivery.objects.filter(_due(now)).order_by(
            "next_attempt_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return token, []
        Delivery.objects.filter(pk__in=ids).filter(_due(now)).update(
            status=DeliveryStatus.SENDING,
            locked_until=now + timedelta(seconds=settings.NOTIFY_LEASE_SECONDS),
            lock_token=token,
            # Counted at claim: a row that crashes its worker every time still ends up dead.
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    claimed = Delivery.objects.filter(lock_token=token).order_by(
        "next_attempt_at", "id"
    )
    return token, list(claimed.values_list("pk", flat=True))


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: base x 2^(attempts-1), capped, then 50-100% of it."""
    delay = min(
        settings.NOTIFY_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS
    )
    # Jitter spreads the retries of many rows that failed together (e.g. a gateway outage).
    return float(delay * random.uniform(0.5, 1.0))  # noqa: S311 (not for security)


def delivery_process(*, delivery_id: int, token: str) -> str:
    """Send one leased row and record the outcome; returns the row's new status."""
    delivery = (
        Delivery.objects.select_related("recipient", "endpoint")
        .filter(pk=delivery_id, lock_token=token)
        .first()
    )
    if delivery is None:
        return ""  # The lease was lost to another worker.
    try:
        own_sender = sender_for(delivery.template_key)
        if own_sender is not None:
            own_sender(delivery)
        elif delivery.kind == Kind.WEBHOOK:
            _send_webhook(delivery)
        else:
            get_backend(delivery.kind).send(_outgoing(delivery))
    except (EndpointDisabled, PermanentDeliveryError) as exc:
        return _finish_failed(delivery, token, str(exc), final=True)
    except DeliveryError as exc:
        return _finish_failed(delivery, token, str(exc))
    except Exception as exc:
        # A template or programming error must not stop the drain: the row records it as
        # failed work that an admin sees and can retry once it is fixed.
        logger.exception("delivery %s crashed", delivery.pk)
        return _finish_failed(delivery, token, f"{type(exc).__name__}: {exc}")
    return _finish_sent(delivery, token)


def _outgoing(delivery: Delivery) -> OutgoingMessage:
    notice = render_notice(delivery.template_key, delivery.language, delivery.context)
    body = notice.body
    if delivery.kind in (Kind.SMS, Kind.PUSH):
        # Short channels carry the subject line and the link only.
        body = " ".join(filter(None, [notice.subject, delivery.context.get("url", "")]))
    return OutgoingMessage(
        delivery_id=delivery.pk,
        dedup_key=delivery.dedup_key,
        kind=delivery.kind,
        address=delivery.address,
        subject=notice.subject,
        body=body,
        url=str(delivery.context.get("url", "")),
        user_id=delivery.recipient_id,
    )


def _send_webhook(delivery: Delivery) -> None:
    endpoint = delivery.endpoint
    if endpoint is None or not endpoint.active:
        raise EndpointDisabled("endpoint disabled")
    event = str(delivery.context.get("event", delivery.template_key))
    body = webhook_body(
        delivery_id=delivery.pk,
        event=event,
        created_at=delivery.created_at.isoformat(),
        data=delivery.context.get("data", {}),
    )
    attempt = webhook_call(
        url=endpoint.url,
        secret=endpoint.secret,
        delivery_id=delivery.pk,
        event=event,
        body=body,
    )
    WebhookDelivery.objects.create(
        delivery=delivery,
        endpoint=endpoint,
        attempt=delivery.attempts,
        request_body=attempt.body,
        response_status=attempt.status,
        duration_ms=attempt.duration_ms,
        error=attempt.error,
    )
    if attempt.ok:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return
    _endpoint_failed(endpoint)
    raise DeliveryError(attempt.error)


def _endpoint_failed(endpoint: WebhookEndpoint) -> None:
    """Count a failure; at WEBHOOK_DISABLE_AFTER in a row the endpoint is disabled, once."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        disabled = WebhookEndpoint.objects.filter(
            pk=endpoint.pk,
            active=True,
            consecutive_failures__gte=settings.WEBHOOK_DISABLE_AFTER,
        ).update(active=False, disabled_at=timezone.now())
        if disabled:
            configcache.bump()
            audit_record(
                actor=None,
                action="webhook.disabled",
                target_type="webhook_endpoint",
                target_id=endpoint.pk,
                data={
                    "url": endpoint.url,
                    "consecutive_failures": settings.WEBHOOK_DISABLE_AFTER,
                },
            )
    if disabled:
        logger.warning(
            "webhook endpoint %s disabled after repeated failures", endpoint.pk
        )


def _finish_sent(delivery: Delivery, token: str) -> str:
    now = timezone.now()
    updated = Delivery.objects.filter(pk=delivery.pk, lock_token=token).update(
        status=DeliveryStatus.SENT,
        sent_at=now,
        locked_until=None,
        lock_token="",
        last_error="",
        updated_at=now,
    )
    if not updated:
        logger.warning("delivery %s was sent after its lease ran out", delivery.pk)
    return DeliveryStatus.SENT


def _finish_failed(
    delivery: Delivery, token: str, error: str, *, final: bool = False
) -> str:
    now = timezone.now()
    dead = final or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS
    status = DeliveryStatus.DEAD if dead else DeliveryStatus.FAILED
    Delivery.objects.filter(pk=delivery.pk, lock_token=token).update(
        status=status,
        last_error=error[:4000],
        next_attempt_at=now + timedelta(seconds=backoff_seconds(delivery.attempts)),
        locked_until=None,
        lock_token="",
        updated_at=now,
    )
    logger.info("delivery %s %s: %s", delivery.pk, status, error)
    return status


def deliveries_drain(*, budget_seconds: float = DRAIN_BUDGET_SECONDS) -> int:
    """Send every due row (batch by batch) until none is left or the time budget is spent."""
    started = time.monotonic()
    processed = 0
    while time.monotonic() - started < budget_seconds:
        token, ids = deliveries_claim()
        if not ids:
            break
        for delivery_id in ids:
            delivery_process(delivery_id=delivery_id, token=token)
            processed += 1
    return processed


# --- admin actions ---------------------------------------------------------------------------


def deliveries_retry(*, deliveries: Iterable[Delivery], actor: User) -> int:
    """Put failed or dead rows back in the queue with a fresh set of attempts."""
    ids = [d.pk for d in deliveries]
    now = timezone.now()
    with transaction.atomic():
        count = Delivery.objects.filter(
            pk__in=ids, status__in=(DeliveryStatus.FAILED, DeliveryStatus.DEAD)
        ).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            locked_until=None,
            lock_token="",
            updated_at=now,
        )
        if count:
            audit_record(
                actor=actor,
                action="notifications.delivery.retry",
                target_type="delivery",
                target_id=",".join(str(i) for i in ids)[:200],
                data={"count": count},
            )
            _kick_after_commit()
    return count


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Re-enable an endpoint that was disabled after failures, with its failure count reset."""
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            active=True, disabled_at=None, consecutive_failures=0
        )
        configcache.bump()
        audit_record(
            actor=actor,
            action="webhook.enabled",
            target_type="webhook_endpoint",
            target_id=endpoint.pk,
        )


# --- the user's own notices ------------------------------------------------------------------


def inapp_mark_read(*, user: User, notification: InAppNotification) -> None:
    """Mark one of the user's own notices read (callers load it with queries.inapp_get_for_user)."""
    if notification.user_id != user.pk:
        raise NotFound
    if notification.read_at is None:
        InAppNotification.objects.filter(
            pk=notification.pk, read_at__isnull=True
        ).update(read_at=timezone.now())


def inapp_mark_all_read(*, user: User) -> int:
    return InAppNotification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def preference_update(
    *, user: User, email: bool, in_app: bool, sms: bool, push: bool
) -> NotificationPreference:
    """Save which channels `user` wants progress notices on."""
    preference, _created = NotificationPreference.objects.update_or_create(
        user=user,
        defaults={"email": email, "in_app": in_app, "sms": sms, "push": push},
    )
    return preference
