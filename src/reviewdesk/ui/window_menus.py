"""The window's menus (built from ``actions.ACTIONS``) and each action's handler."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from reviewdesk.domain.queries import SMART_QUEUES
from reviewdesk.ui.actions import MENUS, READ_PANE_ACTIONS, ROOT_CAUSE_ACTIONS, SPECS, ActionId
from reviewdesk.ui.views.case_view import READING_TARGETS

if TYPE_CHECKING:
    from reviewdesk.ui.main_window import MainWindow


MENU_TEXT = {"Read": "Rea&d"}
"""Menu titles whose first letter another menu took (Alt+R is Review)."""


def build_menus(window: MainWindow) -> None:
    menus: dict[str, QMenu] = {name: window.menuBar().addMenu(MENU_TEXT.get(name, f"&{name}")) for name in MENUS}
    separators_before = {
        ActionId.IMPORT,
        ActionId.QUIT,
        ActionId.FIND,
        ActionId.PREFERENCES,
        ActionId.PASS,
        ActionId.ROOT_CAUSE_1,
        ActionId.ESCALATE,
        ActionId.SAVE_NEXT,
        ActionId.ABOUT,
    }
    for action_id, action in window.action_map.items():
        menu = menus[SPECS[action_id].menu]
        if action_id in separators_before and not menu.isEmpty():
            menu.addSeparator()
        menu.addAction(action)
        if action_id == ActionId.OPEN_WORKSPACE:
            window.recent_menu = menu.addMenu("Open &recent")
            window.recent_menu.setObjectName("recent_menu")
        if action_id == ActionId.FOCUS_QUEUE:
            queues = menus["View"].addMenu("Sma&rt queue")
            for queue in SMART_QUEUES:
                queue_action = queues.addAction(queue.title)
                queue_action.setStatusTip(queue.description)
                queue_action.triggered.connect(lambda _checked=False, q=queue.id: window.queue_view.select_queue(q))
    window._label_root_cause_actions()
    window._fill_recent_menu()


def connect_actions(window: MainWindow) -> None:
    handlers: dict[ActionId, Callable[[], object]] = {
        ActionId.OPEN_WORKSPACE: window.choose_workspace,
        ActionId.IMPORT: window.choose_import,
        ActionId.IMPORT_FOLDER: window.choose_import_folder,
        ActionId.IMPORT_REPORT: window.show_import_report,
        ActionId.MERGE_PACKAGE: window.choose_merge,
        ActionId.EXPORT: window.choose_export,
        ActionId.QUIT: window.close,
        ActionId.UNDO: window.undo,
        ActionId.REDO: window.redo,
        ActionId.FIND: window.queue_view.focus_search,
        ActionId.FIND_ALL: window.queue_view.search_everything,
        ActionId.PREFERENCES: window.edit_preferences,
        ActionId.REDACTION: window.edit_redaction,
        ActionId.RETENTION: window.edit_retention,
        ActionId.PRICES: window.edit_prices,
        ActionId.TAXONOMY: window.edit_taxonomy,
        ActionId.GUIDELINES: window.toggle_guidelines,
        ActionId.INSIGHTS: lambda: window.show_insights(window.action_map[ActionId.INSIGHTS].isChecked()),
        ActionId.TOGGLE_QUEUE: lambda: window.queue_view.setVisible(
            window.action_map[ActionId.TOGGLE_QUEUE].isChecked()
        ),
        ActionId.TOGGLE_SPANS: window.case_view.toggle_tab,
        ActionId.FOCUS_QUEUE: window.focus_review_surface,
        ActionId.PAGE_DOWN: lambda: window.case_view.page(1),
        ActionId.PAGE_UP: lambda: window.case_view.page(-1),
        ActionId.PANE_START: window.case_view.to_start,
        ActionId.PANE_END: window.case_view.to_end,
        ActionId.NEXT_ITEM: lambda: window.case_view.step_item(1),
        ActionId.PREVIOUS_ITEM: lambda: window.case_view.step_item(-1),
        ActionId.MAXIMISE_PANE: window.toggle_maximise,
        ActionId.TOGGLE_ITEM: window.case_view.toggle_item,
        ActionId.TOGGLE_ALL_ITEMS: window.case_view.toggle_all_items,
        ActionId.RAW_JSON: window.case_view.toggle_raw,
        ActionId.NEXT: window.next_case,
        ActionId.PREVIOUS: window.previous_case,
        ActionId.PASS: lambda: window.set_verdict("pass"),
        ActionId.FAIL: lambda: window.set_verdict("fail"),
        ActionId.UNSURE: lambda: window.set_verdict("unsure"),
        ActionId.MORE_ROOT_CAUSES: window.pick_root_cause,
        ActionId.ESCALATE: window.label_panel.toggle_escalate,
        ActionId.SCORES: window.label_panel.focus_scores,
        ActionId.EDIT_CORRECTED: window.label_panel.focus_corrected,
        ActionId.EDIT_COMMENT: window.label_panel.focus_comment,
        ActionId.EVIDENCE: window.attach_evidence,
        ActionId.SAVE_NEXT: window.save_and_next,
        ActionId.BACK_TO_RECENT: window.back_to_recent,
        ActionId.ADJUDICATE: window.adjudicate,
        ActionId.CHEAT_SHEET: window.show_cheat_sheet,
        ActionId.ABOUT: window.show_about,
    }
    for number, action_id in enumerate(ROOT_CAUSE_ACTIONS, 1):
        handlers[action_id] = functools.partial(window.toggle_root_cause_number, number)
    for action_id, title in zip(READ_PANE_ACTIONS, READING_TARGETS, strict=True):
        handlers[action_id] = functools.partial(window.case_view.focus_pane, title)
    for action_id, handler in handlers.items():
        window.action_map[action_id].triggered.connect(lambda _checked=False, h=handler: h())
    window.action_map[ActionId.TOGGLE_QUEUE].setChecked(True)
    window.label_panel.change_requested.connect(window.record)
    window.label_panel.leave_editor.connect(window.focus_review_surface)
    window.case_view.leave_pane.connect(window.focus_review_surface)
    window.label_panel.attach_requested.connect(window.attach_evidence)
    window.queue_view.recent.open_case.connect(window.open_recent)
    window.queue_view.filter_applied.connect(window._queue_changed)
    window.queue_view.return_to_table.connect(window.focus_review_surface)
    window.queue_view.table.selectionModel().currentRowChanged.connect(window._current_row_changed)
    window.model.modelReset.connect(window._after_reset)
    window.insights_view.open_cases.connect(window.open_case_ids)
    window.adjudication_view.take_requested.connect(lambda index: window.take_reviewer(index + 1))
    window.adjudication_view.confirm_requested.connect(window.confirm_decision)
    window.adjudication_view.leave.connect(window._leave_adjudication_table)
    window.insights_view.status.connect(lambda text: window.statusBar().showMessage(text, 8000))
