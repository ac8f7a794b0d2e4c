"""Demo help center of a crypto exchange, written for Beacon, in English and Simplified Chinese.

The shape is the JSON import format (transfer.py), so the demo goes through the same import
path as a customer's own content. Figures (fees, limits, times) are examples of the kind an
exchange publishes, not promises of any real exchange.
"""

from __future__ import annotations

from typing import Any

SYNONYMS: list[str] = [
    "充币, 充值, 入金, deposit, top up",
    "提币, 提现, 出金, withdraw, withdrawal, cash out",
    "实名认证, 身份认证, 身份验证, KYC, identity verification",
    "谷歌验证, 谷歌验证器, 双重验证, 二次验证, 2FA, two-factor authentication, authenticator",
    "备注, 标签, memo, tag, destination tag",
    "交易哈希, 哈希, TxID, transaction hash, transaction ID",
    "手续费, 费用, fee, fees",
    "场外, C2C, P2P",
    "被盗, 盗号, hacked, compromised, stolen",
    "API 密钥, API Key, API key",
    "链, 网络, network, chain",
]


def _t(language: str, title: str, body: str, summary: str = "", asked: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "language": language,
        "title": title,
        "summary": summary,
        "body": body.strip() + "\n",
        "also_asked": asked or [],
        "status": "published",
    }


def _article(key: str, en: dict[str, Any], zh: dict[str, Any], *, related: list[str] | None = None, visibility: str = "public") -> dict[str, Any]:  # fmt: skip
    return {
        "key": key,
        "visibility": visibility,
        "source_language": "en",
        "related": related or [],
        "translations": [en, zh],
    }


DEPOSIT_NOT_CREDITED = _article(
    "deposit-not-credited",
    _t(
        "en",
        "My deposit has not arrived",
        """
A deposit is credited once the blockchain has confirmed the transfer enough times. Most delays
have one of four causes:

1. **Not enough confirmations yet.** Look up the transaction hash (TxID) on a block explorer and
   compare the confirmations with the number shown on the deposit page.
2. **Wrong network.** The network you sent on must be the one selected on the deposit page
   (for example USDT on TRC20 is not USDT on ERC20).
3. **Missing memo or tag.** Coins such as XRP, XLM, EOS, ATOM and TON need the memo or tag shown
   on the deposit page, or the funds cannot be matched to your account.
4. **Deposits of this coin are paused** for network maintenance: see the announcement banner.

If the explorer shows the transfer as confirmed and none of the above applies, open a request
with the coin, network, TxID, amount and time of the transfer. Never send us your password or
2FA codes.
""",
        "Deposits are credited after enough network confirmations; check the TxID, the network and the memo.",
        [
            "deposit not credited",
            "where is my crypto I sent",
            "sent USDT but balance did not change",
            "deposit pending for hours",
        ],
    ),
    _t(
        "zh-hans",
        "充值未到账怎么办",
        """
充值需要区块链网络完成足够的区块确认后才会入账。大多数延迟由以下四种原因造成：

1. **确认数不足。** 在区块浏览器中查询交易哈希（TxID），与充值页面显示的所需确认数对比。
2. **网络选择错误。** 转出时使用的网络必须与充值页面所选网络一致（例如 TRC20 的 USDT 与 ERC20 的 USDT 不同）。
3. **未填写 Memo/标签。** XRP、XLM、EOS、ATOM、TON 等币种必须填写充值页面显示的 Memo 或标签，否则无法匹配到您的账户。
4. **该币种充值暂停**，正在进行网络维护，请留意公告。

如果区块浏览器显示交易已确认且不属于以上情况，请提交工单并提供币种、网络、交易哈希、数量和转账时间。请勿向我们发送密码或谷歌验证码。
""",
        "充值需要足够的区块确认后入账；请检查交易哈希、网络和 Memo。",
        [
            "充币没到账",
            "币转过来了但余额没变",
            "充值一直不到账",
            "充值显示已完成但没收到",
        ],
    ),
    related=["deposit-wrong-network", "deposit-memo-tag", "deposit-confirmations"],
)

DEPOSIT_WRONG_NETWORK = _article(
    "deposit-wrong-network",
    _t(
        "en",
        "I deposited on the wrong network",
        """
Each deposit address belongs to one network. If you sent a coin on a network that the deposit
page did not offer, the funds did not reach a wallet we watch automatically.

- **Same address format on both networks** (for example an ERC20 token sent on BNB Smart Chain):
  recovery is often possible. Open a request with the TxID, the network you used and the amount.
  Recovery takes 5 to 15 working days and a recovery fee may apply.
- **A network we do not support for that coin:** recovery may not be possible.

Before every deposit, check that the network on the sending platform matches the network on our
deposit page, and send a small test amount first.
""",
        "Sent on a network the deposit page did not offer? Often recoverable; open a request with the TxID.",
        ["sent USDT via BEP20 instead of TRC20", "wrong chain deposit recovery"],
    ),
    _t(
        "zh-hans",
        "充值选错网络怎么办",
        """
每个充值地址只属于一个网络。如果您使用了充值页面未提供的网络转账，资金不会进入我们自动监控的钱包。

- **两个网络地址格式相同**（例如把 ERC20 代币通过 BNB 智能链转出）：通常可以找回。请提交工单并提供交易哈希、使用的网络和数量。找回需要 5 至 15 个工作日，可能收取找回手续费。
- **该币种不支持的网络：** 可能无法找回。

每次充值前，请确认转出平台选择的网络与我们充值页面的网络一致，并先小额测试。
""",
        "使用了充值页面没有的网络？通常可以找回，请提交工单并附上交易哈希。",
        ["充币选错链了", "USDT 转错网络能找回吗"],
    ),
    related=["deposit-not-credited"],
)

DEPOSIT_MEMO = _article(
    "deposit-memo-tag",
    _t(
        "en",
        "Deposits that need a memo or tag",
        """
Some networks send every customer's deposit to one shared address, and the **memo** (also called
tag, destination tag or comment) tells us whose deposit it is.

| Coin | Name of the field |
|---|---|
| XRP | Destination tag |
| XLM | Memo |
| EOS | Memo |
| ATOM | Memo |
| TON | Comment |

Copy both the address **and** the memo from the deposit page. If you forgot the memo, open a
request with the TxID: we can match it manually, which takes a few working days.
""",
        "XRP, XLM, EOS, ATOM and TON deposits need the memo or tag from the deposit page.",
        ["forgot destination tag XRP", "what is a memo"],
    ),
    _t(
        "zh-hans",
        "需要填写 Memo/标签的币种",
        """
部分网络的所有用户共用一个充值地址，**Memo**（也叫标签、Destination Tag 或备注）用于识别充值属于哪位用户。

| 币种 | 字段名称 |
|---|---|
| XRP | Destination Tag（标签） |
| XLM | Memo |
| EOS | Memo |
| ATOM | Memo |
| TON | Comment（备注） |

请从充值页面同时复制地址**和** Memo。如果忘记填写 Memo，请提交工单并提供交易哈希，我们会人工处理，需要几个工作日。
""",
        "XRP、XLM、EOS、ATOM、TON 充值必须填写充值页面的 Memo 或标签。",
        ["忘记填写标签", "Memo 是什么", "充值没填备注"],
    ),
    related=["deposit-not-credited"],
)

DEPOSIT_CONFIRMATIONS = _article(
    "deposit-confirmations",
    _t(
        "en",
        "How many confirmations does a deposit need?",
        """
We credit a deposit after the number of block confirmations shown on the deposit page. Typical
values: Bitcoin 2, Ethereum and ERC20 tokens 12, TRON (TRC20) 20, BNB Smart Chain 15, Solana 1.
The time this takes depends on how busy the network is, not on us.

Withdrawals of a newly credited deposit can need a few more confirmations, to protect you from
chain reorganisations.
""",
        "Bitcoin 2, Ethereum 12, TRC20 20, BSC 15, Solana 1 confirmations.",
    ),
    _t(
        "zh-hans",
        "充值需要多少个区块确认？",
        """
充值在达到充值页面显示的区块确认数后入账。常见数值：比特币 2 个，以太坊及 ERC20 代币 12 个，波场（TRC20）20 个，BNB 智能链 15 个，Solana 1 个。所需时间取决于网络拥堵程度。

新入账的充值在提现时可能还需要更多确认，以防区块重组。
""",
        "比特币 2 个、以太坊 12 个、TRC20 20 个、BSC 15 个、Solana 1 个确认。",
    ),
)

WITHDRAWAL_PENDING = _article(
    "withdrawal-pending",
    _t(
        "en",
        "Why is my withdrawal pending?",
        """
Withdrawals pass a security review before they are sent. Most are sent within 30 minutes;
some take longer:

- the amount is large, or the address is new to your account;
- you changed your password, 2FA or email in the last 24 hours (withdrawals are locked for 24 hours);
- the network of that coin is congested or under maintenance.

Once a withdrawal shows **Completed**, it has been broadcast: check the TxID on a block explorer
and contact the receiving platform if it has not credited you.
""",
        "Withdrawals are reviewed first; new addresses, large amounts and recent security changes take longer.",
        [
            "withdrawal stuck processing",
            "withdraw taking too long",
            "cash out not received",
        ],
    ),
    _t(
        "zh-hans",
        "提现一直在处理中",
        """
为了账户安全，提现在发出前需要经过风控审核。大部分提现在 30 分钟内发出，以下情况会更久：

- 大额提现，或提现到新地址；
- 最近 24 小时内修改过密码、谷歌验证或邮箱（提现会锁定 24 小时）；
- 该币种网络拥堵或正在维护。

提现显示**已完成**后即已广播到链上：请在区块浏览器中查询交易哈希，如果对方平台未到账，请联系对方平台。
""",
        "提现需要先经过风控审核；新地址、大额或近期修改过安全设置会更久。",
        ["提币一直审核中", "提现多久到账", "提币卡住了"],
    ),
    related=["withdrawal-fees", "withdrawal-whitelist"],
)

WITHDRAWAL_FEES = _article(
    "withdrawal-fees",
    _t(
        "en",
        "Withdrawal fees and limits",
        """
The withdrawal fee covers the network fee and is shown before you confirm. It depends on the
coin and network, not on the amount: USDT costs 1 USDT on TRC20 and more on ERC20, where the
Ethereum network itself is more expensive.

Daily withdrawal limits depend on your verification level:

| Level | Daily limit |
|---|---|
| Not verified | 2,000 USDT equivalent |
| Basic | 50,000 USDT equivalent |
| Advanced | 2,000,000 USDT equivalent |

Complete identity verification to raise your limit.
""",
        "The fee is the network fee for that coin and network; limits depend on your KYC level.",
        ["how much does it cost to withdraw", "withdrawal limit"],
    ),
    _t(
        "zh-hans",
        "提现手续费和限额",
        """
提现手续费用于支付网络费用，确认前会显示。手续费取决于币种和网络，与提现数量无关：TRC20 的 USDT 为 1 USDT，ERC20 更高，因为以太坊网络本身更贵。

每日提现限额取决于您的认证等级：

| 等级 | 每日限额 |
|---|---|
| 未认证 | 等值 2,000 USDT |
| 初级认证 | 等值 50,000 USDT |
| 高级认证 | 等值 2,000,000 USDT |

完成实名认证即可提高限额。
""",
        "手续费是该币种和网络的网络费用；限额取决于实名认证等级。",
        ["提币手续费多少", "提现额度不够"],
    ),
    related=["kyc-levels", "withdrawal-pending"],
)

WITHDRAWAL_WHITELIST = _article(
    "withdrawal-whitelist",
    _t(
        "en",
        "Withdrawal address whitelist",
        """
With the whitelist on, withdrawals can only go to addresses you saved in advance. A new address
becomes usable 24 hours after you add it, so a thief who gets into your account cannot empty it
at once.

Turn it on under **Security > Withdrawal whitelist**. Adding or removing an address needs your
2FA code and an email confirmation.
""",
        "Only saved addresses can receive withdrawals; new ones wait 24 hours.",
    ),
    _t(
        "zh-hans",
        "提现地址白名单",
        """
开启白名单后，只能提现到您事先保存的地址。新添加的地址 24 小时后才能使用，即使有人盗用您的账户也无法立即转走资产。

在**安全中心 > 提现白名单**中开启。添加或删除地址需要谷歌验证码和邮箱确认。
""",
        "只能提现到已保存的地址；新地址需等待 24 小时。",
    ),
    related=["security-compromised"],
)

TWO_FA_SETUP = _article(
    "2fa-setup",
    _t(
        "en",
        "Set up two-factor authentication (2FA)",
        """
Two-factor authentication asks for a six-digit code from an authenticator app every time you
sign in or withdraw.

1. Install Google Authenticator, Microsoft Authenticator or another TOTP app.
2. Go to **Security > Authenticator app** and scan the QR code.
3. **Write down the 16-character backup key** and keep it offline. It is the only way to move
   2FA to a new phone without a reset.
4. Enter the code from the app to finish.

Codes are valid for 30 seconds. If codes are always rejected, set your phone's clock to automatic.
""",
        "Scan the QR code with an authenticator app and keep the backup key offline.",
        ["enable google authenticator", "2FA code invalid"],
    ),
    _t(
        "zh-hans",
        "如何开启谷歌验证（双重验证）",
        """
双重验证在每次登录或提现时要求输入验证器 App 生成的 6 位验证码。

1. 安装 Google Authenticator、Microsoft Authenticator 或其他 TOTP 验证器。
2. 进入**安全中心 > 谷歌验证**，扫描二维码。
3. **抄下 16 位备份密钥**并离线保存。这是不重置就能把验证器迁移到新手机的唯一方法。
4. 输入 App 中的验证码完成绑定。

验证码 30 秒有效。如果验证码总是错误，请把手机时间设置为自动同步。
""",
        "用验证器 App 扫描二维码，并离线保存备份密钥。",
        ["绑定谷歌验证器", "谷歌验证码错误"],
    ),
    related=["2fa-lost"],
)

TWO_FA_LOST = _article(
    "2fa-lost",
    _t(
        "en",
        "I lost my phone or 2FA: account recovery",
        """
If you still have your **backup key**, add it to an authenticator app on the new phone: the codes
work again at once.

Without it, request a **2FA reset** from the sign-in page (*Lost access to 2FA?*):

1. Confirm your email and phone number.
2. Take a selfie holding your ID document; we compare it with your verification.
3. A reset is reviewed within 1 to 3 working days. For your safety, withdrawals stay locked
   for 48 hours after the reset.

We will never ask for your password or your old codes in a request.
""",
        "Use your backup key, or request a 2FA reset with identity checks (1 to 3 working days).",
        [
            "lost google authenticator",
            "new phone authenticator codes",
            "reset 2FA",
            "cannot log in without 2FA",
        ],
    ),
    _t(
        "zh-hans",
        "手机丢失或谷歌验证丢失：找回账户",
        """
如果您保存了**备份密钥**，在新手机的验证器 App 中添加它，验证码即可立即恢复使用。

如果没有备份密钥，请在登录页面申请**重置谷歌验证**（*无法使用谷歌验证？*）：

1. 验证您的邮箱和手机号。
2. 手持身份证件自拍，我们会与您的实名认证信息比对。
3. 重置审核需要 1 至 3 个工作日。为了安全，重置后 48 小时内禁止提现。

我们绝不会在工单中向您索要密码或旧的验证码。
""",
        "使用备份密钥，或申请重置谷歌验证（需身份核验，1 至 3 个工作日）。",
        [
            "谷歌验证器丢了怎么办",
            "换手机了验证码没了",
            "重置谷歌验证",
            "没有谷歌验证登录不了",
        ],
    ),
    related=["2fa-setup", "forgot-password"],
)

COMPROMISED = _article(
    "security-compromised",
    _t(
        "en",
        "I think my account was hacked",
        """
Act at once:

1. **Freeze your account**: sign-in page > *Disable account*, or reply *FREEZE* to any of our
   security emails. This stops trading and withdrawals immediately.
2. Change the password of your **email account** first, then ours.
3. Open a request in the category *Account compromised*: these go to the Account Security team
   ahead of every other request.

Tell us which sign-ins or withdrawals you do not recognise. Do not share your password, 2FA codes,
private keys or seed phrase with anyone, including people who claim to be our support.
""",
        "Freeze the account first, secure your email, then open an 'Account compromised' request.",
        [
            "account stolen",
            "unknown login",
            "someone withdrew my coins",
            "hacked account",
        ],
    ),
    _t(
        "zh-hans",
        "账户被盗怎么办",
        """
请立即行动：

1. **冻结账户**：登录页面 > *冻结账户*，或回复我们任意一封安全邮件“FREEZE”。交易和提现会立即停止。
2. 先修改**邮箱**密码，再修改本平台密码。
3. 提交“账户被盗”类别的工单：这类工单会优先交给账户安全团队处理。

请告诉我们哪些登录或提现不是您本人操作的。不要把密码、谷歌验证码、私钥或助记词告诉任何人，包括自称客服的人。
""",
        "先冻结账户、保护邮箱，再提交“账户被盗”工单。",
        ["账号被盗", "有陌生设备登录", "币被人转走了", "盗号"],
    ),
    related=["phishing", "withdrawal-whitelist"],
)

PHISHING = _article(
    "phishing",
    _t(
        "en",
        "Recognise phishing and fake support",
        """
- Our staff never ask for your password, 2FA codes, private keys or seed phrase.
- Set an **anti-phishing code** under *Security*: every genuine email from us shows it.
- Check the address bar before you sign in; bookmark the real site.
- We never contact you first on Telegram or WhatsApp offering help with a "stuck" withdrawal.

Report suspicious messages with a request in the category *Complaint* and attach a screenshot.
""",
        "We never ask for passwords or codes; set an anti-phishing code.",
    ),
    _t(
        "zh-hans",
        "识别钓鱼网站和假客服",
        """
- 我们的工作人员绝不会索要您的密码、谷歌验证码、私钥或助记词。
- 在*安全中心*设置**防钓鱼码**：我们发出的每封真实邮件都会显示它。
- 登录前检查地址栏，把官方网址加入书签。
- 我们不会主动在 Telegram 或 WhatsApp 上联系您，说要帮您处理“卡住”的提现。

可疑消息请通过“投诉”类别提交工单并附上截图。
""",
        "我们绝不索要密码或验证码；请设置防钓鱼码。",
        ["假客服", "钓鱼邮件"],
    ),
    related=["security-compromised"],
)

FORGOT_PASSWORD = _article(
    "forgot-password",
    _t(
        "en",
        "Forgot your password",
        """
Choose **Forgot password** on the sign-in page and enter your email. The link in the email is
valid for 30 minutes. After a password reset, withdrawals are locked for 24 hours.

No email? Check the spam folder and that the address is the one you registered. If you no longer
have access to that email, open a request: changing the email of an account needs identity checks.
""",
        "Use Forgot password; withdrawals are locked for 24 hours after a reset.",
        ["reset password", "can't log in", "change my email"],
    ),
    _t(
        "zh-hans",
        "忘记密码",
        """
在登录页面点击**忘记密码**并输入邮箱。邮件中的链接 30 分钟内有效。重置密码后，提现会锁定 24 小时。

没有收到邮件？请检查垃圾邮件，并确认是注册时使用的邮箱。如果已无法使用该邮箱，请提交工单：修改账户邮箱需要进行身份核验。
""",
        "点击忘记密码；重置后 24 小时内不能提现。",
        ["重置密码", "登录不了", "更换邮箱"],
    ),
    related=["2fa-lost"],
)

KYC_LEVELS = _article(
    "kyc-levels",
    _t(
        "en",
        "Identity verification (KYC): levels and documents",
        """
| Level | What we need | What it unlocks |
|---|---|---|
| Basic | Name, date of birth, a photo of your ID card or passport, a selfie | Deposits, trading, 50,000 USDT daily withdrawals |
| Advanced | Proof of address (bank statement or utility bill, under 3 months old) | 2,000,000 USDT daily withdrawals, P2P merchant |

Most basic verifications finish within an hour; advanced within 1 to 2 working days. Photos must
show all four corners of the document, without glare or editing.
""",
        "Basic: ID and selfie; Advanced: proof of address. Most checks finish within an hour.",
        ["KYC documents", "how long does verification take", "verify identity"],
    ),
    _t(
        "zh-hans",
        "实名认证（KYC）等级和所需材料",
        """
| 等级 | 所需材料 | 解锁功能 |
|---|---|---|
| 初级认证 | 姓名、出生日期、身份证或护照照片、自拍 | 充值、交易、每日提现 50,000 USDT |
| 高级认证 | 地址证明（3 个月内的银行对账单或水电费账单） | 每日提现 2,000,000 USDT，成为 P2P 商家 |

初级认证通常一小时内完成；高级认证需要 1 至 2 个工作日。照片须完整显示证件四角，不能反光或修图。
""",
        "初级：证件和自拍；高级：地址证明。大多一小时内完成。",
        ["实名认证要多久", "KYC 需要什么材料", "身份认证"],
    ),
    related=["kyc-rejected", "withdrawal-fees"],
)

KYC_REJECTED = _article(
    "kyc-rejected",
    _t(
        "en",
        "Why was my verification rejected?",
        """
The rejection email names the reason. The most common ones:

- the photo is blurred, cropped or has glare;
- the document has expired;
- the name on the document differs from the name you entered;
- the selfie does not show your face clearly, or shows another person.

Fix the reason and submit again from **Account > Verification**. After three rejections in a row,
please open a request in the category *KYC*, and an agent will review it with you.
""",
        "Blurred photos, expired documents or a different name; fix and submit again.",
        ["KYC failed", "verification declined"],
    ),
    _t(
        "zh-hans",
        "实名认证被拒绝的原因",
        """
拒绝邮件中会写明原因，最常见的有：

- 照片模糊、不完整或反光；
- 证件已过期；
- 证件上的姓名与填写的姓名不一致；
- 自拍看不清面部，或不是本人。

修正后在**账户 > 身份认证**中重新提交。连续三次被拒，请提交“实名认证”类别的工单，客服会与您一起处理。
""",
        "照片模糊、证件过期或姓名不一致；修正后重新提交。",
        ["实名认证失败", "KYC 没通过", "身份认证被拒"],
    ),
    related=["kyc-levels"],
)

TRADING_FEES = _article(
    "trading-fees",
    _t(
        "en",
        "Trading fees: maker and taker",
        """
Spot trading costs **0.10%** for both maker and taker at the regular tier. A *maker* order adds
liquidity (a limit order that does not fill at once); a *taker* order removes it (a market order).

VIP tiers lower the fees according to your 30-day trading volume. Paying fees with the platform
token gives a further 25% discount. Deposits are free; withdrawals pay the network fee.
""",
        "0.10% maker and taker; lower with VIP tiers.",
        ["how much are fees", "maker taker difference"],
    ),
    _t(
        "zh-hans",
        "交易手续费：挂单和吃单",
        """
普通用户现货交易的挂单和吃单手续费均为 **0.10%**。*挂单*为市场增加流动性（未立即成交的限价单）；*吃单*消耗流动性（市价单）。

VIP 等级根据 30 天交易量降低手续费。使用平台币抵扣手续费可再享 25% 折扣。充值免费；提现收取网络费用。
""",
        "挂单和吃单均为 0.10%；VIP 等级更低。",
        ["交易手续费多少", "挂单吃单区别"],
    ),
    related=["withdrawal-fees"],
)

P2P_HOW = _article(
    "p2p-how",
    _t(
        "en",
        "How P2P trading works",
        """
In P2P trading you buy or sell crypto directly with another user, and pay them by bank transfer
or e-wallet. The seller's coins are held in **escrow** until the seller confirms the payment.

1. Choose an offer and the amount.
2. Pay the seller within the time limit using **your own** account in your own name.
3. Click *I have paid*. The seller releases the coins from escrow.

Never release coins before the money is in your account, and never confirm a payment from
screenshots alone.
""",
        "Coins are held in escrow until the seller confirms your payment.",
        ["buy usdt with bank transfer", "C2C trading"],
    ),
    _t(
        "zh-hans",
        "P2P 交易如何进行",
        """
P2P 交易中，您直接与其他用户买卖数字资产，并通过银行转账或电子钱包付款。卖家的币会由平台**托管**，直到卖家确认收款。

1. 选择广告并填写数量。
2. 在付款时限内使用**本人实名**账户向卖家付款。
3. 点击“我已付款”，卖家确认后放币。

在款项到账前不要放币，也不要仅凭截图确认收款。
""",
        "卖家确认收款前，币由平台托管。",
        ["场外怎么买币", "C2C 交易"],
    ),
    related=["p2p-dispute"],
)

P2P_DISPUTE = _article(
    "p2p-dispute",
    _t(
        "en",
        "P2P: the seller does not release my coins",
        """
If you paid and the seller has not released the coins after the payment window, choose
**Appeal** on the order. The coins stay in escrow during the appeal.

Upload proof of payment: a bank statement or the transfer record showing the amount, time, your
name and the seller's account. Our P2P team answers appeals within 24 hours and decides from the
evidence of both sides. Do not cancel an order you have paid.
""",
        "Open an appeal on the order; the coins stay in escrow while the P2P team decides.",
        ["seller not releasing", "P2P appeal", "paid but no coins"],
    ),
    _t(
        "zh-hans",
        "P2P：卖家不放币怎么办",
        """
如果您已付款，付款时限结束后卖家仍未放币，请在订单中点击**申诉**。申诉期间币仍由平台托管。

请上传付款凭证：显示金额、时间、您的姓名和卖家收款账户的银行流水或转账记录。P2P 团队会在 24 小时内处理申诉，并根据双方证据做出判定。已付款的订单请不要取消。
""",
        "在订单中发起申诉；处理期间币由平台托管。",
        ["卖家不放币", "P2P 申诉", "付款了没收到币"],
    ),
    related=["p2p-how"],
)

API_KEYS = _article(
    "api-keys",
    _t(
        "en",
        "Create and protect an API key",
        """
Create keys under **Account > API management**. Give each key only the permissions it needs:
*read*, *trade*, and only if you must, *withdraw*. Keys with withdrawal permission must be
restricted to IP addresses.

The secret is shown once. If it leaks, delete the key at once: deleting takes effect immediately.
Rate limits: 1,200 request weight per minute per IP; responses above it return HTTP 429 with a
`Retry-After` header.
""",
        "Least permissions, IP restriction for withdrawals; 1,200 request weight per minute.",
        ["API rate limit 429", "api secret lost"],
    ),
    _t(
        "zh-hans",
        "创建并保护 API 密钥",
        """
在**账户 > API 管理**中创建密钥。每个密钥只授予所需权限：*读取*、*交易*，只有确实需要时才开启*提现*。带提现权限的密钥必须绑定 IP 地址。

密钥只显示一次。如有泄露，请立即删除，删除即时生效。频率限制：每个 IP 每分钟 1,200 请求权重；超出时返回 HTTP 429 和 `Retry-After` 头。
""",
        "最小权限，提现权限须绑定 IP；每分钟 1,200 请求权重。",
        ["API 限频", "API 密钥泄露"],
    ),
)

AGENT_PLAYBOOK = _article(
    "agent-deposit-playbook",
    _t(
        "en",
        "Agent playbook: uncredited deposit checks",
        """
For agents. Before escalating an uncredited deposit to the wallet team:

1. Check the TxID on the explorer of the stated network; confirm the destination is one of our
   deposit addresses.
2. For memo networks, compare the memo with the customer's memo in the admin tools.
3. Deposits older than 2 hours with enough confirmations: escalate with the *wallet-ops* tag.
4. Wrong network: use the macro *Wrong network recovery* and set the ticket to pending customer.
""",
        "Internal checks before escalating an uncredited deposit to the wallet team.",
    ),
    _t(
        "zh-hans",
        "客服手册：充值未到账核查",
        """
仅供客服使用。升级给钱包团队之前：

1. 在对应网络的浏览器中查询交易哈希，确认收款地址是我们的充值地址。
2. Memo 网络：在后台工具中核对客户的 Memo。
3. 超过 2 小时且确认数足够的充值：加 *wallet-ops* 标签升级处理。
4. 网络选错：使用宏“选错网络找回”，并将工单设为等待客户回复。
""",
        "将充值未到账升级给钱包团队之前的内部核查步骤。",
    ),
    visibility="internal",
)

HELP_CENTER: dict[str, Any] = {
    "format": "beacon-help-center",
    "version": 1,
    "categories": [
        {
            "slug": "deposits",
            "name_en": "Deposits",
            "name_zh": "充值",
            "description_en": "Networks, memos, confirmations and deposits that have not arrived.",
            "description_zh": "网络、Memo、区块确认和未到账的充值。",
            "sections": [
                {"slug": "deposit-problems", "name_en": "Deposit problems", "name_zh": "充值问题",
                 "articles": [DEPOSIT_NOT_CREDITED, DEPOSIT_WRONG_NETWORK, AGENT_PLAYBOOK]},
                {"slug": "networks-memos", "name_en": "Networks and memos", "name_zh": "网络和 Memo",
                 "articles": [DEPOSIT_MEMO, DEPOSIT_CONFIRMATIONS]},
            ],
        },
        {
            "slug": "withdrawals",
            "name_en": "Withdrawals",
            "name_zh": "提现",
            "description_en": "Reviews, fees, limits and the address whitelist.",
            "description_zh": "审核、手续费、限额和地址白名单。",
            "sections": [
                {"slug": "withdrawal-status", "name_en": "Withdrawal status", "name_zh": "提现状态",
                 "articles": [WITHDRAWAL_PENDING, WITHDRAWAL_WHITELIST]},
                {"slug": "fees-limits", "name_en": "Fees and limits", "name_zh": "手续费和限额",
                 "articles": [WITHDRAWAL_FEES, TRADING_FEES]},
            ],
        },
        {
            "slug": "security",
            "name_en": "Account and security",
            "name_zh": "账户与安全",
            "description_en": "2FA, account recovery, hacked accounts and phishing.",
            "description_zh": "谷歌验证、找回账户、账户被盗和防钓鱼。",
            "sections": [
                {"slug": "two-factor", "name_en": "Two-factor authentication", "name_zh": "双重验证",
                 "articles": [TWO_FA_SETUP, TWO_FA_LOST]},
                {"slug": "account-recovery", "name_en": "Account recovery", "name_zh": "找回账户",
                 "articles": [FORGOT_PASSWORD]},
                {"slug": "stay-safe", "name_en": "Stay safe", "name_zh": "安全防护",
                 "articles": [COMPROMISED, PHISHING]},
            ],
        },
        {
            "slug": "verification",
            "name_en": "Identity verification",
            "name_zh": "实名认证",
            "description_en": "KYC levels, documents and rejected verifications.",
            "description_zh": "认证等级、所需材料和认证被拒。",
            "sections": [
                {"slug": "kyc", "name_en": "KYC", "name_zh": "KYC",
                 "articles": [KYC_LEVELS, KYC_REJECTED]},
            ],
        },
        {
            "slug": "trading",
            "name_en": "Trading, P2P and API",
            "name_zh": "交易、P2P 与 API",
            "description_en": "P2P orders and appeals, API keys and limits.",
            "description_zh": "P2P 订单和申诉、API 密钥和限频。",
            "sections": [
                {"slug": "p2p", "name_en": "P2P", "name_zh": "P2P",
                 "articles": [P2P_HOW, P2P_DISPUTE]},
                {"slug": "api", "name_en": "API", "name_zh": "API",
                 "articles": [API_KEYS]},
            ],
        },
    ],
}  # fmt: skip
