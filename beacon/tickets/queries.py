"""Reads on a user's behalf. Only these load tickets for a user, and each applies the access rule:
a customer sees their own tickets, an agent or lead those of their teams, admins and auditors all.
Missing and not-yours raise the same NotFound, so references cannot be probed."""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from beacon.accounts.models import Membership, Role, User
from beacon.core import configcache
from beacon.core.errors import Invalid, NotFound
from beacon.core.prepared import PreparedQuery
from beacon.core.text import tokens
from beacon.tickets.models import (
    Attachment,
    Category,
    Macro,
    Message,
    MessageKind,
    Status,
    Ticket,
    TicketEvent,
)
from beacon.tickets.reference import normalise_reference


def team_ids_of(user: User) -> list[int]:
    cached: list[int] | None = getattr(user, "_team_ids", None)
    if cached is None:
        cached = _load_teams(user)
    return cached


def team_slugs_of(user: User) -> frozenset[str]:
    """Slugs of the user's active teams, from the same one query as team_ids_of."""
    cached: frozenset[str] | None = getattr(user, "_team_slugs", None)
    if cached is None:
        _load_teams(user)
        cached = user._team_slugs  # type: ignore[attr-defined]
    return cached


# Read on nearly every request of an agent (access checks, personal-data masking).
_MEMBERSHIPS = PreparedQuery(
    lambda user_id: Membership.objects.filter(user_id=user_id).values_list(
        "team_id", "team__slug", "team__is_active"
    ),
    user_id=int,
)


def _load_teams(user: User) -> list[int]:
    rows: list[tuple[int, str, bool]] = _MEMBERSHIPS.all(user_id=user.pk)
    user._team_ids = [team_id for team_id, _slug, _active in rows]  # type: ignore[attr-defined]
    user._team_slugs = frozenset(slug for _id, slug, active in rows if active)  # type: ignore[attr-defined]
    return user._team_ids  # type: ignore[attr-defined,no-any-return]


def tickets_visible_to(user: User) -> QuerySet[Ticket]:
    """The base queryset of every ticket read."""
    return _visible(*_scope(user))


# What a user may see: nothing, everything, their teams' tickets or their own; with the values
# that scope needs (the team ids, the customer's id).
type _Scope = tuple[str, dict[str, Any]]


def _scope(user: User) -> _Scope:
    if not user.is_active:
        return "none", {}
    if user.role in (Role.ADMIN, Role.AUDITOR):
        return "all", {}
    if user.role in (Role.AGENT, Role.LEAD):
        return "teams", {"team_ids": team_ids_of(user)}
    return "customer", {"customer_id": user.pk}


def _visible(kind: str, values: dict[str, Any]) -> QuerySet[Ticket]:
    if kind == "all":
        return Ticket.objects.all()
    if kind == "teams":
        return Ticket.objects.filter(team_id__in=values["team_ids"])
    if kind == "customer":
        return Ticket.objects.filter(customer_id=values["customer_id"])
    return Ticket.objects.none()


def ticket_get_for_user(*, user: User, reference: str) -> Ticket:
    ticket = (
        tickets_visible_to(user)
        .select_related(
            "category", "team", "assignee", "customer", "merged_into", "follow_up_of"
        )
        .filter(reference=normalise_reference(reference) or reference.strip().upper())
        .first()
    )
    if ticket is None:
        raise NotFound
    return ticket


def messages_for_user(*, user: User, ticket: Ticket) -> QuerySet[Message]:
    """A ticket's conversation; notes are dropped for customers (and for anyone not staff)."""
    messages = (
        Message.objects.filter(ticket=ticket)
        .select_related("author")
        .prefetch_related("attachments")
    )
    if not user.is_support_staff:
        messages = messages.exclude(kind=MessageKind.NOTE)
    return messages.order_by("created_at", "id")


def events_for_user(*, user: User, ticket: Ticket) -> QuerySet[TicketEvent]:
    events = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
    if not user.is_support_staff:
        events = events.filter(public=True)
    return events.order_by("created_at", "id")


def attachment_get_for_user(*, user: User, token: str) -> Attachment:
    """An attachment the user may download: on a ticket they can see and, for customers, not on a note."""
    attachment = (
        Attachment.objects.select_related("ticket", "message")
        .filter(token=token, ticket__in=tickets_visible_to(user))
        .first()
    )
    if attachment is None:
        raise NotFound
    if (
        not user.is_support_staff
        and attachment.message is not None
        and attachment.message.kind == MessageKind.NOTE
    ):
        raise NotFound
    return attachment


def macros_for_user(*, user: User) -> QuerySet[Macro]:
    macros = Macro.objects.filter(is_active=True)
    if user.role in (Role.ADMIN, Role.AUDITOR):
        return macros
    return macros.filter(Q(team__isnull=True) | Q(team_id__in=team_ids_of(user)))


# --- lists ---------------------------------------------------------------------------------


class View(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    PENDING = "pending"
    ACTIVE = "active"
    ALL = "all"


class Sort(StrEnum):
    NEWEST = "-created"
    OLDEST = "created"
    PRIORITY = "priority"
    UPDATED = "-updated"


SORT_FIELDS: dict[Sort, tuple[str, ...]] = {
    Sort.NEWEST: ("-created_at", "-id"),
    Sort.OLDEST: ("created_at", "id"),
    Sort.PRIORITY: ("priority", "-created_at", "-id"),
    Sort.UPDATED: ("-updated_at", "-id"),
}


@dataclass
class TicketFilter:
    view: View = View.ACTIVE
    status: str = ""
    priority: int | None = None
    team_id: int | None = None
    category_id: int | None = None
    assignee_id: int | None = None
    channel: str = ""
    tag: str = ""
    q: str = ""
    sort: Sort = Sort.NEWEST


def ticket_list_for_user(
    *, user: User, filters: TicketFilter, text: bool = True
) -> QuerySet[Ticket]:
    """Tickets for a console or API list: visible ones, narrowed by view, filters and text search.

    `text=False` leaves the text search (filters.q) out, for a caller that hands it to
    paginate_values(search=...), which finds a page of matches faster than the filter can."""
    return _narrowed(tickets_visible_to(user), filters, viewer_id=user.pk, text=text)


def _narrowed(
    qs: QuerySet[Ticket], filters: TicketFilter, *, viewer_id: int, text: bool
) -> QuerySet[Ticket]:
    if filters.view == View.MINE:
        # The user's own open tickets, picked by id from the covering assignee index; the access
        # rule then checks those few rows. A plain `assignee_id = ?` lets the planner choose a
        # table scan wherever statistics say the assignee column is mostly NULL (every ticket
        # unassigned: 27 ms at 50,000 tickets, against 0.1 ms through the subquery).
        assigned = Ticket.objects.filter(
            assignee_id=viewer_id,
            status__in=[
                Status.NEW,
                Status.OPEN,
                Status.PENDING_CUSTOMER,
                Status.ON_HOLD,
            ],
        ).values("pk")
        qs = qs.filter(pk__in=assigned)
    elif filters.view == View.UNASSIGNED:
        qs = qs.filter(assignee__isnull=True, status__in=[Status.NEW, Status.OPEN])
    elif filters.view == View.PENDING:
        qs = qs.filter(status=Status.PENDING_CUSTOMER)
    elif filters.view == View.ACTIVE:
        qs = qs.filter(
            status__in=[
                Status.NEW,
                Status.OPEN,
                Status.PENDING_CUSTOMER,
                Status.ON_HOLD,
            ]
        )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    if filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag.lower())
    if filters.q and text:
        qs = apply_search(qs, filters.q)
    return qs.select_related("category", "team", "assignee", "customer").order_by(
        *SORT_FIELDS[filters.sort]
    )


_TAG_NAMES = PreparedQuery(
    lambda ids: (
        Ticket.tags.through.objects.filter(ticket_id__in=ids)
        .order_by("tag__name")
        .values_list("ticket_id", "tag__name")
    ),
    ids=list,
)


def tag_names_by_ticket(ticket_ids: list[int]) -> dict[int, list[str]]:
    """Tag names of a page of tickets (already access-checked by the caller), sorted: one
    prepared query."""
    names: dict[int, list[str]] = {}
    for ticket_id, name in _TAG_NAMES.all(ids=ticket_ids):
        names.setdefault(ticket_id, []).append(name)
    return names


def capped_count(qs: QuerySet[Ticket], *, cap: int) -> int:
    """Exact count up to `cap`, else cap + 1: bounded cost however big the view is."""
    return qs.order_by().values("pk")[: cap + 1].count()


def apply_search(qs: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """Reference, customer UID or email match exactly; anything else is a word search."""
    text = query.strip()
    reference = normalise_reference(text)
    if reference:
        return qs.filter(reference=reference)
    if _is_email(text):
        return qs.filter(customer__email=text.lower())
    if _is_uid(text):
        return qs.filter(Q(customer__exchange_uid=text) | Q(search_text__contains=text))
    from beacon.tickets import (
        search,  # Local: the search backend depends on the database vendor.
    )

    return search.filter_text(qs, tokens(text))


def _is_email(text: str) -> bool:
    return "@" in text and " " not in text


def _is_uid(text: str) -> bool:
    return text.isdigit() and len(text) >= 5


def _word_search(query: str) -> list[str] | None:
    """The words of a query that apply_search answers with the word search, else None."""
    text = query.strip()
    if not text or normalise_reference(text) or _is_email(text) or _is_uid(text):
        return None
    return tokens(text)


# --- cursor pagination ---------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str | None


def _encode(values: tuple[Any, ...]) -> str:
    raw = "|".join(v.isoformat() if isinstance(v, datetime) else str(v) for v in values)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[str]:
    try:
        return (
            base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            .decode()
            .split("|")
        )
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Invalid(
            _("The cursor is not valid. Start again from the first page."),
            code="bad_cursor",
        ) from exc


def paginate_values(
    qs: QuerySet[Ticket],
    *,
    sort: Sort,
    cursor: str | None,
    limit: int,
    fields: tuple[str, ...],
    search: str = "",
    first_page_among: Callable[[list[int]], list[int] | None] | None = None,
) -> Page:
    """Keyset pagination on the sort key plus id (stable under inserts, cheap on deep pages),
    each row of the page a dict of `fields` and "id" rather than a model instance with its
    relations: building the 100-odd model instances of an API page cost more than its queries
    (2.0 against 1.1 ms of CPU).

    `search` narrows `qs` as apply_search does, with the same page as the answer; a word search
    first looks among the newest matches (_page_among_newest_matches). `first_page_among`, when
    given, answers the ids of the first page of `qs` among the tickets it is given (or None),
    as _page_ids would."""
    return _paginate(
        lambda: qs,
        alias=qs.db,
        sort=sort,
        cursor=cursor,
        limit=limit,
        fields=fields,
        search=search,
        first_page_among=first_page_among,
    )


def _paginate(
    listed: Callable[[], QuerySet[Ticket]],
    *,
    alias: str,
    sort: Sort,
    cursor: str | None,
    limit: int,
    fields: tuple[str, ...],
    search: str,
    first_page_among: Callable[[list[int]], list[int] | None] | None,
) -> Page:
    """paginate_values for the queryset `listed()` (on the database `alias`), built only when
    the page is not found without it: a word search's first page among its newest matches
    comes from `first_page_among` alone, and building the list's queryset cost more than
    that answer (0.4 ms)."""
    if search:
        page = _page_among_newest_matches(
            listed,
            search,
            alias=alias,
            sort=sort,
            cursor=cursor,
            limit=limit,
            fields=fields,
            first_page_among=first_page_among,
        )
        if page is not None:
            return page
        qs = apply_search(listed(), search)
    else:
        qs = listed()
    order = SORT_FIELDS[sort]
    return _page_of(_page_ids(qs, order, cursor, limit), order, limit, fields)


def _page_of(
    ids: list[int], order: tuple[str, ...], limit: int, fields: tuple[str, ...]
) -> Page:
    """The page of the tickets `ids` (the page's and one more), each row a dict of `fields`."""
    names = tuple(dict.fromkeys(("id", *fields, *(_attr(f) for f in order))))
    rows_by_id = {row["id"]: row for row in _rows_by_ids(names).all(ids=ids)}
    rows = [rows_by_id[pk] for pk in ids if pk in rows_by_id]
    return _page(rows, order, limit, dict.__getitem__)


def ticket_page_for_user(
    *,
    user: User,
    filters: TicketFilter,
    cursor: str | None,
    limit: int,
    fields: tuple[str, ...],
    lookups: dict[str, str] | None = None,
) -> Page:
    """The page after `cursor` of ticket_list_for_user(user, filters), its text search
    included, as paginate_values gives it. `lookups` narrow it further by exact matches
    through the list's joins (the API's {"team__slug": ...}).

    A first page without a text search, what the console and the API are asked for most,
    takes its ids from a statement prepared once per shape of request (_first_page_ids):
    building and compiling the list's queryset cost more than SQLite took to answer it."""
    lookups = lookups or {}
    if not cursor and not filters.q:
        ids = _first_page_ids(user, filters, limit, lookups)
        if ids is not None:
            return _page_of(ids, SORT_FIELDS[filters.sort], limit, fields)

    def listed() -> QuerySet[Ticket]:
        qs = ticket_list_for_user(user=user, filters=filters, text=False)
        return qs.filter(**lookups) if lookups else qs

    return _paginate(
        listed,
        alias=Ticket.objects.db,
        sort=filters.sort,
        cursor=cursor,
        limit=limit,
        fields=fields,
        search=filters.q,
        first_page_among=partial(_first_page_ids, user, filters, limit, lookups),
    )


# The filters of a list as arguments of a prepared statement, with their types. The priority
# (four values, a small-integer column that no stand-in fits) is part of the shape instead.
_FILTER_ARGUMENTS: dict[str, type[str] | type[int]] = {
    "status": str,
    "team_id": int,
    "category_id": int,
    "assignee_id": int,
    "channel": str,
    "tag": str,
}
# A statement per shape of first-page request: who is asking (everything, teams, own), the
# view, the sort, the priority, which other filters and lookups are given, the page size. Shapes are few in use;
# past this many, further shapes go the unprepared way.
FIRST_PAGE_SHAPES = 512


@dataclass(frozen=True)
class _Shape:
    kind: str  # _scope's
    view: View
    sort: Sort
    priority: int | None
    given: tuple[str, ...]  # the other filters given (_FILTER_ARGUMENTS)
    lookup_names: tuple[str, ...]
    limit: int
    among: bool  # only the listed tickets


_FIRST_PAGES: dict[_Shape, PreparedQuery[tuple[int]]] = {}


def _first_page_ids(
    user: User,
    filters: TicketFilter,
    limit: int,
    lookups: dict[str, str],
    among: list[int] | None = None,
) -> list[int] | None:
    """The ids of the first page of the list (and one more), or None for a shape not prepared.
    The statement is the one _page_ids runs for the same list, built by the same functions
    (_visible, _narrowed) from stand-in values (beacon/core/prepared.py). `among`: only these
    tickets (a word search's newest matches, SQLite only; the text filter itself is left out)."""
    kind, scope = _scope(user)
    if kind == "none":
        return []
    arguments: dict[str, Any] = dict(scope)
    for name in _FILTER_ARGUMENTS:
        value = getattr(filters, name)
        if value:
            # The tag as _narrowed looks it up (the stand-in has no capitals to lower).
            arguments[name] = value.lower() if name == "tag" else value
    if filters.view == View.MINE:
        arguments["viewer_id"] = user.pk
    for index, value in enumerate(lookups.values()):
        arguments[f"lookup_{index}"] = value
    if among is not None:
        arguments["among"] = json.dumps(among)
    shape = _Shape(
        kind=kind,
        view=filters.view,
        sort=filters.sort,
        priority=filters.priority,
        given=tuple(name for name in _FILTER_ARGUMENTS if name in arguments),
        lookup_names=tuple(lookups),
        limit=limit,
        among=among is not None,
    )
    prepared = _FIRST_PAGES.get(shape)
    if prepared is None:
        if len(_FIRST_PAGES) >= FIRST_PAGE_SHAPES:
            return None
        prepared = _FIRST_PAGES.setdefault(shape, _prepare_first_page(shape))
    return [pk for (pk,) in prepared.all(**arguments)]


def _prepare_first_page(shape: _Shape) -> PreparedQuery[tuple[int]]:
    kind, view, sort, given, lookup_names = (
        shape.kind,
        shape.view,
        shape.sort,
        shape.given,
        shape.lookup_names,
    )
    types: dict[str, Any] = {}
    if kind == "teams":
        types["team_ids"] = list
    elif kind == "customer":
        types["customer_id"] = int
    types.update({name: _FILTER_ARGUMENTS[name] for name in given})
    if view == View.MINE:
        types["viewer_id"] = int
    types.update({f"lookup_{index}": str for index in range(len(lookup_names))})
    if shape.among:
        types["among"] = str  # the ids as a JSON array (search.listed_ids)

    def build(**values: Any) -> QuerySet[Ticket, tuple[int]]:
        scope: dict[str, Any] = {
            name: values[name] for name in ("team_ids", "customer_id") if name in values
        }
        filters = TicketFilter(
            view=view,
            sort=sort,
            priority=shape.priority,
            **{name: values[name] for name in given},
        )
        qs = _narrowed(
            _visible(kind, scope),
            filters,
            viewer_id=values.get("viewer_id", 0),
            text=False,
        ).filter(
            **{
                name: values[f"lookup_{index}"]
                for index, name in enumerate(lookup_names)
            }
        )
        if shape.among:
            from beacon.tickets import search as text_search  # as below

            qs = qs.filter(pk__in=text_search.listed_ids(values["among"]))
        return qs.order_by(*SORT_FIELDS[sort]).values_list("pk")[: shape.limit + 1]

    return PreparedQuery(build, **types)


# How many of the newest matches of a word search are looked at first.
NEWEST_MATCHES = 500
# After the newest matches failed to give a newest-first page (ids out of creation order near
# the top of the list, as after an import of older tickets with later times), this process's
# newest-first searches with many matches go straight to the filter for this long: the failed
# attempt costs about as much as the filter itself.
NEWEST_MATCHES_PAUSE_S = 60.0
_newest_matches_paused_until = 0.0


def _page_among_newest_matches(
    listed: Callable[[], QuerySet[Ticket]],
    search: str,
    *,
    alias: str,
    sort: Sort,
    cursor: str | None,
    limit: int,
    fields: tuple[str, ...],
    first_page_among: Callable[[list[int]], list[int] | None] | None = None,
) -> Page | None:
    """The page of a word search found among the newest NEWEST_MATCHES matching tickets (by id,
    from the full-text index itself), or None where that cannot be shown to be the page.

    The plain filter hands SQLite every match (18,000 tickets for "withdrawal" in the benchmark)
    to collect before the list's index walk stops at a page: 3-6 ms. The full-text index gives
    its newest matches by id cheaply (0.2-1 ms for 500), and then:
    - fewer than NEWEST_MATCHES matches: they are all the matches, so the page is theirs, in
      any order (a rare word no longer walks the whole list: 7 ms -> well under 1);
    - newest first: the page found among them is the page if no ticket outside them (an older
      id) was created at or after the page's last row, which the creation-time index answers
      by looking at the tickets created since then only. Ids follow creation time (imports
      aside), so that holds whenever the window has a page of visible matches; when it fails,
      the plain filter answers.
    """
    words = _word_search(search)
    if words is None:
        return None
    from beacon.tickets import (
        search as text_search,  # Local: the search backend depends on the database vendor.
    )

    newest = text_search.newest_matching_ids(alias, words, NEWEST_MATCHES)
    if newest is None:
        return None

    def page_among() -> Page:
        ids = None
        if cursor is None and first_page_among is not None:
            ids = first_page_among(newest)
        if ids is not None:
            return _page_of(ids, SORT_FIELDS[sort], limit, fields)
        among = listed().filter(pk__in=text_search.listed_ids(newest))
        return paginate_values(
            among, sort=sort, cursor=cursor, limit=limit, fields=fields
        )

    if len(newest) < NEWEST_MATCHES:
        return page_among()
    if sort is not Sort.NEWEST or time.monotonic() < _newest_matches_paused_until:
        return None
    page = page_among()
    if page.next_cursor is None:
        return None  # Not a full page among them: the rest may be older.
    if _CREATED_SINCE.first(
        alias, before=min(newest), since=page.items[-1]["created_at"]
    ):
        _pause_newest_matches()
        return None
    return page


# A ticket older than the newest matches (by id) but created at or after a moment; any one
# (no order: the answer is whether there is one, as exists()).
_CREATED_SINCE = PreparedQuery(
    lambda before, since: (
        Ticket.objects.filter(pk__lt=before, created_at__gte=since)
        .order_by()
        .values_list("pk")[:1]
    ),
    before=int,
    since=datetime,
)


def _pause_newest_matches() -> None:
    global _newest_matches_paused_until
    _newest_matches_paused_until = time.monotonic() + NEWEST_MATCHES_PAUSE_S


# One prepared query per set of columns (a few, all named in code: the console's and the API's).
_ROWS_BY_IDS: dict[tuple[str, ...], PreparedQuery[dict[str, Any]]] = {}


def _rows_by_ids(names: tuple[str, ...]) -> PreparedQuery[dict[str, Any]]:
    """The columns `names` of the tickets of a page, by id: compiling this queryset cost three
    times what running it did (0.65 against 0.2 ms), on every list request."""
    prepared = _ROWS_BY_IDS.get(names)
    if prepared is None:
        prepared = _ROWS_BY_IDS.setdefault(
            names,
            PreparedQuery(
                lambda ids: Ticket.objects.filter(pk__in=ids).values(*names),
                ids=list,
            ),
        )
    return prepared


def _page_ids(
    qs: QuerySet[Ticket], order: tuple[str, ...], cursor: str | None, limit: int
) -> list[int]:
    """The ids of the page after `cursor` and one more (to tell whether another page follows)."""
    if cursor:
        parts = _decode(cursor)
        if len(parts) != len(order):
            raise Invalid(
                _("The cursor is not valid. Start again from the first page."),
                code="bad_cursor",
            )
        qs = qs.filter(_after(order, parts))
    # Deferred join: pick the page's ids from the index alone, then load those rows with their
    # relations. Joining first would join every matching row before the sort cuts it to a page.
    # Ordered here, by the same keys as the cursor, whatever order `qs` came with.
    return list(qs.order_by(*order).values_list("pk", flat=True)[: limit + 1])


def _page(
    rows: list[Any], order: tuple[str, ...], limit: int, read: Callable[[Any, str], Any]
) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = _encode(tuple(read(last, _attr(f)) for f in order))
    return Page(items=rows, next_cursor=next_cursor)


_ATTRS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "priority": "priority",
    "id": "id",
}


def _attr(order_field: str) -> str:
    return _ATTRS[order_field.lstrip("-")]


def _parse(field: str, raw: str) -> Any:
    name = field.lstrip("-")
    try:
        if name in ("created_at", "updated_at"):
            return datetime.fromisoformat(raw)
        return int(raw)
    except ValueError as exc:
        raise Invalid(
            _("The cursor is not valid. Start again from the first page."),
            code="bad_cursor",
        ) from exc


def _after(order: tuple[str, ...], parts: list[str]) -> Q:
    """Rows strictly after the cursor in `order`: (a > x) or (a = x and b > y) or ..."""
    condition = Q()
    equal = Q()
    for field, raw in zip(order, parts, strict=True):
        name = field.lstrip("-")
        value = _parse(field, raw)
        lookup = "lt" if field.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{lookup}": value})
        equal &= Q(**{name: value})
    return condition


def active_category(slug: str) -> Category | None:
    """The active category `slug` with its default team, from the configuration cache
    (beacon/core/configcache.py; reloaded whenever a category or team changes). Read-only: the
    object is shared by the process's threads."""
    return configcache.get("tickets:active_categories", _load_active_categories).get(
        slug
    )


def active_categories_cached() -> list[Category]:
    """Every active category with its default team, in the categories' order, from the same
    configuration cache as active_category. Read-only, shared like it."""
    return list(
        configcache.get("tickets:active_categories", _load_active_categories).values()
    )


def _load_active_categories() -> dict[str, Category]:
    return {
        category.slug: category
        for category in Category.objects.select_related("default_team").filter(
            is_active=True
        )
    }
