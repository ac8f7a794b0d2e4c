"""Demo help center for `beacon demo_load`: articles, synonyms and a month of visitor activity."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from beacon.knowledge import transfer
from beacon.knowledge.demo_content import HELP_CENTER, SYNONYMS
from beacon.knowledge.indexing import synonyms_changed
from beacon.knowledge.models import (
    Article,
    ArticleView,
    Deflection,
    SearchLog,
    SearchSource,
    Synonym,
    Translation,
    Vote,
)

# What customers typed, with how often; the last ones have no article yet (content gaps).
DEMO_QUERIES: list[tuple[str, str, str | None, int]] = [
    ("deposit not credited", "en", "deposit-not-credited", 40),
    ("充值未到账", "zh-hans", "deposit-not-credited", 55),
    ("提现审核", "zh-hans", "withdrawal-pending", 30),
    ("withdrawal pending", "en", "withdrawal-pending", 25),
    ("谷歌验证丢了", "zh-hans", "2fa-lost", 22),
    ("lost 2fa", "en", "2fa-lost", 18),
    ("xrp tag", "en", "deposit-memo-tag", 12),
    ("实名认证多久", "zh-hans", "kyc-levels", 16),
    ("p2p 卖家不放币", "zh-hans", "p2p-dispute", 14),
    ("api 429", "en", "api-keys", 6),
    ("staking rewards", "en", None, 9),
    ("合约爆仓", "zh-hans", None, 11),
    ("tax report", "en", None, 5),
]


def _ensure_synonyms() -> None:
    existing = set(Synonym.objects.values_list("phrases", flat=True))
    new = [Synonym(phrases=p) for p in SYNONYMS if p not in existing]
    if new:
        Synonym.objects.bulk_create(new)
        synonyms_changed()


def _activity(seed: int) -> None:
    """Searches, clicks, views, votes and deflections over the last 30 days (once)."""
    if SearchLog.objects.exists():
        return
    rng = random.Random(seed)  # noqa: S311 (demo content, not security)
    now = timezone.now()
    articles = {a.external_key: a for a in Article.objects.exclude(external_key="")}
    logs: list[SearchLog] = []
    for query, language, key, weight in DEMO_QUERIES:
        article = articles.get(key) if key else None
        for _ in range(weight):
            clicked = article if article is not None and rng.random() < 0.7 else None
            logs.append(
                SearchLog(
                    query=query,
                    normalised=query,
                    language=language,
                    source=rng.choice(
                        [SearchSource.HELP, SearchSource.HELP, SearchSource.PORTAL]
                    ),
                    results=rng.randint(3, 8) if article else 0,
                    top_article=article,
                    clicked_article=clicked,
                    created_at=now
                    - timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 1440)),
                )
            )
    SearchLog.objects.bulk_create(logs)
    translations = list(Translation.objects.filter(article__visibility="public"))
    today = timezone.localdate()
    ArticleView.objects.bulk_create(
        ArticleView(
            translation=t, day=today - timedelta(days=d), count=rng.randint(1, 40)
        )
        for t in translations
        for d in range(0, 30, 3)
    )
    Vote.objects.bulk_create(
        Vote(
            translation=t,
            visitor=f"demo-{t.pk}-{n}",
            helpful=rng.random() < 0.8,
            comment=""
            if rng.random() < 0.85
            else rng.choice(
                [
                    "Which network should I choose for USDT?",
                    "步骤很清楚，谢谢",
                    "Still waiting after 3 hours",
                ]
            ),
            created_at=now - timedelta(days=rng.randint(0, 29)),
        )
        for t in translations
        for n in range(rng.randint(0, 6))
    )
    public = [a for a in articles.values() if a.visibility == "public"]
    Deflection.objects.bulk_create(
        Deflection(
            article=rng.choice(public),
            visitor=f"demo-visitor-{n}",
            source=SearchSource.PORTAL,
            created_at=now - timedelta(days=rng.randint(0, 29)),
        )
        for n in range(60)
    )


def load_help_center(*, seed: int = 2025) -> transfer.ImportResult:
    """Create (or bring up to date) the demo help center; idempotent."""
    with transaction.atomic():
        _ensure_synonyms()
        result = transfer.import_data(HELP_CENTER, publish=True)
        _activity(seed)
    return result
