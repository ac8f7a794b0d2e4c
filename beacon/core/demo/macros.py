"""Demo macros (canned replies) in English and Chinese, with the placeholders macro_render fills."""

# Chinese text uses full-width punctuation (commas, brackets, question marks) on purpose.

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoMacro:
    name: str
    team: str  # team slug; "" for every team
    body_en: str
    body_zh: str
    set_status: str = ""
    add_tags: tuple[str, ...] = ()


MACROS: list[DemoMacro] = [
    DemoMacro(
        "Greeting",
        "",
        "Hi {{ customer.name }},\n\nthank you for contacting Beacon Exchange support. I'm {{ agent.name }} and I'm looking at your request "
        "{{ ticket.reference }} now.\n\nBest regards,\n{{ agent.name }}",
        "{{ customer.name }}您好，\n\n感谢您联系 Beacon 交易所客服。我是 {{ agent.name }}，正在处理您的工单 {{ ticket.reference }}。\n\n祝好，\n{{ agent.name }}",
    ),
    DemoMacro(
        "Ask for TxID",
        "deposits-withdrawals",
        "Hi {{ customer.name }},\n\nto trace this transfer we need its transaction hash (TxID). In the wallet or exchange you sent from, "
        "open the transfer and copy the field called TxID, Hash or Transaction ID, then reply to this message.\n\n"
        "Please never send us your private key or seed phrase: we will never ask for them.\n\n{{ agent.name }}",
        "{{ customer.name }}您好，\n\n查询这笔转账需要交易哈希（TxID）。请在转出的钱包或交易所中打开该笔记录，复制 TxID / 哈希 / 交易 ID，然后回复此消息。\n\n"
        "请勿向我们发送私钥或助记词，我们绝不会索要。\n\n{{ agent.name }}",
        set_status="pending_customer",
        add_tags=("txid-requested",),
    ),
    DemoMacro(
        "Deposit credited",
        "deposits-withdrawals",
        "Hi {{ customer.name }},\n\ngood news: the deposit in {{ ticket.reference }} has been credited to your account. "
        "Thank you for your patience.\n\n{{ agent.name }}",
        "{{ customer.name }}您好，\n\n工单 {{ ticket.reference }} 中的充值已入账至您的账户，感谢您的耐心等待。\n\n{{ agent.name }}",
        set_status="solved",
    ),
    DemoMacro(
        "Withdrawal under review",
        "deposits-withdrawals",
        "Hi {{ customer.name }},\n\nyour withdrawal is in a routine security review. This happens for larger amounts and new destination "
        "addresses and usually completes within 24 hours. You do not need to do anything; we will update {{ ticket.reference }} "
        "when it is sent.\n\n{{ agent.name }}",
        "{{ customer.name }}您好，\n\n您的提币正在进行常规安全审核（大额或新地址提币时会触发），通常在 24 小时内完成。您无需进行任何操作，提币发出后我们会在工单 "
        "{{ ticket.reference }} 中通知您。\n\n{{ agent.name }}",
        set_status="on_hold",
    ),
    DemoMacro(
        "Security freeze steps",
        "account-security",
        "Hi {{ customer.name }},\n\nwe have frozen your account to protect your funds: no logins or withdrawals are possible until we "
        "finish checking. Please now:\n1. change the password of the email address linked to your account;\n"
        "2. remove unknown browser extensions and scan your device;\n3. never share SMS, email or authenticator codes with anyone, "
        "including people who say they are Beacon staff.\n\nReply here when done and we will continue with {{ ticket.reference }}.\n\n{{ agent.name }}",
        "{{ customer.name }}您好，\n\n为保护您的资产，我们已冻结您的账户，核查完成前无法登录或提币。请您：\n1. 修改账户绑定邮箱的密码；\n"
        "2. 删除来历不明的浏览器插件并对设备进行安全扫描；\n3. 不要向任何人（包括自称 Beacon 工作人员的人）透露短信、邮箱或验证器验证码。\n\n完成后请在此回复，我们将继续处理工单 {{ ticket.reference }}。\n\n{{ agent.name }}",
        add_tags=("freeze",),
    ),
    DemoMacro(
        "KYC resubmit",
        "kyc-compliance",
        "Hi {{ customer.name }},\n\nyour document could not be verified. Please upload it again:\n- the original document, not a copy or screen;\n"
        "- in even light without flash, all four corners visible;\n- the photo page and the document number readable.\n\n{{ agent.name }}",
        "{{ customer.name }}您好，\n\n您的证件未能通过验证，请重新上传：\n- 使用证件原件，不要使用复印件或屏幕翻拍；\n- 在光线均匀处拍摄，不开闪光灯，证件四角完整；\n- 确保照片页和证件号码清晰可读。\n\n{{ agent.name }}",
        set_status="pending_customer",
    ),
]
