"""Security emergencies: who is paged, and what the customer is told to do right away."""

from __future__ import annotations

from datetime import datetime

from beacon.accounts.models import Membership, Team, User
from beacon.routing.models import OnCall

SECURITY_TEAM_SLUG = "account-security"
EMERGENCY_TAG = "security-emergency"

# Written out per language on purpose rather than through the gettext catalogue: a customer whose
# account is being emptied must get these steps in their language even if a catalogue is missing
# or stale. They never ask for a password, a 2FA code or a seed phrase (a test checks).
SELF_PROTECTION_STEPS: dict[str, str] = {
    "en": (
        "We have marked your request as a security emergency and our Account Security team is on it now. "
        "Please take these steps straight away to protect your assets:\n"
        "1. Freeze your account: in the app or on the website open Account > Security > Freeze account. "
        "Freezing stops sign-ins, trading and withdrawals at once; we can unfreeze it with you later.\n"
        "2. Change your passwords: set a new login password for your exchange account and for the email account you sign in with, "
        "different from any password you use elsewhere.\n"
        "3. Revoke your API keys: open Account > API management and delete every key, especially any you do not recognise.\n"
        "4. Check your withdrawal whitelist: open Security > Withdrawal addresses, remove any address you do not recognise "
        "and keep the whitelist switched on.\n"
        "We will never ask you for your password, your 2FA codes or your seed phrase. "
        "Do not give them to anyone, including people who say they work for us."
    ),
    "zh-hans": (
        "我们已将您的请求标记为安全紧急事件，账户安全团队正在优先处理。请立即采取以下措施保护您的资产：\n"
        "1. 冻结账户：在 App 或网页端进入「账户 > 安全 > 冻结账户」。冻结后将立即停止登录、交易和提现，之后我们会与您一起解冻。\n"
        "2. 修改密码：为交易所账户和登录所用的邮箱设置新的登录密码，且不要与其他网站使用相同的密码。\n"
        "3. 撤销 API 密钥：进入「账户 > API 管理」，删除全部 API 密钥，尤其是您不认识的密钥。\n"
        "4. 检查提现白名单：进入「安全 > 提现地址管理」，删除任何陌生地址，并保持提现白名单开启。\n"
        "我们绝不会向您索要密码、两步验证码或助记词。请不要将它们透露给任何人，包括自称是我们工作人员的人。"
    ),
}


def self_protection_steps(language: str) -> str:
    """The steps in `language`, English when there is no text for it."""
    if language.startswith("zh"):
        return SELF_PROTECTION_STEPS["zh-hans"]
    return SELF_PROTECTION_STEPS.get(language, SELF_PROTECTION_STEPS["en"])


def security_team() -> Team | None:
    return Team.objects.filter(slug=SECURITY_TEAM_SLUG, is_active=True).first()


def on_call_for(team: Team, at: datetime) -> User | None:
    """The agent on call for `team` at `at`: the latest shift covering it, else the team lead."""
    shift = (
        OnCall.objects.select_related("user")
        .filter(team=team, starts_at__lte=at, ends_at__gt=at, user__is_active=True)
        .order_by("-starts_at", "-id")
        .first()
    )
    if shift is not None:
        return shift.user
    lead = (
        Membership.objects.select_related("user")
        .filter(team=team, is_lead=True, user__is_active=True)
        .order_by("id")
        .first()
    )
    return lead.user if lead is not None else None
