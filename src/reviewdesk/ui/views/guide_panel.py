"""Guidelines beside the label form: the workspace's rubric and what each root cause means.

``G`` shows or hides it (View → Guidelines). The root causes are listed in the form's order, by
layer, each with the key that toggles it and its definition, so a reviewer unsure between
``missing_context`` and ``bad_retrieval`` reads the difference without leaving the case. The
rubric is the workspace's own review guideline (``reviewdesk taxonomy rubric``, or Edit →
Taxonomy…). Both come from the workspace, so they are shown as text, never as markup or links.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTextBrowser, QWidget

from reviewdesk.services.review import LabelSchema
from reviewdesk.ui.actions import root_cause_keys
from reviewdesk.ui.widgets.inert import visible

GUIDE_WIDTH = 300


def _text(value: str) -> str:
    """Workspace text as inert HTML: controls made visible, markup escaped, line breaks kept."""
    return html.escape(visible(value)).replace("\n", "<br>")


def guide_html(schema: LabelSchema, rubric: str) -> str:
    parts = ["<h3>Rubric</h3>"]
    if rubric.strip():
        parts.append(f"<p>{_text(rubric)}</p>")
    else:
        parts.append("<p><i>No rubric for this workspace yet (Edit → Taxonomy… or reviewdesk taxonomy rubric).</i></p>")
    parts.append(f"<h3>Root causes</h3><p><small>label schema v{schema.version}</small></p>")
    layer = None
    for number, rc in enumerate(schema.root_causes, 1):
        if rc.layer != layer:
            layer = rc.layer
            parts.append(f"<h4>{_text(layer)}</h4>")
        description = _text(rc.description) if rc.description else "<i>no definition</i>"
        parts.append(
            f"<p><b>{html.escape(root_cause_keys(number))}&nbsp;&nbsp;{_text(rc.title)}</b>"
            f" <small>({html.escape(rc.id)})</small><br>{description}</p>"
        )
    if schema.retired:
        names = ", ".join(_text(rc.title) for rc in schema.retired)
        parts.append(f"<p><small>Retired (kept on old labels, not offered): {names}</small></p>")
    return "".join(parts)


class GuidePanel(QTextBrowser):
    """See the module docstring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guide_panel")
        self.setAccessibleName("Guidelines: the rubric and the root causes' definitions")
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # read beside the form; the keyboard stays on the case
        self.setMinimumWidth(GUIDE_WIDTH)
        self.setMaximumWidth(GUIDE_WIDTH + 120)
        self.setVisible(False)

    def show_guide(self, schema: LabelSchema, rubric: str) -> None:
        self.setHtml(guide_html(schema, rubric))
