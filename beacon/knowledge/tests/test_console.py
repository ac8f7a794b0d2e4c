"""Staff pages: who may see and write, live preview, versions, diff, rollback, analytics."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from beacon.accounts.models import User
from beacon.knowledge.models import Article, ArticleAttachment, SearchLog, Translation
from beacon.knowledge.tests.conftest import Capture
from beacon.knowledge.tests.factories import make_article, make_section, translation_of

pytestmark = pytest.mark.django_db
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _pages(article: Article) -> list[tuple[str, str]]:
    a = article.pk
    return [
        ("get", reverse("kb-console:index")),
        ("get", reverse("kb-console:new")),
        ("get", reverse("kb-console:analytics")),
        ("get", reverse("kb-console:suggest") + "?q=deposit"),
        ("get", reverse("kb-console:edit", args=[a, "en"])),
        ("get", reverse("kb-console:diff", args=[a, "en"]) + "?from=1&to=1"),
        ("post", reverse("kb-console:preview")),
        ("post", reverse("kb-console:publish", args=[a, "en"])),
        ("post", reverse("kb-console:unpublish", args=[a, "en"])),
        ("post", reverse("kb-console:rollback", args=[a, "en"])),
        ("post", reverse("kb-console:settings", args=[a])),
        ("post", reverse("kb-console:upload", args=[a])),
    ]


def test_anonymous_visitors_are_sent_to_sign_in_and_customers_get_404(
    client: Client, editor: User, customer: User
) -> None:
    article = make_article(editor=editor, texts={"en": ("Fees", "a")}, publish=False)
    for method, url in _pages(article):
        response = getattr(client, method)(url)
        assert (
            response.status_code == 302 and "/accounts/login" in response["Location"]
        ), url
    client.force_login(customer)
    for method, url in _pages(article):
        assert getattr(client, method)(url).status_code == 404, url


def test_auditors_may_read_but_not_write(
    client: Client, editor: User, auditor: User
) -> None:
    article = make_article(editor=editor, texts={"en": ("Fees", "a")}, publish=False)
    client.force_login(auditor)

    assert (
        client.get(reverse("kb-console:edit", args=[article.pk, "en"])).status_code
        == 200
    )
    response = client.post(
        reverse("kb-console:edit", args=[article.pk, "en"]),
        {"title": "Changed", "body": "b"},
    )

    assert response.status_code == 403
    assert translation_of(article, "en").title == "Fees"


def test_create_edit_publish_diff_and_rollback(
    client: Client, editor: User, django_capture_on_commit_callbacks: Capture
) -> None:
    section = make_section()
    client.force_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            reverse("kb-console:new"),
            {"section": section.pk, "language": "en", "visibility": "public",
             "title": "Network fees", "body": "Fees depend on the network.", "publish": "1"},
        )  # fmt: skip
    article = Article.objects.get()
    edit_url = reverse("kb-console:edit", args=[article.pk, "en"])
    assert created.status_code == 302 and created["Location"] == edit_url
    assert client.get(f"/help/en/articles/{article.pk}-network-fees").status_code == 200

    client.post(
        edit_url,
        {"title": "Network fees", "body": "Fees depend on the coin and network."},
    )
    diff = client.get(
        reverse("kb-console:diff", args=[article.pk, "en"]) + "?from=1&to=2"
    )
    assert '<span class="del">-Fees depend on the network.</span>' in diff.text
    assert '<span class="add">+Fees depend on the coin and network.</span>' in diff.text
    public = client.get(f"/help/en/articles/{article.pk}-network-fees")
    assert "coin and network" not in public.text  # saved as a draft version only

    client.post(
        reverse("kb-console:rollback", args=[article.pk, "en"]), {"number": "1"}
    )
    translation = Translation.objects.get()
    assert (
        translation.revision == 3
        and translation.body == "Fees depend on the network.\n"
    )


def test_new_article_form_errors_are_shown(client: Client, editor: User) -> None:
    client.force_login(editor)

    response = client.post(reverse("kb-console:new"), {"language": "en", "title": ""})

    assert response.status_code == 200
    assert Article.objects.count() == 0
    assert "errorlist" in response.text


def test_live_preview_is_sanitised(client: Client, editor: User) -> None:
    client.force_login(editor)

    response = client.post(
        reverse("kb-console:preview"),
        {"body": "**hi** <script>alert(1)</script> [x](javascript:alert(1))"},
        HTTP_HX_REQUEST="true",
    )

    assert "<strong>hi</strong>" in response.text
    assert "<script" not in response.text and 'href="javascript' not in response.text


def test_image_upload_is_checked_and_served_inline_only_for_images(
    client: Client, editor: User, django_capture_on_commit_callbacks: Capture
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(editor=editor, texts={"en": ("Fees", "a")})
    client.force_login(editor)

    client.post(
        reverse("kb-console:upload", args=[article.pk]),
        {"file": SimpleUploadedFile("shot.png", PNG, "image/png")},
    )
    client.post(
        reverse("kb-console:upload", args=[article.pk]),
        {
            "file": SimpleUploadedFile(
                "x.svg", b"<svg onload=alert(1)></svg>", "image/svg+xml"
            )
        },
    )

    attachment = ArticleAttachment.objects.get()
    client.logout()
    served = client.get(reverse("knowledge:attachment", args=[attachment.token]))
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert "attachment" not in served.get("Content-Disposition", "")
    assert served["X-Content-Type-Options"] == "nosniff"


def test_files_of_unpublished_articles_are_private(
    client: Client, editor: User
) -> None:
    article = make_article(editor=editor, texts={"en": ("Fees", "a")}, publish=False)
    client.force_login(editor)
    client.post(
        reverse("kb-console:upload", args=[article.pk]),
        {"file": SimpleUploadedFile("shot.png", PNG, "image/png")},
    )
    token = ArticleAttachment.objects.get().token
    client.logout()

    assert client.get(reverse("knowledge:attachment", args=[token])).status_code == 404


def test_reply_box_suggestions_include_internal_articles(
    client: Client, editor: User, help_center: dict[str, Article]
) -> None:
    client.force_login(editor)

    response = client.get(
        reverse("kb-console:suggest"),
        {"q": "manual deposit credit procedure", "language": "en"},
    )

    assert "Manual deposit credit procedure for agents" in response.text
    assert "Insert link" in response.text


def test_analytics_page_shows_gaps_and_charts(
    client: Client, editor: User, help_center: dict[str, Article]
) -> None:
    client.get("/help/en/search/", {"q": "staking rewards"})
    client.get("/help/en/search/", {"q": "deposit not arrived"})
    client.force_login(editor)

    response = client.get(reverse("kb-console:analytics"))

    assert response.status_code == 200
    assert SearchLog.objects.count() == 2
    assert "staking rewards" in response.text and "<svg" in response.text


def test_staff_pages_render(
    client: Client, editor: User, help_center: dict[str, Article]
) -> None:
    client.force_login(editor)
    article = help_center["deposit"]

    for url in (
        reverse("kb-console:index"),
        reverse("kb-console:new"),
        reverse("kb-console:edit", args=[article.pk, "en"]),
        reverse("kb-console:edit", args=[article.pk, "zh-hans"]),
        reverse(
            "kb-console:edit", args=[help_center["internal"].pk, "zh-hans"]
        ),  # to translate
        reverse("kb-console:analytics") + "?days=7",
    ):
        assert client.get(url).status_code == 200, url
    assert (
        client.get(reverse("kb-console:edit", args=[article.pk, "fr"])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("kb-console:diff", args=[article.pk, "en"]) + "?from=1&to=9"
        ).status_code
        == 404
    )


def test_console_ticket_page_has_the_suggestion_panel(client: Client) -> None:
    from beacon.accounts.tests.factories import UserFactory
    from beacon.tickets.tests.factories import make_ticket

    ticket = make_ticket(subject="USDT deposit not arrived")
    client.force_login(UserFactory.create(role="admin"))

    response = client.get(reverse("console:ticket", args=[ticket.reference]))

    assert response.status_code == 200
    assert 'class="kb-panel"' in response.text
    assert "q=USDT%20deposit%20not%20arrived" in response.text
