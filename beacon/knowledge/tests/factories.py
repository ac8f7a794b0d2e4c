"""Help-center content for tests, made through the real services."""

from __future__ import annotations

from beacon.accounts.models import User
from beacon.knowledge import services
from beacon.knowledge.models import Article, KbCategory, Section, Translation


def make_section(slug: str = "deposits") -> Section:
    category = services.category_ensure(
        slug=f"cat-{slug}", name_en=slug.title(), name_zh="类别"
    )
    return services.section_ensure(
        category=category, slug=slug, name_en=slug.title(), name_zh="栏目"
    )


def make_article(
    *,
    editor: User,
    texts: dict[str, tuple[str, str]],
    section: Section | None = None,
    visibility: str = "public",
    publish: bool = True,
    also_asked: dict[str, str] | None = None,
) -> Article:
    """An article with a translation per language in `texts` (title, body), published or not.

    Call inside django_capture_on_commit_callbacks(execute=True) for the index job to run.
    """
    article = services.article_create(
        actor=editor,
        section=section or make_section(),
        source_language=next(iter(texts)),
        visibility=visibility,
    )
    for language, (title, body) in texts.items():
        translation = services.translation_save(
            actor=editor,
            article=article,
            language=language,
            title=title,
            body=body,
            also_asked=(also_asked or {}).get(language, ""),
        )
        if publish:
            services.translation_publish(actor=editor, translation=translation)
    return article


def translation_of(article: Article, language: str) -> Translation:
    return Translation.objects.get(article=article, language=language)


__all__ = ["KbCategory", "make_article", "make_section", "translation_of"]
