"""Portal: suggestions while typing a subject, deflections counted and cancelled by filing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from beacon.accounts.models import User
from beacon.knowledge.models import Article, Deflection
from beacon.knowledge.tests.conftest import Capture
from beacon.tickets.tests.factories import CategoryFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_new_request_form_has_the_suggestion_panel(
    client: Client, customer: User
) -> None:
    category = CategoryFactory.create(slug="other")
    client.force_login(customer)

    response = client.get(reverse("portal:ticket-new") + f"?category={category.slug}")

    assert 'id="kb-portal-suggestions"' in response.text
    assert "from:#id_subject" in response.text


def test_subject_suggestions_link_back_with_portal_reference(
    client: Client, customer: User, help_center: dict[str, Article]
) -> None:
    client.force_login(customer)

    response = client.get(
        "/help/en/suggest/",
        {"subject": "my deposit has not arrived", "source": "portal"},
        HTTP_HX_REQUEST="true",
    )

    assert "These articles may answer your question" in response.text
    assert "?ref=portal&amp;q=my%20deposit%20has%20not%20arrived" in response.text


def test_opening_a_suggestion_counts_a_deflection_once(
    client: Client, customer: User, help_center: dict[str, Article]
) -> None:
    article = help_center["deposit"]
    client.force_login(customer)
    url = f"/help/en/articles/{article.pk}-my-deposit-has-not-arrived?ref=portal&q=deposit"

    client.get(url)
    client.get(url)

    deflection = Deflection.objects.get()
    assert deflection.article == article and deflection.user == customer


def test_beacon_on_page_hide_counts_opened_suggestions(
    client: Client, customer: User, help_center: dict[str, Article]
) -> None:
    client.force_login(customer)

    response = client.post(
        reverse("knowledge:deflect"),
        {
            "articles": [help_center["deposit"].pk, help_center["kyc"].pk],
            "source": "portal",
            "query": "deposit",
        },
    )

    assert response.status_code == 200 and response.json() == {"counted": 2}
    assert Deflection.objects.count() == 2


def test_beacon_refuses_bad_input_and_strangers(
    client: Client, customer: User, help_center: dict[str, Article]
) -> None:
    url = reverse("knowledge:deflect")
    assert (
        client.post(url, {"articles": [help_center["deposit"].pk]}).status_code == 401
    )
    client.force_login(customer)

    assert client.post(url, {"articles": ["x"]}).status_code == 400
    assert client.post(url, {}).status_code == 400
    assert (
        client.post(url, {"articles": [help_center["internal"].pk]}).status_code == 404
    )
    assert client.post(url, {"articles": [help_center["draft"].pk]}).status_code == 404
    assert (
        client.post(
            url, {"articles": [help_center["deposit"].pk], "source": "nowhere"}
        ).status_code
        == 400
    )
    assert client.get(url).status_code == 405
    assert Deflection.objects.count() == 0


def test_filing_a_request_after_all_cancels_the_deflection(
    client: Client,
    customer: User,
    help_center: dict[str, Article],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    client.force_login(customer)
    client.post(reverse("knowledge:deflect"), {"articles": [help_center["deposit"].pk]})
    assert Deflection.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(customer=customer)

    assert Deflection.objects.count() == 0
