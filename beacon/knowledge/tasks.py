"""Jobs: bring the search index up to date after a publish, an unpublish or a synonym change."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

# `indexing` (numpy, the embedding model) is imported inside the jobs: every process registers
# these jobs, only the worker runs them.


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def kb_index_translations_task(translation_ids: list[int]) -> None:
    from beacon.knowledge import indexing

    indexing.index_translations(translation_ids)


@db_task()  # type: ignore[untyped-decorator,misc,unused-ignore]  # huey is untyped
def kb_synonyms_changed_task() -> None:
    from beacon.knowledge import indexing

    indexing.synonyms_changed()


def enqueue_index(translation_ids: list[int]) -> None:
    kb_index_translations_task(list(translation_ids))


def enqueue_synonyms_changed() -> None:
    kb_synonyms_changed_task()
