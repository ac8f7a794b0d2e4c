"""Factories for categories and tickets. Tickets are made through the real service."""

from __future__ import annotations

from typing import Any

import factory

from beacon.accounts.models import User
from beacon.accounts.tests.factories import CustomerFactory
from beacon.tickets.models import Category, Ticket
from beacon.tickets.services import ticket_create

DEPOSIT_FIELDS: list[dict[str, Any]] = [
    {
        "name": "coin",
        "type": "coin",
        "required": True,
        "label_en": "Coin",
        "label_zh": "币种",
    },
    {
        "name": "network",
        "type": "network",
        "required": True,
        "label_en": "Network",
        "label_zh": "网络",
    },
    {
        "name": "txid",
        "type": "txid",
        "required": True,
        "label_en": "Transaction hash (TxID)",
        "label_zh": "交易哈希 (TxID)",
    },
    {
        "name": "amount",
        "type": "amount",
        "required": True,
        "label_en": "Amount",
        "label_zh": "数量",
    },
    {
        "name": "time",
        "type": "datetime",
        "required": True,
        "label_en": "Time of the transfer",
        "label_zh": "转账时间",
    },
    {
        "name": "memo",
        "type": "memo",
        "required": False,
        "label_en": "Memo / tag",
        "label_zh": "备注 / 标签",
    },
]


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_en = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    name_zh = "类别"
    form_fields = factory.LazyFunction(list)


def make_ticket(
    *, customer: User | None = None, category: Category | None = None, **kwargs: Any
) -> Ticket:
    """A ticket created the way users create them (through ticket_create)."""
    kwargs.setdefault("subject", "My deposit has not arrived")
    kwargs.setdefault(
        "description", "I sent USDT two hours ago and it is not in my account."
    )
    return ticket_create(
        customer=customer or CustomerFactory.create(),
        category=category or CategoryFactory.create(),
        **kwargs,
    )
