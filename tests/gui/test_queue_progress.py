"""The queue bar's count is honest in every smart queue.

A queue that drains (Unreviewed, My queue, Disputed: a case leaves it as it is done) used to be
counted over its own filter, so every count said "0 of N reviewed" however much was done. It says
"n reviewed this session · N left" now, and that survives a recount (re-opening the queue, a
search); a queue whose cases stay (All cases) keeps "n of N reviewed in this queue".
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import assignment, cases, labels, review
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.views.queue_tally import drains
from tests.gui.conftest import wait_idle

CTRL = Qt.KeyboardModifier.ControlModifier


def _key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _left(window) -> int:
    """What the workspace says is still in the queue shown."""
    return review.queue_info(window.workspace, window.model.case_filter).count


def _reopen(qtbot, window, queue_id: str) -> None:
    window.queue_view.select_queue("errors")
    window.queue_view.select_queue(queue_id)
    wait_idle(qtbot, window)


def test_which_queues_drain():
    assert drains(CaseFilter(review="unreviewed")) == "verdict"
    assert drains(CaseFilter(assigned_to="me", pending_for="me")) == "verdict"
    assert drains(CaseFilter(resolution="disputed")) == "adjudication"
    for stays in (CaseFilter(), CaseFilter(status="error"), CaseFilter(review="flagged"), CaseFilter(verdict="fail")):
        assert drains(stays) is None


def test_unreviewed_counts_what_was_reviewed_and_what_is_left(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    count = window.queue_view.count_label
    wait_idle(qtbot, window)
    assert window.queue_view.queue_id() == "unreviewed"
    total = _left(window)
    qtbot.waitUntil(lambda: count.text() == f"0 reviewed this session · {total} left")
    for verdict in (Qt.Key.Key_P, Qt.Key.Key_F, Qt.Key.Key_U):
        _key(qtbot, verdict)
        _key(qtbot, Qt.Key.Key_Return, CTRL)
    wait_idle(qtbot, window)
    assert count.text() == f"3 reviewed this session · {total - 3} left"
    _key(qtbot, Qt.Key.Key_K)
    _key(qtbot, Qt.Key.Key_P)  # a changed verdict is still one reviewed case
    assert count.text() == f"3 reviewed this session · {total - 3} left"
    _key(qtbot, Qt.Key.Key_Z, CTRL)
    _key(qtbot, Qt.Key.Key_Z, CTRL)  # the third case has no verdict again: back in the queue
    wait_idle(qtbot, window)
    assert count.text() == f"2 reviewed this session · {total - 2} left"

    # A recount (the queue opened again, as after an import) agrees: the reviewed cases are not lost.
    _reopen(qtbot, window, "unreviewed")
    assert _left(window) == total - 2 == window.model.rowCount()
    qtbot.waitUntil(lambda: count.text() == f"2 reviewed this session · {total - 2} left")
    window.queue_view.search.setText("refund")
    window.queue_view.apply()
    wait_idle(qtbot, window)
    matches = _left(window)
    assert count.text().startswith(f"{matches} cases left match in Unreviewed · 2 reviewed this session")


def test_all_cases_counts_reviewed_of_the_queue(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    window.queue_view.select_queue("all")
    wait_idle(qtbot, window)
    count = window.queue_view.count_label
    total = window.model.rowCount()
    qtbot.waitUntil(lambda: count.text() == f"0 of {total} reviewed in this queue")
    _key(qtbot, Qt.Key.Key_P)
    _key(qtbot, Qt.Key.Key_Return, CTRL)
    _key(qtbot, Qt.Key.Key_F)
    assert count.text() == f"2 of {total} reviewed in this queue"
    _reopen(qtbot, window, "all")
    qtbot.waitUntil(lambda: count.text() == f"2 of {total} reviewed in this queue")


def test_my_queue_counts_my_verdicts_not_the_other_reviewers(qtbot, make_main_window, demo_workspace):
    ws = open_workspace(demo_workspace)
    try:
        assignment.assign(ws, ["tester", "other"], overlap=2, sample=6, seed=3)
        theirs = [a.case_id for a in assignment.list_assignments(ws, reviewer="other")]
        # other's verdicts are no work of mine: they do not make My queue's cases reviewed
        for case_id in theirs[:3]:
            labels.record_label(ws, case_id, LabelChange(verdict="fail"), reviewer="other")
    finally:
        ws.close()
    window = make_main_window(demo_workspace, reviewer="tester")
    wait_idle(qtbot, window)
    assert window.queue_view.queue_id() == "mine"
    count, progress = window.queue_view.count_label, window.queue_view.progress_label
    qtbot.waitUntil(lambda: count.text() == "0 reviewed this session · 6 left")
    _key(qtbot, Qt.Key.Key_P)
    _key(qtbot, Qt.Key.Key_Return, CTRL)
    _key(qtbot, Qt.Key.Key_U)  # not F: other's fail shows on the panel, and F again writes nothing
    wait_idle(qtbot, window)
    assert count.text() == "2 reviewed this session · 4 left"
    qtbot.waitUntil(lambda: progress.text() == "2 of 6 done")
    _reopen(qtbot, window, "mine")
    assert window.model.rowCount() == 4
    qtbot.waitUntil(lambda: count.text() == "2 reviewed this session · 4 left")


def _dispute(path: Path, n: int) -> None:
    ws = open_workspace(path)
    try:
        for summary in cases.list_cases(ws, CaseFilter(), limit=n):
            labels.record_label(ws, summary.case_id, LabelChange(verdict="fail"), reviewer="ana")
            labels.record_label(ws, summary.case_id, LabelChange(verdict="pass"), reviewer="bo")
    finally:
        ws.close()


def test_disputed_counts_adjudications_and_what_is_left(qtbot, make_main_window, demo_workspace):
    _dispute(demo_workspace, 3)
    window = make_main_window(demo_workspace, reviewer="lead")
    window.queue_view.select_queue("disputed")
    window.focus_review_surface()
    wait_idle(qtbot, window)
    count = window.queue_view.count_label
    # Disputed used to count as reviewed: "3 of 3 reviewed" before anything was decided.
    qtbot.waitUntil(lambda: count.text() == "0 adjudicated this session · 3 left")
    _key(qtbot, Qt.Key.Key_1)  # take ana's label: the case leaves the queue
    wait_idle(qtbot, window)
    assert window.model.rowCount() == 2
    qtbot.waitUntil(lambda: count.text() == "1 adjudicated this session · 2 left")
    _key(qtbot, Qt.Key.Key_Z, CTRL)  # undone: disputed again
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: count.text() == "0 adjudicated this session · 3 left")
    _key(qtbot, Qt.Key.Key_2)
    wait_idle(qtbot, window)
    _reopen(qtbot, window, "disputed")
    assert _left(window) == 2
    qtbot.waitUntil(lambda: count.text() == "1 adjudicated this session · 2 left")
