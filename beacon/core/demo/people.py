"""Demo people: customers of a fictional exchange and its support staff.

All addresses use reserved example domains (example.com, beacon.local) and phone numbers from
ranges set aside for fiction (+1 555-01xx, +44 7700 900xxx) or commonly used test numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

# One password for every demo account, printed by `beacon demo_load` and `beacon serve`.
DEMO_PASSWORD = "beacon-demo"  # noqa: S105 (a published demo credential, not a secret)

ADMIN_EMAIL = "admin@beacon.local"
AUDITOR_EMAIL = "auditor@beacon.local"


@dataclass(frozen=True)
class DemoCustomer:
    email: str
    name: str
    language: str
    vip_tier: int
    kyc_level: int
    phone: str


@dataclass(frozen=True)
class DemoStaff:
    email: str
    name: str
    team: str
    languages: tuple[str, ...]
    is_lead: bool = False


EN = "en"
ZH = "zh-hans"

# The two customers a demo starts with: sign in as them to see the customer portal.
ALICE = DemoCustomer("alice@example.com", "Alice Chen", EN, 2, 2, "+1 415 555 0142")
WANG = DemoCustomer("wang@example.com", "王小明", ZH, 1, 2, "+86 138 0013 8001")

CUSTOMERS: list[DemoCustomer] = [
    ALICE,
    WANG,
    DemoCustomer("bob.martin@example.com", "Bob Martin", EN, 0, 1, "+1 212 555 0187"),
    DemoCustomer("carla.rossi@example.com", "Carla Rossi", EN, 1, 2, "+39 02 555 0133"),
    DemoCustomer(
        "david.okafor@example.com", "David Okafor", EN, 0, 1, "+44 7700 900123"
    ),
    DemoCustomer(
        "emma.schmidt@example.com", "Emma Schmidt", EN, 3, 2, "+49 30 555 0191"
    ),
    DemoCustomer(
        "farid.haddad@example.com", "Farid Haddad", EN, 0, 0, "+971 50 555 0164"
    ),
    DemoCustomer("grace.lee@example.com", "Grace Lee", EN, 2, 2, "+65 8555 0112"),
    DemoCustomer(
        "hiro.tanaka@example.com", "Hiro Tanaka", EN, 1, 2, "+81 90 5550 0176"
    ),
    DemoCustomer(
        "isabel.santos@example.com", "Isabel Santos", EN, 0, 1, "+55 11 5550 0148"
    ),
    DemoCustomer("jack.wilson@example.com", "Jack Wilson", EN, 4, 3, "+44 7700 900456"),
    DemoCustomer("kavya.iyer@example.com", "Kavya Iyer", EN, 0, 1, "+91 98555 00129"),
    DemoCustomer(
        "liam.murphy@example.com", "Liam Murphy", EN, 1, 2, "+353 85 555 0107"
    ),
    DemoCustomer(
        "maria.garcia@example.com", "María García", EN, 0, 0, "+34 655 550 118"
    ),
    DemoCustomer("noah.kim@example.com", "Noah Kim", EN, 2, 2, "+82 10 5550 0137"),
    DemoCustomer(
        "olivia.brown@example.com", "Olivia Brown", EN, 0, 1, "+1 646 555 0199"
    ),
    DemoCustomer(
        "pavel.novak@example.com", "Pavel Novák", EN, 0, 1, "+420 605 550 144"
    ),
    DemoCustomer(
        "quinn.taylor@example.com", "Quinn Taylor", EN, 3, 2, "+1 305 555 0121"
    ),
    DemoCustomer("ravi.patel@example.com", "Ravi Patel", EN, 0, 1, "+44 7700 900789"),
    DemoCustomer(
        "sofia.petrova@example.com", "Sofia Petrova", EN, 1, 2, "+359 88 555 0166"
    ),
    DemoCustomer("tuan.nguyen@example.com", "Tuan Nguyen", EN, 0, 1, "+84 90 555 0153"),
    DemoCustomer("zhang.wei@example.com", "张伟", ZH, 2, 2, "+86 139 0013 9002"),
    DemoCustomer("li.na@example.com", "李娜", ZH, 0, 1, "+86 137 0013 7003"),
    DemoCustomer("liu.yang@example.com", "刘洋", ZH, 1, 2, "+86 136 0013 6004"),
    DemoCustomer("chen.jing@example.com", "陈静", ZH, 0, 1, "+86 135 0013 5005"),
    DemoCustomer("yang.fan@example.com", "杨帆", ZH, 3, 2, "+86 158 0015 8006"),
    DemoCustomer("zhao.lei@example.com", "赵磊", ZH, 0, 0, "+86 159 0015 9007"),
    DemoCustomer("huang.min@example.com", "黄敏", ZH, 1, 2, "+86 186 0018 6008"),
    DemoCustomer("zhou.jie@example.com", "周杰", ZH, 0, 1, "+86 187 0018 7009"),
    DemoCustomer("wu.xiaoli@example.com", "吴晓丽", ZH, 2, 2, "+86 188 0018 8010"),
    DemoCustomer("xu.hao@example.com", "徐浩", ZH, 0, 1, "+86 150 0015 0011"),
    DemoCustomer("sun.li@example.com", "孙丽", ZH, 4, 3, "+86 151 0015 1012"),
    DemoCustomer("ma.chao@example.com", "马超", ZH, 0, 1, "+86 152 0015 2013"),
    DemoCustomer("zhu.ting@example.com", "朱婷", ZH, 1, 2, "+86 153 0015 3014"),
    DemoCustomer("hu.jun@example.com", "胡军", ZH, 0, 0, "+86 155 0015 5015"),
    DemoCustomer("guo.mei@example.com", "郭美", ZH, 0, 1, "+852 5555 0116"),
    DemoCustomer("lin.zhiyuan@example.com", "林志远", ZH, 2, 2, "+886 912 555 017"),
    DemoCustomer("he.xin@example.com", "何欣", ZH, 0, 1, "+86 156 0015 6018"),
    DemoCustomer("gao.yuan@example.com", "高远", ZH, 0, 1, "+86 157 0015 7019"),
    DemoCustomer("luo.qing@example.com", "罗青", ZH, 1, 2, "+86 189 0018 9020"),
]

BOTH = (EN, ZH)

# Each team: a lead and two agents; every team can answer in English and Chinese.
STAFF: list[DemoStaff] = [
    DemoStaff("agent.mia@beacon.local", "Mia Park", "tech-support", BOTH, is_lead=True),
    DemoStaff("agent.tom@beacon.local", "Tom Baker", "tech-support", (EN,)),
    DemoStaff("agent.jing@beacon.local", "陈晶 Jing", "tech-support", (ZH, EN)),
    DemoStaff(
        "agent.oscar@beacon.local", "Oscar Lindqvist", "trading", (EN,), is_lead=True
    ),
    DemoStaff("agent.hao@beacon.local", "刘昊 Hao", "trading", (ZH, EN)),
    DemoStaff("agent.nina@beacon.local", "Nina Costa", "trading", (EN,)),
    DemoStaff(
        "agent.sam@beacon.local", "Sam Reid", "account-security", (EN,), is_lead=True
    ),
    DemoStaff("agent.yu@beacon.local", "王宇 Yu", "account-security", (ZH, EN)),
    DemoStaff("agent.priya@beacon.local", "Priya Shah", "account-security", BOTH),
    DemoStaff(
        "agent.lena@beacon.local",
        "Lena Vogel",
        "deposits-withdrawals",
        (EN,),
        is_lead=True,
    ),
    DemoStaff("agent.kai@beacon.local", "张凯 Kai", "deposits-withdrawals", (ZH, EN)),
    DemoStaff("agent.ben@beacon.local", "Ben Ortiz", "deposits-withdrawals", (EN,)),
    DemoStaff("agent.xia@beacon.local", "夏雪 Xia", "deposits-withdrawals", (ZH,)),
    DemoStaff(
        "agent.ana@beacon.local", "Ana Ribeiro", "kyc-compliance", (EN,), is_lead=True
    ),
    DemoStaff("agent.min@beacon.local", "李敏 Min", "kyc-compliance", (ZH, EN)),
    DemoStaff("agent.erik@beacon.local", "Erik Johansson", "kyc-compliance", (EN,)),
    DemoStaff("agent.rui@beacon.local", "周睿 Rui", "p2p", BOTH, is_lead=True),
    DemoStaff("agent.leo@beacon.local", "Leo Martins", "p2p", (EN,)),
    DemoStaff("agent.fang@beacon.local", "方圆 Fang", "p2p", (ZH,)),
    DemoStaff(
        "agent.claire@beacon.local", "Claire Dubois", "complaints", BOTH, is_lead=True
    ),
    DemoStaff("agent.wei@beacon.local", "孙伟 Wei", "complaints", (ZH, EN)),
    DemoStaff("agent.owen@beacon.local", "Owen Hughes", "complaints", (EN,)),
]
