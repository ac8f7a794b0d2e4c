"""Triage writes: reading each message once, acting on what was read, and agents' corrections.

The pipeline runs in a job after the message's transaction committed (beacon/triage/tasks.py),
never inside the customer's request. Its result acts on the ticket through
``tickets.services.ticket_system_update``, so history, notices and webhooks are the same as for
a person's change:

- a ticket filed without a specific category (email, API and chat give the generic one) gets
  the predicted category when the model is confident and the message is in scope, and is
  re-routed as if it had been filed there (that category's team, then the routing rules);
- routing rules that look at triage fields (intent, urgency, sentiment; language is the one
  the customer wrote in) run again with them;
- the urgency's suggested priority raises the ticket's priority (triage never lowers one);
- a security emergency the keywords at intake missed (phishing, a predicted compromised
  account) gets the full emergency response: Account Security, P1, steps, on-call page.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from beacon.accounts.models import Role, Team, User
from beacon.audit.services import audit_record
from beacon.core.errors import Conflict, DomainError, Invalid, PermissionDenied
from beacon.routing import emergency
from beacon.routing.matching import evaluate
from beacon.routing.models import RoutingDecision
from beacon.routing.queries import active_rules
from beacon.routing.services import emergency_respond, ticket_facts
from beacon.tickets.models import (
    Category,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketEvent,
)
from beacon.tickets.services import ticket_system_update, ticket_update
from beacon.triage import urgency

# `training` (scikit-learn: about a second) is imported inside the functions that use it: the URL
# map imports this module, so every process that builds a link would pay for it at start-up.
if TYPE_CHECKING:
    from beacon.triage.classifier import Prediction
from beacon.triage.language import detect_language
from beacon.triage.models import (
    ExampleSource,
    Incident,
    IncidentStatus,
    ResultStatus,
    Sentiment,
    Task,
    TrainingExample,
    TriageResult,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
SWEEP_LOOKBACK = timedelta(hours=24)
# The normal job gets this long before the sweep steps in for it.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_LIMIT = 200
REPEAT_WINDOW = timedelta(days=7)
CORRECTABLE = ("intent", "priority", "language", "sentiment")


# --- reading ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Reading:
    """What the models and rules say about one text."""

    language: str
    intent: Prediction
    intent_version: int
    sentiment: Prediction
    sentiment_version: int
    urgency: urgency.UrgencyResult


def read_text(
    text: str,
    *,
    fallback_language: str,
    vip_tier: int = 0,
    recent_contacts: int = 0,
    fields: dict[str, str] | None = None,
) -> Reading:
    """Language, category, sentiment and urgency of ``text`` with the active models."""
    from beacon.triage import training

    language = (
        detect_language(text, settings.TRIAGE_LANGUAGES, default=fallback_language)
        or fallback_language
    )
    intent_version, intent_model = training.active_model(Task.INTENT)
    sentiment_version, sentiment_model = training.active_model(Task.SENTIMENT)
    intent = intent_model.predict([text])[0]
    sentiment = sentiment_model.predict([text])[0]
    assessed = urgency.assess(
        urgency.UrgencyInput(
            text=text,
            intent=intent.effective_label,
            intent_confidence=intent.confidence,
            sentiment=sentiment.label,
            sentiment_confidence=sentiment.confidence,
            vip_tier=vip_tier,
            recent_contacts=recent_contacts,
            fields={key: str(value) for key, value in (fields or {}).items()},
        )
    )
    return Reading(
        language=language,
        intent=intent,
        intent_version=intent_version.pk,
        sentiment=sentiment,
        sentiment_version=sentiment_version.pk,
        urgency=assessed,
    )


def _result_for(ticket: Ticket, message: Message | None) -> TriageResult:
    """The row for this message, created once even when two jobs race for it."""
    try:
        with transaction.atomic():
            return TriageResult.objects.get_or_create(ticket=ticket, message=message)[0]
    except IntegrityError:
        return TriageResult.objects.get(ticket=ticket, message=message)


def _store(result: TriageResult, reading: Reading) -> None:
    result.language = reading.language
    result.intent = reading.intent.effective_label
    result.intent_confidence = reading.intent.confidence
    result.out_of_scope = reading.intent.out_of_scope
    result.sentiment = reading.sentiment.label
    result.sentiment_confidence = reading.sentiment.confidence
    result.urgency = reading.urgency.urgency
    result.urgency_reasons = reading.urgency.reasons
    result.suggested_priority = reading.urgency.suggested_priority
    result.intent_model_id = reading.intent_version
    result.sentiment_model_id = reading.sentiment_version
    result.status = ResultStatus.DONE
    result.processed_at = timezone.now()


def _failed(result_id: int, error: Exception) -> None:
    result = TriageResult.objects.get(pk=result_id)
    result.attempts += 1
    result.last_error = f"{type(error).__name__}: {error}"[:2000]
    if result.attempts >= MAX_ATTEMPTS:
        result.status = ResultStatus.FAILED
    result.save(update_fields=["attempts", "last_error", "status"])
    logger.exception("Triage of ticket %s failed", result.ticket_id)


def triage_ticket(*, ticket_id: int) -> TriageResult | None:
    """Read a new ticket's opening request once and act on it (see the module docstring)."""
    from beacon.triage import training

    if not settings.TRIAGE_ENABLED:
        return None
    ticket = (
        Ticket.objects.select_related("category", "customer", "team")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return None
    result = _result_for(ticket, None)
    if result.status != ResultStatus.PENDING:
        return result
    text = training.ticket_text(ticket.subject, ticket.description)
    try:
        reading = read_text(
            text,
            fallback_language=ticket.language,
            vip_tier=ticket.customer.vip_tier,
            recent_contacts=_recent_tickets(ticket),
            fields=ticket.fields,
        )
    except (OSError, ValueError, RuntimeError) as error:
        _failed(result.pk, error)
        return None
    with transaction.atomic():
        result = TriageResult.objects.select_for_update().get(pk=result.pk)
        if result.status != ResultStatus.PENDING:
            return result  # another job finished it meanwhile
        _store(result, reading)
        result.applied = _act(ticket, reading, opening=True)
        result.attempts += 1
        result.save()
    return result


def triage_message(*, message_id: int) -> TriageResult | None:
    """Read a customer's reply once: language, sentiment and urgency may raise the priority."""
    if not settings.TRIAGE_ENABLED:
        return None
    message = (
        Message.objects.select_related("ticket", "ticket__customer", "ticket__category")
        .filter(pk=message_id, from_customer=True, kind=MessageKind.REPLY)
        .first()
    )
    if message is None:
        return None
    ticket = message.ticket
    result = _result_for(ticket, message)
    if result.status != ResultStatus.PENDING:
        return result
    recent_replies = Message.objects.filter(
        ticket=ticket,
        from_customer=True,
        created_at__gte=timezone.now() - timedelta(days=2),
    ).count()
    try:
        reading = read_text(
            message.body,
            fallback_language=ticket.language,
            vip_tier=ticket.customer.vip_tier,
            recent_contacts=_recent_tickets(ticket) + max(recent_replies - 1, 0),
        )
    except (OSError, ValueError, RuntimeError) as error:
        _failed(result.pk, error)
        return None
    with transaction.atomic():
        result = TriageResult.objects.select_for_update().get(pk=result.pk)
        if result.status != ResultStatus.PENDING:
            return result
        _store(result, reading)
        result.applied = _act(ticket, reading, opening=False)
        result.attempts += 1
        result.save()
    return result


def _recent_tickets(ticket: Ticket) -> int:
    """Other tickets the same customer opened in the last week."""
    return (
        Ticket.objects.filter(
            customer_id=ticket.customer_id,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        )
        .exclude(pk=ticket.pk)
        .count()
    )


# --- acting ----------------------------------------------------------------------------------


def _predicted_category(ticket: Ticket, reading: Reading) -> Category | None:
    """The category to apply: only over the generic one, confident, in scope."""
    intent = reading.intent
    if (
        ticket.category.slug != settings.TRIAGE_GENERIC_CATEGORY
        or intent.out_of_scope
        or intent.confidence < settings.TRIAGE_APPLY_CONFIDENCE
        or intent.label == settings.TRIAGE_GENERIC_CATEGORY
    ):
        return None
    return Category.objects.filter(slug=intent.label, is_active=True).first()


def _already_emergency(ticket: Ticket) -> bool:
    return (
        RoutingDecision.objects.filter(ticket=ticket, is_emergency=True).exists()
        or ticket.tags.filter(name=emergency.EMERGENCY_TAG).exists()
    )


def _act(ticket: Ticket, reading: Reading, *, opening: bool) -> dict[str, Any]:
    """Apply what triage found to the ticket (inside the caller's transaction)."""
    ticket = Ticket.objects.select_related("category", "customer").get(pk=ticket.pk)
    if ticket.is_closed:
        return {}
    category = _predicted_category(ticket, reading) if opening else None
    facts = dataclasses.replace(
        ticket_facts(ticket),
        intent=reading.intent.effective_label,
        urgency=reading.urgency.urgency,
        sentiment=reading.sentiment.label,
        language=reading.language,
    )
    team_id = ticket.team_id
    priority = ticket.priority
    rules = active_rules()
    if category is not None:
        # Routed again as if filed in this category: its team and defaults, then every rule.
        facts = dataclasses.replace(
            facts, category_id=category.pk, category_is_security=category.is_security
        )
        team_id = category.default_team_id
        priority = min(priority, category.default_priority)
    else:
        rules = [rule for rule in rules if rule.uses_triage()]
    outcome = evaluate(rules, facts)
    if outcome.team_id is not None:
        team_id = outcome.team_id
    if outcome.priority is not None:
        priority = min(priority, outcome.priority)
    priority = min(priority, reading.urgency.suggested_priority)
    tags = list(outcome.tags)
    is_new_emergency = (
        reading.urgency.urgency == urgency.CRITICAL
        or outcome.is_emergency
        or (category is not None and category.is_security)
    ) and not _already_emergency(ticket)
    if is_new_emergency:
        security = emergency.security_team()
        if security is not None:
            team_id = security.pk
        priority = Priority.P1
        tags.append(emergency.EMERGENCY_TAG)

    changes: dict[str, Any] = {}
    if category is not None:
        changes["category"] = category
    if team_id != ticket.team_id:
        changes["team"] = Team.objects.filter(pk=team_id).first() if team_id else None
    if priority != ticket.priority:
        changes["priority"] = priority
    if reading.language != ticket.language and reading.language in dict(
        settings.LANGUAGES
    ):
        changes["language"] = reading.language
    have = sorted(ticket.tags.values_list("name", flat=True))
    new_tags = [tag for tag in dict.fromkeys(tags) if tag not in have]
    if new_tags:
        changes["tags"] = [*have, *new_tags]
    if not changes:
        return {}
    try:
        ticket = ticket_system_update(
            ticket=ticket,
            changes=changes,
            reason="triage",
            action="triage.apply",
        )
    except DomainError as error:
        # A team or category made inactive since: leave the ticket as it is.
        logger.warning("Triage could not update %s: %s", ticket.reference, error)
        return {}
    if is_new_emergency:
        emergency_respond(ticket=ticket)
    applied = {
        name: getattr(value, "slug", getattr(value, "pk", value))
        for name, value in changes.items()
    }
    applied["rules"] = [rule.name for rule in outcome.matched]
    return applied


# --- repair ----------------------------------------------------------------------------------


def triage_missing(*, now: Any = None) -> int:
    """Triage recent messages whose job was lost (a crash between commit and enqueue, a broker
    outage) and retry failed attempts; returns how many were read now."""
    now = now or timezone.now()
    since, before = now - SWEEP_LOOKBACK, now - SWEEP_GRACE
    done = 0
    finished = [ResultStatus.DONE, ResultStatus.FAILED]
    ticket_ids = list(
        Ticket.objects.filter(created_at__gte=since, created_at__lte=before)
        .exclude(
            Exists(
                TriageResult.objects.filter(
                    ticket=OuterRef("pk"), message__isnull=True, status__in=finished
                )
            )
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for ticket_id in ticket_ids:
        done += triage_ticket(ticket_id=ticket_id) is not None
    message_ids = list(
        Message.objects.filter(
            created_at__gte=since,
            created_at__lte=before,
            from_customer=True,
            kind=MessageKind.REPLY,
        )
        .exclude(triage_result__status__in=finished)
        .order_by("created_at")
        .values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    for message_id in message_ids:
        done += triage_message(message_id=message_id) is not None
    return done


# --- corrections -----------------------------------------------------------------------------


def _ticket_text(ticket: Ticket) -> str:
    from beacon.triage import training

    return training.ticket_text(ticket.subject, ticket.description)


def triage_correct(
    *, result: TriageResult, actor: User, field: str, value: str
) -> TriageResult:
    """An agent corrects what triage read; the ticket follows and the pair becomes a labelled
    example for the next training. The caller has checked that ``actor`` sees the ticket."""
    if not actor.is_support_staff or not actor.can_write_tickets:
        raise PermissionDenied(_("Auditors have read-only access."))
    if field not in CORRECTABLE:
        raise Invalid(fields={"field": [_("This field cannot be corrected.")]})
    ticket = result.ticket
    text = result.message.body if result.message else _ticket_text(ticket)
    label = value
    ticket_change: dict[str, Any] = {}
    if field == "intent":
        category = Category.objects.filter(slug=value, is_active=True).first()
        if category is None:
            raise Invalid(fields={"value": [_("This category is not available.")]})
        ticket_change["category"] = category
    elif field == "priority":
        if not value.isdigit() or int(value) not in Priority.values:
            raise Invalid(
                fields={"value": [_("Choose a priority from 1 (urgent) to 4 (low).")]}
            )
        ticket_change["priority"] = int(value)
        label = f"P{value}"
    elif field == "language":
        if value not in dict(settings.LANGUAGES):
            raise Invalid(
                fields={"value": [_("Choose one of the languages this desk serves.")]}
            )
        ticket_change["language"] = value
    elif value not in Sentiment.values:
        raise Invalid(fields={"value": [_("Choose a sentiment.")]})

    # A reply's category is not the ticket's: correcting it only teaches the model.
    if field == "intent" and result.message_id is not None:
        ticket_change = {}
    with transaction.atomic():
        locked = TriageResult.objects.select_for_update().get(pk=result.pk)
        last_event = (
            TicketEvent.objects.filter(ticket=ticket)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        ) or 0
        if ticket_change:
            ticket_update(ticket=ticket, actor=actor, changes=ticket_change)
        event = (
            TicketEvent.objects.filter(
                ticket=ticket,
                actor=actor,
                id__gt=last_event,
                field="category" if field == "intent" else field,
            )
            .order_by("-id")
            .first()
        )
        TrainingExample.objects.create(
            task=field,
            text=text,
            label=label,
            ticket=ticket,
            created_by=actor,
            event=event,
        )
        locked.corrected = {**locked.corrected, field: value}
        locked.save(update_fields=["corrected"])
        audit_record(
            actor=actor,
            action="triage.correct",
            target_type="ticket",
            target_id=ticket.reference,
            data={"field": field, "value": value, "result": locked.pk},
        )
    _maybe_retrain(field)
    return locked


def corrections_from_history(ticket_id: int) -> int:
    """Category and priority changes agents made in the properties form become labelled
    examples too (once per history row; those made through triage_correct are linked already)."""
    if not settings.TRIAGE_ENABLED:
        return 0
    ticket = Ticket.objects.select_related("category").filter(pk=ticket_id).first()
    if ticket is None:
        return 0
    events = TicketEvent.objects.filter(
        ticket=ticket,
        field__in=("category", "priority"),
        actor__isnull=False,
        created_at__gte=timezone.now() - timedelta(hours=1),
    ).exclude(
        pk__in=TrainingExample.objects.filter(event__isnull=False).values("event")
    )
    made = 0
    for event in events.select_related("actor"):
        if event.actor is None or not event.actor.is_support_staff:
            continue
        if event.field == "category":
            task, label = Task.INTENT.value, ticket.category.slug
        else:
            task, label = "priority", event.new_value
        try:
            with transaction.atomic():
                TrainingExample.objects.create(
                    task=task,
                    text=_ticket_text(ticket),
                    label=label,
                    ticket=ticket,
                    created_by=event.actor,
                    event=event,
                    source=ExampleSource.CORRECTION,
                )
        except IntegrityError:
            continue  # another job recorded it first
        made += 1
    if made:
        _maybe_retrain(Task.INTENT)
    return made


def _maybe_retrain(task: str) -> None:
    """Enough new corrections trigger a retraining job (after this transaction commits)."""
    from beacon.triage import training

    if task not in Task.values:
        return
    if (
        training.corrections_since_last_training(task)
        < settings.TRIAGE_RETRAIN_AFTER_CORRECTIONS
    ):
        return

    def enqueue() -> None:
        from beacon.triage.tasks import retrain_task  # Late: tasks import this module.

        retrain_task(task)

    transaction.on_commit(enqueue, robust=True)


# --- incidents -------------------------------------------------------------------------------


def incident_decide(*, incident: Incident, actor: User, confirm: bool) -> Incident:
    """A lead (or admin) confirms a proposed incident or dismisses it (its tickets are then
    never proposed again)."""
    if actor.role not in (Role.LEAD, Role.ADMIN) or not actor.is_active:
        raise PermissionDenied
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if locked.status != IncidentStatus.PROPOSED:
            raise Conflict(_("This incident was already decided."), code="decided")
        locked.status = (
            IncidentStatus.CONFIRMED if confirm else IncidentStatus.DISMISSED
        )
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        if confirm:
            incident_tag_tickets(
                incident=locked,
                ticket_ids=list(locked.tickets.values_list("pk", flat=True)),
            )
        audit_record(
            actor=actor,
            action="incident.confirm" if confirm else "incident.dismiss",
            target_type="incident",
            target_id=locked.pk,
        )
    return locked


def incident_tag(incident: Incident) -> str:
    return f"incident-{incident.pk}"


def incident_tag_tickets(*, incident: Incident, ticket_ids: list[int]) -> int:
    """Tag the open tickets of a confirmed incident (agents filter and answer them together)."""
    tag = incident_tag(incident)
    tagged = 0
    for ticket in Ticket.objects.filter(pk__in=ticket_ids).exclude(tags__name=tag):
        if ticket.is_closed:
            continue
        names = sorted(ticket.tags.values_list("name", flat=True))
        ticket_system_update(
            ticket=ticket,
            changes={"tags": [*names, tag]},
            reason="incident",
            action="incident.tag",
        )
        tagged += 1
    return tagged
