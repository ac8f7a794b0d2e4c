"""Demo storylines about trading, P2P, fees, the API, suggestions, complaints and the rest."""

# Chinese text uses full-width punctuation (commas, brackets, question marks) on purpose.

from __future__ import annotations

from beacon.core.demo.story import Storyline, Text

ORDER_NOT_FILLED = Storyline(
    category="trading-orders",
    weight=14,
    fields="trading",
    tags=("spot",),
    channels=(("web", 5), ("chat", 3), ("api", 1)),
    subject=Text(
        (
            "Limit order on {pair} not filled although price touched it",
            "Order {order_id} not executed",
        ),
        ("{pair} 限价单价格到了却没成交", "订单 {order_id} 未成交"),
    ),
    body=Text(
        (
            "I placed a limit buy on {pair} at {price}. The chart shows the price reached {price} but my order {order_id} is still open. Why?",
            "Order {order_id} ({pair}) did not fill even though the low of the candle was below my price. Please explain.",
        ),
        (
            "我在 {price} 挂了 {pair} 的限价买单，K 线显示价格到过 {price}，但订单 {order_id} 还是没成交，为什么？",
            "订单 {order_id}（{pair}）没有成交，K 线最低价已经低于我的挂单价，请解释一下。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, orders at the same price fill in the order they were placed. At {price} there were earlier orders ahead of yours, "
            "and the price only touched that level briefly, so only part of the queue was filled. The candle low shows the trade price, not that every order filled.",
        ),
        (
            "{customer}您好，同一价格的订单按时间优先成交。在 {price} 价位有更早的挂单排在您前面，而价格只是短暂触及，因此只有部分订单成交。K 线最低价代表有成交发生，并不代表所有挂单都已成交。",
        ),
    ),
    customer_reply=Text(
        ("I see, makes sense. Thanks.", "OK but it was quite a long wick."),
        ("明白了，谢谢。", "好吧，不过那根影线挺长的。"),
    ),
    resolution=Text(
        (
            "You're welcome, {customer}. I checked the order book snapshot and confirm the matching was correct.",
        ),
        ("不客气，{customer}。我核对了当时的盘口快照，撮合无误。",),
    ),
    notes=Text(
        (
            "Order book snapshot at the time: 31 orders ahead at that price, 18% filled.",
        ),
        ("当时该价位前方有 31 笔挂单，仅成交 18%。",),
    ),
)

LIQUIDATION = Storyline(
    category="trading-orders",
    weight=11,
    fields="trading",
    tags=("futures",),
    subject=Text(
        ("Position liquidated before the stop price", "Unfair liquidation on {pair}"),
        ("还没到止损价就被强平了", "{pair} 强平不合理"),
    ),
    body=Text(
        (
            "My {pair} position was liquidated although the last price never reached my liquidation price. Order {order_id}. I want compensation.",
        ),
        (
            "我的 {pair} 仓位被强平了，但最新价从来没到强平价。订单号 {order_id}，要求赔偿。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, liquidation uses the mark price (an index across several exchanges), not the last traded price. "
            "During the spike the mark price reached your liquidation level. I have attached the mark price history for that minute.",
        ),
        (
            "{customer}您好，强平依据的是标记价格（多家交易所的指数价格），而不是最新成交价。行情剧烈波动时标记价格触及了您的强平价，我已附上该分钟的标记价格记录。",
        ),
    ),
    customer_reply=Text(
        ("I still think this is unfair.", "Understood, thanks for the data."),
        ("我还是觉得不公平。", "明白了，谢谢提供数据。"),
    ),
    resolution=Text(
        (
            "Hi {customer}, our risk team reviewed the liquidation and it was executed correctly at the mark price. I'm sorry it was not the outcome you hoped for.",
        ),
        (
            "{customer}您好，风控团队复核后确认强平按标记价格正常执行。很遗憾结果不如您的预期。",
        ),
    ),
    notes=Text(
        ("Mark price reached liq level at 14:02:07; no engine incident that minute.",),
        (),
    ),
)

P2P_NOT_RELEASED = Storyline(
    category="p2p-dispute",
    weight=12,
    fields="p2p",
    tags=("p2p", "appeal"),
    channels=(("web", 4), ("chat", 4)),
    subject=Text(
        (
            "Paid but seller has not released the USDT",
            "P2P order {order_id}: seller not responding",
        ),
        ("已付款，卖家迟迟不放币", "P2P 订单 {order_id}：卖家不回复"),
    ),
    body=Text(
        (
            "I paid {fiat_amount} {fiat} by bank transfer for P2P order {order_id} two hours ago and marked it paid. The seller (UID {counterparty_uid}) is not answering and has not released the USDT.",
        ),
        (
            "我两个小时前通过银行转账支付了 {fiat_amount} {fiat}（P2P 订单 {order_id}），已标记付款。卖家（UID {counterparty_uid}）不回消息，也没有放币。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, I have opened an appeal on order {order_id}; the USDT stays locked in escrow meanwhile, so it is safe. "
            "Please upload the bank transfer receipt showing the amount, date and the seller's account name.",
        ),
        (
            "{customer}您好，我已为订单 {order_id} 发起申诉，期间 USDT 会锁定在托管中，是安全的。请上传银行转账凭证，需显示金额、日期和卖家收款账户名。",
        ),
    ),
    customer_reply=Text(
        ("Receipt uploaded.", "Here is the bank receipt. The seller's name matches."),
        ("已上传转账凭证。", "银行回单已上传，收款人姓名一致。"),
    ),
    resolution=Text(
        (
            "Hi {customer}, the appeal is decided in your favour: the USDT has been released to your funding account.",
        ),
        ("{customer}您好，申诉结果支持您，USDT 已放币至您的资金账户。",),
    ),
    notes=Text(
        (
            "Seller unresponsive for 3h; payment proof verified with bank reference. Releasing escrow.",
        ),
        ("卖家 3 小时未回复，付款凭证已核实，放币。",),
    ),
)

P2P_BUYER_NOT_PAID = Storyline(
    category="p2p-dispute",
    weight=8,
    fields="p2p",
    tags=("p2p", "appeal"),
    subject=Text(
        ("Buyer marked paid but I received nothing",), ("买家标记已付款，但我没收到钱",)
    ),
    body=Text(
        (
            "On order {order_id} the buyer clicked 'paid' but no money arrived in my bank account. I will not release. What now?",
        ),
        (
            "订单 {order_id} 买家点了“已付款”，但我的银行账户没有收到钱，我不会放币，现在怎么办？",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, do not release until the money is in your account. I've opened an appeal and asked the buyer for proof of payment.",
        ),
        (
            "{customer}您好，在确认收款前请不要放币。我已发起申诉，并要求买家提供付款凭证。",
        ),
    ),
    customer_reply=Text(
        ("Still no money after 24 hours.",), ("24 小时了还是没收到钱。",)
    ),
    resolution=Text(
        (
            "Hi {customer}, the buyer could not provide proof. The order is cancelled and your USDT is back in your available balance.",
        ),
        (
            "{customer}您好，买家未能提供付款凭证，订单已取消，您的 USDT 已退回可用余额。",
        ),
    ),
    notes=Text(
        ("Buyer's receipt was edited (fonts differ). Buyer account restricted.",),
        ("买家凭证系伪造，已限制买家账户。",),
    ),
)

FEES = Storyline(
    category="fees",
    weight=15,
    fields="none",
    tags=("fees",),
    channels=(("web", 4), ("email", 2), ("social", 1), ("app_review", 1)),
    subject=Text(
        (
            "Why is the {coin} withdrawal fee so high on {network}?",
            "Trading fee does not match my VIP level",
        ),
        (
            "{network} 网络 {coin} 提币手续费为什么这么高？",
            "交易手续费与我的 VIP 等级不符",
        ),
    ),
    body=Text(
        (
            "I was charged {fee} {coin} to withdraw on {network}. That seems very high compared to other exchanges.",
            "I'm VIP {vip} but my last trades were charged the regular maker/taker rate. Please check and refund the difference.",
        ),
        (
            "我在 {network} 提币被收取了 {fee} {coin} 手续费，比其他交易所高很多。",
            "我是 VIP {vip}，但最近的交易按普通费率收取了手续费，请核查并退还差额。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, withdrawal fees follow the network's gas cost, which was high this week on {network}. "
            "Cheaper networks are available for {coin}; you can see each network's fee before confirming a withdrawal.",
            "Hi {customer}, VIP fee rates apply from the day after your level is updated. I've checked and the difference for the affected trades will be refunded.",
        ),
        (
            "{customer}您好，提币手续费随链上 Gas 费用浮动，本周 {network} 网络 Gas 较高。{coin} 还支持其他更便宜的网络，确认提币前可以看到各网络手续费。",
            "{customer}您好，VIP 费率在等级更新后的次日生效。我已核查，受影响交易的差额将退还给您。",
        ),
    ),
    customer_reply=Text(
        ("OK, I'll use TRC20 next time.", "Thanks, waiting for the refund."),
        ("好的，下次用 TRC20。", "谢谢，等退款。"),
    ),
    resolution=Text(
        (
            "Done, {customer}. Thanks for the feedback on fees; I've passed it to the product team.",
        ),
        ("已处理，{customer}。关于手续费的反馈我已转给产品团队。",),
    ),
    notes=Text(("Fee schedule matches; gas spike on {network} this week.",), ()),
)

API_RATE_LIMIT = Storyline(
    category="api",
    weight=9,
    fields="api",
    tags=("api",),
    channels=(("web", 3), ("email", 3), ("api", 2)),
    subject=Text(
        ("HTTP 429 on {endpoint}", "API rate limit too low for my bot"),
        ("{endpoint} 返回 HTTP 429", "API 频率限制太低"),
    ),
    body=Text(
        (
            "My trading bot gets HTTP 429 'Too many requests' on {endpoint} although I send less than 10 requests per second. Key label: {api_key_label}.",
            "Since yesterday {endpoint} returns 429 every few minutes. Did the limits change?",
        ),
        (
            "我的量化程序调用 {endpoint} 时返回 HTTP 429，但每秒请求不到 10 次。密钥名称：{api_key_label}。",
            "从昨天开始 {endpoint} 每隔几分钟就返回 429，限频规则改了吗？",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, limits are counted per IP and per UID with request weights: {endpoint} has weight 5, so 10 requests per second use 50 of the 1,200 weight per minute quickly. "
            "Please check the X-RateLimit-Used header and use the websocket stream for market data.",
        ),
        (
            "{customer}您好，频率限制按 IP 和 UID 以“权重”计算：{endpoint} 的权重为 5，每秒 10 次请求会很快用完每分钟 1200 的权重。请查看响应头 X-RateLimit-Used，并改用 WebSocket 获取行情数据。",
        ),
    ),
    customer_reply=Text(
        (
            "Switched to websocket, no more 429s.",
            "Can you raise the limit for my account?",
        ),
        ("改用 WebSocket 后没有 429 了。", "能否为我的账户提高限额？"),
    ),
    resolution=Text(
        (
            "Great, {customer}. Market-maker limits are available from VIP 3; I've sent you the application form.",
        ),
        ("好的，{customer}。VIP 3 起可申请做市商限额，申请表已发送给您。",),
    ),
    notes=Text(
        ("Their IP made 2.3k weighted requests/min; mostly depth polling.",), ()
    ),
)

API_SIGNATURE = Storyline(
    category="api",
    weight=6,
    fields="api",
    tags=("api",),
    channels=(("email", 3), ("web", 2)),
    subject=Text(
        ("Signature for this request is not valid (-1022)",), ("签名错误 -1022",)
    ),
    body=Text(
        (
            "All signed requests to {endpoint} fail with code -1022 since I rotated my key. Unsigned endpoints work.",
        ),
        (
            "更换密钥后，所有调用 {endpoint} 的签名请求都返回 -1022 错误，不需要签名的接口正常。",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, -1022 means the HMAC does not match. Please sign the exact query string including the timestamp, with the new secret, and check that your clock is within 1 second of ours.",
        ),
        (
            "{customer}您好，-1022 表示签名不匹配。请使用新密钥对包含 timestamp 的完整查询字符串签名，并确认服务器时间误差在 1 秒以内。",
        ),
    ),
    customer_reply=Text(
        ("It was the old secret cached in my config. Fixed.",),
        ("是配置里缓存了旧密钥，已修复。",),
    ),
    resolution=Text(("Glad it works, {customer}.",), ("问题解决就好，{customer}。",)),
    notes=Text((), ()),
)

SUGGESTION = Storyline(
    category="feature-suggestion",
    weight=12,
    fields="none",
    tags=("suggestion",),
    channels=(("web", 3), ("app_review", 3), ("social", 2), ("email", 1)),
    subject=Text(
        (
            "Please add {coin} withdrawals on TON",
            "Dark mode for the mobile app",
            "Price alerts by push notification",
            "Export trade history as CSV",
        ),
        (
            "建议支持 TON 网络提币",
            "App 希望增加深色模式",
            "希望增加价格提醒推送",
            "希望能导出 CSV 交易记录",
        ),
    ),
    body=Text(
        (
            "Love the app. One request: it would be great to have this, many other exchanges already do. Thanks!",
            "Suggestion from a long-time user: please consider adding this feature, it would save me a lot of time.",
        ),
        (
            "App 很好用，有个小建议：希望能加上这个功能，其他交易所都有了，谢谢！",
            "老用户的建议：希望考虑增加这个功能，能节省很多时间。",
        ),
    ),
    first_reply=Text(
        (
            "Thank you {customer}, that's a good idea. I've passed it to our product team; we can't promise a date, but every suggestion is reviewed.",
        ),
        (
            "谢谢{customer}，这是个好建议。我已转给产品团队，虽然无法承诺上线时间，但每条建议都会被认真评估。",
        ),
    ),
    customer_reply=Text(("Thanks for listening!",), ("感谢采纳！",)),
    resolution=Text(
        (
            "Thanks again, {customer}. I'll close this now; we'll announce it if it ships.",
        ),
        ("再次感谢，{customer}。此工单将关闭，功能上线时会发布公告。",),
    ),
    notes=Text(("Added to the product feedback board (+1).",), ("已加入产品需求池。",)),
)

COMPLAINT = Storyline(
    category="complaint",
    weight=13,
    fields="none",
    tags=("complaint",),
    channels=(("email", 4), ("social", 3), ("app_review", 2), ("web", 2)),
    subject=Text(
        (
            "Very slow support on my withdrawal case",
            "Unacceptable handling of my P2P appeal",
            "Nobody answers my tickets",
        ),
        ("提币问题客服处理太慢", "P2P 申诉处理结果无法接受", "工单一直没人回复"),
    ),
    body=Text(
        (
            "I waited three days for an answer about a withdrawal and got a copy-paste reply. This is not acceptable for a VIP {vip} customer.",
            "I have written four times and each time a different agent asks me the same questions. I want a manager to look at this.",
        ),
        (
            "我的提币问题等了三天，只收到一条模板回复。作为 VIP {vip} 用户，这样的服务无法接受。",
            "我已经写了四次，每次都是不同的客服问同样的问题，我要求主管来处理。",
        ),
    ),
    first_reply=Text(
        (
            "Dear {customer}, I'm sorry for the experience. I'm a member of the complaints team and I will own this case until it's resolved. "
            "I have read the full history and will come back to you with a clear answer within one business day.",
        ),
        (
            "尊敬的{customer}，对您的遭遇深表歉意。我是投诉处理团队的成员，会负责跟进此事直到解决。我已阅读全部记录，会在一个工作日内给您明确答复。",
        ),
    ),
    customer_reply=Text(
        (
            "Thank you, finally someone is reading it.",
            "I'll wait, but this has to be fixed.",
        ),
        ("谢谢，终于有人认真看了。", "我等，但这个问题必须解决。"),
    ),
    resolution=Text(
        (
            "Dear {customer}, the original issue is now resolved and we have credited a 20 USDT voucher as an apology. "
            "We've also changed how these cases are handed over so it doesn't happen again.",
        ),
        (
            "尊敬的{customer}，原问题现已解决，我们向您发放了 20 USDT 体验金以表歉意，并已改进交接流程以避免再次发生。",
        ),
    ),
    notes=Text(
        (
            "Root cause: ticket bounced between two teams with no owner. Raised in the weekly ops review.",
        ),
        ("根因：工单在两个团队之间来回转派，无人负责。已在周会提出。",),
    ),
)

OTHER = Storyline(
    category="other",
    weight=15,
    fields="none",
    tags=(),
    channels=(("web", 4), ("email", 3), ("chat", 2), ("social", 1)),
    subject=Text(
        (
            "How do I download my transaction history for taxes?",
            "Change my registered email address",
            "Close my account",
        ),
        ("如何下载交易记录用于报税？", "修改注册邮箱", "注销账户"),
    ),
    body=Text(
        (
            "Hi, I need a full history of my trades, deposits and withdrawals for last year for my tax return. Where can I find it?",
            "I no longer use my old email address. How can I change the email on my account (UID {uid})?",
        ),
        (
            "你好，我需要去年全部的交易、充值和提币记录用于报税，在哪里可以下载？",
            "我的旧邮箱不用了，怎么修改账户（UID {uid}）绑定的邮箱？",
        ),
    ),
    first_reply=Text(
        (
            "Hi {customer}, you can do this under Account > Settings. If anything is unclear, reply here and I'll walk you through it.",
        ),
        (
            "{customer}您好，您可以在“账户 > 设置”中完成操作。如有不清楚的地方，请在此回复，我会一步步协助您。",
        ),
    ),
    customer_reply=Text(
        ("Found it, thanks.", "I can't see that option in the app."),
        ("找到了，谢谢。", "App 里找不到这个选项。"),
    ),
    resolution=Text(("Happy to help, {customer}.",), ("很高兴能帮到您，{customer}。",)),
    notes=Text((), ()),
)

STORYLINES = [
    ORDER_NOT_FILLED,
    LIQUIDATION,
    P2P_NOT_RELEASED,
    P2P_BUYER_NOT_PAID,
    FEES,
    API_RATE_LIMIT,
    API_SIGNATURE,
    SUGGESTION,
    COMPLAINT,
    OTHER,
]
