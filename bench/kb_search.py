"""Knowledge-base search latency over 100,000 synthetic articles, on SQLite or PostgreSQL.

    python bench/kb_search.py                                   # SQLite in a scratch DATA_DIR
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kbdb python bench/kb_search.py
    ARTICLES=20000 QUERIES=300 python bench/kb_search.py        # a quicker look

Steps: a fresh database (SQLite file, or the named PostgreSQL database, emptied first), then
`migrate`; ARTICLES published translations written with bulk_create (articles, translations,
versions and index rows; half English, half Chinese, terms from the product's own analyser).
Embeddings of the synthetic articles are random unit vectors of the right sizes (their values
do not change the cost of a search; embedding 100,000 texts would take minutes). Queries are
real: each is embedded by the packaged encoders at search time, as in production. Then the
engine is loaded once (reported as the cold start) and QUERIES searches run through
`kb_search` one after another, each including its freshness check against the database.
Prints one JSON line with p50/p95/p99 and the set-up times.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ARTICLES = int(os.environ.get("ARTICLES", "100000"))
QUERIES = int(os.environ.get("QUERIES", "500"))
BATCH = 5000

EN_TOPICS = [
    "deposit", "withdrawal", "network", "memo", "tag", "confirmation", "address", "whitelist",
    "verification", "passport", "selfie", "authenticator", "password", "email", "phone", "fee",
    "limit", "maker", "taker", "order", "margin", "futures", "staking", "savings", "airdrop",
    "referral", "voucher", "card", "bank", "transfer", "merchant", "appeal", "escrow", "api",
    "key", "signature", "websocket", "candle", "ticker", "delisting", "listing", "token", "swap",
]  # fmt: skip
EN_VERBS = ["missing", "delayed", "failed", "rejected", "pending", "changed", "locked", "refunded", "limited", "reset"]  # fmt: skip
COINS = ["BTC", "ETH", "USDT", "USDC", "XRP", "SOL", "TRX", "BNB", "DOGE", "TON", "ADA", "ATOM", "XLM", "EOS", "LTC"]  # fmt: skip
NETWORKS = [
    "ERC20",
    "TRC20",
    "BEP20",
    "Solana",
    "Arbitrum",
    "Optimism",
    "Polygon",
    "Lightning",
]
ZH_TOPICS = [
    "充值", "提现", "网络", "标签", "区块确认", "地址", "白名单", "实名认证", "护照", "人脸识别",
    "谷歌验证", "密码", "邮箱", "手机", "手续费", "限额", "挂单", "吃单", "合约", "杠杆", "理财",
    "空投", "返佣", "银行卡", "转账", "商家", "申诉", "托管", "密钥", "签名", "下架", "上线", "兑换",
]  # fmt: skip
ZH_VERBS = [
    "未到账",
    "延迟",
    "失败",
    "被拒绝",
    "处理中",
    "已修改",
    "被锁定",
    "已退回",
    "受限",
    "重置",
]


def _setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="beacon-kb-bench-")
    else:
        os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="beacon-kb-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def _fresh_database() -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)


def _article_text(rng: random.Random, number: int) -> tuple[str, str, str]:
    if number % 2:
        topic, other = rng.sample(ZH_TOPICS, 2)
        coin = rng.choice(COINS)
        title = f"{coin} {topic}{rng.choice(ZH_VERBS)}怎么办（{number}）"
        body = (
            f"如果您的 {coin} {topic}{rng.choice(ZH_VERBS)}，请先检查{other}和{rng.choice(ZH_TOPICS)}。"
            f"使用 {rng.choice(NETWORKS)} 网络时，{rng.choice(ZH_TOPICS)}可能需要更长时间。"
            f"参考编号 KB{number}。"
        )
        return "zh-hans", title, body
    topic, other = rng.sample(EN_TOPICS, 2)
    coin = rng.choice(COINS)
    title = (
        f"{coin} {topic} {rng.choice(EN_VERBS)} on {rng.choice(NETWORKS)} ({number})"
    )
    body = (
        f"When your {coin} {topic} is {rng.choice(EN_VERBS)}, check the {other} and the "
        f"{rng.choice(EN_TOPICS)} first. On {rng.choice(NETWORKS)} the {rng.choice(EN_TOPICS)} "
        f"can take longer. Reference KB{number} item{rng.randint(0, 20000)}."
    )
    return "en", title, body


def _load(count: int) -> float:
    import numpy as np
    from django.db import transaction
    from django.utils import timezone

    from beacon.knowledge import analysis, services
    from beacon.knowledge.indexing import article_url, bump_generation, pack_vectors
    from beacon.knowledge.models import (
        Article,
        IndexEntry,
        Translation,
        TranslationVersion,
    )
    from beacon.knowledge.rendering import snippet

    started = time.perf_counter()
    rng = random.Random(7)
    vectors = np.random.default_rng(7)
    category = services.category_ensure(slug="bench", name_en="Bench")
    section = services.section_ensure(category=category, slug="bench", name_en="Bench")
    now = timezone.now()
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        with transaction.atomic():
            generation = bump_generation()
            articles = Article.objects.bulk_create(
                [
                    Article(section=section, external_key=f"bench-{start + i}")
                    for i in range(size)
                ]
            )
            texts = [_article_text(rng, start + i) for i in range(size)]
            translations = Translation.objects.bulk_create(
                [
                    Translation(
                        article=a, language=lang, title=title, body=body, slug="a",
                        status="published", revision=1, published_revision=1,
                        source_revision=1, published_at=now,
                    )
                    for a, (lang, title, body) in zip(articles, texts, strict=True)
                ]
            )  # fmt: skip
            TranslationVersion.objects.bulk_create(
                [
                    TranslationVersion(
                        translation=t, number=1, title=t.title, body=t.body
                    )
                    for t in translations
                ]
            )
            use = vectors.standard_normal((size, 512), dtype=np.float32)
            use /= np.linalg.norm(use, axis=1, keepdims=True)
            mini = vectors.standard_normal((size, 384), dtype=np.float32)
            mini /= np.linalg.norm(mini, axis=1, keepdims=True)
            IndexEntry.objects.bulk_create(
                [
                    IndexEntry(
                        translation=t, article_id_value=t.article_id, language=t.language,
                        visibility="public", title=t.title,
                        url=article_url(t.article_id, t.language, "a"),
                        snippet=snippet("", t.body),
                        title_terms=" ".join(analysis.terms(t.title)),
                        body_terms=" ".join(analysis.terms(t.body)),
                        vectors=pack_vectors({"use": use[i : i + 1], "minilm": mini[i : i + 1]}),
                        generation=generation,
                    )
                    for i, t in enumerate(translations)
                ]
            )  # fmt: skip
        print(f"  {start + size} articles", file=sys.stderr, flush=True)
    return time.perf_counter() - started


def _queries(count: int) -> list[tuple[str, str]]:
    rng = random.Random(11)
    out: list[tuple[str, str]] = []
    for n in range(count):
        if n % 2:
            out.append(
                (
                    f"{rng.choice(COINS)} {rng.choice(ZH_TOPICS)}{rng.choice(ZH_VERBS)}",
                    "zh-hans",
                )
            )
        else:
            out.append(
                (
                    f"my {rng.choice(COINS)} {rng.choice(EN_TOPICS)} is {rng.choice(EN_VERBS)}",
                    "en",
                )
            )
    return out


def main() -> None:
    _setup_django()
    from django.db import connection

    from beacon.knowledge.search import current_index, kb_search

    _fresh_database()
    load_seconds = _load(ARTICLES)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    started = time.perf_counter()
    index = current_index()
    cold = time.perf_counter() - started
    queries = _queries(QUERIES)
    for text, language in queries[:20]:  # warm-up: first encoder calls, typo map
        kb_search(query=text, language=language)
    latencies: list[float] = []
    cpu: list[float] = []
    found = 0
    for text, language in queries:
        began, began_cpu = time.perf_counter(), time.thread_time()
        hits = kb_search(query=text, language=language, limit=5)
        latencies.append((time.perf_counter() - began) * 1000)
        cpu.append((time.thread_time() - began_cpu) * 1000)
        found += bool(hits)
    latencies.sort()
    cpu.sort()

    def pct(p: float, values: list[float] | None = None) -> float:
        values = latencies if values is None else values
        return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 2)

    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "articles": len(index.documents),
                "queries": len(latencies),
                "with_hits": found,
                "encoders": index.dense_names,
                "load_seconds": round(load_seconds, 1),
                "cold_start_seconds": round(cold, 1),
                "p50_ms": pct(50),
                "p95_ms": pct(95),
                "p99_ms": pct(99),
                "max_ms": round(latencies[-1], 2),
                # CPU time of the searching thread: what a search costs, whatever else runs.
                "cpu_p50_ms": pct(50, cpu),
                "cpu_p99_ms": pct(99, cpu),
                "load_average": round(os.getloadavg()[0], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
