"""Demo storylines about moving funds: deposits, withdrawals, wrong networks and missing memos."""

# Chinese text uses full-width punctuation (commas, brackets, question marks) on purpose.

from __future__ import annotations

from beacon.core.demo.story import Storyline, Text

DEPOSIT_CONFIRMING = Storyline(
    category="deposit-not-credited",
    weight=42,
    fields="deposit",
    tags=("deposit",),
    macro_resolve="Deposit credited",
    subject=Text(
        (
            "{coin} deposit not credited after {hours} hours",
            "Deposit via {network} missing from my balance",
            "Where is my {amount} {coin}?",
            "{coin} ({network}) deposit confirmed on-chain but not in my account",
        ),
        (
            "{coin} 充值 {hours} 小时未到账",
            "{network} 网络充值没有到账",
            "充值 {amount} {coin} 一直未到账",
            "链上已确认，但 {coin} 充值没有到账",
        ),
    ),
    body=Text(
        (
            "Hi, I sent {amount} {coin} from my own wallet to my deposit address on {network_name} about {hours} hours ago. "
            "The explorer shows the transaction as confirmed but my balance has not changed.\n\nTxID: {txid}",
            "Hello support, my {coin} deposit ({network}) still hasn't shown up. I withdrew it from another exchange and they say it is "
            "complete on their side. Hash: {txid}\nAmount: {amount} {coin}\nPlease check, thanks.",
            "I deposited {amount} {coin} on {network_name}. It has been {hours} hours. Transaction: {txid}. "
            "Usually it takes ten minutes. Is something wrong with the network?",
        ),
        (
            "你好，我大约 {hours} 小时前通过 {network_name} 向我的充值地址转了 {amount} {coin}，区块浏览器显示已确认，但账户余额一直没有变化。\n\nTxID：{txid}",
            "客服你好，我从其他交易所提了 {amount} {coin}（{network} 网络）到这里，对方显示已完成，但我这边一直没到账。交易哈希：{txid}，麻烦帮忙查一下，谢谢。",
            "充值 {amount} {coin} 已经 {hours} 个小时了还没到账，平时十分钟就到了。交易哈希 {txid}，是不是网络有问题？",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, thanks for the details. I have checked {txid_short} on {network_name}: it has {confirmations} confirmations "
            "and reached our deposit wallet. Our wallet team is checking why it has not been credited yet; I will update you here within a few hours.",
            "Hello {customer}, thank you for reaching out. The transaction {txid_short} is confirmed on-chain and was received by our deposit wallet. "
            "It is in the credit queue, which is slower than usual today because of network congestion. No action is needed on your side.",
        ),
        (
            "{customer}您好，感谢您提供的信息。我已在 {network_name} 上查询到交易 {txid_short}，目前已有 {confirmations} 个确认，资金已到达我们的充值钱包。"
            "钱包团队正在核查为何尚未入账，我会在几个小时内在此更新进展。",
            "{customer}您好，交易 {txid_short} 已在链上确认并到达我们的充值钱包，目前在入账队列中。今天网络拥堵，入账比平时慢一些，您无需进行任何操作。",
        ),
    ),
    customer_reply=Text(
        (
            "Thanks. It's been a while now, any update?",
            "OK, thanks for checking. Please let me know as soon as it's credited, I need the funds for a trade.",
            "Still nothing in my account. Can you escalate this please?",
        ),
        (
            "好的，谢谢。请问现在有进展了吗？",
            "收到，麻烦到账后通知我一下，我急着用这笔钱交易。",
            "还是没有到账，能不能帮我加急处理一下？",
        ),
    ),
    resolution=Text(
        (
            "Hi {customer}, good news: your deposit of {amount} {coin} has now been credited to your spot account. "
            "Sorry for the wait, and thank you for your patience.",
            "Hello {customer}, the deposit ({txid_short}) is credited now. The delay came from a node on our side falling behind; it has been fixed.",
        ),
        (
            "{customer}您好，您的 {amount} {coin} 充值现已到账至现货账户。抱歉让您久等了，感谢您的耐心。",
            "{customer}您好，交易 {txid_short} 已入账。延迟是由于我们的一个节点同步落后造成的，现已修复。",
        ),
    ),
    notes=Text(
        (
            "Tx {txid_short} confirmed ({confirmations} confs), destination is our hot wallet. Credit job did not pick it up; asked wallet-ops to re-scan.",
            "{network} node was ~400 blocks behind this morning. Re-scan queued, should credit automatically.",
            "Checked the address book: deposit address belongs to this UID ({uid}). Amount matches.",
        ),
        ("链上已确认，资金在热钱包。已请钱包组重扫区块，预计自动入账。",),
    ),
)

DEPOSIT_NO_TXID = Storyline(
    category="deposit-not-credited",
    weight=16,
    fields="deposit_no_txid",
    tags=("deposit",),
    starts_incomplete=True,
    macro_first="Ask for TxID",
    macro_resolve="Deposit credited",
    channels=(("email", 6), ("chat", 2), ("social", 1)),
    subject=Text(
        (
            "Deposit missing",
            "My {coin} never arrived",
            "Sent {coin} yesterday, not in my account",
        ),
        ("充值未到账", "我的 {coin} 没有到账", "昨天转的 {coin} 还没到"),
    ),
    body=Text(
        (
            "Hi, I sent {amount} {coin} via {network} yesterday and it is not in my account. I don't know where to find the transaction ID. Can you look it up with my UID {uid}?",
            "hello, transferred {amount} {coin} from my wallet app to Beacon Exchange on {network}. not received yet. what should i do",
        ),
        (
            "你好，我昨天通过 {network} 转了 {amount} {coin}，到现在还没到账。我不知道交易哈希在哪里看，能用我的 UID {uid} 帮我查一下吗？",
            "从钱包转了 {amount} {coin} 过来（{network}），一直没收到，请问怎么办？",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, to trace a deposit we need its transaction hash (TxID). In your sending wallet, open the transfer and copy the field called TxID or Hash, then reply here.",
        ),
        (
            "{customer}您好，查询充值需要交易哈希（TxID）。请在转出钱包中打开这笔转账记录，复制 TxID 或“哈希”一栏，然后回复给我们。",
        ),
    ),
    customer_reply=Text(
        ("Found it, here is the hash: {txid}", "Here you go: {txid}"),
        ("找到了，哈希是：{txid}", "交易哈希：{txid}"),
    ),
    resolution=Text(
        (
            "Thanks {customer}. With the TxID we found it: the {amount} {coin} is credited to your account now.",
        ),
        ("谢谢{customer}。根据 TxID 已查到这笔充值，{amount} {coin} 现已入账。",),
    ),
    notes=Text(
        (
            "Customer supplied TxID after reminder. Tx was waiting for manual credit (amount above auto-credit limit).",
        ),
        ("客户已补充 TxID，金额超过自动入账上限，需人工入账。",),
    ),
)

WITHDRAWAL_REVIEW = Storyline(
    category="withdrawal-delayed",
    weight=26,
    fields="withdrawal_pending",
    tags=("withdrawal",),
    macro_first="Withdrawal under review",
    subject=Text(
        (
            "Withdrawal of {amount} {coin} stuck in processing",
            "{coin} withdrawal pending for {hours} hours",
            "Why is my withdrawal still under review?",
        ),
        (
            "提币 {amount} {coin} 一直在处理中",
            "{coin} 提币已等待 {hours} 小时",
            "为什么我的提币一直在审核？",
        ),
    ),
    body=Text(
        (
            "My withdrawal of {amount} {coin} to {address} on {network_name} has been 'Processing' for {hours} hours. "
            "Other withdrawals usually take minutes. Please check.",
            "Hi, I requested a {coin} withdrawal ({network}) {hours} hours ago and the status still says under review. "
            "Destination: {address}. I need these funds today.",
        ),
        (
            "我在 {hours} 小时前申请提币 {amount} {coin}（{network_name}）到 {address}，状态一直显示“处理中”。以前几分钟就到了，请帮忙查看。",
            "你好，我的 {coin} 提币（{network}）申请了 {hours} 个小时还在审核中，提币地址 {address}，今天急用，麻烦尽快处理。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, your withdrawal is in a routine security review, which happens for larger amounts and new destination addresses. "
            "It usually completes within 24 hours. You do not need to do anything for now.",
        ),
        (
            "{customer}您好，您的提币正在进行常规安全审核（大额或新地址提币时会触发），通常在 24 小时内完成，目前您无需进行任何操作。",
        ),
    ),
    customer_reply=Text(
        (
            "How much longer will this take? It's been a day.",
            "Understood. Can you tell me when it is approved?",
        ),
        ("还要多久？已经一天了。", "明白了，审核通过后能通知我吗？"),
    ),
    resolution=Text(
        (
            "Hi {customer}, the review is complete and your withdrawal has been sent. TxID: {txid}. It should arrive after the network confirmations.",
            "Hello {customer}, thanks for waiting. The withdrawal was approved and broadcast on {network_name} (TxID {txid}).",
        ),
        (
            "{customer}您好，审核已完成，您的提币已发出。TxID：{txid}，网络确认后即可到账。",
            "{customer}您好，感谢等待。提币已审核通过并在 {network_name} 上广播，TxID：{txid}。",
        ),
    ),
    notes=Text(
        (
            "Risk engine flag: first withdrawal to this address and > 5x 30-day average. Login history clean, same device. Approving.",
            "Destination {address_short} not on any blocklist. Released from review.",
        ),
        ("风控触发：新地址且金额较大。登录记录正常，同一设备，已放行。",),
    ),
)

WITHDRAWAL_NOT_RECEIVED = Storyline(
    category="withdrawal-delayed",
    weight=16,
    fields="withdrawal_sent",
    tags=("withdrawal",),
    subject=Text(
        (
            "Withdrawal shows completed but not received",
            "{coin} withdrawal completed, wallet shows nothing",
        ),
        ("提币显示已完成但未收到", "{coin} 提币已完成，钱包没收到"),
    ),
    body=Text(
        (
            "Your site says my withdrawal of {amount} {coin} is completed, TxID {txid}, but my wallet {address} shows nothing. What happened?",
            "Withdrew {amount} {coin} on {network} to another exchange. Status completed here, they say they cannot see it. Hash {txid}.",
        ),
        (
            "网站显示我提币 {amount} {coin} 已完成，TxID {txid}，但我的钱包 {address} 没有收到，这是怎么回事？",
            "通过 {network} 提了 {amount} {coin} 到另一家交易所，这边显示已完成，对方说查不到。哈希 {txid}。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, the transaction {txid_short} is confirmed on {network_name} and the funds were delivered to {address_short}. "
            "If the receiving platform does not show them, please send them this TxID; they may need it (and any memo) to credit you.",
        ),
        (
            "{customer}您好，交易 {txid_short} 已在 {network_name} 上确认，资金已发送至 {address_short}。如接收方仍未显示，请将此 TxID（及备注，如有）提供给对方平台以便入账。",
        ),
    ),
    customer_reply=Text(
        (
            "They found it with the TxID, it's credited now. Thanks!",
            "I gave them the hash, they are checking.",
        ),
        ("对方用 TxID 查到了，已经到账，谢谢！", "我已经把哈希发给对方了，他们在查。"),
    ),
    resolution=Text(
        (
            "Glad it arrived, {customer}. I'll mark this as solved; reply here if anything else comes up.",
        ),
        ("很高兴已经到账，{customer}。此工单将标记为已解决，如有其他问题请在此回复。",),
    ),
    notes=Text(
        ("On-chain delivery confirmed, nothing to do on our side.",),
        ("链上已确认送达，我方无需处理。",),
    ),
)

WRONG_NETWORK = Storyline(
    category="wrong-network-memo",
    weight=12,
    fields="wrong_network",
    tags=("recovery",),
    channels=(("web", 5), ("email", 3)),
    subject=Text(
        (
            "Sent {coin} on {network} to my {expected_network} address",
            "Wrong network deposit - can you recover it?",
        ),
        (
            "{coin} 通过 {network} 转到了 {expected_network} 地址",
            "充值选错网络，能找回吗？",
        ),
    ),
    body=Text(
        (
            "I made a mistake and sent {amount} {coin} over {network_name} to my deposit address, which is for {expected_network_name}. "
            "The address is the same format. TxID {txid}. Is there any way to get it back?",
        ),
        (
            "我不小心把 {amount} {coin} 通过 {network_name} 转到了我的 {expected_network_name} 充值地址（地址格式一样）。TxID：{txid}。请问还能找回吗？",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, because {network_name} and {expected_network_name} use the same address format, the funds reached an address we control and can usually be recovered. "
            "Recovery is manual, takes 7 to 14 business days and has a fee of 30 USDT (or the equivalent). Please reply to confirm you want to go ahead.",
        ),
        (
            "{customer}您好，由于 {network_name} 与 {expected_network_name} 地址格式相同，资金已到达我们控制的地址，通常可以找回。找回需人工处理，约 7 至 14 个工作日，手续费 30 USDT（或等值资产）。请回复确认是否继续。",
        ),
    ),
    customer_reply=Text(
        (
            "Yes please go ahead, thank you so much.",
            "OK, I accept the fee. Please recover it.",
        ),
        ("确认，请帮我找回，非常感谢。", "好的，我同意手续费，请帮忙找回。"),
    ),
    resolution=Text(
        (
            "Hi {customer}, the recovery is complete: {amount} {coin} minus the recovery fee has been credited to your account.",
        ),
        (
            "{customer}您好，找回已完成：{amount} {coin}（扣除找回手续费）已入账至您的账户。",
        ),
    ),
    notes=Text(
        (
            "Recovery request logged for wallet-ops (batch every Tuesday). Same key controls the address on {network}; feasible.",
            "On hold until wallet-ops runs the next recovery batch.",
        ),
        ("已提交钱包组找回，每周二批量处理。",),
    ),
)

MISSING_MEMO = Storyline(
    category="wrong-network-memo",
    weight=10,
    fields="missing_memo",
    tags=("memo",),
    channels=(("web", 4), ("chat", 3), ("email", 2)),
    subject=Text(
        (
            "Forgot the memo / tag on my {coin} deposit",
            "{coin} deposit without destination tag",
        ),
        ("{coin} 充值忘记填写备注（Memo / Tag）", "{coin} 充值漏填标签"),
    ),
    body=Text(
        (
            "I sent {amount} {coin} but forgot to enter the memo. TxID {txid}. Can you credit it manually?",
            "Deposited {coin} from another exchange, their form did not ask for a tag and now it's missing. Hash {txid}, {amount} {coin}.",
        ),
        (
            "我转了 {amount} {coin}，但是忘记填写备注了。TxID：{txid}，能否人工入账？",
            "从其他平台转入 {coin}，对方页面没有让填标签，现在没到账。哈希 {txid}，数量 {amount}。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, deposits without a memo can be credited manually after we confirm they are yours. "
            "Please reply with a screenshot of the withdrawal record on the sending platform showing the TxID and amount.",
        ),
        (
            "{customer}您好，未填写备注的充值在确认归属后可以人工入账。请回复一张转出平台提币记录的截图，需显示 TxID 和金额。",
        ),
    ),
    customer_reply=Text(
        (
            "I've attached the screenshot from the other exchange.",
            "Screenshot sent by email as well. The amount is {amount} {coin}.",
        ),
        (
            "已附上对方平台的提币记录截图。",
            "截图也已通过邮件发送，数量是 {amount} {coin}。",
        ),
    ),
    resolution=Text(
        (
            "Thanks {customer}, ownership confirmed. {amount} {coin} has been credited. Next time, remember the memo is required for {coin}.",
        ),
        (
            "谢谢{customer}，已确认归属，{amount} {coin} 已入账。下次充值 {coin} 时请务必填写备注。",
        ),
    ),
    notes=Text(
        ("Memo-less deposit found in the omnibus account, amount and timing match.",),
        ("已在归集账户找到无备注充值，金额和时间一致。",),
    ),
)

STORYLINES = [
    DEPOSIT_CONFIRMING,
    DEPOSIT_NO_TXID,
    WITHDRAWAL_REVIEW,
    WITHDRAWAL_NOT_RECEIVED,
    WRONG_NETWORK,
    MISSING_MEMO,
]
