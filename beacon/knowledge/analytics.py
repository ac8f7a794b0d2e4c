"""Help-center analytics for staff: what customers look for, what they cannot find, what helps.

Charts are server-rendered SVG (no JavaScript, no third-party library): horizontal bars for
rankings and columns for days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from beacon.knowledge.models import (
    ArticleView,
    Deflection,
    SearchLog,
    Translation,
    Vote,
)

TOP = 15
LOW_CLICK_MIN_SEARCHES = 3
LOW_CLICK_RATE = 0.2


@dataclass(frozen=True)
class QueryRow:
    query: str
    searches: int
    clicks: int
    results: float

    @property
    def click_rate(self) -> float:
        return self.clicks / self.searches if self.searches else 0.0


@dataclass(frozen=True)
class ArticleRow:
    article_id: int
    title: str
    views: int
    helpful: int
    unhelpful: int
    deflections: int


@dataclass(frozen=True)
class Report:
    days: int
    searches: int
    zero_result_share: float
    top_queries: list[QueryRow]
    zero_result_queries: list[QueryRow]
    low_click_queries: list[QueryRow]
    articles: list[ArticleRow]
    comments: list[Vote]
    searches_chart: SafeString
    deflections_chart: SafeString
    top_chart: SafeString
    votes_chart: SafeString


def _queries(since: date, extra: Q | None = None) -> list[QueryRow]:
    qs = SearchLog.objects.filter(created_at__date__gte=since)
    if extra is not None:
        qs = qs.filter(extra)
    rows = (
        qs.values("normalised")
        .annotate(
            searches=Count("id"),
            clicks=Count("clicked_article"),
            results=Sum("results"),
        )
        .order_by("-searches", "normalised")
    )
    return [
        QueryRow(
            r["normalised"],
            r["searches"],
            r["clicks"],
            (r["results"] or 0) / r["searches"],
        )
        for r in rows[:200]
    ]


def _titles(article_ids: set[int]) -> dict[int, str]:
    titles: dict[int, str] = {}
    for t in Translation.objects.filter(article_id__in=article_ids).order_by(
        "language"
    ):
        # English first (sorted), else whatever language exists.
        titles.setdefault(t.article_id, t.title)
    return titles


def report(*, days: int = 30, today: date | None = None) -> Report:
    today = today or timezone.localdate()
    since = today - timedelta(days=days - 1)
    all_queries = _queries(since)
    zero = _queries(since, Q(results=0))
    low_click = [
        r
        for r in all_queries
        if r.searches >= LOW_CLICK_MIN_SEARCHES
        and r.results > 0
        and r.click_rate < LOW_CLICK_RATE
    ]
    views = dict(
        ArticleView.objects.filter(day__gte=since)
        .values_list("translation__article_id")
        .annotate(total=Sum("count"))
        .values_list("translation__article_id", "total")
    )
    votes = {
        row["translation__article_id"]: (row["yes"], row["no"])
        for row in Vote.objects.filter(created_at__date__gte=since)
        .values("translation__article_id")
        .annotate(
            yes=Count("id", filter=Q(helpful=True)),
            no=Count("id", filter=Q(helpful=False)),
        )
    }
    deflections = dict(
        Deflection.objects.filter(created_at__date__gte=since)
        .values("article_id")
        .annotate(total=Count("id"))
        .values_list("article_id", "total")
    )
    ids = set(views) | set(votes) | set(deflections)
    titles = _titles(ids)
    articles = sorted(
        (
            ArticleRow(
                article_id=i,
                title=titles.get(i, f"#{i}"),
                views=int(views.get(i, 0) or 0),
                helpful=votes.get(i, (0, 0))[0],
                unhelpful=votes.get(i, (0, 0))[1],
                deflections=deflections.get(i, 0),
            )
            for i in ids
        ),
        key=lambda r: (-r.views, -r.deflections, r.article_id),
    )
    searches = sum(r.searches for r in all_queries)
    per_day = _per_day(
        SearchLog.objects.filter(created_at__date__gte=since), since, today
    )
    deflected_per_day = _per_day(
        Deflection.objects.filter(created_at__date__gte=since), since, today
    )
    return Report(
        days=days,
        searches=searches,
        zero_result_share=(sum(r.searches for r in zero) / searches)
        if searches
        else 0.0,
        top_queries=all_queries[:TOP],
        zero_result_queries=zero[:TOP],
        low_click_queries=low_click[:TOP],
        articles=articles[:50],
        comments=list(
            Vote.objects.filter(created_at__date__gte=since)
            .exclude(comment="")
            .select_related("translation")
            .order_by("-created_at")[:20]
        ),
        searches_chart=column_chart(per_day, label="searches"),
        deflections_chart=column_chart(deflected_per_day, label="deflections"),
        top_chart=bar_chart([(r.query, r.searches) for r in all_queries[:10]]),
        votes_chart=bar_chart(
            [(f"{a.title} 👍", a.helpful) for a in articles[:6]]
            + [(f"{a.title} 👎", a.unhelpful) for a in articles[:6]],
            bad_suffix="👎",
        ),
    )


def _per_day(qs: object, since: date, today: date) -> list[tuple[str, int]]:
    from django.db.models import QuerySet

    assert isinstance(qs, QuerySet)
    counts = {
        row["day"]: row["n"]
        for row in qs.annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(n=Count("id"))
    }
    days = (today - since).days + 1
    return [
        (
            (since + timedelta(days=i)).strftime("%m-%d"),
            counts.get(since + timedelta(days=i), 0),
        )
        for i in range(days)
    ]


def bar_chart(
    items: list[tuple[str, int]],
    *,
    width: int = 560,
    bar: int = 18,
    bad_suffix: str = "",
) -> SafeString:
    """Horizontal bars with their labels and values, as an accessible SVG."""
    if not items:
        return mark_safe("")
    top = max(value for _label, value in items) or 1
    label_width = 220
    height = len(items) * (bar + 6) + 4
    parts = [
        f'<svg class="kb-chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
    ]
    for index, (label, value) in enumerate(items):
        y = 2 + index * (bar + 6)
        length = int((width - label_width - 50) * value / top)
        css = "kb-bar-bad" if bad_suffix and label.endswith(bad_suffix) else "kb-bar"
        text = escape(label if len(label) <= 34 else label[:33] + "…")
        parts.append(
            f'<text x="0" y="{y + bar - 5}">{text}</text>'
            f'<rect class="{css}" x="{label_width}" y="{y}" width="{max(length, 1)}" height="{bar}"><title>{escape(label)}: {value}</title></rect>'
            f'<text x="{label_width + length + 4}" y="{y + bar - 5}">{value}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (labels escaped above)


def column_chart(
    series: list[tuple[str, int]], *, label: str, width: int = 620, height: int = 140
) -> SafeString:
    """Columns per day with a few date labels, as an accessible SVG."""
    if not series:
        return mark_safe("")
    top = max(value for _day, value in series) or 1
    step = (width - 30) / len(series)
    plot = height - 24
    parts = [
        f'<svg class="kb-chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f'<text x="0" y="10">{top}</text>'
    ]
    for index, (day, value) in enumerate(series):
        h = plot * value / top
        x = 30 + index * step
        parts.append(
            f'<rect class="kb-bar" x="{x:.1f}" y="{plot - h + 4:.1f}" width="{max(step - 2, 1):.1f}" height="{h:.1f}"><title>{escape(day)}: {value}</title></rect>'
        )
        if index % max(len(series) // 6, 1) == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - 4}">{escape(day)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (labels escaped above)
