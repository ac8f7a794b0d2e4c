"""The teams and categories every installation starts with, as plain data.

Shared by the data migration (which passes historical models from `apps.get_model`) and by
tests (which pass the real ones), so the seed and what the tests check cannot drift apart.
Admins edit teams and categories afterwards in /admin/; seeding never overwrites those edits.
"""

# Chinese text uses full-width punctuation (commas, brackets, question marks) on purpose.

from __future__ import annotations

from typing import Any

# (slug, name_en, name_zh)
TEAMS: list[tuple[str, str, str]] = [
    ("tech-support", "Tech Support", "技术支持"),
    ("trading", "Trading", "交易"),
    ("account-security", "Account Security", "账户安全"),
    ("deposits-withdrawals", "Deposits & Withdrawals", "充提币"),
    ("kyc-compliance", "KYC & Compliance", "KYC与合规"),
    ("p2p", "P2P", "P2P交易"),
    ("complaints", "Complaints", "投诉"),
]


def _field(
    name: str,
    type_: str,
    label_en: str,
    label_zh: str,
    *,
    required: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "name": name,
        "type": type_,
        "required": required,
        "label_en": label_en,
        "label_zh": label_zh,
        **extra,
    }


def _coin() -> dict[str, Any]:
    return _field("coin", "coin", "Coin", "币种")


def _network(label_en: str = "Network", label_zh: str = "网络") -> dict[str, Any]:
    # Named `network` on purpose: txid, address and memo fields are checked against it.
    return _field("network", "network", label_en, label_zh)


def _txid(*, required: bool = True) -> dict[str, Any]:
    return _field(
        "txid", "txid", "Transaction hash (TxID)", "交易哈希 (TxID)", required=required
    )


def _amount() -> dict[str, Any]:
    return _field("amount", "amount", "Amount", "数量")


def _time(
    label_en: str = "Time of the transfer", label_zh: str = "转账时间"
) -> dict[str, Any]:
    return _field("time", "datetime", label_en, label_zh)


def _memo() -> dict[str, Any]:
    # Optional in the spec; form_fields makes it required when the network uses memos (XRP, TON, ...).
    return _field("memo", "memo", "Memo / tag", "备注 / 标签", required=False)


def _choice(
    name: str, label_en: str, label_zh: str, choices: list[tuple[str, str, str]]
) -> dict[str, Any]:
    # Values are stable slugs (what the API accepts); the label lists run parallel to them.
    return _field(
        name,
        "choice",
        label_en,
        label_zh,
        choices=[value for value, _en, _zh in choices],
        choice_labels_en=[en for _value, en, _zh in choices],
        choice_labels_zh=[zh for _value, _en, zh in choices],
    )


# Each: slug, name_en, name_zh, description_en, description_zh, team slug, priority (1-4),
# is_security, form_fields.
CATEGORIES: list[dict[str, Any]] = [
    {
        "slug": "deposit-not-credited",
        "name_en": "Deposit not credited",
        "name_zh": "充值未到账",
        "description_en": "You sent crypto to your deposit address and it has not appeared in your balance.",
        "description_zh": "您已向充值地址转账，但资产尚未显示在账户余额中。",
        "team": "deposits-withdrawals",
        "priority": 2,
        "is_security": False,
        "form_fields": [_coin(), _network(), _txid(), _amount(), _time(), _memo()],
    },
    {
        "slug": "withdrawal-delayed",
        "name_en": "Withdrawal delayed",
        "name_zh": "提币延迟",
        "description_en": "A withdrawal is still pending, or it shows as completed but has not reached the receiving wallet.",
        "description_zh": "提币仍在处理中，或显示已完成但接收钱包尚未到账。",
        "team": "deposits-withdrawals",
        "priority": 2,
        "is_security": False,
        "form_fields": [
            _coin(),
            _network(),
            _field("address", "address", "Destination address", "提币地址"),
            _amount(),
            _time("Time of the withdrawal request", "提币申请时间"),
            _txid(required=False),
            _memo(),
        ],
    },
    {
        "slug": "wrong-network-memo",
        "name_en": "Wrong network or missing memo",
        "name_zh": "转错网络或漏填备注",
        "description_en": "You sent funds on a network the address does not support, or without the memo / tag we require.",
        "description_zh": "您通过不支持的网络转账，或转账时未填写所需的备注（Memo / Tag）。",
        "team": "deposits-withdrawals",
        "priority": 3,
        "is_security": False,
        "form_fields": [
            _coin(),
            _network("Network you sent on", "实际转账网络"),
            _field(
                "expected_network",
                "network",
                "Network of the deposit address",
                "充值地址所属网络",
            ),
            _txid(),
            _amount(),
            # Plain text: the customer may have sent without any memo, so it can never be required.
            _field(
                "memo_used",
                "text",
                "Memo / tag you entered (leave empty if none)",
                "您填写的备注 / 标签（未填写请留空）",
                required=False,
            ),
        ],
    },
    {
        "slug": "kyc",
        "name_en": "Identity verification (KYC)",
        "name_zh": "身份认证 (KYC)",
        "description_en": "Questions about verifying your identity, rejected documents and verification limits.",
        "description_zh": "关于身份认证、证件被拒及认证额度的问题。",
        "team": "kyc-compliance",
        "priority": 3,
        "is_security": False,
        "form_fields": [
            _choice(
                "issue",
                "What is the problem?",
                "遇到了什么问题？",
                [
                    ("document_rejected", "My document was rejected", "证件被拒绝"),
                    (
                        "verification_pending",
                        "Verification is taking too long",
                        "认证审核时间过长",
                    ),
                    (
                        "limit_upgrade",
                        "I want a higher verification level / limit",
                        "申请提高认证等级 / 额度",
                    ),
                    ("other", "Something else", "其他"),
                ],
            ),
        ],
    },
    {
        "slug": "account-compromised",
        "name_en": "Account compromised",
        "name_zh": "账户被盗",
        "description_en": "Someone else has access to your account or moved your funds. We will freeze the account first.",
        "description_zh": "他人登录了您的账户或转走了资产。我们会先冻结账户。",
        "team": "account-security",
        "priority": 1,
        "is_security": True,
        "form_fields": [
            _choice(
                "what_happened",
                "What happened?",
                "发生了什么？",
                [
                    ("unauthorised_login", "A login I did not make", "陌生设备登录"),
                    (
                        "unauthorised_withdrawal",
                        "A withdrawal I did not make",
                        "非本人提币",
                    ),
                    (
                        "phishing",
                        "I entered my details on a phishing site",
                        "在钓鱼网站输入了账户信息",
                    ),
                    (
                        "sim_swap",
                        "My phone number was taken over (SIM swap)",
                        "手机号被盗用（SIM 卡劫持）",
                    ),
                    ("other", "Something else", "其他"),
                ],
            ),
            _time("When did you notice it?", "发现时间"),
        ],
    },
    {
        "slug": "login-2fa",
        "name_en": "Login and 2FA",
        "name_zh": "登录与二次验证",
        "description_en": "Cannot sign in, lost your authenticator, or not receiving verification codes.",
        "description_zh": "无法登录、丢失验证器，或收不到验证码。",
        "team": "account-security",
        "priority": 2,
        "is_security": False,
        "form_fields": [
            _choice(
                "issue",
                "What is the problem?",
                "遇到了什么问题？",
                [
                    (
                        "lost_authenticator",
                        "I lost my authenticator app / phone",
                        "丢失了验证器 / 手机",
                    ),
                    ("no_sms_code", "I do not receive SMS codes", "收不到短信验证码"),
                    (
                        "no_email_code",
                        "I do not receive email codes",
                        "收不到邮箱验证码",
                    ),
                    (
                        "locked_out",
                        "My account is locked after failed attempts",
                        "多次尝试后账户被锁定",
                    ),
                    ("other", "Something else", "其他"),
                ],
            ),
        ],
    },
    {
        "slug": "trading-orders",
        "name_en": "Trading and orders",
        "name_zh": "交易与订单",
        "description_en": "Orders not filled, unexpected fills, liquidations or wrong balances after a trade.",
        "description_zh": "订单未成交、异常成交、强平或交易后余额异常。",
        "team": "trading",
        "priority": 3,
        "is_security": False,
        "form_fields": [
            _field("order_id", "order_id", "Order ID", "订单号"),
            _field(
                "pair", "text", "Trading pair (e.g. BTC/USDT)", "交易对（如 BTC/USDT）"
            ),
        ],
    },
    {
        "slug": "p2p-dispute",
        "name_en": "P2P dispute",
        "name_zh": "P2P 申诉",
        "description_en": "A problem with a P2P trade: payment sent but coins not released, or the other way round.",
        "description_zh": "P2P 交易纠纷：已付款但对方未放币，或对方未付款等。",
        "team": "p2p",
        "priority": 2,
        "is_security": False,
        "form_fields": [
            _field("order_id", "order_id", "P2P order ID", "P2P 订单号"),
            _field(
                "counterparty_uid",
                "text",
                "Counterparty UID",
                "对方 UID",
                required=False,
            ),
        ],
    },
    {
        "slug": "fees",
        "name_en": "Fees",
        "name_zh": "手续费",
        "description_en": "Questions about trading, withdrawal or network fees.",
        "description_zh": "关于交易手续费、提币手续费或网络费用的问题。",
        "team": "trading",
        "priority": 3,
        "is_security": False,
        "form_fields": [],
    },
    {
        "slug": "api",
        "name_en": "API and integrations",
        "name_zh": "API 与对接",
        "description_en": "API keys, rate limits, signatures and websocket feeds.",
        "description_zh": "API 密钥、频率限制、签名及 WebSocket 行情推送。",
        "team": "tech-support",
        "priority": 3,
        "is_security": False,
        "form_fields": [
            _field(
                "api_key_label",
                "text",
                "API key label (never the secret)",
                "API 密钥名称（切勿填写密钥本身）",
                required=False,
            ),
            _field(
                "endpoint",
                "text",
                "Endpoint (e.g. POST /api/v3/order)",
                "接口（如 POST /api/v3/order）",
                required=False,
            ),
        ],
    },
    {
        "slug": "feature-suggestion",
        "name_en": "Feature suggestion",
        "name_zh": "功能建议",
        "description_en": "Ideas to make the exchange better. We read every one.",
        "description_zh": "让平台变得更好的建议，每一条我们都会阅读。",
        "team": "tech-support",
        "priority": 4,
        "is_security": False,
        "form_fields": [],
    },
    {
        "slug": "complaint",
        "name_en": "Complaint",
        "name_zh": "投诉",
        "description_en": "You are unhappy with how we handled something. A dedicated team reviews complaints.",
        "description_zh": "对我们的处理不满意？投诉将由专门团队复核。",
        "team": "complaints",
        "priority": 2,
        "is_security": False,
        "form_fields": [
            _field(
                "ticket_reference",
                "text",
                "Earlier ticket reference (if any)",
                "相关工单号（如有）",
                required=False,
            ),
        ],
    },
    {
        "slug": "other",
        "name_en": "Something else",
        "name_zh": "其他问题",
        "description_en": "Anything that does not fit the categories above.",
        "description_zh": "不属于以上类别的其他问题。",
        "team": "tech-support",
        "priority": 3,
        "is_security": False,
        "form_fields": [],
    },
]

TEAM_SLUGS = [slug for slug, _en, _zh in TEAMS]
CATEGORY_SLUGS = [str(category["slug"]) for category in CATEGORIES]


def seed_teams_and_categories(team_model: Any, category_model: Any) -> None:
    """Create the missing seed teams and categories; existing rows (maybe edited) are left alone."""
    teams = {}
    for slug, name_en, name_zh in TEAMS:
        teams[slug], _created = team_model.objects.get_or_create(
            slug=slug, defaults={"name_en": name_en, "name_zh": name_zh}
        )
    for position, spec in enumerate(CATEGORIES, start=1):
        category_model.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name_en": spec["name_en"],
                "name_zh": spec["name_zh"],
                "description_en": spec["description_en"],
                "description_zh": spec["description_zh"],
                "default_team": teams[spec["team"]],
                "default_priority": spec["priority"],
                "is_security": spec["is_security"],
                "form_fields": spec["form_fields"],
                "position": position * 10,
            },
        )


def unseed_teams_and_categories(team_model: Any, category_model: Any) -> None:
    """Reverse of the seed: remove seed rows nothing depends on (categories with tickets stay)."""
    category_model.objects.filter(
        slug__in=CATEGORY_SLUGS, tickets__isnull=True
    ).delete()
    team_model.objects.filter(
        slug__in=TEAM_SLUGS,
        memberships__isnull=True,
        tickets__isnull=True,
        macros__isnull=True,
    ).delete()
