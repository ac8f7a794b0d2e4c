"""Chat services: numbering, idempotent sends, hand-off and assignment, tickets, rating, mail."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from beacon.accounts.models import Team, User
from beacon.audit.models import AuditEvent
from beacon.chat import services
from beacon.chat.identity import Identity, new_guest
from beacon.chat.models import (
    ChatMessage,
    ChatSuspension,
    Conversation,
    ConversationStatus,
    HandoffReason,
    Sender,
)
from beacon.chat.tests.conftest import online
from beacon.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from beacon.notifications.models import Delivery
from beacon.tickets.models import Channel

pytestmark = pytest.mark.django_db


def _send(
    conversation: Conversation, customer: User, body: str, client_id: str | None = None
) -> services.SendResult:
    return services.customer_send(
        conversation=conversation,
        identity=Identity(user=customer),
        body=body,
        client_id=client_id,
    )


def test_start_greets_and_reuses_the_open_conversation(
    customer: User, seeded: None
) -> None:
    first = services.conversation_start(identity=Identity(user=customer))
    again = services.conversation_start(identity=Identity(user=customer))

    assert first.pk == again.pk
    greeting = ChatMessage.objects.get(conversation=first)
    assert greeting.seq == 1 and greeting.sender == Sender.BOT


def test_guest_is_told_what_they_cannot_do(seeded: None) -> None:
    conversation = services.conversation_start(identity=new_guest(), language="zh-hans")

    greeting = ChatMessage.objects.get(conversation=conversation)
    assert greeting.meta["guest"] is True
    assert "登录" in greeting.body


def test_staff_cannot_start_a_customer_chat(agent: User) -> None:
    with pytest.raises(PermissionDenied):
        services.conversation_start(identity=Identity(user=agent))


def test_messages_are_numbered_in_order(
    conversation: Conversation, customer: User
) -> None:
    seqs = [_send(conversation, customer, f"hello {n}").message.seq for n in range(3)]

    assert seqs == [2, 3, 4]
    conversation.refresh_from_db()
    assert conversation.last_seq == 4


def test_a_retried_client_id_is_stored_once(
    conversation: Conversation, customer: User
) -> None:
    first = _send(conversation, customer, "where is my deposit", client_id="abc-1")
    retry = _send(conversation, customer, "where is my deposit", client_id="abc-1")

    assert first.created and not retry.created
    assert retry.message.pk == first.message.pk
    assert (
        ChatMessage.objects.filter(conversation=conversation, client_id="abc-1").count()
        == 1
    )


def test_another_customer_cannot_send_into_the_conversation(
    conversation: Conversation, other_customer: User
) -> None:
    with pytest.raises(NotFound):
        _send(conversation, other_customer, "hi")


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_empty_or_overlong_messages_are_refused(
    conversation: Conversation, customer: User, body: str
) -> None:
    with pytest.raises(Invalid):
        _send(conversation, customer, body)

    assert ChatMessage.objects.filter(conversation=conversation).count() == 1


def test_bad_client_id_is_refused(conversation: Conversation, customer: User) -> None:
    with pytest.raises(Invalid):
        _send(conversation, customer, "hi", client_id="<script>")


def test_closed_chat_refuses_messages(
    conversation: Conversation, customer: User
) -> None:
    services.conversation_close(
        conversation=conversation, identity=Identity(user=customer)
    )

    with pytest.raises(Conflict):
        _send(conversation, customer, "hello?")


def test_a_retry_after_the_end_gets_the_stored_message(
    conversation: Conversation, customer: User
) -> None:
    first = _send(conversation, customer, "are you there", client_id="late-1")
    services.conversation_close(
        conversation=conversation, identity=Identity(user=customer)
    )

    retry = _send(conversation, customer, "are you there", client_id="late-1")

    assert not retry.created and retry.message.pk == first.message.pk


def test_a_refused_message_takes_no_number(
    conversation: Conversation, customer: User
) -> None:
    _send(conversation, customer, "one", client_id="n-1")
    _send(conversation, customer, "one again", client_id="n-1")
    services.conversation_close(
        conversation=conversation, identity=Identity(user=customer)
    )
    with pytest.raises(Conflict):
        _send(conversation, customer, "after the end")

    conversation.refresh_from_db()
    seqs = list(
        ChatMessage.objects.filter(conversation=conversation)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert seqs == list(range(1, conversation.last_seq + 1))


def test_a_suspended_customer_cannot_send_even_into_an_open_chat(
    conversation: Conversation, customer: User, agent: User
) -> None:
    ChatSuspension.objects.create(
        customer=customer, until=timezone.now() + timedelta(minutes=5), created_by=agent
    )

    with pytest.raises(services.Suspended):
        _send(conversation, customer, "let me in")

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.BOT
    assert conversation.last_seq == 1


def test_a_suspended_guest_cannot_send(seeded: None, agent: User) -> None:
    guest = new_guest()
    conversation = services.conversation_start(identity=guest)
    ChatSuspension.objects.create(
        guest_key=guest.guest_key,
        until=timezone.now() + timedelta(minutes=5),
        created_by=agent,
    )

    with pytest.raises(services.Suspended):
        services.customer_send(conversation=conversation, identity=guest, body="hi")


def test_an_ended_suspension_lets_the_customer_write_again(
    conversation: Conversation, customer: User, agent: User
) -> None:
    ChatSuspension.objects.create(
        customer=customer, until=timezone.now() - timedelta(minutes=1), created_by=agent
    )

    assert _send(conversation, customer, "hello again").created


def test_handoff_assigns_an_online_agent_with_room(
    conversation: Conversation, agent: User, deposits: Team
) -> None:
    online(agent)

    services.handoff(
        conversation=conversation,
        reason=HandoffReason.ASKED,
        team_id=deposits.pk,
        summary="coin: USDT",
    )

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ACTIVE
    assert conversation.agent == agent
    assert conversation.collected["summary"] == "coin: USDT"
    assert ChatMessage.objects.filter(
        conversation=conversation, meta__kind="agent_joined"
    ).exists()


def test_handoff_queues_when_online_agents_are_full(
    conversation: Conversation, agent: User, deposits: Team, other_customer: User
) -> None:
    online(agent, capacity=1)
    earlier = services.conversation_start(identity=Identity(user=other_customer))
    services.handoff(
        conversation=earlier, reason=HandoffReason.ASKED, team_id=deposits.pk
    )

    services.handoff(
        conversation=conversation, reason=HandoffReason.ASKED, team_id=deposits.pk
    )

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.QUEUED
    notice = ChatMessage.objects.get(conversation=conversation, meta__kind="queued")
    assert notice.meta["position"] == 1
    assert notice.meta["eta_seconds"] == 300


def test_handoff_with_nobody_online_opens_a_chat_ticket_with_the_transcript(
    conversation: Conversation, customer: User, deposits: Team
) -> None:
    _send(conversation, customer, "My USDT deposit has not arrived")

    services.handoff(
        conversation=conversation, reason=HandoffReason.ASKED, team_id=deposits.pk
    )

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.TICKET
    ticket = conversation.ticket
    assert ticket is not None and ticket.channel == Channel.CHAT
    assert ticket.customer == customer
    attachment = ticket.attachments.get()
    text = attachment.file.read().decode()
    assert "My USDT deposit has not arrived" in text
    told = ChatMessage.objects.get(conversation=conversation, meta__kind="ticket")
    assert ticket.reference in told.body and "email" in told.body


def test_guest_with_nobody_online_is_told_to_sign_in(seeded: None) -> None:
    conversation = services.conversation_start(identity=new_guest())

    services.handoff(conversation=conversation, reason=HandoffReason.ASKED)

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.CLOSED
    assert ChatMessage.objects.filter(
        conversation=conversation, meta__kind="no_agent_guest"
    ).exists()


def test_accept_respects_capacity(
    conversation: Conversation, agent: User, deposits: Team, other_customer: User
) -> None:
    online(agent, capacity=1)
    with override_settings(CHAT_QUEUE_WHEN_OFFLINE=True):
        busy = services.conversation_start(identity=Identity(user=other_customer))
        Conversation.objects.filter(pk=busy.pk).update(team=deposits)
        busy.refresh_from_db()
        services.chat_accept(conversation=busy, agent=agent)
        conversation.team = deposits
        conversation.save()

        with pytest.raises(Conflict):
            services.chat_accept(conversation=conversation, agent=agent)


def test_an_agent_of_another_team_cannot_accept(
    conversation: Conversation, outsider: User, deposits: Team
) -> None:
    conversation.team = deposits
    conversation.status = ConversationStatus.QUEUED
    conversation.save()

    with pytest.raises(NotFound):
        services.chat_accept(conversation=conversation, agent=outsider)


def test_agent_must_accept_before_replying(
    conversation: Conversation, agent: User, deposits: Team
) -> None:
    conversation.team = deposits
    conversation.status = ConversationStatus.QUEUED
    conversation.save()

    with pytest.raises(Conflict):
        services.agent_send(conversation=conversation, agent=agent, body="hello")
    services.chat_accept(conversation=conversation, agent=agent)
    reply = services.agent_send(
        conversation=conversation, agent=agent, body="Hi, I am Lena", client_id="a1"
    )

    assert reply.message.sender == Sender.AGENT and reply.message.author == agent


def test_transfer_to_a_team_leaves_an_internal_note(
    conversation: Conversation, agent: User, deposits: Team
) -> None:
    conversation.team = deposits
    conversation.save()
    services.chat_accept(conversation=conversation, agent=agent)
    security = Team.objects.get(slug="account-security")

    services.chat_transfer(
        conversation=conversation,
        agent=agent,
        note="suspicious login",
        to_team=security,
    )

    conversation.refresh_from_db()
    assert conversation.team == security and conversation.agent is None
    note = ChatMessage.objects.get(conversation=conversation, internal=True)
    assert note.body == "suspicious login"
    assert AuditEvent.objects.filter(action="chat.transfer").exists()


def test_transfer_to_an_agent_outside_the_team_is_refused(
    conversation: Conversation, agent: User, outsider: User, deposits: Team
) -> None:
    conversation.team = deposits
    conversation.save()
    services.chat_accept(conversation=conversation, agent=agent)

    with pytest.raises(Invalid):
        services.chat_transfer(
            conversation=conversation, agent=agent, note="", to_agent=outsider
        )


def test_transfer_to_a_colleague_assigns_them(
    conversation: Conversation, agent: User, deposits: Team
) -> None:
    from beacon.accounts.tests.factories import AgentFactory

    colleague = AgentFactory.create(teams=[deposits])
    conversation.team = deposits
    conversation.save()
    services.chat_accept(conversation=conversation, agent=agent)

    services.chat_transfer(
        conversation=conversation, agent=agent, note="VIP", to_agent=colleague
    )

    conversation.refresh_from_db()
    assert (
        conversation.agent == colleague
        and conversation.status == ConversationStatus.ACTIVE
    )


def test_agent_converts_to_ticket_once(
    conversation: Conversation, agent: User, customer: User, deposits: Team
) -> None:
    conversation.team = deposits
    conversation.save()
    services.chat_accept(conversation=conversation, agent=agent)
    _send(conversation, customer, "I need help with KYC")

    ticket = services.chat_convert(conversation=conversation, actor=agent)
    again = services.chat_convert(conversation=conversation, actor=agent)

    assert ticket.pk == again.pk
    assert ticket.attachments.count() == 1
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.TICKET


def test_guest_chat_cannot_become_a_ticket(agent: User, deposits: Team) -> None:
    conversation = services.conversation_start(identity=new_guest())
    conversation.team = deposits
    conversation.save()

    with pytest.raises(Conflict):
        services.chat_convert(conversation=conversation, actor=agent)


def test_rating_after_the_end(conversation: Conversation, customer: User) -> None:
    identity = Identity(user=customer)
    with pytest.raises(Conflict):
        services.conversation_rate(
            conversation=conversation, identity=identity, score=5
        )
    services.conversation_close(conversation=conversation, identity=identity)
    conversation.refresh_from_db()

    with pytest.raises(Invalid):
        services.conversation_rate(
            conversation=conversation, identity=identity, score=6
        )
    services.conversation_rate(
        conversation=conversation, identity=identity, score=4, comment="quick"
    )

    conversation.refresh_from_db()
    assert conversation.rating == 4 and conversation.rating_comment == "quick"


def test_transcript_goes_through_the_outbox_to_the_verified_address(
    conversation: Conversation, customer: User
) -> None:
    _send(conversation, customer, "thanks for the help")

    services.transcript_send(
        conversation=conversation, identity=Identity(user=customer)
    )

    delivery = Delivery.objects.get(template_key="chat_transcript")
    assert delivery.address == customer.email
    assert "thanks for the help" in delivery.context["transcript"]


def test_transcript_is_refused_for_unverified_addresses_and_guests(
    customer: User, seeded: None
) -> None:
    customer.email_verified = False
    customer.save()
    conversation = services.conversation_start(identity=Identity(user=customer))
    guest = new_guest()
    guest_chat = services.conversation_start(identity=guest)

    with pytest.raises(PermissionDenied):
        services.transcript_send(
            conversation=conversation, identity=Identity(user=customer)
        )
    with pytest.raises(PermissionDenied):
        services.transcript_send(conversation=guest_chat, identity=guest)
    assert not Delivery.objects.filter(template_key="chat_transcript").exists()


def test_transcript_email_renders(conversation: Conversation, customer: User) -> None:
    from beacon.notifications.rendering import render_notice

    _send(conversation, customer, "a < b & c")
    services.transcript_send(
        conversation=conversation, identity=Identity(user=customer)
    )
    delivery = Delivery.objects.get(template_key="chat_transcript")

    notice = render_notice(delivery.template_key, delivery.language, delivery.context)

    assert "a < b & c" in notice.body and notice.subject


def test_suspension_stops_the_customer(
    conversation: Conversation, agent: User, customer: User, deposits: Team
) -> None:
    conversation.team = deposits
    conversation.save()

    services.chat_suspend(
        conversation=conversation, agent=agent, minutes=30, reason="insults"
    )

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.CLOSED
    with pytest.raises(services.Suspended):
        services.conversation_start(identity=Identity(user=customer))


def test_suspension_needs_a_sane_duration(
    conversation: Conversation, agent: User, deposits: Team
) -> None:
    conversation.team = deposits
    conversation.save()

    with pytest.raises(Invalid):
        services.chat_suspend(conversation=conversation, agent=agent, minutes=0)


def test_attachment_upload_uses_the_portal_checks(
    conversation: Conversation, customer: User
) -> None:
    identity = Identity(user=customer)
    png = SimpleUploadedFile(
        "shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png"
    )
    html = SimpleUploadedFile(
        "x.png", b"<html><script>alert(1)</script>", content_type="image/png"
    )

    stored = services.attachment_upload(
        conversation=conversation, identity=identity, upload=png
    )
    with pytest.raises(Invalid):
        services.attachment_upload(
            conversation=conversation, identity=identity, upload=html
        )
    sent = services.customer_send(
        conversation=conversation,
        identity=identity,
        body="",
        attachment_token=stored.token,
    )

    assert stored.content_type == "image/png"
    assert sent.message.attachment == stored


def test_queue_sweep_assigns_then_times_out(
    conversation: Conversation, agent: User, deposits: Team, other_customer: User
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    with override_settings(CHAT_QUEUE_WHEN_OFFLINE=True):
        services.handoff(
            conversation=conversation, reason=HandoffReason.ASKED, team_id=deposits.pk
        )
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.QUEUED
    online(agent)

    assert services.queue_sweep() == 1
    conversation.refresh_from_db()
    assert conversation.agent == agent

    waiting = services.conversation_start(identity=Identity(user=other_customer))
    with override_settings(CHAT_QUEUE_WHEN_OFFLINE=True):
        agent.presence.status = "offline"
        agent.presence.save()
        services.handoff(
            conversation=waiting, reason=HandoffReason.ASKED, team_id=deposits.pk
        )
    services.queue_sweep(now=timezone.now() + timedelta(hours=1))
    waiting.refresh_from_db()
    assert waiting.status == ConversationStatus.TICKET


def test_ending_a_chat_gives_the_agent_the_next_waiting_one(
    conversation: Conversation,
    customer: User,
    other_customer: User,
    agent: User,
    deposits: Team,
) -> None:
    online(agent, capacity=1)
    services.handoff(
        conversation=conversation, reason=HandoffReason.ASKED, team_id=deposits.pk
    )
    waiting = services.conversation_start(identity=Identity(user=other_customer))
    services.handoff(
        conversation=waiting, reason=HandoffReason.ASKED, team_id=deposits.pk
    )
    waiting.refresh_from_db()
    assert waiting.status == ConversationStatus.QUEUED

    services.conversation_close(
        conversation=conversation, identity=Identity(user=agent)
    )

    waiting.refresh_from_db()
    assert waiting.status == ConversationStatus.ACTIVE and waiting.agent == agent


def test_transfer_to_the_own_team_goes_to_someone_else(
    conversation: Conversation, agent: User, deposits: Team
) -> None:
    from beacon.accounts.tests.factories import AgentFactory

    colleague = online(AgentFactory.create(teams=[deposits]))
    online(agent)
    services.handoff(
        conversation=conversation, reason=HandoffReason.ASKED, team_id=deposits.pk
    )
    conversation.refresh_from_db()
    first = conversation.agent
    assert first is not None

    services.chat_transfer(
        conversation=conversation, agent=first, note="", to_team=deposits
    )

    conversation.refresh_from_db()
    assert conversation.agent is not None and conversation.agent != first
    assert {first, conversation.agent} == {agent, colleague}


def test_the_assistants_replies_are_stored_in_one_insert_with_their_own_ids(
    conversation: Conversation, django_assert_num_queries: Any
) -> None:
    locked = Conversation.objects.get(pk=conversation.pk)

    with django_assert_num_queries(2):  # the update and the insert
        replies = services.bot_answer(
            locked,
            [("first", {}), ("second", {"kind": "smalltalk"})],
            updates={"negative_streak": 1},
        )

    stored = {m.pk: m for m in ChatMessage.objects.filter(conversation=conversation)}
    assert [(r.seq, r.body) for r in replies] == [(2, "first"), (3, "second")]
    for reply in replies:
        assert (stored[reply.pk].seq, stored[reply.pk].body) == (reply.seq, reply.body)
    assert stored[replies[1].pk].meta == {"kind": "smalltalk"}
    locked.refresh_from_db()
    assert (locked.last_seq, locked.negative_streak) == (3, 1)
