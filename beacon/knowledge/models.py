"""Help center: categories, sections, articles with a translation per language, and search data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The help center's languages are the site's (settings.LANGUAGES): add one there to add it here.
LANGUAGES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: customers and visitors")
    INTERNAL = "internal", _("Internal: support staff only")


class TranslationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    # Still shown (with a notice) but the source language changed after it was translated.
    OUTDATED = "outdated", _("Outdated")


LIVE_STATUSES = (TranslationStatus.PUBLISHED, TranslationStatus.OUTDATED)


class KbCategory(models.Model):
    """A top-level topic of the help center (Deposits, Security, ...)."""

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    description_en = models.CharField(
        _("description (English)"), max_length=300, blank=True
    )
    description_zh = models.CharField(
        _("description (Chinese)"), max_length=300, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "slug")
        verbose_name = _("help center category")
        verbose_name_plural = _("help center categories")

    def __str__(self) -> str:
        return self.name_en

    def display_name(self, language: str) -> str:
        return (
            self.name_zh if language.startswith("zh") and self.name_zh else self.name_en
        )

    def display_description(self, language: str) -> str:
        if language.startswith("zh") and self.description_zh:
            return self.description_zh
        return self.description_en


class Section(models.Model):
    """A group of articles inside a category."""

    category = models.ForeignKey(
        KbCategory, on_delete=models.CASCADE, related_name="sections"
    )
    slug = models.SlugField()
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("category__position", "position", "slug")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "slug"], name="kb_section_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category.slug}/{self.slug}"

    def display_name(self, language: str) -> str:
        return (
            self.name_zh if language.startswith("zh") and self.name_zh else self.name_en
        )


class Article(models.Model):
    """One answer; its text lives in one Translation per language."""

    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, related_name="articles"
    )
    source_language = models.CharField(
        _("source language"), max_length=10, default="en"
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    position = models.PositiveSmallIntegerField(default=0)
    related = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("related articles")
    )
    # A stable name for imports ("deposit-not-credited"), unique when set.
    external_key = models.CharField(max_length=120, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("section", "position", "id")

    def __str__(self) -> str:
        return f"Article {self.pk}"


class Translation(models.Model):
    """The text of an article in one language, with its own life cycle."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(max_length=10)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(max_length=80, allow_unicode=True, blank=True)
    summary = models.CharField(_("summary"), max_length=400, blank=True)
    body = models.TextField(_("body (Markdown)"))
    also_asked = models.TextField(
        _("also asked as"),
        blank=True,
        help_text=_("Other ways customers ask this question, one per line."),
    )
    status = models.CharField(
        max_length=10,
        choices=TranslationStatus.choices,
        default=TranslationStatus.DRAFT,
    )
    revision = models.PositiveIntegerField(default=0)
    # The revision of the source-language translation this one was last brought up to date with.
    source_revision = models.PositiveIntegerField(default=0)
    published_revision = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("article", "language")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "language"], name="kb_translation_language_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "language"])]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def asked_phrases(self) -> list[str]:
        return [line.strip() for line in self.also_asked.splitlines() if line.strip()]


class TranslationVersion(models.Model):
    """A saved state of a translation; rollback writes an old state as a new version."""

    translation = models.ForeignKey(
        Translation, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=400, blank=True)
    body = models.TextField()
    also_asked = models.TextField(blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ("translation", "-number")
        constraints = [
            models.UniqueConstraint(
                fields=["translation", "number"], name="kb_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.translation} v{self.number}"


class ArticleAttachment(models.Model):
    """An image or file used by an article; checked by content like ticket attachments."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="attachments"
    )
    token = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="kb/%Y/%m/")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class Synonym(models.Model):
    """Words that mean the same to customers: 充币, 充值, deposit. Edited by admins."""

    phrases = models.TextField(
        _("phrases"),
        help_text=_(
            "Comma-separated words or phrases that mean the same, e.g. 充币, 充值, deposit."
        ),
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("id",)
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self) -> str:
        return self.phrases

    def phrase_list(self) -> list[str]:
        normalised = (
            self.phrases.replace("，", ",").replace("=", ",").replace("\n", ",")
        )
        return [p.strip() for p in normalised.split(",") if p.strip()]


class IndexEntry(models.Model):
    """What search knows of one live translation: its terms, embeddings and display fields.

    Written by the publish job (tasks.kb_index_translation); read by every process into its
    in-memory engine. `generation` says which change wrote it, so a process loads only rows
    newer than the ones it has.
    """

    translation = models.OneToOneField(
        Translation, on_delete=models.CASCADE, related_name="index_entry"
    )
    article_id_value = models.BigIntegerField()
    language = models.CharField(max_length=10)
    visibility = models.CharField(max_length=10)
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300)
    snippet = models.CharField(max_length=400)
    title_terms = models.TextField()
    body_terms = models.TextField()
    asked_terms = models.TextField(blank=True)
    vectors = models.BinaryField(blank=True, default=b"")
    active = models.BooleanField(default=True)
    generation = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"index of {self.translation_id}"


class IndexState(models.Model):
    """A single row: the generation of the newest index change (processes compare it)."""

    generation = models.BigIntegerField(default=0)
    synonyms_generation = models.BigIntegerField(default=0)
    # Random per history: a restored database or a rolled-back test starts a new lineage, and
    # processes then reload everything instead of only the rows newer than theirs.
    lineage = models.CharField(max_length=32, default="")

    def __str__(self) -> str:
        return f"index generation {self.generation}"


class SearchSource(models.TextChoices):
    HELP = "help", _("Help center")
    PORTAL = "portal", _("New request form")
    CONSOLE = "console", _("Agent console")
    BOT = "bot", _("Chat bot")
    API = "api", _("API")


class SearchLog(models.Model):
    """One search someone made, for analytics: what was asked, found and opened."""

    query = models.CharField(max_length=200)
    normalised = models.CharField(max_length=200, db_index=True)
    language = models.CharField(max_length=10)
    source = models.CharField(max_length=10, choices=SearchSource.choices)
    results = models.PositiveSmallIntegerField()
    top_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clicked_article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.query


class Vote(models.Model):
    """ "Was this helpful?" from one visitor (one vote per visitor and translation, changeable)."""

    translation = models.ForeignKey(
        Translation, on_delete=models.CASCADE, related_name="votes"
    )
    visitor = models.CharField(max_length=64)  # hash of the session key
    helpful = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["translation", "visitor"], name="kb_vote_once"
            )
        ]

    def __str__(self) -> str:
        return f"{'+' if self.helpful else '-'} {self.translation_id}"


class ArticleView(models.Model):
    """Views of one translation per day (a counter, not a row per view)."""

    translation = models.ForeignKey(
        Translation, on_delete=models.CASCADE, related_name="daily_views"
    )
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["translation", "day"], name="kb_view_day")
        ]

    def __str__(self) -> str:
        return f"{self.translation_id} {self.day}: {self.count}"


class Deflection(models.Model):
    """A customer opened a suggested article and left without filing a request."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="deflections"
    )
    visitor = models.CharField(max_length=64)
    # Signed-in customers: so a request they file soon after cancels the deflection.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(max_length=10, choices=SearchSource.choices)
    query = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            # One per visitor and article: a page hidden twice is still one request not filed.
            models.UniqueConstraint(
                fields=["article", "visitor"], name="kb_deflection_once"
            )
        ]

    def __str__(self) -> str:
        return f"deflection {self.article_id}"
