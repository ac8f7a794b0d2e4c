"""QuickSelect draws exactly what Django's template-rendered Select draws; lightly copied
fields behave as deep-copied ones."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from beacon.core.widgets import QuickSelect, copy_fields_lightly

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


class _Plain(forms.Form):
    status = forms.ChoiceField(widget=QuickSelect, choices=CHOICES[:4], required=False)
    note = forms.CharField(max_length=5, widget=forms.TextInput(attrs={"class": "x"}))


@copy_fields_lightly
class _Light(_Plain):
    pass


def test_lightly_copied_forms_draw_and_validate_as_deep_copied_ones() -> None:
    for data in (
        {"status": "open", "note": "hi"},
        {"status": "nope", "note": "toolong"},
    ):
        plain, light = _Plain(data), _Light(data)
        assert plain.is_valid() == light.is_valid()
        assert plain.errors == light.errors
        assert str(plain) == str(light)


def test_each_lightly_copied_form_has_its_own_fields_and_widgets() -> None:
    first, second = _Light(), _Light()
    for name in ("status", "note"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name] is not _Light.base_fields[name]
        assert first.fields[name].widget is not second.fields[name].widget
        assert first.fields[name].widget.attrs is not second.fields[name].widget.attrs

    # What a form assigns to its fields stays with that form.
    status = first.fields["status"]
    assert isinstance(status, forms.ChoiceField)
    status.choices = [("only", "Only")]
    first.fields["note"].widget.attrs["placeholder"] = "first"
    first.fields["note"].label = "First"
    assert 'value="only"' in str(first["status"])
    assert 'value="only"' not in str(second["status"])
    assert 'value="only"' not in str(_Light()["status"])
    assert "placeholder" not in str(second["note"]) and "placeholder" not in str(
        _Light()["note"]
    )
    assert second.fields["note"].label is None
