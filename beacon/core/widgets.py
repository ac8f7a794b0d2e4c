"""Form widgets that render in Python, and fields copied lightly, for forms drawn on every
request of a busy page."""

from __future__ import annotations

import copy
import html
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import escape
from django.utils.safestring import SafeString


def _attrs(attrs: dict[str, Any]) -> SafeString:
    """Attributes in the order and form of django/forms/widgets/attrs.html: False leaves one
    out, True writes its name alone."""
    return SafeString(
        "".join(
            f" {escape(name)}"
            if value is True
            else f' {escape(name)}="{escape(value)}"'
            for name, value in attrs.items()
            if value is not False
        )
    )


class QuickSelect(forms.Select):
    """A `<select>` with the same markup as Django's, built without templates.

    Django renders a select from a template that includes a sub-template per option and one more
    per option's attributes, and builds a dictionary of a dozen entries per option on the way:
    the console's filter and bulk forms (a dozen selects, ~80 options) took about half of the
    list page's rendering time that way. Here each option is one formatted string, selected by
    the same rule as ChoiceWidget.optgroups (the first option whose value matches, or every one
    for a multiple select).
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        select_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            select_attrs["multiple"] = True
        wanted = set(self.format_value(value))
        multiple = self.allow_multiple_selected
        has_selected = False
        parts: list[str] = []
        for group_value, group_label in self.choices:
            if isinstance(group_label, (list, tuple)):
                options, group = group_label, group_value
            else:
                # As in optgroups: None stands for the empty value, outside groups only.
                options = (("" if group_value is None else group_value, group_label),)
                group = None
            if group is not None:
                parts.append(f'<optgroup label="{_text(group)}">')
            for option_value, option_label in options:
                shown = str(option_value)
                selected = (multiple or not has_selected) and shown in wanted
                has_selected |= selected
                mark = " selected" if selected else ""
                parts.append(
                    f'<option value="{_text(shown)}"{mark}>{_text(option_label)}</option>'
                )
            if group is not None:
                parts.append("</optgroup>")
        # Safe: the name, the attributes and every option went through escaping.
        return SafeString(
            f'<select name="{_text(name)}"{_attrs(select_attrs)}>{"".join(parts)}</select>'
        )


def _text(value: Any) -> str:
    """conditional_escape without its lazy-function wrapper: called for every option."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


class _LightlyCopiedFields(dict[str, forms.Field]):
    """A form class's fields, copied for each form without deep-copying their choices,
    querysets, validators and messages (see copy_fields_lightly)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {}
        for name, field in self.items():
            copied = copy.copy(field)
            copied.widget = widget = copy.copy(field.widget)
            widget.attrs = dict(field.widget.attrs)
            fields[name] = copied
        return fields


def copy_fields_lightly[F: type[forms.Form]](form_class: F) -> F:
    """Class decorator: each form of `form_class` gets its own field and widget objects, but
    shares what they hold (choices, querysets, validators, error messages) with the class's.

    Django deep-copies every field for every form, choices and queryset included, which cost
    the console's filter form about a millisecond per list request. Sharing is safe for a form
    whose code only assigns to its fields' attributes (`field.queryset = ...`,
    `widget.choices = ...`, as Django's own fields do), never changes a shared list or
    dictionary in place."""
    form_class.base_fields = _LightlyCopiedFields(form_class.base_fields)
    return form_class
