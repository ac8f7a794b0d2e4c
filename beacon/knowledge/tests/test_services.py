"""Translations, versions, rollback, outdated status, permissions of writers."""

from __future__ import annotations

import pytest

from beacon.accounts.models import User
from beacon.core.errors import Conflict, Invalid, NotFound, PermissionDenied
from beacon.knowledge import services
from beacon.knowledge.models import IndexEntry, TranslationStatus, TranslationVersion
from beacon.knowledge.tests.conftest import Capture
from beacon.knowledge.tests.factories import make_article, make_section, translation_of

pytestmark = pytest.mark.django_db


def test_each_save_is_a_version_and_an_unchanged_save_is_not(editor: User) -> None:
    article = make_article(
        editor=editor, texts={"en": ("Fees", "v1 body")}, publish=False
    )
    translation = translation_of(article, "en")

    services.translation_save(
        actor=editor, article=article, language="en", title="Fees", body="v2 body"
    )
    services.translation_save(
        actor=editor, article=article, language="en", title="Fees", body="v2 body"
    )

    translation.refresh_from_db()
    assert translation.revision == 2
    assert list(translation.versions.values_list("number", "body")) == [
        (2, "v2 body\n"),
        (1, "v1 body\n"),
    ]
    assert translation.status == TranslationStatus.DRAFT


def test_rollback_writes_the_old_text_as_a_new_version(editor: User) -> None:
    article = make_article(
        editor=editor, texts={"en": ("Fees", "first")}, publish=False
    )
    services.translation_save(
        actor=editor, article=article, language="en", title="Fees 2", body="second"
    )
    translation = translation_of(article, "en")

    services.translation_rollback(actor=editor, translation=translation, number=1)

    translation.refresh_from_db()
    newest = translation.versions.first()
    assert (
        translation.revision == 3
        and translation.body == "first\n"
        and translation.title == "Fees"
    )
    assert newest is not None and "1" in newest.note
    with pytest.raises(Conflict):
        services.translation_rollback(actor=editor, translation=translation, number=3)
    with pytest.raises(NotFound):
        services.translation_rollback(actor=editor, translation=translation, number=99)


def test_publishing_the_source_outdates_other_languages_until_they_publish(
    editor: User, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(
            editor=editor, texts={"en": ("Fees", "a"), "zh-hans": ("手续费", "甲")}
        )
    zh = translation_of(article, "zh-hans")
    assert zh.status == TranslationStatus.PUBLISHED

    with django_capture_on_commit_callbacks(execute=True):
        en = services.translation_save(
            actor=editor, article=article, language="en", title="Fees", body="b"
        )
        services.translation_publish(actor=editor, translation=en)
    zh.refresh_from_db()
    assert zh.status == TranslationStatus.OUTDATED
    assert IndexEntry.objects.get(translation=zh).active  # still searchable

    with django_capture_on_commit_callbacks(execute=True):
        zh = services.translation_save(
            actor=editor, article=article, language="zh-hans", title="手续费", body="乙"
        )
        services.translation_publish(actor=editor, translation=zh)
    zh.refresh_from_db()
    assert zh.status == TranslationStatus.PUBLISHED and zh.source_revision == 2


def test_new_language_can_be_added(editor: User) -> None:
    article = make_article(editor=editor, texts={"en": ("Fees", "a")}, publish=False)

    with pytest.raises(Invalid):
        services.translation_save(
            actor=editor, article=article, language="fr", title="Frais", body="a"
        )


def test_invalid_content_is_refused_without_writing(editor: User) -> None:
    article = make_article(editor=editor, texts={"en": ("Fees", "a")}, publish=False)

    with pytest.raises(Invalid) as error:
        services.translation_save(
            actor=editor, article=article, language="en", title=" ", body=""
        )

    assert set(error.value.fields) == {"title", "body"}
    assert TranslationVersion.objects.count() == 1


def test_auditors_and_customers_cannot_write(auditor: User, customer: User) -> None:
    section = make_section()
    for person in (auditor, customer):
        with pytest.raises(PermissionDenied):
            services.article_create(actor=person, section=section)


def test_publish_needs_content_and_unpublish_removes_from_index(
    editor: User, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(editor=editor, texts={"en": ("Fees", "a")})
    translation = translation_of(article, "en")
    assert IndexEntry.objects.get(translation=translation).active

    with django_capture_on_commit_callbacks(execute=True):
        services.translation_unpublish(actor=editor, translation=translation)

    assert not IndexEntry.objects.get(translation=translation).active
    assert translation_of(article, "en").status == TranslationStatus.DRAFT


def test_visibility_change_reindexes(
    editor: User, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(editor=editor, texts={"en": ("Fees", "a")})
        services.article_update(actor=editor, article=article, visibility="internal")

    assert IndexEntry.objects.get().visibility == "internal"


def test_related_articles_are_symmetric_and_never_self(editor: User) -> None:
    a = make_article(editor=editor, texts={"en": ("A", "a")}, publish=False)
    b = make_article(editor=editor, texts={"en": ("B", "b")}, publish=False)

    services.article_update(actor=editor, article=a, related=[a, b])

    assert list(a.related.all()) == [b]
    assert list(b.related.all()) == [a]
