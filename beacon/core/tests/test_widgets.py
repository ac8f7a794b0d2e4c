"""QuickSelect draws exactly what Django's template-rendered Select draws."""

from __future__ import annotations

from django import forms

from beacon.core.widgets import QuickSelect

CHOICES = [
    ("", "Any"),
    ("open", "Open"),
    ("a&b", 'Quotes " and <tags>'),
    ("Group", [("1", "One"), ("2", "Two")]),
]


def test_quick_select_renders_like_django_select() -> None:
    for value in ("", "open", "a&b", "2", None):
        for attrs in (
            {"id": "id_status"},
            {"id": "x", "disabled": True, "data-x": '"'},
        ):
            expected = forms.Select(choices=CHOICES).render("status", value, attrs)
            drawn = QuickSelect(choices=CHOICES).render("status", value, attrs)

            assert _squeeze(drawn) == _squeeze(expected)


def _squeeze(html: str) -> str:
    # Django's template puts newlines and indentation between options; browsers ignore them.
    return "".join(line.strip() for line in html.splitlines())
