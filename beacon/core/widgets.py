"""Form widgets that render in Python, for forms drawn on every request of a busy page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import escape, format_html, format_html_join
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
    per option's attributes: the console's filter and bulk forms (a dozen selects, ~80 options)
    took about a third of the list page's rendering time that way.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: BaseRenderer | None = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            html = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (option["value"], _attrs(option["attrs"]), option["label"])
                    for option in options
                ),
            )
            if group_name:
                html = format_html(
                    '<optgroup label="{}">{}</optgroup>', group_name, html
                )
            groups.append(html)
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            _attrs(widget["attrs"]),
            SafeString("".join(groups)),
        )
