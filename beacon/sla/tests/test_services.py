"""Starting, fulfilling, pausing and resuming SLA targets as tickets change."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from beacon.accounts.models import Team, User, VipTier
from beacon.accounts.tests.factories import CustomerFactory
from beacon.sla.clock import TWENTY_FOUR_SEVEN
from beacon.sla.models import (
    BusinessCalendar,
    CalendarHoliday,
    Metric,
    SlaPolicy,
    SlaTarget,
    TeamCalendar,
)
from beacon.sla.queries import policy_for, schedule_for_team
from beacon.sla.services import (
    deadlines,
    register_policy_chooser,
    sla_message,
    sla_policy_set,
    sla_sync,
    unregister_policy_chooser,
)
from beacon.sla.tests.conftest import StartedTicket
from beacon.sla.tests.factories import CalendarFactory
from beacon.sla.tests.helpers import T0, target
from beacon.tickets.models import Category, Message, MessageKind, Status, Ticket
from beacon.tickets.services import reply_add, ticket_update
from beacon.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

PolicyMaker = Callable[..., SlaPolicy]


def set_status(ticket: Ticket, status: str, at: object) -> None:
    """What ticket_update does to the row, then the hook's sync at a chosen instant."""
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    sla_sync(ticket=ticket, now=at)  # type: ignore[arg-type]


def message(ticket: Ticket, author: User, *, kind: str = MessageKind.REPLY) -> Message:
    return Message.objects.create(
        ticket=ticket,
        author=author,
        kind=kind,
        from_customer=author.is_customer,
        body="hello",
    )


def shanghai_office(team: Team) -> BusinessCalendar:
    calendar = CalendarFactory.create(
        time_zone="Asia/Shanghai",
        always_open=False,
        weekly_hours={
            d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
        },
    )
    TeamCalendar.objects.create(team=team, calendar=calendar)
    return calendar


# --- policies ---------------------------------------------------------------------------------


def test_seeded_policies_give_vip_tier_three_half_the_time() -> None:
    regular = CustomerFactory.create(vip_tier=VipTier.VIP2)
    vip = CustomerFactory.create(vip_tier=VipTier.VIP3)
    category = CategoryFactory.create()

    def policy(customer: User, priority: int) -> SlaPolicy | None:
        return policy_for(
            Ticket(customer=customer, priority=priority, category=category)
        )

    p1 = policy(regular, 1)
    p4 = policy(regular, 4)
    p1_vip = policy(vip, 1)
    assert p1 is not None and p4 is not None and p1_vip is not None
    assert (p1.first_response_minutes, p1.resolution_minutes) == (15, 240)
    assert (p4.first_response_minutes, p4.resolution_minutes) == (24 * 60, 7 * 24 * 60)
    assert (p1_vip.first_response_minutes, p1_vip.resolution_minutes) == (7, 120)


def test_the_first_matching_policy_by_position_wins() -> None:
    SlaPolicy.objects.all().delete()
    deposits = CategoryFactory.create(slug="deposits")
    other = CategoryFactory.create(slug="other")
    SlaPolicy.objects.create(name="catch-all", position=900)
    SlaPolicy.objects.create(name="p2 any", position=50, priority=2)
    SlaPolicy.objects.create(
        name="p2 deposits", position=10, priority=2, category=deposits
    )
    SlaPolicy.objects.create(
        name="vip deposits", position=5, vip_tier_min=3, category=deposits
    )
    SlaPolicy.objects.create(name="inactive", position=1, is_active=False)
    regular, vip = CustomerFactory.create(), CustomerFactory.create(vip_tier=4)

    def name(customer: User, priority: int, category: Category) -> str:
        found = policy_for(
            Ticket(customer=customer, priority=priority, category=category)
        )
        return found.name if found else ""

    assert name(vip, 2, deposits) == "vip deposits"
    assert name(regular, 2, deposits) == "p2 deposits"
    assert name(regular, 2, other) == "p2 any"
    assert name(regular, 3, other) == "catch-all"


def test_no_matching_policy_starts_no_targets(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy(priority=1)

    ticket = started_ticket(priority=3)

    assert not SlaTarget.objects.filter(ticket=ticket).exists()


# --- start ----------------------------------------------------------------------------------


def test_start_creates_first_response_and_resolution_targets(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy(first_response_minutes=60, resolution_minutes=600, warning_share=0.5)

    ticket = started_ticket()

    first = target(ticket, Metric.FIRST_RESPONSE)
    resolution = target(ticket, Metric.RESOLUTION)
    assert first.due_at == T0 + timedelta(minutes=60)
    assert first.warn_at == T0 + timedelta(minutes=30)
    assert resolution.due_at == T0 + timedelta(minutes=600)
    assert not SlaTarget.objects.filter(
        ticket=ticket, metric=Metric.NEXT_RESPONSE
    ).exists()


def test_start_is_idempotent(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy()
    ticket = started_ticket()

    from beacon.sla.services import sla_start

    again = sla_start(ticket=ticket, now=T0 + timedelta(minutes=5))

    assert again == []
    assert SlaTarget.objects.filter(ticket=ticket).count() == 2


def test_warning_share_defaults_to_the_setting(
    only_policy: PolicyMaker, started_ticket: StartedTicket, settings: object
) -> None:
    settings.SLA_WARNING_SHARE = 0.8  # type: ignore[attr-defined]
    only_policy(first_response_minutes=100)

    ticket = started_ticket()

    assert target(ticket, Metric.FIRST_RESPONSE).warn_at == T0 + timedelta(minutes=80)


def test_deadlines_follow_the_team_calendar(
    only_policy: PolicyMaker, started_ticket: StartedTicket, team: Team
) -> None:
    only_policy(first_response_minutes=120, resolution_minutes=9 * 60)
    shanghai_office(team)
    friday_1630_shanghai = T0.replace(day=5, hour=8, minute=30)  # 16:30 local

    ticket = started_ticket(at=friday_1630_shanghai)

    # 1.5 h on Friday, the other 30 min on Monday from 09:00 local (01:00 UTC).
    assert target(ticket, Metric.FIRST_RESPONSE).due_at == T0.replace(
        day=8, hour=1, minute=30
    )
    assert target(ticket, Metric.RESOLUTION).due_at == T0.replace(
        day=8, hour=8, minute=30
    )


def test_a_team_without_a_calendar_uses_the_default_one(team: Team) -> None:
    BusinessCalendar.objects.update(is_default=False)
    office = CalendarFactory.create(
        is_default=True,
        always_open=False,
        weekly_hours={"mon": [["09:00", "17:00"]]},
    )
    CalendarHoliday.objects.create(calendar=office, date=date(2026, 6, 1))

    schedule = schedule_for_team(team.pk)

    assert schedule.always_open is False
    assert date(2026, 6, 1) in schedule.holidays
    BusinessCalendar.objects.all().delete()
    assert schedule_for_team(team.pk) == TWENTY_FOUR_SEVEN


# --- replies --------------------------------------------------------------------------------


def test_an_agent_public_reply_fulfils_first_response(
    only_policy: PolicyMaker, started_ticket: StartedTicket, agent: User
) -> None:
    only_policy()
    ticket = started_ticket()

    sla_message(message=message(ticket, agent), now=T0 + timedelta(minutes=20))

    first = target(ticket, Metric.FIRST_RESPONSE)
    assert first.fulfilled_at == T0 + timedelta(minutes=20)
    assert target(ticket, Metric.RESOLUTION).fulfilled_at is None


def test_an_internal_note_fulfils_nothing(
    only_policy: PolicyMaker, started_ticket: StartedTicket, agent: User
) -> None:
    only_policy()
    ticket = started_ticket()

    sla_message(
        message=message(ticket, agent, kind=MessageKind.NOTE),
        now=T0 + timedelta(minutes=20),
    )

    assert target(ticket, Metric.FIRST_RESPONSE).fulfilled_at is None


def test_a_customer_reply_after_an_answer_starts_next_response(
    only_policy: PolicyMaker, started_ticket: StartedTicket, agent: User
) -> None:
    only_policy(next_response_minutes=30)
    ticket = started_ticket()
    sla_message(message=message(ticket, agent), now=T0 + timedelta(minutes=10))

    sla_message(
        message=message(ticket, ticket.customer), now=T0 + timedelta(minutes=40)
    )

    next_response = target(ticket, Metric.NEXT_RESPONSE)
    assert next_response.started_at == T0 + timedelta(minutes=40)
    assert next_response.due_at == T0 + timedelta(minutes=70)


def test_a_customer_reply_before_any_answer_starts_no_next_response(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy()
    ticket = started_ticket()

    sla_message(message=message(ticket, ticket.customer), now=T0 + timedelta(minutes=5))
    sla_message(message=message(ticket, ticket.customer), now=T0 + timedelta(minutes=6))

    assert not SlaTarget.objects.filter(
        ticket=ticket, metric=Metric.NEXT_RESPONSE
    ).exists()


def test_the_next_agent_reply_fulfils_next_response(
    only_policy: PolicyMaker, started_ticket: StartedTicket, agent: User
) -> None:
    only_policy()
    ticket = started_ticket()
    sla_message(message=message(ticket, agent), now=T0 + timedelta(minutes=10))
    sla_message(
        message=message(ticket, ticket.customer), now=T0 + timedelta(minutes=40)
    )

    sla_message(message=message(ticket, agent), now=T0 + timedelta(minutes=50))

    assert target(ticket, Metric.NEXT_RESPONSE).fulfilled_at == T0 + timedelta(
        minutes=50
    )


def test_real_ticket_services_drive_the_targets_through_hooks(
    only_policy: PolicyMaker,
    team: Team,
    agent: User,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    only_policy()
    from beacon.tickets.tests.factories import make_ticket

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        ticket = make_ticket(category=CategoryFactory.create(default_team=team))
    assert SlaTarget.objects.filter(ticket=ticket).count() == 2

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        reply_add(ticket=ticket, author=agent, body="We are on it.")

    # The agent's reply answers the customer and waits for them: first response met, resolution paused.
    assert target(ticket, Metric.FIRST_RESPONSE).fulfilled_at is not None
    assert target(ticket, Metric.RESOLUTION).paused_since is not None

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        reply_add(ticket=ticket, author=ticket.customer, body="Any news?")

    assert target(ticket, Metric.RESOLUTION).paused_since is None
    assert target(ticket, Metric.NEXT_RESPONSE).fulfilled_at is None

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        ticket_update(ticket=ticket, actor=agent, changes={"status": Status.SOLVED})

    assert target(ticket, Metric.RESOLUTION).fulfilled_at is not None


# --- pause and resume -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.PENDING_CUSTOMER, Status.ON_HOLD])
def test_pause_and_resume_moves_the_deadline_by_the_paused_time(
    only_policy: PolicyMaker, started_ticket: StartedTicket, status: str
) -> None:
    only_policy(first_response_minutes=60, resolution_minutes=600)
    ticket = started_ticket()

    set_status(ticket, status, T0 + timedelta(minutes=30))
    paused = target(ticket, Metric.RESOLUTION)
    set_status(ticket, Status.OPEN, T0 + timedelta(minutes=30 + 45))

    resumed = target(ticket, Metric.RESOLUTION)
    assert paused.paused_since == T0 + timedelta(minutes=30)
    assert resumed.paused_since is None
    assert resumed.paused_seconds == 45 * 60
    assert resumed.due_at == T0 + timedelta(minutes=600 + 45)
    assert resumed.warn_at == T0 + timedelta(minutes=450 + 45)


def test_pausing_twice_keeps_the_first_pause_start(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy()
    ticket = started_ticket()

    set_status(ticket, Status.PENDING_CUSTOMER, T0 + timedelta(minutes=10))
    set_status(ticket, Status.ON_HOLD, T0 + timedelta(minutes=20))

    assert target(ticket, Metric.RESOLUTION).paused_since == T0 + timedelta(minutes=10)


def test_a_pause_outside_business_hours_moves_nothing(
    only_policy: PolicyMaker, started_ticket: StartedTicket, team: Team
) -> None:
    only_policy(first_response_minutes=120, resolution_minutes=600)
    shanghai_office(team)
    ticket = started_ticket(at=T0.replace(hour=2))  # Wednesday 10:00 Shanghai
    before = target(ticket, Metric.RESOLUTION).due_at

    # Paused from 19:00 to 08:00 the next morning (local): no business time passes.
    set_status(ticket, Status.ON_HOLD, T0.replace(hour=11))
    set_status(ticket, Status.OPEN, T0.replace(day=4, hour=0))

    after = target(ticket, Metric.RESOLUTION)
    assert after.paused_seconds == 0
    assert after.due_at == before


def test_a_pause_across_business_hours_counts_only_business_time(
    only_policy: PolicyMaker, started_ticket: StartedTicket, team: Team
) -> None:
    only_policy(first_response_minutes=120, resolution_minutes=600)
    shanghai_office(team)
    ticket = started_ticket(at=T0.replace(hour=2))  # Wednesday 10:00 Shanghai

    # Paused Wednesday 17:00 to Thursday 10:00 local: two business hours.
    set_status(ticket, Status.ON_HOLD, T0.replace(hour=9))
    set_status(ticket, Status.OPEN, T0.replace(day=4, hour=2))

    after = target(ticket, Metric.RESOLUTION)
    assert after.paused_seconds == 2 * 3600
    # 10 business hours from Wednesday 10:00 end Thursday 11:00; two paused hours make it 13:00.
    assert after.due_at == T0.replace(day=4, hour=5)


def test_a_ticket_created_waiting_for_the_customer_starts_paused(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy()
    category = CategoryFactory.create(
        form_fields=[
            {"name": "txid", "type": "text", "required": True, "label_en": "TxID"}
        ]
    )

    ticket = started_ticket(category=category, require_fields=False)

    assert ticket.status == Status.PENDING_CUSTOMER
    assert target(ticket, Metric.FIRST_RESPONSE).paused_since == T0


def test_solving_fulfils_resolution_and_reopening_resumes_it(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy(resolution_minutes=600)
    ticket = started_ticket()

    set_status(ticket, Status.SOLVED, T0 + timedelta(minutes=100))
    solved = target(ticket, Metric.RESOLUTION)
    set_status(ticket, Status.OPEN, T0 + timedelta(minutes=160))

    reopened = target(ticket, Metric.RESOLUTION)
    assert solved.fulfilled_at == T0 + timedelta(minutes=100)
    assert reopened.fulfilled_at is None
    assert reopened.pk == solved.pk
    assert reopened.due_at == T0 + timedelta(minutes=600 + 60)


def test_closing_fulfils_every_target(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy()
    ticket = started_ticket()

    set_status(ticket, Status.CLOSED, T0 + timedelta(minutes=5))

    assert not SlaTarget.objects.filter(
        ticket=ticket, fulfilled_at__isnull=True
    ).exists()


# --- restart --------------------------------------------------------------------------------


def test_stored_rows_alone_give_the_same_deadlines_after_a_restart(
    only_policy: PolicyMaker, started_ticket: StartedTicket, team: Team
) -> None:
    only_policy(first_response_minutes=120, resolution_minutes=1200, warning_share=0.75)
    calendar = shanghai_office(team)
    CalendarHoliday.objects.create(calendar=calendar, date=date(2026, 6, 4))
    ticket = started_ticket(at=T0.replace(hour=2))
    set_status(ticket, Status.ON_HOLD, T0.replace(hour=4))
    set_status(ticket, Status.OPEN, T0.replace(day=5, hour=3, minute=17))
    stored = target(ticket, Metric.RESOLUTION)

    # A new process: nothing but the row and the calendar tables.
    fresh = SlaTarget.objects.select_related("policy", "ticket").get(pk=stored.pk)
    warn_at, due_at = deadlines(
        started_at=fresh.started_at,
        target_minutes=fresh.target_minutes,
        warning_share=fresh.policy.effective_warning_share(),
        paused_seconds=fresh.paused_seconds,
        schedule=schedule_for_team(fresh.ticket.team_id),
    )

    assert (warn_at, due_at) == (stored.warn_at, stored.due_at)
    assert stored.paused_seconds > 0
    assert stored.due_at.utcoffset() == timedelta(0)


# --- another app choosing the policy -----------------------------------------------------------


def test_a_registered_chooser_overrides_policy_matching(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy(first_response_minutes=60)
    chosen = SlaPolicy.objects.create(
        name="chosen", position=500, first_response_minutes=5, resolution_minutes=50
    )

    def chooser(ticket: Ticket) -> int | None:
        return chosen.pk

    register_policy_chooser(chooser)
    try:
        ticket = started_ticket()
    finally:
        unregister_policy_chooser(chooser)

    first = target(ticket, Metric.FIRST_RESPONSE)
    assert first.policy == chosen
    assert first.due_at == T0 + timedelta(minutes=5)


def test_an_inactive_chosen_policy_falls_back_to_matching(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    matched = only_policy(first_response_minutes=60)
    inactive = SlaPolicy.objects.create(
        name="off", is_active=False, first_response_minutes=5
    )

    def chooser(ticket: Ticket) -> int | None:
        return inactive.pk

    register_policy_chooser(chooser)
    try:
        ticket = started_ticket()
    finally:
        unregister_policy_chooser(chooser)

    assert target(ticket, Metric.FIRST_RESPONSE).policy == matched


def test_setting_a_policy_later_retargets_open_targets_from_their_start(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy(first_response_minutes=60, resolution_minutes=600)
    ticket = started_ticket()
    urgent = SlaPolicy.objects.create(
        name="urgent", first_response_minutes=15, resolution_minutes=None
    )

    sla_policy_set(ticket=ticket, policy=urgent, now=T0 + timedelta(minutes=5))

    first = target(ticket, Metric.FIRST_RESPONSE)
    assert (first.policy, first.due_at) == (urgent, T0 + timedelta(minutes=15))
    assert not SlaTarget.objects.filter(
        ticket=ticket, metric=Metric.RESOLUTION
    ).exists()


def test_setting_a_policy_on_a_ticket_without_targets_starts_them(
    only_policy: PolicyMaker, started_ticket: StartedTicket
) -> None:
    only_policy(priority=1)
    ticket = started_ticket(priority=4)
    chosen = SlaPolicy.objects.create(name="late pick", first_response_minutes=30)

    sla_policy_set(ticket=ticket, policy=chosen, now=T0)

    assert target(ticket, Metric.FIRST_RESPONSE).due_at == T0 + timedelta(minutes=30)


def test_missing_targets_are_started_by_the_minute_check() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from beacon.sla.models import SlaTarget
    from beacon.sla.services import sla_start_missing
    from beacon.tickets.tests.factories import make_ticket

    ticket = make_ticket()
    SlaTarget.objects.filter(ticket=ticket).delete()  # as if the follow-up job was lost

    started = sla_start_missing(now=timezone.now() + timedelta(minutes=1))

    assert started == 1
    assert SlaTarget.objects.filter(ticket=ticket).exists()
