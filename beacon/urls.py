"""URL map: pages per app, the API at /api/v1/."""

from __future__ import annotations

from django.urls import include, path

from beacon.api import api
from beacon.core import views as core_views
from beacon.core.admin_site import admin_site

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("beacon.accounts.urls")),
    path("console/routing/", include("beacon.routing.urls")),
    path("console/sla/", include("beacon.sla.urls")),
    path("intake/email/", include("beacon.intake.email.urls")),
    path("console/triage/", include("beacon.triage.urls")),
    path("console/chats/", include("beacon.chat.console_urls")),
    path("chat/", include("beacon.chat.urls")),
    path("notifications/", include("beacon.notifications.urls")),
    path("help/", include("beacon.knowledge.urls")),
    path("console/kb/", include("beacon.knowledge.console_urls")),
    path("console/", include("beacon.tickets.console_urls")),
    path("", include("beacon.tickets.portal_urls")),
]

handler400 = "beacon.core.views.bad_request"
handler403 = "beacon.core.views.permission_denied"
handler404 = "beacon.core.views.page_not_found"
handler500 = "beacon.core.views.server_error"
