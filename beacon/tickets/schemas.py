"""Request and response shapes of the tickets API (/api/v1). Tickets are named by `reference` only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, BaseModel, ConfigDict

from beacon.accounts.models import Language, Role
from beacon.tickets.form_fields import FieldType
from beacon.tickets.models import (
    Channel,
    EventKind,
    MessageKind,
    ParticipantSource,
    Priority,
    Status,
)
from beacon.tickets.queries import Sort, View
from beacon.tickets.services import BODY_MAX, SUBJECT_MAX


def _no_nul(value: str) -> str:
    # PostgreSQL cannot store NUL in text: refuse it here (422) rather than fail in the database (500).
    if "\x00" in value:
        raise ValueError("Text must not contain NUL characters.")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]

# What a structured field may hold in JSON; the category's form decides what it must look like.
FieldValue = Text | int | float

MAX_TAGS = 20


class StrictIn(Schema):
    """Input bodies refuse unknown keys, so a typo is an error rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    """Base of response shapes. Handlers build them field by field, so they are plain pydantic
    models: ninja's Schema would re-read every nested object through its ORM adapter when ninja
    validates the response, which costs a few milliseconds on a page of tickets."""


class ErrorOut(Out):
    detail: str
    code: str
    fields: dict[str, list[str]] | None = None


# --- who am I, categories -------------------------------------------------------------------


class TeamOut(Out):
    slug: str
    name: str


class MeOut(Out):
    email: str
    display_name: str
    role: Role
    language: Language
    exchange_uid: str | None
    teams: list[TeamOut]


class ChoiceOut(Out):
    value: str
    label: str


class FieldSpecOut(Out):
    name: str
    type: FieldType
    required: bool
    label: str = Field(description="The label in the caller's language.")
    label_en: str
    label_zh: str
    choices: list[ChoiceOut] = Field(
        description="Allowed values of a choice field; the networks for a network field."
    )


class NetworkOut(Out):
    code: str
    name: str
    memo_label: str | None = Field(
        description="Set when deposits on this network need a memo or destination tag."
    )


class CategoryOut(Out):
    slug: str
    name: str
    description: str
    is_security: bool
    fields: list[FieldSpecOut]


class CategoryListOut(Out):
    items: list[CategoryOut]
    networks: list[NetworkOut]


# --- tickets --------------------------------------------------------------------------------


class TicketQuery(Schema):
    """Filters, order and page of the ticket list."""

    view: View = View.ALL
    status: Status | None = None
    priority: Priority | None = None
    team: Text | None = Field(None, max_length=50, description="Team slug.")
    category: Text | None = Field(None, max_length=50, description="Category slug.")
    assignee: Text | None = Field(None, max_length=254, description="Assignee email.")
    channel: Channel | None = None
    tag: Text | None = Field(None, max_length=50)
    q: Text | None = Field(
        None,
        max_length=200,
        description="Text, ticket reference, customer email or exchange UID.",
    )
    sort: Sort = Sort.NEWEST
    cursor: Text | None = Field(
        None, max_length=500, description="`next_cursor` of the previous page."
    )
    limit: int = Field(25, ge=1, le=100)


class TicketIn(StrictIn):
    subject: Text = Field(min_length=1, max_length=SUBJECT_MAX)
    description: Text = Field(min_length=1, max_length=BODY_MAX)
    category: Text = Field(
        max_length=50, description="Category slug (see GET /categories)."
    )
    fields: dict[Text, FieldValue] = Field(
        default_factory=dict,
        description="Structured fields of the category's form. Missing required ones put the ticket in pending_customer and ask the customer.",
    )
    priority: Priority | None = Field(None, description="Support staff only.")
    tags: list[Text] = Field(
        default_factory=list, max_length=MAX_TAGS, description="Support staff only."
    )
    language: Language | None = None
    customer_email: Text | None = Field(
        None,
        max_length=254,
        description="Support staff only: the customer the ticket is for.",
    )
    customer_uid: Text | None = Field(
        None,
        max_length=64,
        description="Support staff only: the customer's exchange UID.",
    )


class TicketPatch(StrictIn):
    """Only the keys present are changed; `assignee` and `team` may be null to clear them."""

    status: Status | None = None
    priority: Priority | None = None
    category: Text | None = Field(None, max_length=50, description="Category slug.")
    team: Text | None = Field(None, max_length=50, description="Team slug.")
    assignee: Text | None = Field(None, max_length=254, description="Assignee email.")
    tags: list[Text] | None = Field(None, max_length=MAX_TAGS)


class CustomerOut(Out):
    email: str
    display_name: str
    exchange_uid: str | None


class TicketSummaryOut(Out):
    reference: str
    subject: str
    status: Status
    priority: Priority
    channel: Channel
    language: Language
    category: str = Field(description="Category slug.")
    category_name: str
    team: str | None = Field(description="Team slug.")
    assignee: str | None = Field(description="Assignee email; null for customers.")
    customer: CustomerOut
    tags: list[str] = Field(description="Empty for customers.")
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None


class ParticipantOut(Out):
    id: int
    email: str
    has_account: bool = Field(
        description="A customer account with this verified address exists."
    )
    source: ParticipantSource
    created_at: datetime


class ParticipantIn(StrictIn):
    email: Text = Field(min_length=1, max_length=254)


class TicketOut(TicketSummaryOut):
    participants: list[ParticipantOut] = Field(
        description="Addresses copied on the ticket's email (Cc) besides the customer."
    )
    description: str
    fields: dict[str, str]
    missing_fields: list[str] = Field(
        description="Required fields the customer has been asked for."
    )
    merged_into: str | None
    follow_up_of: str | None
    rating: int | None


class TicketListOut(Out):
    items: list[TicketSummaryOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class AttachmentOut(Out):
    name: str
    content_type: str
    size: int
    sha256: str
    url: str
    created_at: datetime


class MessageIn(StrictIn):
    body: Text = Field(min_length=1, max_length=BODY_MAX)
    status: Status | None = Field(
        None, description="Support staff only: the ticket's status after the reply."
    )
    fields: dict[Text, FieldValue] | None = Field(
        None, description="Customers only: structured fields they were asked for."
    )


class NoteIn(StrictIn):
    body: Text = Field(min_length=1, max_length=BODY_MAX)
    status: Status | None = None


class MessageOut(Out):
    ticket: str = Field(
        description="Reference of the ticket the message is on (a follow-up when a closed ticket was answered)."
    )
    ticket_status: Status
    kind: MessageKind
    body: str
    from_customer: bool
    author: str | None
    channel: Channel
    created_at: datetime
    attachments: list[AttachmentOut]


class EventOut(Out):
    kind: EventKind
    field: str
    old_value: str
    new_value: str
    actor: str | None
    public: bool
    created_at: datetime


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]
    events: list[EventOut]
    attachments: list[AttachmentOut]
