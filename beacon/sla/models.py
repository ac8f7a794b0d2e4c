"""Service-level agreements: calendars, policies, and each ticket's running targets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import Team
from beacon.sla.clock import Schedule, parse_weekly_hours, zone_named
from beacon.tickets.models import Category, Priority, Ticket


class BusinessCalendar(models.Model):
    """When a team works: weekly hours in its time zone plus holidays, or 24/7.

    `weekly_hours` is JSON like {"mon": [["09:00", "18:00"]], "tue": ...}; days left out are closed.
    The default calendar applies to teams without one of their own."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        help_text=_("IANA name, e.g. Asia/Shanghai."),
    )
    always_open = models.BooleanField(_("24/7"), default=True)
    weekly_hours = models.JSONField(_("weekly hours"), default=dict, blank=True)
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="sla_calendar_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def schedule(self) -> Schedule:
        """This calendar as a clock.Schedule (uses prefetched holidays when present)."""
        return Schedule(
            zone=zone_named(self.time_zone),
            always_open=self.always_open,
            hours={} if self.always_open else parse_weekly_hours(self.weekly_hours),
            holidays=frozenset(holiday.date for holiday in self.holidays.all()),
        )


class CalendarHoliday(models.Model):
    """A local date on which a calendar's team does not work."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ("date",)
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="sla_holiday_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


class TeamCalendar(models.Model):
    """Which calendar a team's SLA clock follows (kept here so the accounts app stays unaware of SLAs)."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, related_name="sla_calendar"
    )
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.PROTECT, related_name="team_links"
    )

    def __str__(self) -> str:
        return f"{self.team} → {self.calendar}"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SlaPolicy(models.Model):
    """Promised times for tickets matching priority × VIP tier × category; the first match by position wins.

    Empty conditions match anything. Targets are in business minutes of the team's calendar;
    an empty target means that metric is not tracked."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True
    )
    vip_tier_min = models.PositiveSmallIntegerField(
        _("minimum VIP tier"),
        null=True,
        blank=True,
        help_text=_("Matches customers at this VIP tier or above."),
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response (minutes)"), null=True, blank=True
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response (minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (minutes)"), null=True, blank=True
    )
    warning_share = models.FloatField(
        _("warning share"),
        null=True,
        blank=True,
        help_text=_(
            "Warn when this share of the target has passed (empty: SLA_WARNING_SHARE)."
        ),
    )
    breach_raise_priority = models.BooleanField(
        _("raise priority on breach"), default=True
    )
    breach_reassign_to_lead = models.BooleanField(
        _("reassign to the team lead on breach"), default=False
    )

    class Meta:
        ordering = ("position", "id")
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(warning_share__isnull=True)
                | models.Q(warning_share__gt=0, warning_share__lt=1),
                name="sla_policy_warning_share_range",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def minutes_for(self, metric: str) -> int | None:
        return {
            Metric.FIRST_RESPONSE: self.first_response_minutes,
            Metric.NEXT_RESPONSE: self.next_response_minutes,
            Metric.RESOLUTION: self.resolution_minutes,
        }.get(Metric(metric))

    def effective_warning_share(self) -> float:
        share: float = (
            self.warning_share
            if self.warning_share is not None
            else settings.SLA_WARNING_SHARE
        )
        return min(max(share, 0.01), 0.99)


class SlaTarget(models.Model):
    """One promised deadline of one ticket, with its pause accounting.

    `due_at` and `warn_at` are UTC instants, moved out by the business time spent paused, so the
    periodic check only compares them with now. `warned_at` and `breached_at` are set once, by a
    conditional UPDATE, which is what makes each warning and escalation happen exactly once even
    with several workers. At most one target per ticket and metric is running (not fulfilled)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="sla_targets"
    )
    metric = models.CharField(max_length=20, choices=Metric.choices)
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, related_name="targets"
    )
    target_minutes = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(
        default=0, help_text="Business seconds spent paused so far."
    )
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_at", "id")
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(
                    fulfilled_at__isnull=True, paused_since__isnull=True
                ),
                name="sla_target_running_due_idx",
            ),
            # What sla_check scans every minute: running targets not yet escalated.
            models.Index(
                fields=["warn_at"],
                condition=models.Q(
                    fulfilled_at__isnull=True,
                    paused_since__isnull=True,
                    breached_at__isnull=True,
                ),
                name="sla_target_to_check_idx",
            ),
            models.Index(fields=["ticket", "metric"], name="sla_target_ticket_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric"],
                condition=models.Q(fulfilled_at__isnull=True),
                name="sla_target_one_running",
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} of {self.ticket_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.fulfilled_at is None and self.paused_since is None
