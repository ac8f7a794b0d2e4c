"""Training, versioning and loading the deployment's triage models.

- The default models are trained the first time Beacon needs them (``beacon serve`` prepares
  them, and the first triage job trains them if that step was skipped) from the project's own
  labelled data: the demo storylines rendered in both languages and the seed sets in
  ``data/``. TF-IDF ⊕ USE trains on them in a few seconds.
- ``retrain`` learns from the deployment's history (tickets with a real category, and every
  agent correction), scores candidate and active model on the same held-out slice, and
  activates the candidate only if it is not worse.
- Files live under ``TRIAGE_MODELS_DIR`` (DATA_DIR/models); a ``ModelVersion`` row per file.
  A file lock keeps two processes on one machine from training the same default twice; the
  unique constraints keep two machines from activating two.
"""

from __future__ import annotations

import csv
import fcntl
import logging
import random
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from threading import Lock

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from sklearn.model_selection import train_test_split

from beacon.accounts.models import User
from beacon.audit.services import audit_record
from beacon.core.errors import Invalid
from beacon.triage.classifier import (
    ClassifierConfig,
    IntentModel,
    ProgressCallback,
    SentimentModel,
    TextClassifier,
)
from beacon.triage.encoders import EncoderName, Matrix, encode_all
from beacon.triage.features import FeatureConfig
from beacon.triage.models import (
    ExampleSource,
    ModelStatus,
    ModelVersion,
    Task,
    TrainingExample,
)

logger = logging.getLogger(__name__)

DATA = Path(__file__).parent / "data"
HOLDOUT_SHARE = 0.2
# Examples labelled since the active model was trained needed to hold those out instead.
MIN_FRESH_HOLDOUT = 20
HISTORY_LIMIT = 20_000
# Below this many history rows the demo storylines are added, so a young deployment keeps
# the categories it has not seen yet.
HISTORY_MINIMUM = 300
Example = tuple[str, str]


def _config(task: str) -> ClassifierConfig:
    """TF-IDF words and characters beside multilingual USE: seconds to train, Chinese and English."""
    if task == Task.SENTIMENT:
        return ClassifierConfig(
            features=FeatureConfig(
                char_ngrams=(1, 4), char_analyzer="char", encoders={"use": 2.0}
            ),
            C=0.5,
        )
    return ClassifierConfig(
        features=FeatureConfig(encoders={"use": 2.0}), C=0.5, max_in_scope_loss=0.01
    )


def new_model(task: str) -> TextClassifier:
    model_class = SentimentModel if task == Task.SENTIMENT else IntentModel
    return model_class(_config(task))


def ticket_text(subject: str, body: str) -> str:
    """What the models read of a ticket: subject and description as the customer wrote them."""
    return f"{subject}\n{body}".strip()


# --- labelled data ---------------------------------------------------------------------------


def seed_examples(task: str) -> list[Example]:
    """The hand-written seed set of ``data/<task>_seed.csv`` (Chinese and English)."""
    with (DATA / f"{task}_seed.csv").open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["label"]) for row in csv.DictReader(handle)]


def demo_examples(*, per_language: int = 8, seed: int = 7) -> list[Example]:
    """Subject and body of every demo storyline, rendered ``per_language`` times per language."""
    from beacon.core.demo.context import build_context
    from beacon.core.demo.loader import STORYLINES

    rng = random.Random(seed)  # noqa: S311 (training data, not security)
    now = timezone.now()
    examples: list[Example] = []
    for language in ("en", "zh-hans"):
        customer = User(
            email="demo@example.com",
            display_name="Lin",
            language=language,
            exchange_uid="10000001",
        )
        for story in STORYLINES:
            for _round in range(per_language):
                context = build_context(rng, customer, now)
                subject = story.subject.pick(rng, language, context)
                body = story.body.pick(rng, language, context)
                examples.append((ticket_text(subject, body), story.category))
    return examples


def corrections(task: str) -> list[Example]:
    return [
        (text, label)
        for text, label in TrainingExample.objects.filter(task=task)
        .order_by("-created_at")
        .values_list("text", "label")[:HISTORY_LIMIT]
    ]


def history_examples(task: str) -> list[Example]:
    """Tickets whose category says what they are about (not the generic one), newest first."""
    if task != Task.INTENT:
        return []
    from beacon.tickets.models import Ticket

    rows = (
        Ticket.objects.exclude(category__slug=settings.TRIAGE_GENERIC_CATEGORY)
        .filter(merged_into__isnull=True)
        .order_by("-created_at")
        .values_list("subject", "description", "category__slug")[:HISTORY_LIMIT]
    )
    return [(ticket_text(subject, body), slug) for subject, body, slug in rows]


def default_dataset(task: str) -> list[Example]:
    examples = seed_examples(task)
    if task == Task.INTENT:
        examples += demo_examples()
    return examples


def history_dataset(task: str) -> list[Example]:
    """Corrections first (they win over the same text's older label), then history, then seed."""
    history = history_examples(task)
    examples = corrections(task) + history + seed_examples(task)
    if task == Task.INTENT and len(history) < HISTORY_MINIMUM:
        examples += demo_examples()
    seen: set[str] = set()
    unique: list[Example] = []
    for text, label in examples:
        if text not in seen:
            seen.add(text)
            unique.append((text, label))
    return unique


# --- versions --------------------------------------------------------------------------------


def models_dir() -> Path:
    directory = Path(settings.TRIAGE_MODELS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@contextmanager
def training_lock() -> Iterator[None]:
    """One trainer at a time on this machine (other processes wait for it)."""
    with (models_dir() / ".train.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_loaded: dict[tuple[str, int], TextClassifier] = {}
_loaded_lock = Lock()


def active_version(task: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(task=task, status=ModelStatus.ACTIVE).first()


def load(version: ModelVersion) -> TextClassifier:
    """The model of ``version``, read from disk once per process."""
    path = models_dir() / version.file_name
    # Keyed by file and its modification time: a file written again is read again.
    key = (str(path), path.stat().st_mtime_ns)
    with _loaded_lock:
        model = _loaded.get(key)
        if model is None:
            model_class = (
                SentimentModel if version.task == Task.SENTIMENT else IntentModel
            )
            model = model_class.load(path)
            _loaded[key] = model
        return model


def active_model(task: str) -> tuple[ModelVersion, TextClassifier]:
    """The active model of ``task``; the default one is trained first if there is none yet."""
    version = active_version(task)
    if version is None:
        version = ensure_default(task)
    return version, load(version)


def _save(
    task: str,
    model: TextClassifier,
    *,
    source: str,
    metrics: dict[str, object],
    activate: bool,
) -> ModelVersion:
    """Write the file and its row (activated, or kept as rejected)."""
    with transaction.atomic():
        number = (
            ModelVersion.objects.filter(task=task).aggregate(top=Max("number"))["top"]
            or 0
        ) + 1
        file_name = f"{task}-v{number}.joblib"
        model.save(models_dir() / file_name)
        version = ModelVersion.objects.create(
            task=task,
            number=number,
            file_name=file_name,
            source=source,
            training_size=int(model.metadata.get("training_size", 0)),
            metrics=metrics,
            status=ModelStatus.REJECTED,
        )
        if activate:
            _activate(version)
    return version


def _activate(version: ModelVersion) -> None:
    ModelVersion.objects.filter(task=version.task, status=ModelStatus.ACTIVE).exclude(
        pk=version.pk
    ).update(status=ModelStatus.RETIRED)
    version.status = ModelStatus.ACTIVE
    version.activated_at = timezone.now()
    version.save(update_fields=["status", "activated_at"])


def model_activate(*, version: ModelVersion, actor: User | None) -> ModelVersion:
    """Make ``version`` the active model of its task (a rollback when it is an older one)."""
    if not (models_dir() / version.file_name).is_file():
        raise Invalid(
            _("The file %(file)s is missing from the models directory.")
            % {"file": version.file_name}
        )
    with transaction.atomic():
        previous = active_version(version.task)
        _activate(version)
        audit_record(
            actor=actor,
            action="triage.model_activate",
            target_type="triage_model",
            target_id=version.label,
            data={"previous": previous.label if previous else None},
        )
    return version


def ensure_default(
    task: str, *, progress: ProgressCallback | None = None
) -> ModelVersion:
    """The active model of ``task``, training the default one if there is none (once)."""
    version = active_version(task)
    if version is not None:
        return version
    with training_lock():
        version = active_version(task)  # another process may have trained it meanwhile
        if version is not None:
            return version
        texts, labels = _split(default_dataset(task))
        model = new_model(task).fit(texts, labels, progress=progress)
        try:
            version = _save(
                task,
                model,
                source="default",
                metrics={"training_size": len(texts)},
                activate=True,
            )
        except IntegrityError:
            # Another machine activated one first: use theirs.
            found = active_version(task)
            if found is None:
                raise
            return found
        logger.info("Trained the default %s model (%d examples)", task, len(texts))
        return version


def ensure_defaults(*, progress: ProgressCallback | None = None) -> list[ModelVersion]:
    return [ensure_default(task, progress=progress) for task in Task.values]


# --- retraining ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetrainReport:
    task: str
    examples: int
    holdout: int
    candidate_accuracy: float
    active_accuracy: float | None
    version: ModelVersion

    @property
    def activated(self) -> bool:
        return self.version.status == ModelStatus.ACTIVE


def _split(examples: Sequence[Example]) -> tuple[list[str], list[str]]:
    return [text for text, _label in examples], [label for _text, label in examples]


def _accuracy(
    model: TextClassifier,
    texts: list[str],
    labels: list[str],
    vectors: Mapping[EncoderName, Matrix],
) -> float:
    predictions = model.predict(texts, embeddings=vectors)
    right = sum(
        p.effective_label == label for p, label in zip(predictions, labels, strict=True)
    )
    return right / max(len(labels), 1)


def fresh_texts(task: str, *, since: datetime) -> set[str]:
    """Texts labelled after ``since`` (the active model's training): corrections and tickets."""
    texts = set(
        TrainingExample.objects.filter(task=task, created_at__gt=since).values_list(
            "text", flat=True
        )[:HISTORY_LIMIT]
    )
    if task == Task.INTENT:
        from beacon.tickets.models import Ticket

        rows = (
            Ticket.objects.exclude(category__slug=settings.TRIAGE_GENERIC_CATEGORY)
            .filter(created_at__gt=since, merged_into__isnull=True)
            .values_list("subject", "description")[:HISTORY_LIMIT]
        )
        texts |= {ticket_text(subject, body) for subject, body in rows}
    return texts


def _holdout(
    texts: list[str], labels: list[str], fresh: set[str]
) -> tuple[list[str], list[str], list[str], list[str]]:
    """(fit texts, held-out texts, fit labels, held-out labels).

    The held-out slice is made of examples labelled since the active model was trained when
    there are enough of them: neither model has seen those, so the comparison is fair. Otherwise
    it is a random stratified slice, part of which the active model has seen: then a candidate
    must beat a model scored partly on its own training data, so a deployment with little new
    data keeps its active model.
    """
    rows = [row for row, text in enumerate(texts) if text in fresh]
    if len(rows) >= MIN_FRESH_HOLDOUT:
        limit = max(MIN_FRESH_HOLDOUT, int(len(texts) * HOLDOUT_SHARE))
        held = set(random.Random(0).sample(rows, min(limit, len(rows))))  # noqa: S311
        fit = [row for row in range(len(texts)) if row not in held]
        ordered = sorted(held)
        return (
            [texts[row] for row in fit],
            [texts[row] for row in ordered],
            [labels[row] for row in fit],
            [labels[row] for row in ordered],
        )
    counts = {label: labels.count(label) for label in set(labels)}
    stratify = labels if min(counts.values()) >= 2 else None
    fit_texts, held_texts, fit_labels, held_labels = train_test_split(
        texts, labels, test_size=HOLDOUT_SHARE, random_state=0, stratify=stratify
    )
    return list(fit_texts), list(held_texts), list(fit_labels), list(held_labels)


def retrain(
    task: str,
    *,
    force: bool = False,
    progress: ProgressCallback | None = None,
) -> RetrainReport:
    """Train a candidate on the deployment's data and activate it unless it scores worse than
    the active model on the same held-out slice (``force`` activates it anyway)."""
    examples = history_dataset(task)
    texts, labels = _split(examples)
    if len(set(labels)) < 2:
        raise Invalid(_("Not enough labelled examples to train."))
    active = active_version(task)
    fresh = fresh_texts(task, since=active.created_at) if active else set()
    fit_texts, held_texts, fit_labels, held_labels = _holdout(texts, labels, fresh)
    with training_lock():
        candidate = new_model(task)
        names = candidate.config.features.encoder_names
        vectors = encode_all(names, texts)
        index = {text: row for row, text in enumerate(texts)}
        fit_rows = [index[text] for text in fit_texts]
        held_rows = [index[text] for text in held_texts]
        candidate.fit(
            fit_texts,
            fit_labels,
            embeddings={name: matrix[fit_rows] for name, matrix in vectors.items()},
            progress=progress,
        )
        held_vectors = {name: matrix[held_rows] for name, matrix in vectors.items()}
        candidate_accuracy = _accuracy(candidate, held_texts, held_labels, held_vectors)
        active_accuracy: float | None = None
        if active is not None:
            active_model_ = load(active)
            active_accuracy = _accuracy(
                active_model_,
                held_texts,
                held_labels,
                {
                    name: matrix[held_rows]
                    for name, matrix in encode_all(
                        active_model_.config.features.encoder_names, texts
                    ).items()
                }
                if active_model_.config.features.encoder_names != names
                else held_vectors,
            )
        accept = (
            force or active_accuracy is None or candidate_accuracy >= active_accuracy
        )
        if accept:
            # The slice did its job; the model that goes live learns from every example.
            candidate = new_model(task).fit(
                texts, labels, embeddings=vectors, progress=progress
            )
        version = _save(
            task,
            candidate,
            source="history",
            metrics={
                "holdout_size": len(held_texts),
                "candidate_accuracy": round(candidate_accuracy, 4),
                "active_accuracy": None
                if active_accuracy is None
                else round(active_accuracy, 4),
                "compared_with": active.label if active else None,
                "forced": force,
            },
            activate=accept,
        )
    audit_record(
        actor=None,
        action="triage.retrain",
        target_type="triage_model",
        target_id=version.label,
        data=dict(version.metrics, activated=accept),
    )
    return RetrainReport(
        task=task,
        examples=len(texts),
        holdout=len(held_texts),
        candidate_accuracy=candidate_accuracy,
        active_accuracy=active_accuracy,
        version=version,
    )


def corrections_since_last_training(task: str) -> int:
    """Agent corrections newer than the task's newest model (what a triggered retrain waits for)."""
    latest = ModelVersion.objects.filter(task=task).order_by("-created_at").first()
    examples = TrainingExample.objects.filter(
        task=task, source=ExampleSource.CORRECTION
    )
    if latest is not None:
        examples = examples.filter(created_at__gt=latest.created_at)
    return examples.count()
