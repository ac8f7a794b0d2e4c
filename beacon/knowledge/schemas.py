"""API schemas of the knowledge base."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class SearchHitOut(Schema):
    article_id: int
    translation_id: int
    language: str
    title: str
    url: str
    snippet: str
    score: float
    confidence: float


class SearchOut(Schema):
    query: str
    results: list[SearchHitOut]


class TranslationOut(Schema):
    language: str
    title: str
    summary: str
    body: str
    also_asked: list[str]
    status: str
    url: str | None
    published_at: datetime | None


class ArticleOut(Schema):
    id: int
    section_id: int
    visibility: str
    source_language: str
    related: list[int]
    translations: list[TranslationOut]


class ArticleListOut(Schema):
    count: int
    items: list[ArticleOut]


class TranslationIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=100_000)
    summary: str = Field("", max_length=400)
    also_asked: list[str] = Field(default_factory=list, max_length=50)
    publish: bool = False


class ArticleIn(TranslationIn):
    section_id: int
    language: str = "en"
    visibility: str = "public"
