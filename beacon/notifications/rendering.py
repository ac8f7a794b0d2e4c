"""Notice templates per language: notifications/notices/<key>_subject.txt and <key>_body.txt.

Rendered under the recipient's language, so their {% translate %} strings come from that
language's catalogue; a file named <key>_body.<language>.txt replaces the shared one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import select_template
from django.utils import translation

TEMPLATE_DIR = "notifications/notices"

CUSTOMER_TEMPLATES = frozenset(
    {"customer_received", "customer_assigned", "customer_waiting", "customer_solved"}
)
STAFF_TEMPLATES = frozenset(
    {
        "staff_sla_warning",
        "staff_sla_breach",
        "staff_security_emergency",
        "staff_daily_digest",
        "staff_secret_exposed",
        "staff_incident_proposed",
    }
)


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    body: str


def _render(key: str, part: str, language: str, context: dict[str, Any]) -> str:
    template = select_template(
        [
            f"{TEMPLATE_DIR}/{key}_{part}.{language}.txt",
            f"{TEMPLATE_DIR}/{key}_{part}.txt",
        ]
    )
    return str(template.render(context)).strip()


def render_notice(
    template_key: str, language: str, context: dict[str, Any]
) -> RenderedNotice:
    values = {"base_url": settings.BASE_URL, **context}
    with translation.override(language):
        subject = " ".join(_render(template_key, "subject", language, values).split())
        body = _render(template_key, "body", language, values)
    return RenderedNotice(subject=subject, body=body)
