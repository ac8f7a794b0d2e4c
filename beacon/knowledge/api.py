"""JSON API of the knowledge base: public reads of published articles and search; staff writes.

Reads work without credentials (the public help center is public); with a token or session of
a support-staff member they include internal articles. Writes need an agent, lead or admin.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.errors import AuthenticationError

from beacon.accounts.api_auth import SessionAuth, TokenAuth
from beacon.accounts.models import User
from beacon.core.errors import Invalid, NotFound, PermissionDenied
from beacon.knowledge import queries, services
from beacon.knowledge.indexing import article_url
from beacon.knowledge.models import LIVE_STATUSES, Article, SearchSource, Section
from beacon.knowledge.schemas import (
    ArticleIn,
    ArticleListOut,
    ArticleOut,
    SearchHitOut,
    SearchOut,
    TranslationIn,
    TranslationOut,
)
from beacon.knowledge.search import kb_search, normalise_language
from beacon.tickets.schemas import ErrorOut

router = Router(tags=["knowledge base"])
_ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}
_WRITE_ERRORS: dict[int, type[ErrorOut]] = {**_ERRORS, 403: ErrorOut}
MAX_PAGE = 100


def _anonymous(request: HttpRequest) -> bool:
    """Lets visitors through: public reads need no credentials."""
    return True


PUBLIC = [TokenAuth(), SessionAuth(), _anonymous]


def _viewer(request: HttpRequest) -> User | AnonymousUser:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, User) else AnonymousUser()


def _editor(request: HttpRequest) -> User:
    auth = getattr(request, "auth", None)
    if not isinstance(auth, User):
        raise AuthenticationError
    if not auth.can_write_tickets:
        raise PermissionDenied()
    return auth


def _article_out(article: Article, viewer: User | AnonymousUser) -> ArticleOut:
    editor = queries.can_edit(viewer)
    translations = []
    for t in article.translations.all():
        if not editor and t.status not in LIVE_STATUSES:
            continue
        if editor:
            title, summary, body, asked = t.title, t.summary, t.body, t.asked_phrases()
        else:
            content = t.versions.filter(number=t.published_revision).first()
            if content is None:
                continue
            title, summary, body = content.title, content.summary, content.body
            asked = [line for line in content.also_asked.splitlines() if line.strip()]
        translations.append(
            TranslationOut(
                language=t.language,
                title=title,
                summary=summary,
                body=body,
                also_asked=asked,
                status=t.status,
                url=article_url(article.pk, t.language, t.slug)
                if t.status in LIVE_STATUSES
                else None,
                published_at=t.published_at,
            )
        )
    return ArticleOut(
        id=article.pk,
        section_id=article.section_id,
        visibility=article.visibility,
        source_language=article.source_language,
        related=sorted(a.pk for a in article.related.all()),
        translations=translations,
    )


def _visible_articles(viewer: User | AnonymousUser) -> list[int]:
    live = Article.objects.filter(translations__status__in=LIVE_STATUSES)
    if not queries.is_staff(viewer):
        live = live.filter(visibility="public")
    return list(live.values_list("pk", flat=True).distinct())


@router.get("/kb/search", response={200: SearchOut, **_ERRORS}, auth=PUBLIC)
def search(
    request: HttpRequest, q: str, language: str | None = None, limit: int = 5
) -> SearchOut:
    """Articles answering `q`, with a calibrated confidence (the chat bot's threshold)."""
    query = " ".join(q.split())
    if not query or len(query) > 300:
        raise Invalid(fields={"q": [_("1 to 300 characters.")]})
    if not 1 <= limit <= 20:
        raise Invalid(fields={"limit": [_("Between 1 and 20.")]})
    viewer = _viewer(request)
    hits = kb_search(
        query=query,
        language=language,
        limit=limit,
        audience=queries.audience_for(viewer),
    )
    services.search_log_record(
        query=query,
        language=normalise_language(language) or "",
        source=SearchSource.API,
        results=len(hits),
        top_article_id=hits[0].article_id if hits else None,
    )
    return SearchOut(query=query, results=[SearchHitOut(**h.__dict__) for h in hits])


@router.get("/kb/articles", response={200: ArticleListOut, **_ERRORS}, auth=PUBLIC)
def article_list(
    request: HttpRequest, offset: int = 0, limit: int = 20
) -> ArticleListOut:
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise Invalid(
            fields={
                "limit": [_("offset 0 or more, limit 1 to %(n)d.") % {"n": MAX_PAGE}]
            }
        )
    viewer = _viewer(request)
    ids = sorted(_visible_articles(viewer))
    page = Article.objects.filter(pk__in=ids[offset : offset + limit]).prefetch_related(
        "translations__versions", "related"
    )
    return ArticleListOut(count=len(ids), items=[_article_out(a, viewer) for a in page])


@router.get(
    "/kb/articles/{article_id}", response={200: ArticleOut, **_ERRORS}, auth=PUBLIC
)
def article_get(request: HttpRequest, article_id: int) -> ArticleOut:
    viewer = _viewer(request)
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise NotFound()
    if not queries.can_edit(viewer) and article.pk not in _visible_articles(viewer):
        raise NotFound()
    return _article_out(article, viewer)


@router.post("/kb/articles", response={201: ArticleOut, **_WRITE_ERRORS})
def article_create(request: HttpRequest, payload: ArticleIn) -> Status[ArticleOut]:
    editor = _editor(request)
    section = Section.objects.filter(pk=payload.section_id).first()
    if section is None:
        raise Invalid(fields={"section_id": [_("No such section.")]})
    article = services.article_create(
        actor=editor,
        section=section,
        source_language=payload.language,
        visibility=payload.visibility,
    )
    _save(editor, article, payload.language, payload)
    return Status(201, _article_out(article, editor))


@router.put(
    "/kb/articles/{article_id}/translations/{language}",
    response={200: ArticleOut, **_WRITE_ERRORS},
)
def translation_put(
    request: HttpRequest, article_id: int, language: str, payload: TranslationIn
) -> ArticleOut:
    editor = _editor(request)
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise NotFound()
    _save(editor, article, language, payload)
    return _article_out(article, editor)


def _save(
    editor: User, article: Article, language: str, payload: TranslationIn
) -> None:
    translation = services.translation_save(
        actor=editor,
        article=article,
        language=language,
        title=payload.title,
        body=payload.body,
        summary=payload.summary,
        also_asked="\n".join(payload.also_asked),
    )
    if payload.publish:
        services.translation_publish(actor=editor, translation=translation)
