"""Demo storylines about accounts: verification (KYC), compromised accounts, sign-in and 2FA."""

# Chinese text uses full-width punctuation (commas, brackets, question marks) on purpose.

from __future__ import annotations

from beacon.core.demo.story import Storyline, Text

KYC_REJECTED = Storyline(
    category="kyc",
    weight=16,
    fields="kyc:document_rejected",
    tags=("kyc",),
    macro_first="KYC resubmit",
    subject=Text(
        (
            "ID verification rejected",
            "Why was my passport rejected?",
            "KYC failed again",
        ),
        ("身份认证被拒绝", "为什么我的护照审核不通过？", "KYC 又失败了"),
    ),
    body=Text(
        (
            "I uploaded my passport twice and both times verification was rejected with 'document unreadable'. The photo looks fine to me.",
            "My KYC was rejected but the email gives no reason. I need Advanced verification to withdraw more than the daily limit.",
        ),
        (
            "我上传了两次护照，两次都显示“证件无法识别”被拒绝了，照片看起来没问题啊。",
            "我的 KYC 被拒绝了，邮件里没有说明原因。我需要高级认证才能提高每日提币额度。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, the last upload was rejected because of glare over the document number. Please retake the photo in even light, without flash, with all four corners visible.",
        ),
        (
            "{customer}您好，您上次上传的照片证件号码处有反光，因此未通过。请在光线均匀处、不开闪光灯重新拍摄，并确保证件四角完整。",
        ),
    ),
    customer_reply=Text(
        ("I have resubmitted with a new photo.", "Done, uploaded again without flash."),
        ("已经重新上传了新照片。", "好了，已关闭闪光灯重新上传。"),
    ),
    resolution=Text(
        (
            "Hi {customer}, your verification has been approved. Your new limits are active now.",
        ),
        ("{customer}您好，您的身份认证已通过，新的额度现已生效。",),
    ),
    notes=Text(
        ("Vendor result: GLARE_ON_MRZ. Not a fraud signal.",),
        ("供应商返回：MRZ 区域反光，非欺诈信号。",),
    ),
)

KYC_PENDING = Storyline(
    category="kyc",
    weight=11,
    fields="kyc:verification_pending",
    tags=("kyc",),
    subject=Text(
        ("Verification pending for {days} days", "How long does KYC review take?"),
        ("认证审核已经 {days} 天了", "KYC 审核需要多久？"),
    ),
    body=Text(
        (
            "I submitted my documents {days} days ago and the status still says 'Under review'. Is something missing?",
        ),
        ("我 {days} 天前提交了资料，状态一直是“审核中”，是不是缺少什么材料？",),
    ),
    first_reply=Text(
        (
            "Hi {customer}, nothing is missing. Reviews are taking longer this week because of high volume; yours is in the queue and should be completed within 3 business days.",
        ),
        (
            "{customer}您好，您的资料齐全。本周审核量较大，您的申请正在排队，预计 3 个工作日内完成。",
        ),
    ),
    customer_reply=Text(("Any news? Still pending.",), ("请问有进展吗？还是审核中。",)),
    resolution=Text(
        ("Hi {customer}, your verification is complete and approved.",),
        ("{customer}您好，您的认证已审核通过。",),
    ),
    notes=Text(
        (
            "Case sat in the manual queue after a name-transliteration mismatch. Cleared.",
        ),
        ("姓名拼音不一致进入人工队列，已处理。",),
    ),
)

KYC_LIMIT = Storyline(
    category="kyc",
    weight=8,
    fields="kyc:limit_upgrade",
    tags=("kyc", "limits"),
    subject=Text(
        ("Upgrade to Advanced verification", "Need a higher withdrawal limit"),
        ("申请升级高级认证", "需要提高提币额度"),
    ),
    body=Text(
        (
            "I want to upgrade to Advanced verification to raise my daily withdrawal limit. What proof of address do you accept?",
        ),
        ("我想升级到高级认证以提高每日提币额度，请问地址证明接受哪些文件？",),
    ),
    first_reply=Text(
        (
            "Hi {customer}, we accept a utility bill, bank statement or government letter issued in the last 3 months, showing your full name and address.",
        ),
        (
            "{customer}您好，我们接受近 3 个月内的水电煤账单、银行对账单或政府信函，需显示您的全名和地址。",
        ),
    ),
    customer_reply=Text(("Uploaded my bank statement.",), ("已上传银行对账单。",)),
    resolution=Text(
        (
            "Hi {customer}, you are now on Advanced verification with the higher limits.",
        ),
        ("{customer}您好，您已升级为高级认证，额度已提高。",),
    ),
    notes=Text(("Proof of address OK, address matches the bank statement.",), ()),
)

COMPROMISED_WITHDRAWAL = Storyline(
    category="account-compromised",
    weight=8,
    fields="compromised:unauthorised_withdrawal",
    tags=("security", "freeze"),
    macro_first="Security freeze steps",
    channels=(("chat", 4), ("phone", 2), ("web", 2), ("email", 1)),
    subject=Text(
        (
            "URGENT: someone withdrew my {coin}",
            "Unauthorised withdrawal from my account!!",
            "I did not make this withdrawal",
        ),
        (
            "紧急：我的 {coin} 被人提走了",
            "账户出现非本人提币！！",
            "这笔提币不是我操作的",
        ),
    ),
    body=Text(
        (
            "I just got an email that {amount} {coin} was withdrawn to {address}. That was NOT me. Please freeze my account now!",
            "Someone logged in and withdrew all my {coin}. I still have my phone and 2FA. How did this happen? Freeze everything please.",
        ),
        (
            "我刚收到邮件说 {amount} {coin} 被提到了 {address}，不是我本人操作的！请立刻冻结我的账户！",
            "有人登录了我的账户并提走了全部 {coin}，我的手机和二次验证都在，这是怎么发生的？请马上冻结。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, we have frozen your account: no withdrawals or logins are possible now. Please change the password of your email account, "
            "and do not share any codes with anyone. We are investigating the withdrawal.",
        ),
        (
            "{customer}您好，我们已冻结您的账户，目前无法提币或登录。请立即修改您邮箱的密码，不要向任何人透露验证码。我们正在调查这笔提币。",
        ),
    ),
    customer_reply=Text(
        (
            "Done, I changed my email password. Can you get my funds back?",
            "Thank you. I think I installed a fake browser extension last week.",
        ),
        (
            "已修改邮箱密码。我的资产还能追回吗？",
            "谢谢。我上周好像装了一个假的浏览器插件。",
        ),
    ),
    resolution=Text(
        (
            "Hi {customer}, our investigation is complete. The destination address was reported to the receiving platform and our analytics partner. "
            "Your account is unfrozen with a new password and a new 2FA key.",
        ),
        (
            "{customer}您好，调查已完成。收款地址已报告给接收平台及链上分析合作方。您的账户已在重置密码和二次验证后解冻。",
        ),
    ),
    notes=Text(
        (
            "Frozen via risk console. Login from new device/IP in another country 12 min before withdrawal; API key created in that session. Funds went to {address_short}.",
            "Reported {address_short} to the receiving exchange's security team; they froze 40% of it.",
        ),
        ("已冻结。提币前 12 分钟有异地新设备登录，并创建了 API 密钥。",),
    ),
)

COMPROMISED_LOGIN = Storyline(
    category="account-compromised",
    weight=7,
    fields="compromised:unauthorised_login",
    tags=("security",),
    macro_first="Security freeze steps",
    channels=(("web", 3), ("chat", 3), ("phone", 1)),
    subject=Text(
        (
            "Login alert from a device I don't recognise",
            "Someone else logged in to my account",
        ),
        ("收到陌生设备登录提醒", "有人登录了我的账户"),
    ),
    body=Text(
        (
            "I got a new-device login alert from another country. I did not log in. Nothing seems missing yet but please lock the account.",
        ),
        (
            "我收到一条陌生设备的异地登录提醒，不是我本人登录的。资产暂时没少，请帮我锁定账户。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, we have locked the account as a precaution. Please change your password and your email password, then reply here and we will help you unlock it.",
        ),
        (
            "{customer}您好，为安全起见我们已锁定您的账户。请修改账户密码及邮箱密码，然后在此回复，我们会协助您解锁。",
        ),
    ),
    customer_reply=Text(("Passwords changed on both.",), ("两个密码都已修改。",)),
    resolution=Text(
        (
            "Thanks {customer}. Your account is unlocked; the other session was signed out and no funds moved.",
        ),
        ("谢谢{customer}。账户已解锁，可疑会话已强制退出，资产未发生变动。",),
    ),
    notes=Text(
        ("Password reuse suspected (email found in a public breach list).",),
        ("疑似撞库，该邮箱出现在公开泄露库中。",),
    ),
)

PHISHING = Storyline(
    category="account-compromised",
    weight=3,
    fields="compromised:phishing",
    tags=("security", "phishing"),
    channels=(("email", 2), ("social", 2), ("web", 2)),
    subject=Text(
        ("I entered my password on a fake Beacon site",), ("我在仿冒网站上输入了密码",)
    ),
    body=Text(
        (
            "I clicked a link in an SMS about a 'tax verification' and entered my email, password and 2FA code. I realised afterwards it was fake.",
        ),
        (
            "我点了短信里的“税务核验”链接，输入了邮箱、密码和验证码，后来才发现是假网站。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, thank you for telling us quickly. We have frozen withdrawals. Please change your password and reset 2FA from a trusted device.",
        ),
        (
            "{customer}您好，感谢您及时告知。我们已冻结提币功能，请在可信设备上修改密码并重置二次验证。",
        ),
    ),
    customer_reply=Text(
        ("Done, thank you. The fake site is still online.",),
        ("已完成，谢谢。那个假网站还在。",),
    ),
    resolution=Text(
        (
            "Your account is safe, {customer}: no funds moved. We have reported the phishing domain for takedown.",
        ),
        ("{customer}，您的账户是安全的，资产没有变动。我们已举报该钓鱼域名。",),
    ),
    notes=Text(
        ("Phishing domain reported to registrar and to the anti-phishing list.",), ()
    ),
)

SIM_SWAP = Storyline(
    category="account-compromised",
    weight=2,
    fields="compromised:sim_swap",
    tags=("security",),
    channels=(("phone", 3), ("chat", 1)),
    subject=Text(("My phone number was taken over",), ("我的手机号被盗用了",)),
    body=Text(
        (
            "My phone suddenly lost signal and the carrier says my SIM was moved to a new card. I use SMS 2FA here.",
        ),
        ("我的手机突然没信号，运营商说我的号码被转到了新卡上。我这里用的是短信验证。",),
    ),
    first_reply=Text(
        (
            "Hi {customer}, we have frozen the account and removed SMS as a verification method. Please set up an authenticator app once you regain access.",
        ),
        (
            "{customer}您好，我们已冻结账户并移除短信验证方式。恢复访问后请改用验证器 App。",
        ),
    ),
    customer_reply=Text(
        ("Carrier gave me my number back.",), ("运营商已经把号码还给我了。",)
    ),
    resolution=Text(
        ("Account restored with an authenticator app, {customer}. No funds moved.",),
        ("{customer}，账户已恢复并绑定验证器 App，资产未发生变动。",),
    ),
    notes=Text(
        (
            "SIM swap confirmed by the customer's carrier. Withdrawals frozen 2 min after.",
        ),
        (),
    ),
)

LOST_2FA = Storyline(
    category="login-2fa",
    weight=14,
    fields="login:lost_authenticator",
    tags=("2fa",),
    subject=Text(
        (
            "Lost my phone with Google Authenticator",
            "New phone, can't log in (2FA)",
            "Reset 2FA please",
        ),
        (
            "手机丢了，谷歌验证器没了",
            "换了新手机，无法登录（二次验证）",
            "申请重置谷歌验证",
        ),
    ),
    body=Text(
        (
            "I changed phones and did not move my authenticator app. Now I can't log in. How can I reset 2FA?",
            "My phone was stolen, my Google Authenticator was on it. Please help me reset the 2FA on account UID {uid}.",
        ),
        (
            "我换了手机，没有迁移验证器，现在登录不了，怎么重置二次验证？",
            "手机被偷了，谷歌验证器在那台手机上。请帮我重置 UID {uid} 的二次验证。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, you can reset 2FA yourself: on the login page choose 'Lost 2FA device' and complete the selfie check. "
            "For your security, withdrawals are paused for 24 hours after a reset.",
        ),
        (
            "{customer}您好，您可以自助重置：在登录页选择“二次验证设备丢失”，完成人脸核验即可。为了您的资产安全，重置后 24 小时内暂停提币。",
        ),
    ),
    customer_reply=Text(
        ("The selfie check keeps failing.", "Done, I'm back in. Thanks!"),
        ("人脸核验一直失败。", "已经登录成功了，谢谢！"),
    ),
    resolution=Text(
        (
            "Hi {customer}, we've reset 2FA manually after verifying your identity. Please set up a new authenticator now.",
        ),
        (
            "{customer}您好，核实身份后我们已为您人工重置二次验证，请立即绑定新的验证器。",
        ),
    ),
    notes=Text(
        ("Selfie matched KYC photo (score 0.94). Manual reset approved.",),
        ("人脸比对通过，已人工重置。",),
    ),
)

NO_SMS = Storyline(
    category="login-2fa",
    weight=9,
    fields="login:no_sms_code",
    tags=("2fa", "sms"),
    channels=(("web", 4), ("chat", 3), ("app_review", 1)),
    subject=Text(
        ("Not receiving SMS verification codes", "SMS code never arrives"),
        ("收不到短信验证码", "短信验证码一直收不到"),
    ),
    body=Text(
        (
            "I'm not receiving SMS codes for login. I tried 5 times. My number is {phone}.",
        ),
        ("登录时收不到短信验证码，试了 5 次了。我的手机号是 {phone}。",),
    ),
    first_reply=Text(
        (
            "Hi {customer}, our SMS provider had delays in your region today. Please wait 60 seconds between attempts, or switch to email codes in the login screen.",
        ),
        (
            "{customer}您好，今天您所在地区的短信服务商有延迟。请每次间隔 60 秒再试，或在登录页切换为邮箱验证码。",
        ),
    ),
    customer_reply=Text(
        ("It worked with the email code.", "Still nothing."),
        ("用邮箱验证码成功了。", "还是收不到。"),
    ),
    resolution=Text(
        ("Thanks {customer}. The SMS delays are resolved now.",),
        ("谢谢{customer}，短信延迟问题现已解决。",),
    ),
    notes=Text(
        ("SMS gateway incident in APAC, see status page.",), ("亚太区短信网关故障。",)
    ),
)

LOCKED_OUT = Storyline(
    category="login-2fa",
    weight=7,
    fields="login:locked_out",
    tags=("login",),
    subject=Text(("Account locked after wrong passwords",), ("密码输错多次账户被锁",)),
    body=Text(
        (
            "I entered the wrong password a few times and now the account is locked for 24 hours. Can you unlock it sooner?",
        ),
        ("我输错了几次密码，现在账户被锁定 24 小时，能提前解锁吗？",),
    ),
    first_reply=Text(
        (
            "Hi {customer}, the lock protects you from password guessing. You can unlock it now by resetting your password with the 'Forgot password' link.",
        ),
        (
            "{customer}您好，锁定是为了防止密码被暴力破解。您可以通过“忘记密码”重置密码来立即解锁。",
        ),
    ),
    customer_reply=Text(("Reset done, I'm in.",), ("已重置，可以登录了。",)),
    resolution=Text(
        ("Great, {customer}. Closing this one.",), ("好的，{customer}，此工单将关闭。",)
    ),
    notes=Text((), ()),
)

STORYLINES = [
    KYC_REJECTED,
    KYC_PENDING,
    KYC_LIMIT,
    COMPROMISED_WITHDRAWAL,
    COMPROMISED_LOGIN,
    PHISHING,
    SIM_SWAP,
    LOST_2FA,
    NO_SMS,
    LOCKED_OUT,
]
