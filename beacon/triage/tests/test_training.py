"""Default models at first start, retraining from history, versions, rollback from the admin."""

from __future__ import annotations

import threading
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from beacon.accounts.models import Role
from beacon.accounts.tests.factories import CustomerFactory, UserFactory
from beacon.audit.models import AuditEvent
from beacon.tickets.models import Category
from beacon.tickets.services import ticket_create
from beacon.triage import training
from beacon.triage.models import (
    ModelStatus,
    ModelVersion,
    Task,
    TrainingExample,
)
from beacon.triage.services import triage_correct, triage_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_models(settings: Any, tmp_path: Path) -> Path:
    settings.TRIAGE_ENABLED = True
    settings.TRIAGE_MODELS_DIR = tmp_path / "models"
    return Path(settings.TRIAGE_MODELS_DIR)


def test_default_models_are_trained_once_in_seconds(empty_models: Path) -> None:
    started = time.monotonic()

    first = training.ensure_defaults()
    again = training.ensure_defaults()

    assert time.monotonic() - started < 60  # seconds on a quiet machine, not minutes
    assert first == again
    assert {v.task for v in first} == set(Task.values)
    assert all(v.status == ModelStatus.ACTIVE and v.source == "default" for v in first)
    assert all((empty_models / v.file_name).is_file() for v in first)
    assert ModelVersion.objects.count() == 2
    _version, model = training.active_model(Task.INTENT)
    assert set(model.metadata["classes"]) >= {"withdrawal-delayed", "kyc", "other"}


def test_first_triage_trains_the_default_models(
    empty_models: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            customer=CustomerFactory.create(),
            category=Category.objects.get(slug="other"),
            subject="提币",
            description="USDT 提币 pending",
            require_fields=False,
        )

    assert ModelVersion.objects.filter(status=ModelStatus.ACTIVE).count() == 2
    assert ticket.triage_results.get().intent == "withdrawal-delayed"


def test_the_training_lock_makes_a_second_trainer_wait(empty_models: Path) -> None:
    order: list[str] = []

    def hold() -> None:
        with training.training_lock():
            order.append("first in")
            time.sleep(0.3)
            order.append("first out")

    thread = threading.Thread(target=hold)
    thread.start()
    time.sleep(0.1)
    with training.training_lock():
        order.append("second in")
    thread.join()

    assert order == ["first in", "first out", "second in"]


def test_demo_examples_cover_both_languages() -> None:
    examples = training.demo_examples(per_language=1)

    texts = [text for text, _label in examples]
    assert any("充值" in text for text in texts)
    assert any("deposit" in text.lower() for text in texts)
    assert {label for _text, label in examples} >= {"kyc", "account-compromised"}


FRESH = [
    ("kyc", "My identity verification was rejected again", "身份认证又被拒绝了"),
    ("withdrawal-delayed", "My withdrawal is still pending", "提币还在处理中"),
    ("deposit-not-credited", "My deposit is not credited", "充值没有到账"),
    ("login-2fa", "I lost my authenticator and cannot log in", "谷歌验证丢失无法登录"),
    ("fees", "Why was I charged such a high fee", "为什么扣了这么高的手续费"),
]


def test_retrain_learns_from_corrections_and_activates_when_not_worse(
    triage_on: dict[str, Any],
) -> None:
    # A deployment's new tickets (in real categories): the held-out slice comes from these.
    customer = CustomerFactory.create()
    for slug, english, chinese in FRESH:
        for number, text in enumerate(
            (english, chinese, english.lower(), f"{chinese}!")
        ):
            ticket_create(
                customer=customer,
                category=Category.objects.get(slug=slug),
                subject=text,
                description=f"{text} ({number})",
                require_fields=False,
            )
    agent = UserFactory.create(role=Role.ADMIN)
    ticket = ticket_create(
        customer=CustomerFactory.create(),
        category=Category.objects.get(slug="other"),
        subject="Launchpad",
        description="when does the launchpad subscription open",
        require_fields=False,
    )
    triage_ticket(ticket_id=ticket.pk)
    result = ticket.triage_results.get()
    triage_correct(result=result, actor=agent, field="intent", value="trading-orders")

    assert (
        "Launchpad\nwhen does the launchpad subscription open",
        "trading-orders",
    ) in (training.history_dataset(Task.INTENT))
    report = training.retrain(Task.INTENT)

    assert report.activated
    assert report.version.number == 2
    assert report.version.metrics["compared_with"] == "intent-v1"
    assert report.holdout >= 20
    assert report.candidate_accuracy >= (report.active_accuracy or 0)
    triage_on["intent"].refresh_from_db()
    assert triage_on["intent"].status == ModelStatus.RETIRED
    assert AuditEvent.objects.filter(action="triage.retrain").exists()


def test_a_worse_candidate_is_kept_but_not_activated(
    triage_on: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    scores = iter([0.50, 0.90])  # candidate, then active, on the same held-out slice
    monkeypatch.setattr(training, "_accuracy", lambda *args: next(scores))

    report = training.retrain(Task.SENTIMENT)

    assert not report.activated
    assert report.version.status == ModelStatus.REJECTED
    assert report.version.metrics["candidate_accuracy"] == 0.5
    assert training.active_version(Task.SENTIMENT) == triage_on["sentiment"]


def test_enough_corrections_trigger_a_retraining_job(
    triage_on: dict[str, Any],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TRIAGE_RETRAIN_AFTER_CORRECTIONS = 2
    agent = UserFactory.create(role=Role.ADMIN)
    ticket = ticket_create(
        customer=CustomerFactory.create(),
        category=Category.objects.get(slug="other"),
        subject="Great",
        description="thanks, all good now",
        require_fields=False,
    )
    triage_ticket(ticket_id=ticket.pk)
    result = ticket.triage_results.get()

    with django_capture_on_commit_callbacks(execute=True):
        triage_correct(result=result, actor=agent, field="sentiment", value="positive")
    assert ModelVersion.objects.filter(task=Task.SENTIMENT).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        triage_correct(result=result, actor=agent, field="sentiment", value="positive")

    assert ModelVersion.objects.filter(task=Task.SENTIMENT).count() == 2
    assert TrainingExample.objects.filter(task=Task.SENTIMENT).count() == 2


def test_train_command_reports_both_tasks(triage_on: dict[str, Any]) -> None:
    out = StringIO()

    call_command("triage", "train", stdout=out)

    text = out.getvalue()
    assert "intent:" in text and "sentiment:" in text
    assert "candidate" in text and "held-out" in text
    assert ModelVersion.objects.filter(number=2).count() == 2


def test_rollback_from_the_admin(triage_on: dict[str, Any]) -> None:
    newer = training.retrain(Task.INTENT, force=True).version
    assert newer.status == ModelStatus.ACTIVE
    admin = UserFactory.create(role=Role.ADMIN)
    client = Client()
    client.force_login(admin)

    response = client.post(
        reverse("admin:triage_modelversion_changelist"),
        {"action": "activate", "_selected_action": [triage_on["intent"].pk]},
    )

    assert response.status_code == 302
    assert training.active_version(Task.INTENT) == triage_on["intent"]
    assert AuditEvent.objects.filter(action="triage.model_activate").exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.AUDITOR])
def test_only_admins_may_roll_back(triage_on: dict[str, Any], role: str) -> None:
    newer = training.retrain(Task.INTENT, force=True).version
    client = Client()
    client.force_login(UserFactory.create(role=role))

    response = client.post(
        reverse("admin:triage_modelversion_changelist"),
        {"action": "activate", "_selected_action": [triage_on["intent"].pk]},
    )

    # Agents and leads are sent to the admin sign-in (which refuses them); auditors get a 403.
    assert response.status_code in (302, 403)
    assert training.active_version(Task.INTENT) == newer


def test_admin_lists_versions_for_admins(triage_on: dict[str, Any]) -> None:
    client = Client()
    client.force_login(UserFactory.create(role=Role.ADMIN))

    response = client.get(reverse("admin:triage_modelversion_changelist"))

    assert response.status_code == 200
    assert "intent v1" in response.content.decode()


def test_activating_a_version_without_its_file_is_refused(
    triage_on: dict[str, Any], settings: Any
) -> None:
    from beacon.core.errors import Invalid

    newer = training.retrain(Task.INTENT, force=True).version
    (Path(settings.TRIAGE_MODELS_DIR) / triage_on["intent"].file_name).unlink()

    with pytest.raises(Invalid):
        training.model_activate(version=triage_on["intent"], actor=None)

    assert training.active_version(Task.INTENT) == newer


def test_serve_trains_the_default_models_on_first_start(empty_models: Path) -> None:
    from beacon.core.management.commands.serve import Command

    command = Command(stdout=StringIO())
    command._prepare_triage()
    command._prepare_triage()  # a later start finds them

    assert ModelVersion.objects.filter(status=ModelStatus.ACTIVE).count() == 2
    assert ModelVersion.objects.count() == 2
    assert "intent v1" in command.stdout._out.getvalue()  # type: ignore[attr-defined]  # OutputWrapper over StringIO
