"""Guided flows seeded once (admins edit them afterwards; seeding never overwrites edits)."""

from __future__ import annotations

from typing import Any

COIN = {
    "key": "coin",
    "validate": "coin",
    "prompt_en": "Which coin did you send? (for example USDT)",
    "prompt_zh": "您转入的是哪个币种？（例如 USDT）",
}
NETWORK = {
    "key": "network",
    "validate": "network",
    "prompt_en": "On which network did you send it? (for example TRC20, ERC20, BEP20)",
    "prompt_zh": "您使用的是哪个网络？（例如 TRC20、ERC20、BEP20）",
}
TXID = {
    "key": "txid",
    "validate": "txid",
    "prompt_en": "Please paste the transaction hash (TxID) from your wallet or the block explorer.",
    "prompt_zh": "请粘贴钱包或区块浏览器中的交易哈希（TxID）。",
}

FLOWS: list[dict[str, Any]] = [
    {
        "slug": "deposit-not-credited",
        "name_en": "Deposit not credited",
        "name_zh": "充值未到账",
        "intent": "deposit_missing",
        "keywords": "deposit not credited\ndeposit missing\ndeposit has not arrived\n"
        "deposit not arrived\n充值未到账\n充值没到账\n充币未到账\n充币没到账\n充值还没到账",
        "steps": [COIN, NETWORK, TXID],
        "action": "deposit_status",
        "team": "deposits-withdrawals",
        "category_slug": "deposit-not-credited",
        "position": 10,
    },
    {
        "slug": "withdrawal-delayed",
        "name_en": "Withdrawal delayed",
        "name_zh": "提币延迟",
        "intent": "withdrawal_delayed",
        "keywords": "withdrawal delayed\nwithdrawal pending\nwithdrawal not received\n"
        "提币延迟\n提币未到账\n提币没到账\n提现没到账",
        "steps": [
            COIN,
            NETWORK,
            {
                **TXID,
                "prompt_en": "Please paste the withdrawal's transaction hash (TxID), shown in your withdrawal history.",
                "prompt_zh": "请粘贴提币记录中显示的交易哈希（TxID）。",
            },
        ],
        "action": "handoff",
        "team": "deposits-withdrawals",
        "category_slug": "withdrawal-delayed",
        "position": 20,
    },
]


def seed_flows(flow_model: Any, team_model: Any) -> None:
    for spec in FLOWS:
        values = {k: v for k, v in spec.items() if k not in ("slug", "team")}
        values["team"] = team_model.objects.filter(slug=spec["team"]).first()
        flow_model.objects.get_or_create(slug=spec["slug"], defaults=values)
