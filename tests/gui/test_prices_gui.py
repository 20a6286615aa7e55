"""Estimated cost in the window: marked in the queue and the case header, kept apart in the cost
insights, and the Edit → Model prices… dialog applying a workspace price (re-estimating cases)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from reviewdesk.services import audit, prices
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.actions import ActionId
from reviewdesk.ui.models.case_table_model import COLUMNS
from reviewdesk.ui.views import prices_dialog
from tests.gui.conftest import wait_idle
from tests.otlp_builder import span, write_json

TRACE = "feedfacefeedfacefeedfacefeedface"


@pytest.fixture
def unpriced_workspace(tmp_path: Path) -> Path:
    """One trace of a model no price table knows, which counted a million tokens each way."""
    from reviewdesk.services import imports

    attributes = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "northwind-ft-7b",
        "input.value": "Where is my order?",
        "output.value": "It ships tomorrow.",
        "llm.token_count.prompt": 1_000_000,
        "llm.token_count.completion": 1_000_000,
    }
    file = write_json(
        tmp_path / "t.json", [span("llm", trace_id=TRACE, span_id="00000000000000b1", attributes=attributes)]
    )
    path = tmp_path / "prices.reviewdesk"
    ws = open_workspace(path)
    try:
        imports.import_files(ws, [file])
    finally:
        ws.close()
    return path


def _cost_cell(window) -> str:
    column = next(i for i, (title, _, _) in enumerate(COLUMNS) if title == "Cost")
    return window.model.data(window.model.index(0, column))


def test_prices_dialog_prices_a_model_and_the_window_marks_the_estimate(
    qtbot, make_main_window, unpriced_workspace, monkeypatch: pytest.MonkeyPatch
):
    window = make_main_window(unpriced_workspace, reviewer="dana")
    window.queue_view.select_queue("all")
    window.select_row(0)
    assert "cost – (no price for northwind-ft-7b)" in window.case_view.header.text()
    assert _cost_cell(window) == ""

    def fill(dialog: prices_dialog.PricesDialog) -> int:
        dialog.add_row("northwind-ft-7b", None)
        dialog.table.item(0, 1).setText("0.5")
        dialog.table.item(0, 2).setText("1.5")
        dialog.grab().save(str(unpriced_workspace.with_suffix(".dialog.png")))
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(prices_dialog.PricesDialog, "exec", fill)
    window.action_map[ActionId.PRICES].trigger()
    wait_idle(qtbot, window)
    assert prices.get_prices(window.workspace).models["northwind-ft-7b"].output == 1.5
    assert any(e.action == "settings" and e.subject == "prices" for e in audit.entries(window.workspace))
    assert "1 case(s) re-estimated" in window.statusBar().currentMessage()
    assert _cost_cell(window) == "≈$2.00"
    window.select_row(0)
    header = window.case_view.header.text()
    assert "cost ≈$2.00 estimated (workspace prices of " in header, header


def test_prices_dialog_names_the_row_it_cannot_read(qtbot, unpriced_workspace):
    from reviewdesk.domain.prices import PriceBook

    dialog = prices_dialog.PricesDialog(PriceBook(), "genai-prices 0.0")
    qtbot.addWidget(dialog)
    dialog.add_row("gpt-4o-mini", None)
    dialog.table.item(0, 1).setText("cheap")
    with pytest.raises(ValueError, match=r"row 1 \(gpt-4o-mini\): input and output need a price"):
        dialog.prices()
    dialog._accept()
    assert "row 1" in dialog.error.text()
    assert dialog.result() != QDialog.DialogCode.Accepted.value
