"""The facts one demo ticket is about (coin, network, TxID, order, ...) and the form fields they fill.

Values are generated with the seeded random generator and are consistent with one another:
the TxID and address are valid for the network, the coin is one that network carries.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from beacon.accounts.models import User
from beacon.core import chains
from beacon.core.demo import wallets

PAIRS = (
    "BTC/USDT",
    "ETH/USDT",
    "SOL/USDT",
    "XRP/USDT",
    "TON/USDT",
    "DOGE/USDT",
    "BNB/USDT",
)
PRICES = {
    "BTC": (58_000, 104_000),
    "ETH": (2_200, 4_100),
    "SOL": (120, 260),
    "XRP": (0.45, 2.8),
    "TON": (2.5, 7.5),
    "DOGE": (0.08, 0.4),
    "BNB": (480, 720),
}
ENDPOINTS = (
    "GET /api/v3/depth",
    "POST /api/v3/order",
    "GET /api/v3/account",
    "GET /api/v3/myTrades",
    "DELETE /api/v3/order",
)
WRONG_NETWORK_PAIRS = (
    ("USDT", "BEP20", "ERC20"),
    ("USDC", "POLYGON", "ERC20"),
    ("ETH", "ARBITRUM", "ERC20"),
    ("USDT", "ERC20", "BEP20"),
    ("BNB", "BEP20", "ERC20"),
)


def _short(value: str) -> str:
    return f"{value[:8]}…{value[-6:]}"


def build_context(
    rng: random.Random, customer: User, created: datetime
) -> dict[str, str]:
    """Every value a storyline text may mention, consistent with one another."""
    network = wallets.pick_network(rng)
    coin = rng.choice(wallets.COINS_BY_NETWORK[network])
    txid = wallets.txid(rng, network)
    address = wallets.address(rng, network)
    hours = rng.choice((2, 3, 5, 6, 8, 12, 20, 26))
    pair = rng.choice(PAIRS)
    low, high = PRICES[pair.split("/")[0]]
    zh = customer.language.startswith("zh")
    return {
        "customer": customer.display_name or customer.email.split("@")[0],
        "uid": customer.exchange_uid or "",
        "phone": customer.phone,
        "vip": str(customer.vip_tier),
        "agent": "",
        "network": network,
        "network_name": _network_name(network),
        "coin": coin,
        "amount": wallets.amount(rng, coin),
        "txid": txid,
        "txid_short": _short(txid),
        "address": address,
        "address_short": _short(address),
        "memo": wallets.memo(rng, network) if wallets.needs_memo(network) else "",
        "hours": str(hours),
        "days": str(rng.randint(3, 9)),
        "transfer_time": (created - timedelta(hours=hours)).isoformat(
            timespec="minutes"
        ),
        "confirmations": str(rng.randint(25, 400)),
        "fee": rng.choice(("3.2", "4.8", "6.5", "12", "0.0009", "0.004")),
        "pair": pair,
        "price": f"{rng.uniform(low, high):.{2 if low >= 1 else 4}f}",
        "order_id": str(rng.randint(10**17, 10**18 - 1)),
        "counterparty_uid": str(rng.randint(20_000_000, 39_999_999)),
        "fiat": "CNY" if zh else rng.choice(("USD", "EUR", "GBP")),
        "fiat_amount": f"{rng.randint(5, 400) * 100:,}",
        "endpoint": rng.choice(ENDPOINTS),
        "api_key_label": rng.choice(
            ("grid-bot", "mm-prod", "tradingview-alerts", "portfolio-sync")
        ),
        "expected_network": "",
        "expected_network_name": "",
    }


def _network_name(code: str) -> str:
    network = chains.get_network(code)
    return network.name if network is not None else code


def _funds_fields(
    context: dict[str, str], *, with_txid: bool, with_address: bool = False
) -> dict[str, str]:
    fields = {
        "coin": context["coin"],
        "network": context["network"],
        "amount": context["amount"],
        "time": context["transfer_time"],
    }
    if with_txid:
        fields["txid"] = context["txid"]
    if with_address:
        fields["address"] = context["address"]
    if context["memo"]:
        fields["memo"] = context["memo"]
    return fields


def _wrong_network(rng: random.Random, context: dict[str, str]) -> dict[str, str]:
    coin, sent, expected = rng.choice(WRONG_NETWORK_PAIRS)
    context.update(
        coin=coin,
        network=sent,
        network_name=_network_name(sent),
        expected_network=expected,
        expected_network_name=_network_name(expected),
        txid=(txid := wallets.txid(rng, sent)),
        txid_short=_short(txid),
        amount=wallets.amount(rng, coin),
    )
    return {
        "coin": coin,
        "network": sent,
        "expected_network": expected,
        "txid": context["txid"],
        "amount": context["amount"],
    }


def _missing_memo(rng: random.Random, context: dict[str, str]) -> dict[str, str]:
    network = rng.choice(("XRP", "TON"))
    coin = network
    context.update(
        coin=coin,
        network=network,
        network_name=_network_name(network),
        expected_network=network,
        expected_network_name=_network_name(network),
        txid=(txid := wallets.txid(rng, network)),
        txid_short=_short(txid),
        amount=wallets.amount(rng, coin),
    )
    return {
        "coin": coin,
        "network": network,
        "expected_network": network,
        "txid": context["txid"],
        "amount": context["amount"],
    }


def fields_for(
    recipe: str, rng: random.Random, context: dict[str, str]
) -> dict[str, str]:
    """The structured fields a customer would have filled in for this storyline."""
    kind, _sep, choice = recipe.partition(":")
    recipes: dict[str, Callable[[], dict[str, str]]] = {
        "deposit": lambda: _funds_fields(context, with_txid=True),
        "deposit_no_txid": lambda: _funds_fields(context, with_txid=False),
        "withdrawal_pending": lambda: _funds_fields(
            context, with_txid=False, with_address=True
        ),
        "withdrawal_sent": lambda: _funds_fields(
            context, with_txid=True, with_address=True
        ),
        "wrong_network": lambda: _wrong_network(rng, context),
        "missing_memo": lambda: _missing_memo(rng, context),
        "kyc": lambda: {"issue": choice},
        "login": lambda: {"issue": choice},
        "compromised": lambda: {
            "what_happened": choice,
            "time": context["transfer_time"],
        },
        "trading": lambda: {"order_id": context["order_id"], "pair": context["pair"]},
        "p2p": lambda: {
            "order_id": context["order_id"],
            "counterparty_uid": context["counterparty_uid"],
        },
        "api": lambda: {
            "api_key_label": context["api_key_label"],
            "endpoint": context["endpoint"],
        },
        "none": dict,
    }
    return recipes[kind]()
