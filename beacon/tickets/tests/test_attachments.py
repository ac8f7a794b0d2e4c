"""Attachments in the portal: what is refused, who may download, and how files are served."""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from beacon.accounts.models import Role, Team, User
from beacon.accounts.tests.factories import (
    AgentFactory,
    CustomerFactory,
    TeamFactory,
    UserFactory,
)
from beacon.tickets import services
from beacon.tickets.models import Attachment, Category, MessageKind, Ticket
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    """A real, minimal PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(
        b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def png_upload(name: str = "screenshot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


@pytest.fixture
def team() -> Team:
    return TeamFactory.create(slug="account-help")


@pytest.fixture
def category(team: Team) -> Category:
    return CategoryFactory.create(slug="account", default_team=team)


@pytest.fixture
def customer() -> User:
    return CustomerFactory.create()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _create(
    client: Client, category: Category, *files: SimpleUploadedFile, **data: str
) -> Response:
    payload = {
        "category": category.slug,
        "subject": "Cannot log in",
        "description": "The app shows an error.",
        **data,
    }
    return client.post(
        reverse("portal:ticket-new"), {**payload, "attachments": list(files)}
    )


def _ticket_with_png(customer: User, category: Category) -> tuple[Ticket, Attachment]:
    ticket = make_ticket(customer=customer, category=category, uploads=[png_upload()])
    return ticket, ticket.attachments.get()


# --- refused uploads -----------------------------------------------------------------------


def test_html_upload_is_refused_with_a_clear_message(
    customer: User, category: Category
) -> None:
    page = SimpleUploadedFile(
        "invoice.html",
        b"<!doctype html><html><script>alert(1)</script></html>",
        content_type="text/html",
    )

    response = _create(_client(customer), category, page)

    assert response.status_code == 200
    assert "invoice.html is not an accepted file type" in response.text
    assert not Ticket.objects.exists()


def test_svg_named_png_is_refused(customer: User, category: Category) -> None:
    disguised = SimpleUploadedFile(
        "photo.png",
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        content_type="image/png",
    )

    response = _create(_client(customer), category, disguised)

    body = response.text
    assert "photo.png is not an accepted file type" in body
    assert 'value="Cannot log in"' in body  # what the customer typed is still there
    assert not Ticket.objects.exists()


@override_settings(ATTACHMENT_MAX_BYTES=2048)
def test_oversized_upload_is_refused(customer: User, category: Category) -> None:
    big = SimpleUploadedFile(
        "big.png", png_bytes(64, 64) + b"\x00" * 4096, content_type="image/png"
    )

    response = _create(_client(customer), category, big)

    assert "big.png is larger than" in response.text
    assert not Ticket.objects.exists()


@override_settings(ATTACHMENT_MAX_FILES=2)
def test_too_many_files_are_refused(customer: User, category: Category) -> None:

    response = _create(
        _client(customer),
        category,
        png_upload("a.png"),
        png_upload("b.png"),
        png_upload("c.png"),
    )

    assert "Attach at most 2 files." in response.text
    assert not Ticket.objects.exists()


def test_png_is_accepted_and_listed_on_the_ticket(
    customer: User, category: Category
) -> None:
    client = _client(customer)

    response = _create(client, category, png_upload("error screen.png"))

    ticket = Ticket.objects.get()
    attachment = ticket.attachments.get()
    assert response.status_code == 302
    assert attachment.content_type == "image/png"
    page = client.get(reverse("portal:ticket-detail", args=[ticket.reference])).text
    assert reverse("portal:attachment", args=[attachment.token]) in page


def test_reply_with_attachment_is_downloadable(
    customer: User, category: Category
) -> None:
    ticket = make_ticket(customer=customer, category=category)
    client = _client(customer)

    client.post(
        reverse("portal:ticket-reply", args=[ticket.reference]),
        {"body": "Here is the screenshot.", "attachments": [png_upload()]},
    )

    attachment = ticket.attachments.get()
    assert attachment.message is not None
    assert (
        client.get(reverse("portal:attachment", args=[attachment.token])).status_code
        == 200
    )


# --- downloads -----------------------------------------------------------------------------


def test_owner_downloads_png_as_attachment_never_inline(
    customer: User, category: Category
) -> None:
    _ticket, attachment = _ticket_with_png(customer, category)

    response = _client(customer).get(
        reverse("portal:attachment", args=[attachment.token])
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "inline" not in response["Content-Disposition"]
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == png_bytes()  # type: ignore[attr-defined]  # a FileResponse streams


def test_plain_text_is_served_as_opaque_bytes(
    customer: User, category: Category
) -> None:
    ticket = make_ticket(
        customer=customer,
        category=category,
        uploads=[
            SimpleUploadedFile("log.txt", b"error 42\n", content_type="text/plain")
        ],
    )
    attachment = ticket.attachments.get()

    response = _client(customer).get(
        reverse("portal:attachment", args=[attachment.token])
    )

    assert attachment.content_type == "text/plain"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_agent_of_the_tickets_team_can_download(
    customer: User, category: Category, team: Team
) -> None:
    _ticket, attachment = _ticket_with_png(customer, category)
    agent = AgentFactory.create(teams=[team])

    response = _client(agent).get(reverse("portal:attachment", args=[attachment.token]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


def test_auditor_can_download(customer: User, category: Category) -> None:
    _ticket, attachment = _ticket_with_png(customer, category)
    auditor = UserFactory.create(role=Role.AUDITOR)

    response = _client(auditor).get(
        reverse("portal:attachment", args=[attachment.token])
    )

    assert response.status_code == 200


@pytest.mark.parametrize("who", ["other customer", "agent of another team"])
def test_download_by_someone_else_is_404(
    customer: User, category: Category, who: str
) -> None:
    _ticket, attachment = _ticket_with_png(customer, category)
    outsider = (
        CustomerFactory.create()
        if who == "other customer"
        else AgentFactory.create(teams=[TeamFactory.create()])
    )

    response = _client(outsider).get(
        reverse("portal:attachment", args=[attachment.token])
    )
    missing = _client(outsider).get(
        reverse("portal:attachment", args=["no-such-token"])
    )

    assert response.status_code == 404
    assert missing.status_code == 404


def test_anonymous_download_redirects_to_login(
    customer: User, category: Category
) -> None:
    _ticket, attachment = _ticket_with_png(customer, category)
    url = reverse("portal:attachment", args=[attachment.token])

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_attachment_on_an_internal_note_is_hidden_from_the_customer(
    customer: User, category: Category, team: Team
) -> None:
    ticket = make_ticket(customer=customer, category=category)
    agent = AgentFactory.create(teams=[team])
    services.reply_add(
        ticket=ticket,
        author=agent,
        body="Internal: KYC screenshot",
        kind=MessageKind.NOTE,
        uploads=[png_upload("kyc.png")],
    )
    attachment = ticket.attachments.get()

    customer_response = _client(customer).get(
        reverse("portal:attachment", args=[attachment.token])
    )
    agent_response = _client(agent).get(
        reverse("portal:attachment", args=[attachment.token])
    )

    assert customer_response.status_code == 404
    assert agent_response.status_code == 200


def test_chinese_file_name_survives_the_download(
    customer: User, category: Category
) -> None:
    ticket = make_ticket(
        customer=customer, category=category, uploads=[png_upload("充值截图.png")]
    )
    attachment = ticket.attachments.get()

    response = _client(customer).get(
        reverse("portal:attachment", args=[attachment.token])
    )

    assert attachment.original_name == "充值截图.png"
    assert (
        response["Content-Disposition"]
        == "attachment; filename*=utf-8''%E5%85%85%E5%80%BC%E6%88%AA%E5%9B%BE.png"
    )
