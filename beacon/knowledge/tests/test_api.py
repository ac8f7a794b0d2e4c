"""API: public reads of published articles and search, staff writes, clear 4xx errors."""

from __future__ import annotations

import pytest
from django.test import Client

from beacon.accounts.models import User
from beacon.accounts.services import api_token_create
from beacon.knowledge.models import Article, Translation
from beacon.knowledge.tests.conftest import Capture
from beacon.knowledge.tests.factories import make_section

pytestmark = pytest.mark.django_db


def _token(user: User) -> dict[str, str]:
    _token_row, secret = api_token_create(user=user, name="test")
    return {"Authorization": f"Bearer {secret}"}


def test_public_search_without_credentials(
    client: Client, help_center: dict[str, Article]
) -> None:
    response = client.get(
        "/api/v1/kb/search", {"q": "充值未到账", "language": "zh-Hans"}
    )

    body = response.json()
    assert response.status_code == 200
    assert body["results"][0]["article_id"] == help_center["deposit"].pk
    assert 0 <= body["results"][0]["confidence"] <= 1


def test_search_audience_follows_the_caller(
    client: Client, editor: User, customer: User, help_center: dict[str, Article]
) -> None:
    params: dict[str, str | int] = {
        "q": "manual deposit credit procedure",
        "language": "en",
        "limit": 10,
    }

    public = client.get("/api/v1/kb/search", params).json()["results"]
    as_customer = client.get(
        "/api/v1/kb/search", params, headers=_token(customer)
    ).json()["results"]
    as_agent = client.get("/api/v1/kb/search", params, headers=_token(editor)).json()[
        "results"
    ]

    internal = help_center["internal"].pk
    assert internal not in [h["article_id"] for h in public + as_customer]
    assert as_agent[0]["article_id"] == internal


def test_search_refuses_bad_input(
    client: Client, help_center: dict[str, Article]
) -> None:
    assert client.get("/api/v1/kb/search").status_code == 422
    assert client.get("/api/v1/kb/search", {"q": "  "}).status_code == 422
    assert client.get("/api/v1/kb/search", {"q": "x" * 301}).status_code == 422
    response = client.get("/api/v1/kb/search?q=deposit&limit=0")
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_public_reads_show_published_text_only(
    client: Client, editor: User, help_center: dict[str, Article]
) -> None:
    listing = client.get("/api/v1/kb/articles").json()
    ids = [a["id"] for a in listing["items"]]

    assert help_center["draft"].pk not in ids and help_center["internal"].pk not in ids
    assert (
        client.get(f"/api/v1/kb/articles/{help_center['draft'].pk}").status_code == 404
    )
    assert (
        client.get(f"/api/v1/kb/articles/{help_center['internal'].pk}").status_code
        == 404
    )
    assert client.get("/api/v1/kb/articles/999999").status_code == 404
    detail = client.get(f"/api/v1/kb/articles/{help_center['deposit'].pk}").json()
    assert {t["language"] for t in detail["translations"]} == {"en", "zh-hans"}
    assert detail["translations"][0]["url"].startswith("/help/")


def test_staff_read_drafts_through_the_api(
    client: Client, editor: User, help_center: dict[str, Article]
) -> None:
    detail = client.get(
        f"/api/v1/kb/articles/{help_center['draft'].pk}", headers=_token(editor)
    )

    assert detail.status_code == 200
    assert detail.json()["translations"][0]["status"] == "draft"


def test_agents_create_and_publish_customers_and_auditors_cannot(
    client: Client,
    editor: User,
    customer: User,
    auditor: User,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    section = make_section()
    payload = {
        "section_id": section.pk,
        "language": "en",
        "title": "Staking",
        "body": "Lock coins to earn.",
        "publish": True,
    }

    anonymous = client.post(
        "/api/v1/kb/articles", payload, content_type="application/json"
    )
    as_customer = client.post(
        "/api/v1/kb/articles",
        payload,
        content_type="application/json",
        headers=_token(customer),
    )
    as_auditor = client.post(
        "/api/v1/kb/articles",
        payload,
        content_type="application/json",
        headers=_token(auditor),
    )
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/kb/articles",
            payload,
            content_type="application/json",
            headers=_token(editor),
        )

    assert (anonymous.status_code, as_customer.status_code, as_auditor.status_code) == (
        401,
        403,
        403,
    )
    assert created.status_code == 201
    article_id = created.json()["id"]
    assert (
        client.get("/api/v1/kb/search", {"q": "staking lock coins"}).json()["results"][
            0
        ]["article_id"]
        == article_id
    )

    put = client.put(
        f"/api/v1/kb/articles/{article_id}/translations/zh-hans",
        {"title": "质押", "body": "锁仓赚币。"},
        content_type="application/json",
        headers=_token(editor),
    )
    assert put.status_code == 200
    assert (
        Translation.objects.get(article_id=article_id, language="zh-hans").status
        == "draft"
    )


def test_writes_refuse_bad_input(client: Client, editor: User) -> None:
    headers = _token(editor)
    section = make_section()

    no_section = client.post(
        "/api/v1/kb/articles",
        {"section_id": 999, "title": "T", "body": "B"},
        content_type="application/json",
        headers=headers,
    )
    bad_language = client.post(
        "/api/v1/kb/articles",
        {"section_id": section.pk, "language": "fr", "title": "T", "body": "B"},
        content_type="application/json",
        headers=headers,
    )
    empty = client.post(
        "/api/v1/kb/articles",
        {"section_id": section.pk, "title": "", "body": ""},
        content_type="application/json",
        headers=headers,
    )
    missing = client.put(
        "/api/v1/kb/articles/999/translations/en",
        {"title": "T", "body": "B"},
        content_type="application/json",
        headers=headers,
    )

    assert (no_section.status_code, bad_language.status_code, empty.status_code) == (
        422,
        422,
        422,
    )
    assert missing.status_code == 404
    assert Article.objects.count() == 0
