"""QuickSelect draws exactly what Django's template-rendered Select draws."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from beacon.core.widgets import QuickSelect

CHOICES: list[tuple[Any, Any]] = [
    (None, "Any"),
    ("open", gettext_lazy("Open")),
    ("a&b", 'Quotes " and <tags>'),
    ("safe", mark_safe("<b>already safe</b>")),
    ("Group", [("1", "One"), ("2", "Two"), (None, "None inside a group")]),
    (3, "A number"),
    ("open", "The same value twice"),
]


def test_quick_select_renders_like_django_select() -> None:
    for value in ("", "open", "a&b", "2", "3", 3, None, "None", "missing"):
        for attrs in (
            {"id": "id_status"},
            {"id": "x", "disabled": True, "required": False, "data-x": '"'},
        ):
            expected = forms.Select(choices=CHOICES).render("status", value, attrs)
            drawn = QuickSelect(choices=CHOICES).render("status", value, attrs)

            assert _squeeze(drawn) == _squeeze(expected), (value, attrs)


def test_quick_select_multiple_marks_every_chosen_option() -> None:
    class QuickSelectMultiple(QuickSelect):
        allow_multiple_selected = True

    value = ["open", "2", "3"]
    expected = forms.SelectMultiple(choices=CHOICES).render("tags", value)
    drawn = QuickSelectMultiple(choices=CHOICES).render("tags", value)

    assert _squeeze(drawn) == _squeeze(expected)
    assert drawn.count(" selected") == 4  # "open" twice, "2" and 3


def test_quick_select_translates_labels_in_the_active_language() -> None:
    with override("zh-hans"):
        drawn = QuickSelect(choices=CHOICES).render("status", "open")
        expected = forms.Select(choices=CHOICES).render("status", "open")

    assert _squeeze(drawn) == _squeeze(expected)
    assert "Open</option>" not in drawn


def _squeeze(html: str) -> str:
    # Django's template puts newlines and indentation between options; browsers ignore them.
    return "".join(line.strip() for line in html.splitlines())
