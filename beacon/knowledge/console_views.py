"""Staff pages of the help center (/console/kb/): authoring, versions, analytics, suggestions.

Support staff read everything here; agents, leads and admins write (auditors are refused by
the services). Customers and visitors get the same 404 as for a page that does not exist.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beacon.accounts.models import User
from beacon.core.errors import Conflict, DomainError, Invalid, PermissionDenied
from beacon.knowledge import analytics, queries, services
from beacon.knowledge.models import (
    LANGUAGES,
    Article,
    Section,
    Translation,
    TranslationVersion,
    Visibility,
)
from beacon.knowledge.rendering import render_markdown
from beacon.knowledge.search import kb_search, query_language

TEMPLATES = "knowledge/console/"
LANGUAGE_NAMES = {"en": "English", "zh-hans": "简体中文"}


def _language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def staff_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @functools.wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not queries.is_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class TranslationForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=services.MAX_TITLE)
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=services.MAX_SUMMARY,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "kb-short"}),
    )
    body = forms.CharField(
        label=gettext_lazy("Body (Markdown)"),
        max_length=services.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 24, "data-kb-markdown": ""}),
    )
    also_asked = forms.CharField(
        label=gettext_lazy("Also asked as (one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "kb-short"}),
    )


class ArticleForm(TranslationForm):
    section = forms.ModelChoiceField(
        label=gettext_lazy("Section"),
        queryset=Section.objects.select_related("category"),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[(c, _language_name(c)) for c in LANGUAGES],
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"), choices=Visibility.choices
    )


class SettingsForm(forms.Form):
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"), choices=Visibility.choices
    )
    related = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Related articles"),
        queryset=Article.objects.all(),
        required=False,
    )


def _apply_errors(form: forms.Form, error: DomainError) -> None:
    if error.fields:
        for name, problems in error.fields.items():
            for problem in problems:
                form.add_error(name if name in form.fields else None, problem)
    else:
        form.add_error(None, error.message)


def _titles(article: Article) -> str:
    translation = article.translations.first()
    return translation.title if translation else _("(untitled)")


# --- pages ---------------------------------------------------------------------------------


@staff_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    rows = []
    for article in queries.articles_for_editor(user=request.user).order_by(
        "section__category__position", "section__position", "position", "pk"
    ):
        by_language = {t.language: t for t in article.translations.all()}
        rows.append(
            {
                "article": article,
                "title": next(iter(by_language.values())).title if by_language else "",
                "languages": [(code, by_language.get(code)) for code in LANGUAGES],
            }
        )
    return render(
        request,
        f"{TEMPLATES}index.html",
        {"rows": rows, "languages": LANGUAGES, "names": LANGUAGE_NAMES, "nav": "kb"},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def article_new(request: HttpRequest) -> HttpResponseBase:
    form = ArticleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_create(
                actor=_user(request),
                section=data["section"],
                source_language=data["language"],
                visibility=data["visibility"],
            )
            translation = services.translation_save(
                actor=_user(request),
                article=article,
                language=data["language"],
                title=data["title"],
                body=data["body"],
                summary=data["summary"],
                also_asked=data["also_asked"],
            )
            if "publish" in request.POST:
                services.translation_publish(
                    actor=_user(request), translation=translation
                )
        except (Invalid, PermissionDenied) as error:
            if isinstance(error, PermissionDenied):
                raise
            _apply_errors(form, error)
        else:
            messages.success(request, _("Article saved."))
            return redirect(_edit_url(article.pk, data["language"]))
    return render(request, f"{TEMPLATES}new.html", {"form": form, "nav": "kb"})


def _edit_url(article_id: int, language: str) -> str:
    return reverse(
        "kb-console:edit", kwargs={"article_id": article_id, "language": language}
    )


@staff_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, article_id: int, language: str) -> HttpResponseBase:
    """Write a translation with a live preview; save a draft version or save and publish."""
    if language not in LANGUAGES:
        raise Http404
    article = queries.article_get_for_editor(user=request.user, article_id=article_id)
    translation = article.translations.filter(language=language).first()
    initial = (
        {
            "title": translation.title,
            "summary": translation.summary,
            "body": translation.body,
            "also_asked": translation.also_asked,
        }
        if translation
        else {}
    )
    form = TranslationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            translation = services.translation_save(
                actor=_user(request),
                article=article,
                language=language,
                title=data["title"],
                body=data["body"],
                summary=data["summary"],
                also_asked=data["also_asked"],
            )
            if "publish" in request.POST:
                services.translation_publish(
                    actor=_user(request), translation=translation
                )
                messages.success(request, _("Published."))
            else:
                messages.success(request, _("Draft saved."))
        except Invalid as error:
            _apply_errors(form, error)
        else:
            return redirect(_edit_url(article.pk, language))
    source = (
        article.translations.filter(language=article.source_language).first()
        if language != article.source_language
        else None
    )
    body_value = form["body"].value() or ""
    return render(
        request,
        f"{TEMPLATES}edit.html",
        {
            "nav": "kb",
            "article": article,
            "language": language,
            "language_name": _language_name(language),
            "names": LANGUAGE_NAMES,
            "languages": LANGUAGES,
            "translation": translation,
            "translations": {t.language: t for t in article.translations.all()},
            "source": source,
            "form": form,
            "preview_html": render_markdown(str(body_value)),
            "versions": list(translation.versions.all()[:30]) if translation else [],
            "settings_form": SettingsForm(
                initial={
                    "visibility": article.visibility,
                    "related": list(article.related.all()),
                }
            ),
            "attachments": list(article.attachments.all()),
            "base_url": settings.BASE_URL,
        },
    )


@staff_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """The sanitised rendering of the Markdown being typed (HTMX fragment)."""
    body = request.POST.get("body", "")[: services.MAX_BODY]
    return render(
        request, f"{TEMPLATES}_preview.html", {"preview_html": render_markdown(body)}
    )


@staff_required
@require_POST
def publish(request: HttpRequest, article_id: int, language: str) -> HttpResponse:
    translation = queries.translation_get_for_editor(
        user=request.user, article_id=article_id, language=language
    )
    try:
        services.translation_publish(actor=_user(request), translation=translation)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Published."))
    return redirect(_edit_url(article_id, language))


@staff_required
@require_POST
def unpublish(request: HttpRequest, article_id: int, language: str) -> HttpResponse:
    translation = queries.translation_get_for_editor(
        user=request.user, article_id=article_id, language=language
    )
    services.translation_unpublish(actor=_user(request), translation=translation)
    messages.success(request, _("Taken off the help center; it is a draft again."))
    return redirect(_edit_url(article_id, language))


@staff_required
@require_POST
def rollback(request: HttpRequest, article_id: int, language: str) -> HttpResponse:
    translation = queries.translation_get_for_editor(
        user=request.user, article_id=article_id, language=language
    )
    number = request.POST.get("number", "")
    if not number.isdigit():
        raise Invalid(fields={"number": [_("Choose a version.")]})
    try:
        services.translation_rollback(
            actor=_user(request), translation=translation, number=int(number)
        )
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Version %(number)s restored as a new draft version; publish it to make it public."
            )
            % {"number": number},
        )
    return redirect(_edit_url(article_id, language))


def _version(translation: Translation, number: str | None) -> TranslationVersion:
    if not number or not number.isdigit():
        raise Http404
    version = translation.versions.filter(number=int(number)).first()
    if version is None:
        raise Http404
    return version


def _text(version: TranslationVersion) -> list[str]:
    parts = [
        f"# {version.title}",
        "",
        version.summary,
        "",
        version.body,
        "",
        version.also_asked,
    ]
    return "\n".join(parts).splitlines()


def version_diff(
    old: TranslationVersion, new: TranslationVersion
) -> list[tuple[str, str]]:
    """Lines of a unified diff as (kind, text): kind is add, del, hunk or same."""
    lines: list[tuple[str, str]] = []
    for line in difflib.unified_diff(
        _text(old), _text(new), f"v{old.number}", f"v{new.number}", lineterm=""
    ):
        if line.startswith(("---", "+++")):
            continue
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        lines.append((kind, line))
    return lines


@staff_required
@require_GET
def diff(request: HttpRequest, article_id: int, language: str) -> HttpResponse:
    translation = queries.translation_get_for_editor(
        user=request.user, article_id=article_id, language=language
    )
    old = _version(translation, request.GET.get("from"))
    new = _version(translation, request.GET.get("to"))
    return render(
        request,
        f"{TEMPLATES}diff.html",
        {
            "nav": "kb",
            "translation": translation,
            "old": old,
            "new": new,
            "lines": version_diff(old, new),
            "language": language,
        },
    )


@staff_required
@require_POST
def article_settings(request: HttpRequest, article_id: int) -> HttpResponse:
    article = queries.article_get_for_editor(user=request.user, article_id=article_id)
    form = SettingsForm(request.POST)
    language = request.POST.get("language", article.source_language)
    if language not in LANGUAGES:
        language = article.source_language
    if form.is_valid():
        services.article_update(
            actor=_user(request),
            article=article,
            visibility=form.cleaned_data["visibility"],
            related=list(form.cleaned_data["related"]),
        )
        messages.success(request, _("Article settings saved."))
    else:
        messages.error(request, _("Some fields are not valid."))
    return redirect(_edit_url(article_id, language))


@staff_required
@require_POST
def attachment_upload(request: HttpRequest, article_id: int) -> HttpResponse:
    article = queries.article_get_for_editor(user=request.user, article_id=article_id)
    language = request.POST.get("language", article.source_language)
    if language not in LANGUAGES:
        language = article.source_language
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            attachment = services.attachment_add(
                actor=_user(request), article=article, upload=upload
            )
        except DomainError as error:
            if isinstance(error, PermissionDenied):
                raise
            messages.error(request, error.message)
        else:
            link = reverse("knowledge:attachment", kwargs={"token": attachment.token})
            messages.success(
                request,
                _("Uploaded. Use it in the body as: %(markdown)s")
                % {
                    "markdown": f"![{attachment.name}]({link})"
                    if attachment.is_image
                    else f"[{attachment.name}]({link})"
                },
            )
    return redirect(_edit_url(article_id, language))


@staff_required
@require_GET
def analytics_page(request: HttpRequest) -> HttpResponse:
    days = request.GET.get("days", "30")
    period = int(days) if days.isdigit() and 1 <= int(days) <= 365 else 30
    return render(
        request,
        f"{TEMPLATES}analytics.html",
        {"nav": "kb", "report": analytics.report(days=period), "days": period},
    )


@staff_required
@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """Articles for a ticket's reply box (HTMX fragment): internal ones included."""
    query = " ".join(request.GET.get("q", "").split())[:200]
    language = query_language(query, request.GET.get("language"))
    hits = (
        kb_search(query=query, language=language, limit=5, audience="agents")
        if query
        else []
    )
    return render(
        request,
        f"{TEMPLATES}_suggestions.html",
        {"hits": hits, "query": query, "base_url": settings.BASE_URL},
    )
