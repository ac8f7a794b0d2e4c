"""The exchange's back office as the assistant sees it: a Protocol real exchanges implement.

`CHAT_BACKOFFICE_ADAPTER` names the class (a dotted path); it is built once per process with
no arguments and must answer quickly (the assistant waits for it; time out inside it). The demo
implementation answers plausible states derived from the TxID, so the same TxID always gives
the same answer; it never touches a network.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal, Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

DepositStatus = Literal[
    "credited", "confirming", "not_found", "under_review", "wrong_address"
]


@dataclass(frozen=True)
class DepositState:
    """What the back office knows about one deposit."""

    status: DepositStatus
    coin: str
    network: str
    txid: str
    amount: str = ""
    confirmations: int = 0
    required_confirmations: int = 0
    credited_at: datetime | None = None


class BackOfficeError(Exception):
    """The back office could not answer (down, timed out): the assistant hands off."""


@runtime_checkable
class BackOffice(Protocol):
    def deposit_state(
        self, *, customer_uid: str, coin: str, network: str, txid: str
    ) -> DepositState:
        """The state of the customer's deposit `txid`; raise BackOfficeError when unsure."""
        ...


class DemoBackOffice:
    """Plausible, repeatable answers for demos and tests."""

    STATES: tuple[DepositStatus, ...] = (
        "credited",
        "confirming",
        "confirming",
        "not_found",
        "under_review",
    )

    def deposit_state(
        self, *, customer_uid: str, coin: str, network: str, txid: str
    ) -> DepositState:
        digest = hashlib.sha256(f"{network}:{txid.lower()}".encode()).digest()
        status = self.STATES[digest[0] % len(self.STATES)]
        required = {"BTC": 2, "ERC20": 12, "TRC20": 20, "BEP20": 15}.get(network, 30)
        amount = f"{(int.from_bytes(digest[1:3], 'big') % 5000) + 10}.00"
        if status == "credited":
            return DepositState(
                status=status,
                coin=coin,
                network=network,
                txid=txid,
                amount=amount,
                confirmations=required,
                required_confirmations=required,
                credited_at=datetime.now(UTC) - timedelta(minutes=digest[3] % 50 + 5),
            )
        if status == "confirming":
            return DepositState(
                status=status,
                coin=coin,
                network=network,
                txid=txid,
                amount=amount,
                confirmations=digest[4] % required,
                required_confirmations=required,
            )
        return DepositState(status=status, coin=coin, network=network, txid=txid)


@cache
def backoffice() -> BackOffice:
    adapter = import_string(settings.CHAT_BACKOFFICE_ADAPTER)()
    if not isinstance(adapter, BackOffice):
        raise TypeError(f"{settings.CHAT_BACKOFFICE_ADAPTER} is not a BackOffice")
    return adapter
