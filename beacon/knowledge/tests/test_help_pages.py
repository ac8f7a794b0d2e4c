"""Public help center: pages per language, drafts and internal articles hidden, votes, search."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from beacon.accounts.models import User
from beacon.knowledge import services
from beacon.knowledge.models import Article, ArticleView, SearchLog, Vote
from beacon.knowledge.tests.conftest import Capture
from beacon.knowledge.tests.factories import translation_of

pytestmark = pytest.mark.django_db


def _url(article: Article, language: str) -> str:
    t = translation_of(article, language)
    return reverse(
        "knowledge:article",
        kwargs={"language": language, "article_id": article.pk, "slug": t.slug},
    )


def test_home_lists_categories_and_published_articles_per_language(
    client: Client, help_center: dict[str, Article]
) -> None:
    en = client.get("/help/en/")
    zh = client.get("/help/zh-hans/")

    assert en.status_code == 200 and zh.status_code == 200
    assert "My deposit has not arrived" in en.text
    assert "充值未到账怎么办" in zh.text
    assert "Upcoming deposit campaign" not in en.text  # draft
    assert "Manual deposit credit procedure" not in en.text  # internal
    assert 'lang="zh-hans"' in zh.text


def test_help_root_redirects_to_the_visitors_language(client: Client) -> None:
    response = client.get("/help/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")

    assert response.status_code == 302
    assert response["Location"] == "/help/zh-hans/"


def test_unknown_language_is_404(
    client: Client, help_center: dict[str, Article]
) -> None:
    assert client.get("/help/fr/").status_code == 404


def test_article_page_renders_sanitised_body_and_counts_a_view(
    client: Client, help_center: dict[str, Article]
) -> None:
    response = client.get(_url(help_center["deposit"], "en"))

    assert response.status_code == 200
    assert "<h1>My deposit has not arrived</h1>" in response.text
    assert "Was this article helpful?" in response.text
    assert ArticleView.objects.get().count == 1


def test_chinese_article_page_is_in_chinese(
    client: Client, help_center: dict[str, Article]
) -> None:
    response = client.get(_url(help_center["deposit"], "zh-hans"))

    assert response.status_code == 200
    assert "这篇文章对您有帮助吗" in response.text


def test_wrong_slug_redirects_to_the_canonical_url(
    client: Client, help_center: dict[str, Article]
) -> None:
    article = help_center["deposit"]

    response = client.get(f"/help/en/articles/{article.pk}-old-title")

    assert response.status_code == 301
    assert response["Location"] == _url(article, "en")


@pytest.mark.parametrize("key", ["draft", "internal"])
def test_drafts_and_internal_articles_are_404_for_the_public(
    client: Client, customer: User, help_center: dict[str, Article], key: str
) -> None:
    article = help_center[key]
    url = f"/help/en/articles/{article.pk}-x"

    anonymous = client.get(url)
    client.force_login(customer)
    signed_in = client.get(url)

    assert anonymous.status_code == 404
    assert signed_in.status_code == 404


def test_internal_article_is_readable_by_staff(
    client: Client, editor: User, help_center: dict[str, Article]
) -> None:
    client.force_login(editor)

    response = client.get(_url(help_center["internal"], "en"))

    assert response.status_code == 200
    assert "only support staff" in response.text


def test_draft_changes_of_a_published_article_stay_private(
    client: Client, editor: User, help_center: dict[str, Article]
) -> None:
    article = help_center["deposit"]
    services.translation_save(
        actor=editor,
        article=article,
        language="en",
        title="My deposit has not arrived",
        body="SECRET UNPUBLISHED WORDING",
    )

    response = client.get(_url(article, "en"))

    assert "SECRET UNPUBLISHED WORDING" not in response.text
    assert "network confirms" in response.text


def test_missing_translation_offers_the_other_language(
    client: Client, editor: User, help_center: dict[str, Article]
) -> None:
    client.force_login(editor)

    response = client.get(f"/help/zh-hans/articles/{help_center['internal'].pk}-x")

    assert response.status_code == 404
    assert "Manual deposit credit procedure" in response.text


def test_search_page_logs_the_query_and_clicks(
    client: Client, help_center: dict[str, Article]
) -> None:
    response = client.get("/help/zh-hans/search/", {"q": "提币审核"})

    log = SearchLog.objects.get()
    assert response.status_code == 200
    assert "提现一直在处理中" in response.text
    assert log.results >= 1 and log.top_article_id == help_center["withdrawal"].pk

    client.get(_url(help_center["withdrawal"], "zh-hans") + f"?log={log.pk}")

    log.refresh_from_db()
    assert log.clicked_article_id == help_center["withdrawal"].pk


def test_search_without_results_says_so(
    client: Client, help_center: dict[str, Article]
) -> None:
    response = client.get("/help/en/search/", {"q": "chocolate cake recipe"})

    assert "We found no article for this" in response.text
    assert SearchLog.objects.get().results == 0


def test_suggestions_fragment_while_typing(
    client: Client, help_center: dict[str, Article]
) -> None:
    response = client.get(
        "/help/en/suggest/", {"q": "withdrawal pending"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "Why is my withdrawal pending?" in response.text
    assert SearchLog.objects.count() == 0  # keystrokes are not searches


def test_vote_with_comment_and_change_of_mind(
    client: Client, help_center: dict[str, Article]
) -> None:
    article = help_center["deposit"]
    url = reverse("knowledge:vote", kwargs={"language": "en", "article_id": article.pk})

    first = client.post(url, {"helpful": "no"}, HTTP_HX_REQUEST="true")
    client.post(
        url,
        {"helpful": "no", "comment": "Which network is right?"},
        HTTP_HX_REQUEST="true",
    )

    vote = Vote.objects.get()
    assert first.status_code == 200 and "What was missing?" in first.text
    assert vote.helpful is False and vote.comment == "Which network is right?"

    client.post(url, {"helpful": "yes"})

    assert Vote.objects.get().helpful is True


def test_bad_votes_are_refused(client: Client, help_center: dict[str, Article]) -> None:
    def url_for(key: str) -> str:
        return reverse(
            "knowledge:vote",
            kwargs={"language": "en", "article_id": help_center[key].pk},
        )

    assert client.post(url_for("deposit"), {"helpful": "maybe"}).status_code == 400
    assert (
        client.post(
            url_for("deposit"), {"helpful": "no", "comment": "x" * 3000}
        ).status_code
        == 400
    )
    assert client.post(url_for("draft"), {"helpful": "yes"}).status_code == 404
    assert client.get(url_for("deposit")).status_code == 405
    assert Vote.objects.count() == 0


def test_outdated_translation_is_still_shown_with_a_notice(
    client: Client,
    editor: User,
    help_center: dict[str, Article],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    article = help_center["deposit"]
    with django_capture_on_commit_callbacks(execute=True):
        source = services.translation_save(
            actor=editor,
            article=article,
            language="en",
            title="My deposit has not arrived",
            body="Deposits are credited after enough network confirmations.",
        )
        services.translation_publish(actor=editor, translation=source)

    response = client.get(_url(article, "zh-hans"))

    assert translation_of(article, "zh-hans").status == "outdated"
    assert response.status_code == 200
    assert "原文已更新" in response.text


def test_category_and_section_pages_list_live_articles_only(
    client: Client, help_center: dict[str, Article]
) -> None:
    section = help_center["deposit"].section
    category = section.category

    by_category = client.get(f"/help/en/categories/{category.pk}-{category.slug}/")
    by_section = client.get(f"/help/zh-hans/sections/{section.pk}-{section.slug}/")

    assert by_category.status_code == 200 and by_section.status_code == 200
    assert "My deposit has not arrived" in by_category.text
    assert "充值未到账怎么办" in by_section.text
    for page in (by_category.text, by_section.text):
        assert (
            "Upcoming deposit campaign" not in page
            and "Manual deposit credit" not in page
        )
    assert client.get("/help/en/categories/999999-x/").status_code == 404
    assert client.get("/help/en/sections/999999-x/").status_code == 404
