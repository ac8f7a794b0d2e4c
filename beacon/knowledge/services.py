"""Every change to the help center: one function each, atomic, audited, side effects after commit.

Life of a translation: `translation_save` writes a new version (the working copy); the public
sees only the version named by `published_revision`, set by `translation_publish`. Publishing
the source language marks the other languages OUTDATED until their translators publish again.
Publishing and unpublishing re-index through a job (tasks.kb_index_translations_task).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from beacon.accounts.models import User
from beacon.audit.services import audit_record
from beacon.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from beacon.knowledge import tasks
from beacon.knowledge.models import (
    LANGUAGES,
    LIVE_STATUSES,
    Article,
    ArticleAttachment,
    ArticleView,
    Deflection,
    KbCategory,
    SearchLog,
    SearchSource,
    Section,
    Synonym,
    Translation,
    TranslationStatus,
    TranslationVersion,
    Visibility,
    Vote,
)
from beacon.tickets.attachments import check_upload

MAX_TITLE = 200
MAX_SUMMARY = 400
MAX_BODY = 100_000
MAX_COMMENT = 2000
DEFLECTION_WINDOW_HOURS = 4


def _require_editor(actor: User | None) -> None:
    """Agents, leads and admins write articles; auditors and customers do not."""
    if actor is not None and not actor.can_write_tickets:
        raise PermissionDenied(
            _("Only agents and admins can edit help center articles.")
        )


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise Invalid(
            _("Unknown language."),
            fields={
                "language": [
                    _("Choose one of: %(codes)s.") % {"codes": ", ".join(LANGUAGES)}
                ]
            },
        )
    return language


def visitor_id(session_key: str) -> str:
    """What we keep of a visitor: a hash of their session key, never the key itself."""
    return hashlib.sha256(f"kb:{session_key}".encode()).hexdigest()[:40]


# --- structure -----------------------------------------------------------------------------


def category_ensure(
    *, slug: str, name_en: str, name_zh: str = "", description_en: str = "",
    description_zh: str = "", position: int = 0,
) -> KbCategory:  # fmt: skip
    """The category `slug`, created or updated with these names (imports and demo)."""
    category, _created = KbCategory.objects.update_or_create(
        slug=slug,
        defaults={
            "name_en": name_en,
            "name_zh": name_zh,
            "description_en": description_en,
            "description_zh": description_zh,
            "position": position,
        },
    )
    return category


def section_ensure(
    *,
    category: KbCategory,
    slug: str,
    name_en: str,
    name_zh: str = "",
    position: int = 0,
) -> Section:
    section, _created = Section.objects.update_or_create(
        category=category,
        slug=slug,
        defaults={"name_en": name_en, "name_zh": name_zh, "position": position},
    )
    return section


# --- articles and translations -------------------------------------------------------------


def article_create(
    *,
    actor: User | None,
    section: Section,
    source_language: str = "en",
    visibility: str = Visibility.PUBLIC,
    external_key: str = "",
    position: int = 0,
) -> Article:
    """A new, empty article; its text comes with translation_save."""
    _require_editor(actor)
    _check_language(source_language)
    if visibility not in Visibility.values:
        raise Invalid(fields={"visibility": [_("Choose public or internal.")]})
    with transaction.atomic():
        article = Article.objects.create(
            section=section,
            source_language=source_language,
            visibility=visibility,
            external_key=external_key,
            position=position,
        )
        audit_record(
            actor=actor, action="kb.article.create", target_type="kb_article",
            target_id=article.pk,
        )  # fmt: skip
    return article


def _validate_content(title: str, summary: str, body: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("A title is required.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("At most %(n)d characters.") % {"n": MAX_TITLE}]
    if len(summary) > MAX_SUMMARY:
        errors["summary"] = [_("At most %(n)d characters.") % {"n": MAX_SUMMARY}]
    if not body.strip():
        errors["body"] = [_("The article needs a body.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_("At most %(n)d characters.") % {"n": MAX_BODY}]
    return errors


def translation_save(
    *,
    actor: User | None,
    article: Article,
    language: str,
    title: str,
    body: str,
    summary: str = "",
    also_asked: str = "",
    note: str = "",
) -> Translation:
    """Write a new version of `article` in `language` (created as a draft if new).

    The public keeps seeing the published version until translation_publish.
    """
    _require_editor(actor)
    _check_language(language)
    title, summary = title.strip(), " ".join(summary.split())
    body = body.rstrip() + "\n" if body.strip() else ""
    also_asked = "\n".join(
        line.strip() for line in also_asked.splitlines() if line.strip()
    )
    errors = _validate_content(title, summary, body)
    if errors:
        raise Invalid(fields=errors)
    with transaction.atomic():
        translation = (
            Translation.objects.select_for_update()
            .filter(article=article, language=language)
            .first()
        )
        if translation is None:
            translation = Translation(article=article, language=language)
        elif (
            translation.title == title
            and translation.body == body
            and translation.summary == summary
            and translation.also_asked == also_asked
        ):
            return translation  # Nothing changed: no empty version.
        translation.title = title
        translation.body = body
        translation.summary = summary
        translation.also_asked = also_asked
        translation.revision += 1
        translation.updated_by = actor if actor is not None and actor.pk else None
        translation.save()
        TranslationVersion.objects.create(
            translation=translation,
            number=translation.revision,
            title=title,
            summary=summary,
            body=body,
            also_asked=also_asked,
            note=note[:200],
            created_by=translation.updated_by,
        )
        audit_record(
            actor=actor, action="kb.translation.save", target_type="kb_translation",
            target_id=translation.pk,
            data={"article": article.pk, "language": language, "revision": translation.revision},
        )  # fmt: skip
    return translation


def translation_publish(*, actor: User | None, translation: Translation) -> Translation:
    """Make the newest version public; publishing the source language outdates the others."""
    _require_editor(actor)
    # Imported here: indexing loads numpy and the embedding model, which processes that never
    # publish (commands such as `beacon email_import`) should not pay for at start-up.
    from beacon.knowledge.indexing import article_slug

    with transaction.atomic():
        translation = Translation.objects.select_for_update().get(pk=translation.pk)
        article = translation.article
        latest = translation.versions.filter(number=translation.revision).first()
        if latest is None:
            raise Conflict(_("There is nothing to publish yet."))
        translation.published_revision = translation.revision
        translation.status = TranslationStatus.PUBLISHED
        translation.published_at = timezone.now()
        translation.slug = article_slug(latest.title)
        changed = [translation.pk]
        if translation.language == article.source_language:
            translation.source_revision = translation.revision
            stale = (
                Translation.objects.filter(article=article, status__in=LIVE_STATUSES)
                .exclude(pk=translation.pk)
                .filter(source_revision__lt=translation.revision)
            )
            outdated = list(stale.values_list("pk", flat=True))
            stale.update(status=TranslationStatus.OUTDATED)
            changed += outdated
        else:
            source = Translation.objects.filter(
                article=article, language=article.source_language
            ).first()
            translation.source_revision = source.published_revision if source else 0
        translation.save()
        audit_record(
            actor=actor, action="kb.translation.publish", target_type="kb_translation",
            target_id=translation.pk, data={"revision": translation.revision},
        )  # fmt: skip
        transaction.on_commit(lambda: tasks.enqueue_index(changed), robust=True)
    return translation


def translation_unpublish(
    *, actor: User | None, translation: Translation
) -> Translation:
    """Take a translation off the help center (back to draft); its versions stay."""
    _require_editor(actor)
    with transaction.atomic():
        Translation.objects.filter(pk=translation.pk).update(
            status=TranslationStatus.DRAFT
        )
        translation.refresh_from_db()
        audit_record(
            actor=actor, action="kb.translation.unpublish", target_type="kb_translation",
            target_id=translation.pk,
        )  # fmt: skip
        ids = [translation.pk]
        transaction.on_commit(lambda: tasks.enqueue_index(ids), robust=True)
    return translation


def translation_rollback(
    *, actor: User | None, translation: Translation, number: int
) -> Translation:
    """Write version `number` again as the newest version (history is never rewritten)."""
    version = translation.versions.filter(number=number).first()
    if version is None:
        raise NotFound()
    if number == translation.revision:
        raise Conflict(_("This is already the current version."))
    return translation_save(
        actor=actor,
        article=translation.article,
        language=translation.language,
        title=version.title,
        body=version.body,
        summary=version.summary,
        also_asked=version.also_asked,
        note=_("Rolled back to version %(number)d") % {"number": number},
    )


def article_update(
    *,
    actor: User | None,
    article: Article,
    section: Section | None = None,
    visibility: str | None = None,
    related: Sequence[Article] | None = None,
) -> Article:
    """Move, show or hide an article, or set its related articles."""
    _require_editor(actor)
    if visibility is not None and visibility not in Visibility.values:
        raise Invalid(fields={"visibility": [_("Choose public or internal.")]})
    with transaction.atomic():
        reindex = False
        if section is not None:
            article.section = section
        if visibility is not None and visibility != article.visibility:
            article.visibility = visibility
            reindex = True
        article.save()
        if related is not None:
            article.related.set([a for a in related if a.pk != article.pk])
        audit_record(
            actor=actor, action="kb.article.update", target_type="kb_article",
            target_id=article.pk, data={"visibility": article.visibility},
        )  # fmt: skip
        if reindex:
            ids = list(article.translations.values_list("pk", flat=True))
            transaction.on_commit(lambda: tasks.enqueue_index(ids), robust=True)
    return article


def attachment_add(
    *, actor: User | None, article: Article, upload: UploadedFile[bytes]
) -> ArticleAttachment:
    """Store an image or file for an article, checked by content like ticket attachments."""
    _require_editor(actor)
    checked = check_upload(upload)
    with transaction.atomic():
        attachment = ArticleAttachment(
            article=article,
            token=checked.token,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
        )
        attachment.file.save(
            f"{checked.token}{_suffix(checked.name)}", upload, save=False
        )
        attachment.save()
        audit_record(
            actor=actor, action="kb.attachment.add", target_type="kb_article",
            target_id=article.pk, data={"name": checked.name},
        )  # fmt: skip
    return attachment


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:][:10] if dot > 0 else ""


def synonyms_touch() -> None:
    """After admins edited synonyms: every process reloads them at its next search."""
    transaction.on_commit(tasks.enqueue_synonyms_changed, robust=True)


def synonym_save(*, actor: User | None, synonym: Synonym) -> Synonym:
    if len(synonym.phrase_list()) < 2:
        raise Invalid(fields={"phrases": [_("Give at least two words or phrases.")]})
    with transaction.atomic():
        synonym.save()
        audit_record(
            actor=actor, action="kb.synonym.save", target_type="kb_synonym",
            target_id=synonym.pk, data={"phrases": synonym.phrases},
        )  # fmt: skip
        synonyms_touch()
    return synonym


# --- what visitors do ----------------------------------------------------------------------


def view_record(*, translation: Translation) -> None:
    """Count one view of a published translation today."""
    today = timezone.localdate()
    updated = ArticleView.objects.filter(translation=translation, day=today).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            with transaction.atomic():
                ArticleView.objects.create(translation=translation, day=today, count=1)
        except IntegrityError:  # Another request created today's row first.
            ArticleView.objects.filter(translation=translation, day=today).update(
                count=F("count") + 1
            )


def vote_record(
    *, translation: Translation, visitor: str, helpful: bool, comment: str = ""
) -> Vote:
    """A visitor's "was this helpful?" answer; voting again changes their vote."""
    if not translation.is_live:
        raise NotFound()
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(
            fields={"comment": [_("At most %(n)d characters.") % {"n": MAX_COMMENT}]}
        )
    with transaction.atomic():
        vote, _created = Vote.objects.update_or_create(
            translation=translation,
            visitor=visitor,
            defaults={"helpful": helpful, "comment": comment},
        )
    return vote


def search_log_record(
    *, query: str, language: str, source: str, results: int, top_article_id: int | None
) -> SearchLog:
    normalised = " ".join(query.lower().split())[:200]
    return SearchLog.objects.create(
        query=query[:200],
        normalised=normalised,
        language=language,
        source=source if source in SearchSource.values else SearchSource.HELP,
        results=min(results, 32767),
        top_article_id=top_article_id,
    )


def search_click_record(*, log_id: int, article_id: int) -> None:
    """The visitor opened `article_id` from the results of search `log_id`."""
    SearchLog.objects.filter(pk=log_id, clicked_article__isnull=True).update(
        clicked_article_id=article_id
    )


def deflection_record(
    *,
    article: Article,
    visitor: str,
    source: str,
    user: User | None = None,
    query: str = "",
) -> bool:
    """Count that a suggested article kept someone from filing a request (once per visitor).

    Counted when the customer opened a suggested article, or left the form without sending it
    (the page's beacon). Should they file a request soon after all, ticket_created cancels it.
    """
    if source not in SearchSource.values:
        raise Invalid(fields={"source": [_("Unknown source.")]})
    if (
        article.visibility != Visibility.PUBLIC
        or not article.translations.filter(status__in=LIVE_STATUSES).exists()
    ):
        raise NotFound()
    try:
        with transaction.atomic():
            Deflection.objects.create(
                article=article,
                visitor=visitor,
                source=source,
                user=user if user is not None and user.pk else None,
                query=query[:200],
            )
    except IntegrityError:
        return False
    return True


def deflection_cancel_for_ticket(ticket_id: int) -> None:
    """A request was filed: deflections its customer had in the last hours were none."""
    from beacon.tickets.models import Ticket

    ticket = (
        Ticket.objects.filter(pk=ticket_id).only("customer_id", "created_at").first()
    )
    if ticket is None or ticket.customer_id is None:
        return
    since = ticket.created_at - timedelta(hours=DEFLECTION_WINDOW_HOURS)
    Deflection.objects.filter(
        user_id=ticket.customer_id, created_at__gte=since
    ).delete()
