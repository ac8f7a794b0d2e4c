"""One demo ticket's conversation, run through the real services step by step.

Services stamp rows with the current time; a demo needs two months of history, so after each
step the rows it wrote (messages, history events, audit events) are moved to that step's
simulated time, and the ticket's own timestamps are set once the conversation is over.
"""

# Chinese text uses full-width punctuation (commas, brackets, question marks) on purpose.

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from beacon.accounts.models import User
from beacon.audit.models import AuditEvent
from beacon.core.demo.context import build_context, fields_for
from beacon.core.demo.story import Storyline
from beacon.tickets.models import (
    Category,
    Macro,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
)
from beacon.tickets.models import Message as TicketMessage
from beacon.tickets.services import (
    macro_apply,
    reply_add,
    ticket_create,
    ticket_rate,
    ticket_update,
)

HISTORY_DAYS = 60
# How far back a ticket in each final state may start (days): new ones are recent.
AGE_DAYS: dict[str, tuple[float, float]] = {
    Status.NEW: (0, 3),
    Status.OPEN: (0.2, 20),
    Status.PENDING_CUSTOMER: (0.2, 25),
    Status.ON_HOLD: (1, 30),
    Status.SOLVED: (4, HISTORY_DAYS),
    Status.CLOSED: (12, HISTORY_DAYS),
}
RATING_COMMENTS: dict[str, dict[int, tuple[str, ...]]] = {
    "en": {
        5: ("Fast and clear, thank you!", "Great support.", ""),
        4: ("Solved, but it took a while.", ""),
        3: ("OK in the end.", ""),
        2: ("Too slow.", "Had to explain everything twice."),
        1: ("Terrible experience.", "Still not happy with the outcome."),
    },
    "zh-hans": {
        5: ("处理很快，谢谢！", "客服很专业。", ""),
        4: ("解决了，就是有点慢。", ""),
        3: ("总算解决了。", ""),
        2: ("太慢了。", "同样的问题要说好几遍。"),
        1: ("体验很差。", "对处理结果不满意。"),
    },
}


@dataclass
class _Moments:
    """Simulated times at which the ticket's timestamps should end up."""

    first_response: datetime | None = None
    solved: datetime | None = None
    closed: datetime | None = None
    last: datetime | None = None


class TicketWriter:
    """Runs one storyline through the services, moving each step's rows to its simulated time."""

    def __init__(
        self, *, rng: random.Random, now: datetime, macros: dict[str, Macro]
    ) -> None:
        self.rng = rng
        self.now = now
        self.macros = macros

    def _step(
        self, ticket: Ticket, at: datetime, action: Callable[[], Any], moments: _Moments
    ) -> Any:
        at = min(at, self.now - timedelta(minutes=1))
        before = timezone.now()
        result = action()
        TicketMessage.objects.filter(
            ticket_id=ticket.pk, created_at__gte=before
        ).update(created_at=at)
        TicketEvent.objects.filter(ticket_id=ticket.pk, created_at__gte=before).update(
            created_at=at
        )
        AuditEvent.objects.filter(
            target_type="ticket", target_id=ticket.reference, created_at__gte=before
        ).update(created_at=at)
        moments.last = at
        return result

    def _later(self, at: datetime, low_minutes: int, high_minutes: int) -> datetime:
        return at + timedelta(minutes=self.rng.randint(low_minutes, high_minutes))

    def write(
        self,
        *,
        story: Storyline,
        customer: User,
        team_staff: list[User],
        category: Category,
        status: str,
    ) -> Ticket:
        rng = self.rng
        low, high = AGE_DAYS[status]
        created = self.now - timedelta(days=rng.uniform(low, high))
        context = build_context(rng, customer, created)
        fields = fields_for(story.fields, rng, context)
        language = customer.language
        speakers = [
            agent for agent in team_staff if language in agent.skills_languages
        ] or team_staff
        agent = rng.choice(speakers)
        context["agent"] = agent.display_name
        priority = (
            max(1, category.default_priority - 1) if customer.vip_tier >= 3 else None
        )
        tags = [*story.tags, *(["vip"] if customer.vip_tier >= 3 else [])]
        if story.fields.startswith(("deposit", "withdrawal", "wrong", "missing")):
            tags.append(context["coin"].lower())

        moments = _Moments()
        ticket = ticket_create(
            customer=customer,
            subject=story.subject.pick(rng, language, context)[:200],
            description=story.body.pick(rng, language, context),
            category=category,
            fields=fields,
            channel=rng.choices(
                [c for c, _w in story.channels], weights=[w for _c, w in story.channels]
            )[0],
            language=language,
            priority=priority,
            tags=tags,
            require_fields=False,
        )
        self._restamp_creation(ticket, created)
        moments.last = created
        if status == Status.NEW:
            return self._finish(ticket, created, moments)

        at = self._later(created, 5, 240)
        if status == Status.OPEN:
            self._step(
                ticket,
                at,
                lambda: ticket_update(
                    ticket=ticket,
                    actor=agent,
                    changes={"assignee": agent, "status": Status.OPEN},
                ),
                moments,
            )
            if story.notes.en and rng.random() < 0.6:
                self._note(
                    ticket, agent, story, context, self._later(at, 5, 90), moments
                )
            return self._finish(ticket, created, moments)

        self._first_reply(ticket, agent, story, context, at, moments)
        if status == Status.PENDING_CUSTOMER:
            if ticket.status != Status.PENDING_CUSTOMER:
                self._step(
                    ticket,
                    self._later(at, 1, 5),
                    lambda: ticket_update(
                        ticket=ticket,
                        actor=agent,
                        changes={"status": Status.PENDING_CUSTOMER},
                    ),
                    moments,
                )
            return self._finish(ticket, created, moments)

        at = self._later(at, 20, 1_440)
        self._customer_reply(ticket, customer, story, context, at, moments)
        if story.notes.en and rng.random() < 0.7:
            at = self._later(at, 10, 240)
            self._note(ticket, agent, story, context, at, moments)
        if status == Status.ON_HOLD:
            self._step(
                ticket,
                self._later(at, 5, 60),
                lambda: ticket_update(
                    ticket=ticket, actor=agent, changes={"status": Status.ON_HOLD}
                ),
                moments,
            )
            return self._finish(ticket, created, moments)

        at = self._later(at, 30, 2_880)
        self._resolve(ticket, agent, story, context, at, moments)
        if rng.random() < 0.65:
            at = self._later(at, 30, 1_440)
            self._rate(ticket, customer, at, moments)
        if status == Status.CLOSED:
            at = at + timedelta(days=rng.uniform(3, 7))
            self._step(
                ticket,
                at,
                lambda: ticket_update(
                    ticket=ticket, actor=agent, changes={"status": Status.CLOSED}
                ),
                moments,
            )
            moments.closed = min(at, self.now - timedelta(minutes=1))
        return self._finish(ticket, created, moments)

    # Steps --------------------------------------------------------------------------------

    def _restamp_creation(self, ticket: Ticket, created: datetime) -> None:
        TicketMessage.objects.filter(ticket_id=ticket.pk).update(created_at=created)
        TicketEvent.objects.filter(ticket_id=ticket.pk).update(created_at=created)
        AuditEvent.objects.filter(
            target_type="ticket", target_id=ticket.reference
        ).update(created_at=created)

    def _first_reply(
        self,
        ticket: Ticket,
        agent: User,
        story: Storyline,
        context: dict[str, str],
        at: datetime,
        moments: _Moments,
    ) -> None:
        macro = self.macros.get(story.macro_first)
        use_macro = macro is not None and (
            story.starts_incomplete or self.rng.random() < 0.5
        )
        if use_macro and macro is not None:
            self._step(
                ticket,
                at,
                lambda: macro_apply(macro=macro, ticket=ticket, agent=agent),
                moments,
            )
        else:
            body = story.first_reply.pick(self.rng, ticket.language, context)
            self._step(
                ticket,
                at,
                lambda: reply_add(ticket=ticket, author=agent, body=body),
                moments,
            )
        moments.first_response = min(at, self.now - timedelta(minutes=1))
        ticket.refresh_from_db()

    def _customer_reply(
        self,
        ticket: Ticket,
        customer: User,
        story: Storyline,
        context: dict[str, str],
        at: datetime,
        moments: _Moments,
    ) -> None:
        body = story.customer_reply.pick(self.rng, ticket.language, context)
        # A customer answering "what is the TxID?" fills in the missing field too.
        fields = {"txid": context["txid"]} if "txid" in ticket.missing_fields else None
        self._step(
            ticket,
            at,
            lambda: reply_add(ticket=ticket, author=customer, body=body, fields=fields),
            moments,
        )
        ticket.refresh_from_db()

    def _note(
        self,
        ticket: Ticket,
        agent: User,
        story: Storyline,
        context: dict[str, str],
        at: datetime,
        moments: _Moments,
    ) -> None:
        body = story.notes.pick(
            self.rng, ticket.language if self.rng.random() < 0.5 else "en", context
        )
        self._step(
            ticket,
            at,
            lambda: reply_add(
                ticket=ticket, author=agent, body=body, kind=MessageKind.NOTE
            ),
            moments,
        )

    def _resolve(
        self,
        ticket: Ticket,
        agent: User,
        story: Storyline,
        context: dict[str, str],
        at: datetime,
        moments: _Moments,
    ) -> None:
        macro = self.macros.get(story.macro_resolve)
        if (
            macro is not None
            and macro.set_status == Status.SOLVED
            and self.rng.random() < 0.4
        ):
            self._step(
                ticket,
                at,
                lambda: macro_apply(macro=macro, ticket=ticket, agent=agent),
                moments,
            )
        else:
            body = story.resolution.pick(self.rng, ticket.language, context)
            self._step(
                ticket,
                at,
                lambda: reply_add(
                    ticket=ticket, author=agent, body=body, set_status=Status.SOLVED
                ),
                moments,
            )
        moments.solved = min(at, self.now - timedelta(minutes=1))
        ticket.refresh_from_db()

    def _rate(
        self, ticket: Ticket, customer: User, at: datetime, moments: _Moments
    ) -> None:
        rating = self.rng.choices((5, 4, 3, 2, 1), weights=(50, 25, 10, 8, 7))[0]
        comments = RATING_COMMENTS[
            "zh-hans" if ticket.language.startswith("zh") else "en"
        ][rating]
        comment = self.rng.choice(comments)
        self._step(
            ticket,
            at,
            lambda: ticket_rate(
                ticket=ticket, customer=customer, rating=rating, comment=comment
            ),
            moments,
        )

    def _finish(self, ticket: Ticket, created: datetime, moments: _Moments) -> Ticket:
        ticket.refresh_from_db()
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=created,
            updated_at=moments.last or created,
            first_response_at=moments.first_response
            if ticket.first_response_at
            else None,
            solved_at=moments.solved if ticket.solved_at else None,
            closed_at=moments.closed if ticket.closed_at else None,
        )
        ticket.refresh_from_db()
        return ticket
