"""Public help center: /help/<language>/..., readable without signing in.

The language is part of the URL (en, zh-hans), so every page has one address per language and
the interface follows it. Only published (or outdated) translations of public articles are
shown; staff also see internal articles. Views stay thin: one query or service, then render.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation as i18n
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from beacon.core.errors import DomainError, Invalid, NotFound
from beacon.core.htmx import is_htmx, render_page
from beacon.knowledge import queries, services
from beacon.knowledge.models import LANGUAGES, Article, SearchSource
from beacon.knowledge.rendering import render_markdown
from beacon.knowledge.search import SearchHit, kb_search

TEMPLATES = "knowledge/help/"
SUGGESTIONS = 5
RESULTS = 10
MAX_QUERY = 200
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}

LanguageView = Callable[..., HttpResponseBase]


def help_language(view: LanguageView) -> LanguageView:
    """Pages under /help/<language>/: unknown languages are 404, the interface follows the URL."""

    @functools.wraps(view)
    def wrapper(
        request: HttpRequest, language: str, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if language not in LANGUAGES:
            raise Http404
        with i18n.override(language):
            request.LANGUAGE_CODE = language
            return view(request, language, *args, **kwargs)

    return wrapper


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    partial: str | None = None,
) -> HttpResponse:
    return render_page(request, f"{TEMPLATES}{template}", context, partial)


def _visitor(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return services.visitor_id(request.session.session_key or "")


def _query(request: HttpRequest) -> str:
    # The portal's form sends its subject field as it is named there.
    text = request.GET.get("q") or request.GET.get("subject") or ""
    return " ".join(text.split())[:MAX_QUERY]


def _language_urls(request: HttpRequest, name: str, **kwargs: Any) -> dict[str, str]:
    return {
        code: reverse(name, kwargs={"language": code, **kwargs}) for code in LANGUAGES
    }


# --- pages ---------------------------------------------------------------------------------


@require_GET
def help_root(request: HttpRequest) -> HttpResponse:
    language = i18n.get_language() or "en"
    return redirect(
        "knowledge:home", language="zh-hans" if language.startswith("zh") else "en"
    )


@require_GET
@help_language
def home(request: HttpRequest, language: str) -> HttpResponse:
    categories = queries.categories_with_articles(user=request.user, language=language)
    return _render(
        request,
        "home.html",
        {
            "language": language,
            "categories": [
                {
                    "category": c,
                    "name": c.display_name(language),
                    "description": c.display_description(language),
                    "sections": [
                        {
                            "section": s,
                            "name": s.display_name(language),
                            "translations": [
                                t
                                for a in s.articles.all()
                                for t in getattr(a, "live", [])
                            ],
                        }
                        for s in c.sections.all()
                    ],
                }
                for c in categories
            ],
            "language_urls": _language_urls(request, "knowledge:home"),
        },
    )


@require_GET
@help_language
def category(
    request: HttpRequest, language: str, category_id: int, slug: str = ""
) -> HttpResponse:
    found = queries.category_get(category_id=category_id)
    sections = [
        {
            "section": s,
            "name": s.display_name(language),
            "translations": queries.section_translations(
                user=request.user, section=s, language=language
            ),
        }
        for s in found.sections.all()
    ]
    return _render(
        request,
        "category.html",
        {
            "language": language,
            "category": found,
            "name": found.display_name(language),
            "description": found.display_description(language),
            "sections": sections,
        },
    )


@require_GET
@help_language
def section(
    request: HttpRequest, language: str, section_id: int, slug: str = ""
) -> HttpResponse:
    found = queries.section_get(section_id=section_id)
    return _render(
        request,
        "section.html",
        {
            "language": language,
            "section": found,
            "name": found.display_name(language),
            "category_name": found.category.display_name(language),
            "translations": queries.section_translations(
                user=request.user, section=found, language=language
            ),
        },
    )


@require_GET
@help_language
def article(
    request: HttpRequest, language: str, article_id: int, slug: str = ""
) -> HttpResponseBase:
    try:
        public = queries.article_get_public(
            user=request.user, article_id=article_id, language=language
        )
    except NotFound:
        others = queries.other_languages(
            user=request.user, article_id=article_id, language=language
        )
        if not others:
            raise
        # Not written in this language (yet): a 404 that offers the languages it exists in.
        response = _render(
            request, "not_translated.html", {"language": language, "others": others}
        )
        response.status_code = 404
        return response
    found = public.translation
    if slug != found.slug:
        return redirect(
            _article_url(found.article_id, language, found.slug), permanent=True
        )
    services.view_record(translation=found)
    source = request.GET.get("ref", "")
    log_id = request.GET.get("log", "")
    if log_id.isdigit():
        services.search_click_record(log_id=int(log_id), article_id=found.article_id)
    if source in (SearchSource.PORTAL,) and request.user.is_authenticated:
        # Opened from the new-request form's suggestions: counted as a deflection unless the
        # customer files the request after all (services.deflection_cancel_for_ticket).
        # An internal article (staff only) is never a customer's deflection.
        with contextlib.suppress(NotFound):
            services.deflection_record(
                article=found.article,
                visitor=_visitor(request),
                source=source,
                user=request.user,
                query=_query(request),
            )
    article_obj = found.article
    return _render(
        request,
        "article.html",
        {
            "language": language,
            "translation": found,
            "content": public.content,
            "body_html": render_markdown(public.content.body),
            "section": article_obj.section,
            "section_name": article_obj.section.display_name(language),
            "category_name": article_obj.section.category.display_name(language),
            "related": queries.related_public(
                user=request.user, article=article_obj, language=language
            ),
            "others": queries.other_languages(
                user=request.user, article_id=article_id, language=language
            ),
            "is_internal": article_obj.visibility != "public",
        },
    )


def _article_url(article_id: int, language: str, slug: str) -> str:
    return reverse(
        "knowledge:article",
        kwargs={
            "language": language,
            "article_id": article_id,
            "slug": slug or "article",
        },
    )


@require_GET
@help_language
def search(request: HttpRequest, language: str) -> HttpResponse:
    query = _query(request)
    hits: list[SearchHit] = []
    log_id: int | None = None
    if query:
        hits = kb_search(
            query=query,
            language=language,
            limit=RESULTS,
            audience=queries.audience_for(request.user),
        )
        log_id = services.search_log_record(
            query=query,
            language=language,
            source=SearchSource.HELP,
            results=len(hits),
            top_article_id=hits[0].article_id if hits else None,
        ).pk
    return _render(
        request,
        "search.html",
        {"language": language, "query": query, "hits": hits, "log_id": log_id},
    )


@require_GET
@help_language
def suggest(request: HttpRequest, language: str) -> HttpResponse:
    """Suggestions while typing (HTMX fragment): the help center box and the portal form."""
    query = _query(request)
    source = request.GET.get("source", SearchSource.HELP)
    if source not in (SearchSource.HELP, SearchSource.PORTAL):
        source = SearchSource.HELP
    hits = (
        kb_search(
            query=query,
            language=language,
            limit=SUGGESTIONS,
            audience=queries.audience_for(request.user),
        )
        if len(query) >= 2
        else []
    )
    return _render(
        request,
        "_suggestions.html",
        {"language": language, "query": query, "hits": hits, "source": source},
    )


@require_POST
@help_language
def vote(request: HttpRequest, language: str, article_id: int) -> HttpResponse:
    public = queries.article_get_public(
        user=request.user, article_id=article_id, language=language
    )
    choice = request.POST.get("helpful", "")
    if choice not in ("yes", "no"):
        return HttpResponse(
            _("Choose yes or no."), status=400, content_type="text/plain; charset=utf-8"
        )
    try:
        services.vote_record(
            translation=public.translation,
            visitor=_visitor(request),
            helpful=choice == "yes",
            comment=request.POST.get("comment", ""),
        )
    except Invalid as error:
        message = (
            "; ".join(m for ms in error.fields.values() for m in ms) or error.message
        )
        return HttpResponse(
            message, status=400, content_type="text/plain; charset=utf-8"
        )
    context = {
        "language": language,
        "translation": public.translation,
        "voted": choice,
        "commented": bool(request.POST.get("comment", "").strip()),
    }
    if is_htmx(request):
        return _render(request, "article.html", context, partial="vote")
    return redirect(
        _article_url(article_id, language, public.translation.slug) + "#vote"
    )


@require_POST
def deflect(request: HttpRequest) -> HttpResponse:
    """Beacon from the new-request form when it is left unsent (navigator.sendBeacon).

    Form fields: `articles` (repeated article ids: the suggestions the customer opened),
    `source` and `query`. Counted once per visitor and article; signed-in customers only.
    """
    if not request.user.is_authenticated:
        return JsonResponse(
            {"detail": _("Sign in first."), "code": "unauthenticated"}, status=401
        )
    raw = request.POST.getlist("articles")
    if not raw or len(raw) > 20 or not all(r.isdigit() for r in raw):
        return JsonResponse(
            {"detail": _("articles must be a list of article ids."), "code": "invalid"},
            status=400,
        )
    source = request.POST.get("source", SearchSource.PORTAL)
    counted = 0
    for found in Article.objects.filter(pk__in=[int(r) for r in raw]):
        try:
            counted += services.deflection_record(
                article=found,
                visitor=_visitor(request),
                source=source,
                user=request.user,
                query=request.POST.get("query", ""),
            )
        except DomainError as error:
            return JsonResponse(
                {"detail": error.message, "code": error.code}, status=error.status
            )
    return JsonResponse({"counted": counted})


@require_GET
def attachment(request: HttpRequest, token: str) -> FileResponse:
    found = queries.attachment_get_for_user(user=request.user, token=token)
    inline = found.content_type in IMAGE_TYPES
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=not inline,
        filename=found.name,
        content_type=found.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
