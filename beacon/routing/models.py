"""Routing rules, assignment settings per team, agent presence and on-call paging."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beacon.accounts.models import KycLevel, Language, Team, VipTier
from beacon.sla.models import SlaPolicy
from beacon.tickets.models import Category, Channel, Priority, Ticket


class RoutingRule(models.Model):
    """An ordered rule: when every condition it sets holds, its actions apply to a new ticket.

    Rules run in `position` order; each matching rule sets what it names (a later match overrides
    team and priority, tags add up) until a matching rule has `stop_processing`. Empty conditions
    match anything.
    """

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    # --- conditions
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="+",
        verbose_name=_("categories"),
        help_text=_("Empty: any category."),
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, blank=True
    )
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, blank=True
    )
    vip_tier_min = models.PositiveSmallIntegerField(
        _("VIP tier at least"), choices=VipTier.choices, null=True, blank=True
    )
    kyc_level_min = models.PositiveSmallIntegerField(
        _("KYC level at least"), choices=KycLevel.choices, null=True, blank=True
    )
    kyc_level_max = models.PositiveSmallIntegerField(
        _("KYC level at most"), choices=KycLevel.choices, null=True, blank=True
    )
    keywords = models.TextField(
        _("keywords"),
        blank=True,
        help_text=_(
            "One per line (or comma-separated); any of them in the subject or description matches. "
            "Case does not matter; Chinese works too."
        ),
    )
    # Filled by triage once it classifies tickets; a rule that sets them matches only tickets
    # that carry a value.
    intent = models.CharField(_("intent"), max_length=64, blank=True)
    urgency_min = models.PositiveSmallIntegerField(
        _("urgency at least"), null=True, blank=True
    )
    sentiment = models.CharField(
        _("sentiment"),
        max_length=10,
        blank=True,
        choices=[
            ("negative", _("Negative")),
            ("neutral", _("Neutral")),
            ("positive", _("Positive")),
        ],
    )
    # --- actions
    set_team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("set team"),
    )
    set_priority = models.PositiveSmallIntegerField(
        _("set priority"), choices=Priority.choices, null=True, blank=True
    )
    add_tags = models.JSONField(_("add tags"), default=list, blank=True)
    # Overrides the SLA engine's own policy match for tickets this rule routes.
    sla_policy = models.ForeignKey(
        SlaPolicy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("SLA policy"),
    )
    stop_processing = models.BooleanField(
        _("stop processing"),
        default=False,
        help_text=_("When this rule matches, later rules are not considered."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.name

    def uses_triage(self) -> bool:
        """True when the rule looks at something only triage knows (it is re-run after triage)."""
        return bool(self.intent or self.urgency_min is not None or self.sentiment)

    def keyword_list(self) -> list[str]:
        raw = self.keywords.replace(",", "\n").replace("，", "\n")
        return [word.strip() for word in raw.splitlines() if word.strip()]


class RoutingDecision(models.Model):
    """What routing decided for one ticket at creation; `sla_policy`, when set, is the policy the
    rules chose for it (the SLA engine's own match applies otherwise)."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="routing_decision"
    )
    rule_names = models.JSONField(default=list, blank=True)
    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_emergency = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"routing of {self.ticket_id}"


class Strategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    LANGUAGE_SKILL = "language_skill", _("Language skill, then least loaded")


class TeamRouting(models.Model):
    """How a team hands out its tickets to its members."""

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, related_name="routing", verbose_name=_("team")
    )
    strategy = models.CharField(
        _("strategy"),
        max_length=20,
        choices=Strategy.choices,
        default=Strategy.ROUND_ROBIN,
    )
    auto_assign = models.BooleanField(
        _("assign automatically"),
        default=True,
        help_text=_("Give new and unassigned tickets to online members with capacity."),
    )

    class Meta:
        verbose_name = _("team routing")
        verbose_name_plural = _("team routing")

    def __str__(self) -> str:
        return f"{self.team}: {self.get_strategy_display()}"


class PresenceStatus(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class AgentPresence(models.Model):
    """Whether an agent takes new work now, and how many active tickets they may hold."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="presence"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PresenceStatus.choices,
        default=PresenceStatus.OFFLINE,
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=10, help_text=_("Most active tickets at once.")
    )
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)
    # Round robin picks the online agent whose last assignment is oldest.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presence")

    def __str__(self) -> str:
        return f"{self.user}: {self.status}"


class OnCall(models.Model):
    """A shift during which `user` is paged for the team's security emergencies."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ("-starts_at",)
        verbose_name = _("on-call shift")
        indexes = [
            models.Index(
                fields=["team", "starts_at", "ends_at"], name="oncall_team_idx"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="oncall_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on call for {self.team}"


class PageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OnCallPage(models.Model):
    """A page to the on-call agent about a security emergency.

    Written in the ticket's own transaction (so it cannot be lost), delivered by a worker task
    right after commit; the minute sweep retries what is still pending.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        Team, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=PageStatus.choices, default=PageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"], name="oncallpage_due_idx"
            ),
            models.Index(
                fields=["user", "acknowledged_at"], name="oncallpage_user_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"page about {self.ticket_id} to {self.user_id}"
