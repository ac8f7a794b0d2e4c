"""Structured fields of a category's form: specs stored as JSON on Category, validated here.

A spec is a dict: {"name": "txid", "type": "txid", "required": true, "label_en": "...",
"label_zh": "..."}; `type` is one of FieldType. Fields of type txid, address and memo are
checked against the network chosen in the form's `network` field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from beacon.core import chains


class FieldType(StrEnum):
    TEXT = "text"
    COIN = "coin"
    NETWORK = "network"
    TXID = "txid"
    ADDRESS = "address"
    MEMO = "memo"
    AMOUNT = "amount"
    DATETIME = "datetime"
    ORDER_ID = "order_id"
    CHOICE = "choice"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool
    label_en: str
    label_zh: str
    choices: tuple[str, ...] = ()
    # Optional display labels running parallel to `choices` (stored values stay stable slugs).
    choice_labels_en: tuple[str, ...] = ()
    choice_labels_zh: tuple[str, ...] = ()

    def choice_options(self, language: str) -> list[tuple[str, str]]:
        """(value, label) pairs in the reader's language, else English, else the value itself."""
        zh = language.startswith("zh") and self.choice_labels_zh
        labels = self.choice_labels_zh if zh else self.choice_labels_en
        return [
            (value, labels[i] if i < len(labels) else value)
            for i, value in enumerate(self.choices)
        ]

    def label(self, language: str) -> str:
        return (
            self.label_zh
            if language.startswith("zh") and self.label_zh
            else self.label_en
        )

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> FieldSpec:
        return cls(
            name=str(raw["name"]),
            type=FieldType(raw.get("type", "text")),
            required=bool(raw.get("required", False)),
            label_en=str(raw.get("label_en") or raw["name"]),
            label_zh=str(raw.get("label_zh") or ""),
            choices=tuple(str(c) for c in raw.get("choices", ())),
            choice_labels_en=tuple(str(c) for c in raw.get("choice_labels_en", ())),
            choice_labels_zh=tuple(str(c) for c in raw.get("choice_labels_zh", ())),
        )


def parse_specs(raw_specs: list[dict[str, Any]]) -> list[FieldSpec]:
    return [FieldSpec.parse(raw) for raw in raw_specs]


@dataclass
class FieldCheck:
    """Outcome of checking submitted values against a form."""

    values: dict[str, str]
    missing: list[str]
    errors: dict[str, list[str]]


def _needs_memo(values: dict[str, str]) -> bool:
    network = chains.get_network(values.get("network", ""))
    return network is not None and network.memo_label is not None


def check_fields(specs: list[FieldSpec], submitted: dict[str, Any]) -> FieldCheck:
    """Normalise values, list required ones that are missing, and explain invalid ones.

    Unknown keys are dropped: only fields the category defines are stored.
    """
    values: dict[str, str] = {}
    for spec in specs:
        raw = submitted.get(spec.name)
        text = "" if raw is None else str(raw).strip()
        if text:
            values[spec.name] = text[:500]
    errors: dict[str, list[str]] = {}
    missing: list[str] = []
    network_code = values.get("network", "")
    for spec in specs:
        value = values.get(spec.name, "")
        required = spec.required or (
            spec.type == FieldType.MEMO and _needs_memo(values)
        )
        if not value:
            if required:
                missing.append(spec.name)
            continue
        problem = _check_one(spec, value, network_code, values)
        if problem:
            errors[spec.name] = [problem]
    return FieldCheck(values=values, missing=missing, errors=errors)


def _check_one(
    spec: FieldSpec, value: str, network_code: str, values: dict[str, str]
) -> str | None:
    if spec.type == FieldType.COIN:
        if not chains.is_coin_symbol(value):
            return _("Enter a coin symbol such as USDT or BTC.")
        values[spec.name] = value.upper()
        return None
    if spec.type == FieldType.NETWORK:
        network = chains.get_network(value)
        if network is None:
            return _("Choose one of the supported networks.")
        values[spec.name] = network.code
        return None
    if spec.type in (FieldType.TXID, FieldType.ADDRESS, FieldType.MEMO):
        network = chains.get_network(network_code)
        if network is None:
            return None  # The network field reports its own error; nothing to check against.
        if spec.type == FieldType.TXID and not chains.validate_txid(
            network.code, value
        ):
            return _("This is not a valid transaction hash (TxID) on %(network)s.") % {
                "network": network.name
            }
        if spec.type == FieldType.ADDRESS and not chains.validate_address(
            network.code, value
        ):
            return _(
                "This is not a valid %(network)s address (the checksum does not match)."
            ) % {"network": network.name}
        if spec.type == FieldType.MEMO and not chains.validate_memo(
            network.code, value
        ):
            return _("This is not a valid %(label)s for %(network)s.") % {
                "label": network.memo_label or "memo",
                "network": network.name,
            }
        return None
    if spec.type == FieldType.AMOUNT:
        try:
            amount = Decimal(value.replace(",", ""))
        except InvalidOperation:
            return _("Enter an amount as a number, e.g. 150.5.")
        if not amount.is_finite() or amount <= 0:
            return _("The amount must be greater than zero.")
        values[spec.name] = format(amount.normalize(), "f")
        return None
    if spec.type == FieldType.DATETIME:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return _("Enter a date and time, e.g. 2026-11-20 14:30.")
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_current_timezone())
        if moment > timezone.now() + timedelta(days=1):
            return _("This date is in the future.")
        values[spec.name] = moment.isoformat()
        return None
    if spec.type == FieldType.CHOICE and spec.choices and value not in spec.choices:
        return _("Choose one of: %(choices)s.") % {"choices": ", ".join(spec.choices)}
    if spec.type == FieldType.ORDER_ID and not value.replace("-", "").isalnum():
        return _("An order ID has only letters, digits and dashes.")
    return None
