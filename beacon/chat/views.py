"""Customer side of live chat over HTTP: the chat page (full page and embeddable frame), the
session exchange, uploads, history and file downloads. Messages themselves go over the socket.

Requests name the chat session in the `X-Chat-Session` header (the widget keeps it); a Beacon
portal sign-in works too, then with Django's CSRF check.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from beacon.accounts.models import User
from beacon.chat import queries, services
from beacon.chat.consumers import state_frame
from beacon.chat.events import message_frame
from beacon.chat.identity import (
    Identity,
    Unauthenticated,
    customer_for_claims,
    identity_from_session,
    new_guest,
    session_token,
    verify_exchange_token,
)
from beacon.core.errors import DomainError, Invalid, NotFound
from beacon.tickets.attachment_views import KEEP_CONTENT_TYPES

SESSION_HEADER = "X-Chat-Session"


def _error(exc: DomainError) -> JsonResponse:
    return JsonResponse(
        {"detail": exc.message, "code": exc.code, "fields": exc.fields},
        status=exc.status,
    )


def _csrf_failed(request: HttpRequest) -> bool:
    checker = CsrfViewMiddleware(lambda r: HttpResponse())
    return checker.process_view(request, lambda r: HttpResponse(), (), {}) is not None


def request_identity(request: HttpRequest) -> Identity:
    """The chat session in the header, else a signed-in Beacon user (CSRF-checked for writes)."""
    token = request.headers.get(SESSION_HEADER, "")
    if token:
        return identity_from_session(token)
    user = request.user
    if isinstance(user, User) and user.is_active:
        if request.method not in ("GET", "HEAD") and _csrf_failed(request):
            raise Unauthenticated(_("Reload the page and try again."))
        return Identity(user=user)
    raise Unauthenticated(_("Start the chat again."))


def chat_strings() -> dict[str, Any]:
    """Texts the chat's script shows, in the page's language (the script has no catalogue)."""
    return {
        "senders": {
            "bot": _("Assistant"),
            "system": _("Beacon"),
            "agent": _("Agent"),
            "customer": "",
        },
        "status": {
            "connecting": _("Connecting…"),
            "online": _("Connected"),
            "offline": _("Reconnecting…"),
            "stopped": _("Disconnected"),
        },
        "stopped": {
            "unauthenticated": _(
                "Your chat session has expired. Please reload the chat."
            ),
            "not_found": _("This chat is not available."),
            "flood": _("Too many messages: the chat was disconnected."),
        },
        "queued": _(
            "You are number %(position)s in the queue; the estimated wait is about %(minutes)s min."
        ),
        "with_agent": _("You are chatting with %(name)s."),
        "ticket": _("This chat is now ticket %(reference)s: we will answer by email."),
        "closed": _("This chat has ended."),
        "thanks": _("Thank you for your rating!"),
        "failed": _("The chat could not start. Please try again in a moment."),
    }


def _page_context(request: HttpRequest, *, embedded: bool) -> dict[str, Any]:
    return {
        "embedded": embedded,
        "max_bytes": settings.ATTACHMENT_MAX_BYTES,
        "strings": chat_strings(),
    }


def _render_chat(request: HttpRequest, *, embedded: bool) -> HttpResponse:
    # `?lang=` (the widget's data-language) wins over the browser's language.
    wanted = request.GET.get("lang", "").lower()
    language = (
        "zh-hans"
        if wanted.startswith("zh")
        else "en"
        if wanted.startswith("en")
        else None
    )
    with translation.override(language or translation.get_language()):
        return render(
            request, "chat/chat.html", _page_context(request, embedded=embedded)
        )


@require_safe
def chat_page(request: HttpRequest) -> HttpResponse:
    """The chat as a full page (in-app web views, or the help centre's chat link)."""
    return _render_chat(request, embedded=False)


def _widget_csp() -> dict[str, Any]:
    return {
        **settings.SECURE_CSP,
        "frame-ancestors": ["'self'", *settings.CHAT_WIDGET_ORIGINS],
    }


@xframe_options_exempt
@require_safe
def widget_frame(request: HttpRequest) -> HttpResponse:
    """The page inside the widget's frame; only the configured sites may embed it."""
    response = _render_chat(request, embedded=True)
    # What csp_override does, but read per request so the setting can change without a restart.
    setattr(response, "_csp_config", _widget_csp())  # noqa: B010  # Django's CSP middleware reads it
    return response


@csrf_exempt  # authenticated by the tokens in the body, never by cookies alone (checked below)
@require_POST
def session_start(request: HttpRequest) -> JsonResponse:
    """Exchange a token (the exchange's JWT, or our own chat session) for a chat session and
    the open conversation; with neither, a guest session."""
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return _error(Invalid(_("Send a JSON object.")))
    language = str(payload.get("language") or "")
    try:
        identity = _identity_for(request, payload)
        with translation.override(language or translation.get_language()):
            conversation = services.conversation_start(
                identity=identity, language=language or None
            )
    except DomainError as exc:
        return _error(exc)
    return JsonResponse(
        {
            "session": session_token(identity),
            "guest": identity.is_guest,
            "conversation": conversation.public_id,
            "language": conversation.language,
            "socket": f"/ws/chat/{conversation.public_id}/",
            "state": state_frame(conversation),
        }
    )


def _identity_for(request: HttpRequest, payload: dict[str, Any]) -> Identity:
    token = payload.get("token")
    if isinstance(token, str) and token:
        return Identity(user=customer_for_claims(verify_exchange_token(token)))
    session = payload.get("session")
    if isinstance(session, str) and session:
        identity = identity_from_session(session)
        if not identity.is_staff:
            return identity
    user = request.user
    if isinstance(user, User) and user.is_customer:
        if _csrf_failed(request):
            raise Unauthenticated(_("Reload the page and try again."))
        return Identity(user=user)
    return new_guest()


@csrf_exempt  # header-token or CSRF-checked cookie auth, see request_identity
@require_POST
def upload(request: HttpRequest, public_id: str) -> JsonResponse:
    """Store one file for the chat; the client then sends a message naming its token."""
    try:
        identity = request_identity(request)
        conversation = queries.conversation_get(identity=identity, public_id=public_id)
        files = request.FILES.getlist("file")
        if len(files) != 1:
            raise Invalid(fields={"file": [_("Choose one file.")]})
        attachment = services.attachment_upload(
            conversation=conversation, identity=identity, upload=files[0]
        )
    except DomainError as exc:
        return _error(exc)
    return JsonResponse(
        {
            "token": attachment.token,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
        },
        status=201,
    )


@require_GET
def history(request: HttpRequest, public_id: str) -> JsonResponse:
    """Messages after `after` (default: all), for clients that cannot keep a socket open."""
    try:
        identity = request_identity(request)
        conversation = queries.conversation_get(identity=identity, public_id=public_id)
        after = int(request.GET.get("after", "0") or 0)
    except ValueError:
        return _error(Invalid(fields={"after": [_("Enter a whole number.")]}))
    except DomainError as exc:
        return _error(exc)
    messages = queries.messages_after(
        conversation=conversation, seq=max(0, after), staff=identity.is_staff
    )
    return JsonResponse(
        {
            "messages": [message_frame(m) for m in messages],
            "state": state_frame(conversation),
        }
    )


@require_safe
def file_download(request: HttpRequest, token: str) -> HttpResponseBase:
    """A chat file, after the same access check as its conversation; always a download."""
    try:
        identity = request_identity(request)
        attachment = queries.attachment_get(identity=identity, token=token)
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        return _error(NotFound())
    except DomainError as exc:
        return _error(exc)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=(
            attachment.content_type
            if attachment.content_type in KEEP_CONTENT_TYPES
            else "application/octet-stream"
        ),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
