"""Fixtures: an editor, a customer, and a small bilingual help center indexed for search."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from beacon.accounts.models import User
from beacon.accounts.tests.factories import AgentFactory, CustomerFactory, UserFactory
from beacon.knowledge.models import Article, Synonym
from beacon.knowledge.search import reset_cache
from beacon.knowledge.tests.factories import make_article

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture(autouse=True)
def _fresh_engine() -> Iterator[None]:
    reset_cache()
    yield
    reset_cache()


@pytest.fixture
def editor(db: None) -> User:
    return AgentFactory.create()


@pytest.fixture
def customer(db: None) -> User:
    return CustomerFactory.create()


@pytest.fixture
def auditor(db: None) -> User:
    return UserFactory.create(role="auditor")


@pytest.fixture
def help_center(
    editor: User, django_capture_on_commit_callbacks: Capture
) -> dict[str, Article]:
    """Four bilingual articles, one internal, one draft; synonyms as the admins would set them."""
    Synonym.objects.create(phrases="充币, 充值, deposit")
    Synonym.objects.create(phrases="提币, 提现, withdraw, withdrawal")
    Synonym.objects.create(phrases="实名认证, 身份认证, KYC, identity verification")
    with django_capture_on_commit_callbacks(execute=True):
        return {
            "deposit": make_article(
                editor=editor,
                texts={
                    "en": (
                        "My deposit has not arrived",
                        "Deposits are credited after the network confirms the transaction. "
                        "Check the TxID on a block explorer and make sure you chose the same network.",
                    ),
                    "zh-hans": (
                        "充值未到账怎么办",
                        "充值需要区块链网络确认后才会入账。请在区块浏览器上查询交易哈希，并确认选择了相同的网络。",
                    ),
                },
                also_asked={
                    "en": "Where is my crypto I sent?",
                    "zh-hans": "币转过来了但余额没变",
                },
            ),
            "withdrawal": make_article(
                editor=editor,
                texts={
                    "en": (
                        "Why is my withdrawal pending?",
                        "Withdrawals go through a security review. Large amounts and new addresses "
                        "can take up to 24 hours.",
                    ),
                    "zh-hans": (
                        "提现一直在处理中",
                        "为了账户安全，提现需要经过风控审核。大额或新地址的提现最长可能需要24小时。",
                    ),
                },
            ),
            "kyc": make_article(
                editor=editor,
                texts={
                    "en": (
                        "How to complete identity verification",
                        "Upload a photo of your passport or ID card and take a selfie. "
                        "Verification usually finishes within an hour.",
                    ),
                    "zh-hans": (
                        "如何完成身份认证",
                        "上传护照或身份证照片并完成人脸识别。审核通常在一小时内完成。",
                    ),
                },
            ),
            "internal": make_article(
                editor=editor,
                visibility="internal",
                texts={
                    "en": (
                        "Manual deposit credit procedure for agents",
                        "Agents: escalate uncredited deposits with a TxID older than two hours to the wallet team.",
                    )
                },
            ),
            "draft": make_article(
                editor=editor,
                publish=False,
                texts={
                    "en": (
                        "Upcoming deposit campaign (draft)",
                        "Deposit bonus campaign details, not yet announced.",
                    )
                },
            ),
        }
