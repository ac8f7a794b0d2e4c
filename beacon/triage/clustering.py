"""Similar-ticket clustering: a burst of tickets about the same thing becomes a proposed incident.

Every few minutes the job looks at the tickets of the last ``TRIAGE_CLUSTER_WINDOW_MINUTES``.
Each text becomes a TF-IDF vector of character 2-4-grams (NFKC, lower case: robust to typos,
mixed Chinese and English, no segmentation needed) beside its USE sentence embedding (so
"提币未到账" and "withdrawal not received" meet); two tickets are linked when the cosine of
their combined vectors reaches ``TRIAGE_CLUSTER_SIMILARITY``, and every connected group of at
least ``TRIAGE_CLUSTER_MIN_SIZE`` tickets is a burst. A burst that shares a ticket with an open
incident grows that incident; any other becomes a new proposal, and the leads are told.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer

from beacon.accounts.models import Membership, Role, User
from beacon.audit.services import audit_record
from beacon.core.text import tokens
from beacon.notifications.services import notify_staff
from beacon.tickets.models import Ticket
from beacon.triage.encoders import encode_all
from beacon.triage.features import normalise
from beacon.triage.models import Incident, IncidentStatus
from beacon.triage.training import ticket_text

logger = logging.getLogger(__name__)

MAX_TICKETS = 2_000
OPEN = (IncidentStatus.PROPOSED, IncidentStatus.CONFIRMED)
# How much the sentence embedding counts beside the character n-grams.
EMBEDDING_WEIGHT = 1.0


def similarity_graph(texts: list[str]) -> np.ndarray:
    """Pairwise cosine similarity of the texts (character n-grams ⊕ USE, equally weighted)."""
    vectorizer = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        preprocessor=normalise,
        sublinear_tf=True,
    )
    ngrams = vectorizer.fit_transform(texts)
    embedded = encode_all(["use"], texts)["use"] * EMBEDDING_WEIGHT
    combined = sp.hstack([ngrams, sp.csr_matrix(embedded)], format="csr")
    norms = np.sqrt(np.asarray(combined.multiply(combined).sum(axis=1))).ravel()
    combined = sp.csr_matrix(combined.multiply(1 / np.maximum(norms, 1e-12)[:, None]))
    return np.asarray((combined @ combined.T).toarray())


def groups(texts: list[str], *, threshold: float, min_size: int) -> list[list[int]]:
    """Indexes of every connected group of similar texts with at least ``min_size`` members."""
    if len(texts) < min_size:
        return []
    similarity = similarity_graph(texts)
    adjacency = sp.csr_matrix(similarity >= threshold)
    _count, labels = connected_components(adjacency, directed=False)
    found = [
        np.flatnonzero(labels == label).tolist()
        for label, size in Counter(labels.tolist()).items()
        if size >= min_size
    ]
    return sorted(found, key=len, reverse=True)


def _title(texts: list[str], subjects: list[str]) -> tuple[str, list[str]]:
    """The most central ticket's subject, and the words the group has most in common."""
    similarity = similarity_graph(texts)
    medoid = int(similarity.sum(axis=1).argmax())
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({word for word in tokens(text) if len(word) > 1})
    common = [word for word, count in counts.most_common(6) if count >= 2]
    return subjects[medoid][:200], common


def incidents_detect(*, now: datetime | None = None) -> list[Incident]:
    """Find bursts among recent tickets; returns the incidents proposed or grown now."""
    now = now or timezone.now()
    window = now - timedelta(minutes=settings.TRIAGE_CLUSTER_WINDOW_MINUTES)
    tickets = list(
        Ticket.objects.filter(created_at__gte=window, merged_into__isnull=True)
        .exclude(incidents__status=IncidentStatus.DISMISSED)
        .order_by("-created_at")
        .only("pk", "subject", "description", "team_id", "created_at")[:MAX_TICKETS]
    )
    texts = [ticket_text(t.subject, t.description) for t in tickets]
    found = groups(
        texts,
        threshold=settings.TRIAGE_CLUSTER_SIMILARITY,
        min_size=settings.TRIAGE_CLUSTER_MIN_SIZE,
    )
    touched: list[Incident] = []
    for members in found:
        group = [tickets[i] for i in members]
        incident = _record(group, [texts[i] for i in members], now)
        if incident is not None:
            touched.append(incident)
    return touched


def _record(group: list[Ticket], texts: list[str], now: datetime) -> Incident | None:
    ids = [ticket.pk for ticket in group]
    with transaction.atomic():
        # Found first, then locked by id: PostgreSQL refuses FOR UPDATE with the join's DISTINCT.
        found = (
            Incident.objects.filter(status__in=OPEN, tickets__in=ids)
            .order_by("created_at")
            .values_list("pk", flat=True)
            .first()
        )
        existing = (
            Incident.objects.select_for_update().filter(pk=found).first()
            if found is not None
            else None
        )
        if existing is not None:
            have = set(existing.tickets.values_list("pk", flat=True))
            new = [pk for pk in ids if pk not in have]
            if not new:
                return None
            existing.tickets.add(*new)
            existing.last_seen = max(t.created_at for t in group)
            existing.save(update_fields=["last_seen"])
            if existing.status == IncidentStatus.CONFIRMED:
                from beacon.triage.services import incident_tag_tickets

                incident_tag_tickets(incident=existing, ticket_ids=new)
            return existing
        title, terms = _title(texts, [t.subject for t in group])
        team_id = Counter(t.team_id for t in group if t.team_id).most_common(1)
        incident = Incident.objects.create(
            title=title,
            key_terms=terms,
            team_id=team_id[0][0] if team_id else None,
            first_seen=min(t.created_at for t in group),
            last_seen=max(t.created_at for t in group),
        )
        incident.tickets.add(*ids)
        audit_record(
            actor=None,
            action="incident.propose",
            target_type="incident",
            target_id=incident.pk,
            data={"tickets": len(ids), "title": title},
        )
        _tell_leads(incident, len(ids))
    return incident


def incident_leads(incident: Incident) -> list[User]:
    """Leads of the incident's team, or every active lead when it has none (or no lead)."""
    leads: list[User] = []
    if incident.team_id is not None:
        leads = [
            m.user
            for m in Membership.objects.filter(
                team_id=incident.team_id, is_lead=True, user__is_active=True
            ).select_related("user")
        ]
    if not leads:
        leads = list(User.objects.filter(role=Role.LEAD, is_active=True).order_by("pk"))
    return leads


def _tell_leads(incident: Incident, size: int) -> None:
    url = settings.BASE_URL.rstrip("/") + reverse("triage:incidents")
    for lead in incident_leads(incident):
        notify_staff(
            user=lead,
            template_key="staff_incident_proposed",
            context={"title": incident.title, "size": size, "url": url},
            dedup_key=f"incident:{incident.pk}:{lead.pk}",
        )
