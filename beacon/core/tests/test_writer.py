"""The writers' turn on SQLite: a file lock around the transaction, ended at COMMIT."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from beacon.core.tests.locks import writer_turn_is_free
from beacon.core.writer import writer_transaction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="the turn exists on SQLite only"
    ),
]


def test_the_turn_is_held_while_writing_and_ends_before_the_on_commit_callbacks() -> (
    None
):
    seen: dict[str, bool] = {}

    with writer_transaction():
        seen["writing"] = writer_turn_is_free()
        transaction.on_commit(lambda: seen.update(callback=writer_turn_is_free()))

    assert seen == {"writing": False, "callback": True}
    assert writer_turn_is_free()


def test_a_failed_block_ends_the_turn_and_runs_no_callback() -> None:
    ran: list[str] = []

    with pytest.raises(ValueError, match="boom"), writer_transaction():
        transaction.on_commit(lambda: ran.append("callback"))
        raise ValueError("boom")

    assert ran == []
    assert writer_turn_is_free()


def test_inside_an_open_transaction_no_turn_is_taken() -> None:
    with transaction.atomic(), writer_transaction():
        # Waiting for the turn here could deadlock against a writer that holds it.
        assert writer_turn_is_free()
