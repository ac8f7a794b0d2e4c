"""Time mask_secrets (and extract_entities) on typical support messages, on one core.

    .venv/bin/python bench/secrets_bench.py [-n 2000] [--corpus]

Messages: typical tickets in English and Chinese (with TxIDs, addresses, amounts), the same with a
seed phrase pasted in, and a long one (4 KB). Prints p50/p99 per message in microseconds. With
--corpus it also runs over the shared evaluation texts (../shared/data: ChnSentiCorp, waimai_10k,
AFQMC, Banking77, CLINC150, StackFAQ), prints the throughput and how many of those texts any
detector flagged: each is a false alarm, since none of them contains a secret.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beacon.settings")

from beacon.triage.entities import extract_entities  # noqa: E402
from beacon.triage.secrets import mask_secrets  # noqa: E402

SHARED = REPO.parent / "shared" / "data"
SEED = "legal winner thank year wave sausage worth useful legal winner thank yellow"

MESSAGES = {
    "en ticket": (
        "Hi, I withdrew 1,250.5 USDT on TRC20 to TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL two hours "
        "ago and it still shows pending. TxID f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16. "
        "My UID is 12345678, order id 20250101ABC9. I already checked tronscan and support "
        "said to wait but my password is not the problem, I can log in fine. Please help, "
        "I need the funds for a payment tomorrow morning. Thanks a lot, Bob (bob@example.com)"
    ),
    "zh ticket": (
        "你好，我昨天从币安提了 500 USDT 到你们平台，走的是 TRC20 网络，地址是 "
        "TNPeeaaFB7K9cmo4uQpcU32zGK8G1NYqeL，交易哈希 f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16，"
        "区块浏览器上显示已经成功了，但是我的账户里一直没有到账。我的 UID 是 88812345，"
        "麻烦尽快帮我查一下，谢谢！如果需要更多信息请联系我 13812345678。"
    ),
    "en with seed": f"support asked for my words, here: {SEED}. now my wallet is empty",
    "zh with seed": "我的助记词是 减 锥 辛 胞 卖 色 刚 计 郑 锭 冯 颗，请帮我找回资产",
}
MESSAGES["long (4 KB)"] = (
    MESSAGES["en ticket"] + "\n" + MESSAGES["zh ticket"] + "\n"
) * 5


def time_each(function: Callable[[str], object], text: str, rounds: int) -> list[float]:
    function(text)  # warm: word lists, compiled patterns
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function(text)
        samples.append((time.perf_counter() - started) * 1e6)
    return samples


def corpus() -> Iterable[str]:
    for name in (
        "sentiment/chnsenticorp/train.csv",
        "sentiment/chnsenticorp/dev.csv",
        "sentiment/waimai_10k/all.csv",
        "intent/banking77/train.csv",
        "intent/clinc150/train.csv",
        "intent/clinc150/dev.csv",
    ):
        path = SHARED / name
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                yield from (row.get("text") or "" for row in csv.DictReader(handle))
    afqmc = SHARED / "matching/afqmc/dev.csv"
    if afqmc.exists():
        with afqmc.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                yield row["text_a"]
                yield row["text_b"]
    articles = SHARED / "faq/stackfaq/articles.jsonl"
    if articles.exists():
        for line in articles.read_text(encoding="utf-8").splitlines():
            yield " ".join(str(v) for v in json.loads(line).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="rounds per message")
    parser.add_argument(
        "--corpus", action="store_true", help="also scan ../shared/data"
    )
    args = parser.parse_args()

    print(
        f"{'message':<14} {'chars':>6} {'mask p50':>10} {'mask p99':>10} {'entities p50':>13}"
    )
    for name, text in MESSAGES.items():
        masked = sorted(time_each(mask_secrets, text, args.n))
        entities = time_each(extract_entities, text, max(1, args.n // 4))
        print(
            f"{name:<14} {len(text):>6} {statistics.median(masked):>8.0f}us"
            f" {masked[int(len(masked) * 0.99) - 1]:>8.0f}us"
            f" {statistics.median(entities):>11.0f}us"
        )
    if args.corpus:
        texts = list(corpus())
        started = time.perf_counter()
        kinds: collections.Counter[str] = collections.Counter()
        flagged = 0
        for text in texts:
            result = mask_secrets(text)
            flagged += result.found
            kinds.update(result.kinds)
        seconds = time.perf_counter() - started
        chars = sum(map(len, texts))
        print(
            f"corpus: {len(texts)} texts, {chars / 1e6:.1f} M chars in {seconds:.1f} s "
            f"({chars / seconds / 1e6:.2f} M chars/s); flagged {flagged} {dict(kinds)}"
        )


if __name__ == "__main__":
    main()
