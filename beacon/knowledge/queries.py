"""Reads of help-center content on someone's behalf: drafts and internal articles never leak.

Rules: the public (visitors and customers) sees live translations (published or outdated) of
public articles, in the published version. Support staff also see internal articles. Editors
(agents, leads, admins; auditors read-only) see everything in the console.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from beacon.accounts.models import User
from beacon.core.errors import NotFound
from beacon.knowledge.models import (
    LIVE_STATUSES,
    Article,
    ArticleAttachment,
    KbCategory,
    Section,
    Translation,
    TranslationVersion,
    Visibility,
)

Viewer = User | AnonymousUser


def is_staff(user: Viewer) -> bool:
    return isinstance(user, User) and user.is_support_staff


def can_edit(user: Viewer) -> bool:
    return isinstance(user, User) and user.can_write_tickets


def audience_for(user: Viewer) -> str:
    """The search audience of this person: "agents" for support staff, else "public"."""
    return "agents" if is_staff(user) else "public"


def live_translations(*, user: Viewer, language: str) -> QuerySet[Translation]:
    """Translations in `language` that `user` may read on the help center."""
    qs = Translation.objects.filter(language=language, status__in=LIVE_STATUSES)
    if not is_staff(user):
        qs = qs.filter(article__visibility=Visibility.PUBLIC)
    return qs


@dataclass(frozen=True)
class PublicArticle:
    translation: Translation
    content: TranslationVersion  # the published version: what the public reads


def article_get_public(
    *, user: Viewer, article_id: int, language: str
) -> PublicArticle:
    """The published text of an article in `language`, or NotFound (drafts, internal, missing)."""
    translation = (
        live_translations(user=user, language=language)
        .select_related("article", "article__section", "article__section__category")
        .filter(article_id=article_id)
        .first()
    )
    if translation is None:
        raise NotFound()
    content = translation.versions.filter(number=translation.published_revision).first()
    if content is None:
        raise NotFound()
    return PublicArticle(translation, content)


def other_languages(
    *, user: Viewer, article_id: int, language: str
) -> list[Translation]:
    return list(
        Translation.objects.filter(article_id=article_id, status__in=LIVE_STATUSES)
        .exclude(language=language)
        .filter(
            article__visibility__in=(
                Visibility.values if is_staff(user) else [Visibility.PUBLIC]
            )
        )
    )


def related_public(
    *, user: Viewer, article: Article, language: str
) -> list[Translation]:
    ids = list(article.related.values_list("pk", flat=True))
    return list(
        live_translations(user=user, language=language).filter(article_id__in=ids)
    )


def categories_with_articles(*, user: Viewer, language: str) -> list[KbCategory]:
    """Categories, their sections and the live articles in `language`, in three queries."""
    live = live_translations(user=user, language=language).order_by(
        "article__position", "article_id"
    )
    return list(
        KbCategory.objects.prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.order_by("position", "slug").prefetch_related(
                    Prefetch(
                        "articles",
                        queryset=Article.objects.prefetch_related(
                            Prefetch("translations", queryset=live, to_attr="live")
                        ),
                    )
                ),
            )
        )
    )


def category_get(*, category_id: int) -> KbCategory:
    category = KbCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound()
    return category


def section_get(*, section_id: int) -> Section:
    section = Section.objects.select_related("category").filter(pk=section_id).first()
    if section is None:
        raise NotFound()
    return section


def section_translations(
    *, user: Viewer, section: Section, language: str
) -> list[Translation]:
    return list(
        live_translations(user=user, language=language)
        .filter(article__section=section)
        .order_by("article__position", "article_id")
    )


def attachment_get_for_user(*, user: Viewer, token: str) -> ArticleAttachment:
    """A file of an article: anyone for a public article with a live translation, else staff."""
    attachment = (
        ArticleAttachment.objects.select_related("article").filter(token=token).first()
    )
    if attachment is None:
        raise NotFound()
    if is_staff(user):
        return attachment
    article = attachment.article
    if (
        article.visibility != Visibility.PUBLIC
        or not article.translations.filter(status__in=LIVE_STATUSES).exists()
    ):
        raise NotFound()
    return attachment


def article_get_for_editor(*, user: Viewer, article_id: int) -> Article:
    if not is_staff(user):
        raise NotFound()
    article = (
        Article.objects.select_related("section", "section__category")
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise NotFound()
    return article


def translation_get_for_editor(
    *, user: Viewer, article_id: int, language: str
) -> Translation:
    article = article_get_for_editor(user=user, article_id=article_id)
    translation = article.translations.filter(language=language).first()
    if translation is None:
        raise NotFound()
    return translation


def articles_for_editor(*, user: Viewer) -> QuerySet[Article]:
    if not is_staff(user):
        return Article.objects.none()
    return Article.objects.select_related(
        "section", "section__category"
    ).prefetch_related("translations")
