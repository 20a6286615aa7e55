"""Every command of the window, declared once: text, default keys, menu, repeat behaviour.

The main window builds menus and shortcuts from ``ACTIONS``; the cheat sheet lists the same
table, so the two never disagree. Reviewers override keys in the settings file by action id
(``"shortcuts": {"review.pass": ["Y"]}``). Single-letter keys are safe next to text fields:
a focused line or text edit claims printable keys before shortcuts see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from reviewdesk.services.roles import Identity


class ActionId(StrEnum):
    OPEN_WORKSPACE = "file.open_workspace"
    IMPORT = "file.import"
    IMPORT_FOLDER = "file.import_folder"
    IMPORT_REPORT = "file.import_report"
    MERGE_PACKAGE = "file.merge_package"
    EXPORT = "file.export"
    QUIT = "file.quit"
    UNDO = "edit.undo"
    REDO = "edit.redo"
    FIND = "edit.find"
    FIND_ALL = "edit.find_all"
    PREFERENCES = "edit.preferences"
    REDACTION = "edit.redaction_rules"
    RETENTION = "edit.retention"
    PRICES = "edit.prices"
    TAXONOMY = "edit.taxonomy"
    TOGGLE_QUEUE = "view.toggle_queue"
    TOGGLE_SPANS = "view.toggle_spans"
    FOCUS_QUEUE = "view.focus_queue"
    INSIGHTS = "view.insights"
    GUIDELINES = "view.guidelines"
    READ_PROMPT = "read.prompt"
    READ_CONTEXT = "read.context"
    READ_TOOLS = "read.tools"
    READ_OUTPUT = "read.output"
    READ_SPANS = "read.spans"
    PAGE_DOWN = "read.page_down"
    PAGE_UP = "read.page_up"
    PANE_START = "read.start"
    PANE_END = "read.end"
    NEXT_ITEM = "read.next_item"
    PREVIOUS_ITEM = "read.previous_item"
    MAXIMISE_PANE = "read.maximise"
    TOGGLE_ITEM = "read.toggle_item"
    TOGGLE_ALL_ITEMS = "read.toggle_all_items"
    RAW_JSON = "read.raw_json"
    NEXT = "review.next"
    PREVIOUS = "review.previous"
    PASS = "review.pass"
    FAIL = "review.fail"
    UNSURE = "review.unsure"
    ROOT_CAUSE_1 = "review.root_cause_1"
    ROOT_CAUSE_2 = "review.root_cause_2"
    ROOT_CAUSE_3 = "review.root_cause_3"
    ROOT_CAUSE_4 = "review.root_cause_4"
    ROOT_CAUSE_5 = "review.root_cause_5"
    ROOT_CAUSE_6 = "review.root_cause_6"
    ROOT_CAUSE_7 = "review.root_cause_7"
    ROOT_CAUSE_8 = "review.root_cause_8"
    ROOT_CAUSE_9 = "review.root_cause_9"
    ROOT_CAUSE_10 = "review.root_cause_10"
    ROOT_CAUSE_11 = "review.root_cause_11"
    ROOT_CAUSE_12 = "review.root_cause_12"
    ROOT_CAUSE_13 = "review.root_cause_13"
    ROOT_CAUSE_14 = "review.root_cause_14"
    ROOT_CAUSE_15 = "review.root_cause_15"
    ROOT_CAUSE_16 = "review.root_cause_16"
    ROOT_CAUSE_17 = "review.root_cause_17"
    ROOT_CAUSE_18 = "review.root_cause_18"
    MORE_ROOT_CAUSES = "review.more_root_causes"
    ESCALATE = "review.escalate"
    SCORES = "review.scores"
    EDIT_CORRECTED = "review.edit_corrected_output"
    EDIT_COMMENT = "review.edit_comment"
    EVIDENCE = "review.attach_evidence"
    SAVE_NEXT = "review.save_next"
    BACK_TO_RECENT = "review.back_to_recent"
    ADJUDICATE = "review.adjudicate"
    CHEAT_SHEET = "help.shortcuts"
    ABOUT = "help.about"


KEYED_ROOT_CAUSES = 9
"""Root causes 1–9 have their digit; the next nine are ``Ctrl`` + a digit, or ``0`` (the picker) then the digit."""
ROOT_CAUSE_ACTIONS: tuple[ActionId, ...] = tuple(
    ActionId(f"review.root_cause_{n}") for n in range(1, 2 * KEYED_ROOT_CAUSES + 1)
)
"""Causes 1–18 in taxonomy order: digits, then Ctrl+digits."""
READ_PANE_ACTIONS: tuple[ActionId, ...] = (
    ActionId.READ_PROMPT,
    ActionId.READ_CONTEXT,
    ActionId.READ_TOOLS,
    ActionId.READ_OUTPUT,
    ActionId.READ_SPANS,
)
"""Alt+1 … Alt+5, in the order of ``case_view.READING_TARGETS``."""


def root_cause_keys(number: int) -> str:
    """How root cause ``number`` (1-based) is reached: ``5``, or ``0 3`` (0 opens the picker, then 3)."""
    if number <= KEYED_ROOT_CAUSES:
        return str(number)
    second = number - KEYED_ROOT_CAUSES
    return f"0 {second}" if second <= 9 else "0 …"


def root_cause_shortcut(number: int) -> str:
    """The default key of root cause ``number``'s action: ``5``, ``Ctrl+3`` for the 12th; past 18, none."""
    if number <= KEYED_ROOT_CAUSES:
        return str(number)
    second = number - KEYED_ROOT_CAUSES
    return f"Ctrl+{second}" if second <= 9 else ""


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """How one command looks and is triggered."""

    id: ActionId
    text: str
    keys: tuple[str, ...]
    menu: str
    tip: str = ""
    autorepeat: bool = False
    """Off for decisions: holding F must not record a dozen events."""
    checkable: bool = False
    writes: bool = False
    """Changes the workspace: disabled when it is open read-only."""
    review_surface: bool = False
    """Acts on the queue or the shown case: disabled while the insights are shown (as is all of Review)."""


def _rc(n: int) -> ActionSpec:
    return ActionSpec(
        ActionId(f"review.root_cause_{n}"),
        f"Root cause {n}",
        (root_cause_shortcut(n),),
        "Review",
        "Toggle this root cause",
        writes=True,
    )


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        ActionId.OPEN_WORKSPACE, "&Open workspace…", ("Ctrl+Shift+O",), "File", "Open or create a workspace file"
    ),
    ActionSpec(
        ActionId.IMPORT,
        "&Import traces…",
        ("Ctrl+O",),
        "File",
        "Import trace files, .gz or .zip bundles, or a reviewdesk export (or drop them on the window)",
        writes=True,
    ),
    ActionSpec(
        ActionId.IMPORT_FOLDER,
        "Import &folder…",
        ("Ctrl+Alt+O",),
        "File",
        "Import every trace file in a folder and its subfolders",
        writes=True,
    ),
    ActionSpec(
        ActionId.IMPORT_REPORT,
        "Import re&port…",
        (),
        "File",
        "What the last import read, file by file, and which files of its folders and archives it left out, and why",
    ),
    ActionSpec(
        ActionId.MERGE_PACKAGE,
        "&Merge review package…",
        (),
        "File",
        "Bring the labels of reviewers' offline review packages (.rdpkg) back into this workspace",
        writes=True,
    ),
    ActionSpec(ActionId.EXPORT, "&Export eval set…", ("Ctrl+Shift+E",), "File", "Export the cases of the queue"),
    ActionSpec(ActionId.QUIT, "&Quit", ("Ctrl+Q",), "File"),
    ActionSpec(
        ActionId.UNDO,
        "&Undo label change",
        ("Ctrl+Z",),
        "Edit",
        "Undo the last label change made in this window",
        writes=True,
    ),
    ActionSpec(ActionId.REDO, "&Redo label change", ("Ctrl+Shift+Z", "Ctrl+Y"), "Edit", writes=True),
    ActionSpec(
        ActionId.FIND,
        "&Search cases",
        ("/", "Ctrl+F"),
        "Edit",
        "Full-text search over request, output, context and tools",
        review_surface=True,
    ),
    ActionSpec(
        ActionId.FIND_ALL,
        "Search &all cases",
        ("Ctrl+Shift+F",),
        "Edit",
        "Search every case, not only this queue and its filters (again: back to this queue)",
        review_surface=True,
    ),
    ActionSpec(ActionId.PREFERENCES, "&Preferences…", ("Ctrl+,",), "Edit", "Reviewer name and colour scheme"),
    ActionSpec(
        ActionId.REDACTION,
        "Re&daction rules…",
        (),
        "Edit",
        "What imports into this workspace redact: kinds, your own patterns, values never redacted",
        writes=True,
    ),
    ActionSpec(
        ActionId.RETENTION,
        "Rete&ntion / purge…",
        (),
        "Edit",
        "How long cases are kept; delete old cases for good",
        writes=True,
    ),
    ActionSpec(
        ActionId.PRICES,
        "&Model prices…",
        (),
        "Edit",
        "The workspace's own model prices for estimated costs (traces that record no cost)",
        writes=True,
    ),
    ActionSpec(
        ActionId.TAXONOMY,
        "&Taxonomy…",
        (),
        "Edit",
        "The workspace's root causes, scores and rubric: add, rename, retire, restore, import (each a new version)",
        writes=True,
    ),
    ActionSpec(
        ActionId.TOGGLE_QUEUE,
        "Show &queue",
        ("Ctrl+Shift+L",),
        "View",
        "Show or hide the case queue",
        checkable=True,
        review_surface=True,
    ),
    ActionSpec(
        ActionId.TOGGLE_SPANS,
        "&Span tree",
        ("T",),
        "View",
        "Switch between the case panes and the span waterfall",
        review_surface=True,
    ),
    ActionSpec(
        ActionId.FOCUS_QUEUE,
        "&Focus queue",
        ("Ctrl+L",),
        "View",
        "Move keyboard focus to the case queue",
        review_surface=True,
    ),
    ActionSpec(
        ActionId.INSIGHTS,
        "&Insights",
        ("Ctrl+I",),
        "View",
        "Switch between the review desk and the insights: failure rates, releases, trends, cost, sources",
        checkable=True,
    ),
    ActionSpec(
        ActionId.GUIDELINES,
        "&Guidelines",
        ("G",),
        "View",
        "Show the rubric and every root cause's definition beside the label form",
        checkable=True,
        review_surface=True,
    ),
    *(
        ActionSpec(action_id, f"Read {title}", (f"Alt+{n}",), "Read", f"Move the keyboard to {title} (Esc leaves)")
        for n, (action_id, title) in enumerate(
            zip(READ_PANE_ACTIONS, ("&prompt", "&context", "&tools", "&output", "&spans"), strict=True), 1
        )
    ),
    ActionSpec(
        ActionId.PAGE_DOWN,
        "Page &down (all panes)",
        ("Space",),
        "Read",
        "From the queue: a page of every pane with text left, at once (folded tool calls open). "
        "In a pane read with Alt+1-4: a page of it; at its end, on into the next pane left to read",
        autorepeat=True,
    ),
    ActionSpec(ActionId.PAGE_UP, "Page &up (all panes)", ("Shift+Space",), "Read", autorepeat=True),
    ActionSpec(ActionId.PANE_START, "To t&he start", ("Home",), "Read"),
    ActionSpec(ActionId.PANE_END, "To the &end", ("End",), "Read"),
    ActionSpec(
        ActionId.NEXT_ITEM,
        "&Next item",
        ("N",),
        "Read",
        "Next message, document or tool call of the pane (next span on the Spans tab)",
        autorepeat=True,
    ),
    ActionSpec(ActionId.PREVIOUS_ITEM, "P&revious item", ("Shift+N",), "Read", autorepeat=True),
    ActionSpec(
        ActionId.MAXIMISE_PANE,
        "&Maximise pane",
        ("M",),
        "Read",
        "The pane being read takes the case area (M again restores)",
        checkable=True,
    ),
    ActionSpec(
        ActionId.TOGGLE_ITEM,
        "Open / c&lose item",
        ("O",),
        "Read",
        "Open the current tool call or earlier turn in place, or fold it back (Enter or Right in the pane)",
    ),
    ActionSpec(ActionId.TOGGLE_ALL_ITEMS, "Open / close &all items", ("Shift+O",), "Read"),
    ActionSpec(
        ActionId.RAW_JSON,
        "Ra&w JSON",
        ("R",),
        "Read",
        "Show JSON values as the trace recorded them instead of key: value lines",
        checkable=True,
    ),
    ActionSpec(ActionId.NEXT, "&Next case", ("J",), "Review", autorepeat=True),
    ActionSpec(ActionId.PREVIOUS, "P&revious case", ("K",), "Review", autorepeat=True),
    ActionSpec(ActionId.PASS, "Verdict: &pass", ("P",), "Review", writes=True),
    ActionSpec(ActionId.FAIL, "Verdict: &fail", ("F",), "Review", writes=True),
    ActionSpec(ActionId.UNSURE, "Verdict: &unsure", ("U",), "Review", writes=True),
    *(_rc(n) for n in range(1, 2 * KEYED_ROOT_CAUSES + 1)),
    ActionSpec(
        ActionId.MORE_ROOT_CAUSES, "More roo&t causes…", ("0",), "Review", "Pick any root cause by name", writes=True
    ),
    ActionSpec(ActionId.ESCALATE, "Flag for &escalation", ("X",), "Review", writes=True),
    ActionSpec(
        ActionId.SCORES,
        "&Scores",
        ("S",),
        "Review",
        "Focus the scores: 1–5 sets, Tab moves, Esc leaves",
        writes=True,
    ),
    ActionSpec(
        ActionId.EDIT_CORRECTED, "Edit &corrected output", ("E",), "Review", "Esc leaves the editor", writes=True
    ),
    ActionSpec(ActionId.EDIT_COMMENT, "Edit co&mment", ("C",), "Review", "Esc leaves the editor", writes=True),
    ActionSpec(
        ActionId.EVIDENCE,
        "Attach e&vidence…",
        ("V",),
        "Review",
        "Point a root cause at a document, tool call or span",
        writes=True,
    ),
    ActionSpec(ActionId.SAVE_NEXT, "Save and ne&xt", ("Ctrl+Return", "Ctrl+Enter"), "Review", writes=True),
    ActionSpec(
        ActionId.BACK_TO_RECENT,
        "&Back to a recent decision",
        ("B",),
        "Review",
        "Go back to the case decided before this one (again: further back through the recent decisions)",
        autorepeat=False,
    ),
    ActionSpec(
        ActionId.ADJUDICATE,
        "&Adjudicate",
        ("A",),
        "Review",
        "Compare the reviewers' labels and decide: 1-9 take one whole, or compose field by field; "
        "Ctrl+Enter records (shown at once for disputed cases)",
        writes=True,
    ),
    ActionSpec(ActionId.CHEAT_SHEET, "&Keyboard shortcuts", ("?",), "Help"),
    ActionSpec(ActionId.ABOUT, "&About reviewdesk", (), "Help"),
)

SPECS: dict[ActionId, ActionSpec] = {spec.id: spec for spec in ACTIONS}
WRITE_ACTIONS: frozenset[ActionId] = frozenset(spec.id for spec in ACTIONS if spec.writes)
REVIEW_SURFACE_ACTIONS: frozenset[ActionId] = frozenset(
    spec.id for spec in ACTIONS if spec.review_surface or spec.menu in ("Read", "Review")
)


def enabled(spec: ActionSpec, *, read_only: bool, insights_shown: bool) -> bool:
    """The enable rule of the table: writes need a writable workspace, review keys the review desk."""
    if spec.writes and read_only:
        return False
    return not (insights_shown and spec.id in REVIEW_SURFACE_ACTIONS)


WORKSPACE_WRITE_ACTIONS: frozenset[ActionId] = frozenset(
    {ActionId.IMPORT, ActionId.IMPORT_FOLDER, ActionId.REDACTION, ActionId.RETENTION, ActionId.PRICES}
)
"""Writes that change the workspace's data or settings rather than a label: admins and engineers only."""


def allowed_by_role(spec: ActionSpec, identity: Identity) -> bool:
    """What a team workspace's database role lets the user do (the database refuses the rest too)."""
    if spec.id in WORKSPACE_WRITE_ACTIONS:
        return identity.can_import
    return identity.can_label or not spec.writes


MENUS: tuple[str, ...] = ("File", "Edit", "View", "Read", "Review", "Help")


def keys_for(spec: ActionSpec, overrides: dict[str, list[str]]) -> tuple[str, ...]:
    return tuple(overrides[spec.id.value]) if spec.id.value in overrides else spec.keys


def shortcut_text(keys: tuple[str, ...]) -> str:
    return ", ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) for k in keys)


def build_actions(parent: QWidget, overrides: dict[str, list[str]]) -> dict[ActionId, QAction]:
    """One ``QAction`` per spec, owned by and added to ``parent`` so shortcuts work window-wide."""
    actions: dict[ActionId, QAction] = {}
    for spec in ACTIONS:
        action = QAction(spec.text, parent)
        action.setObjectName(spec.id.value)
        keys = keys_for(spec, overrides)
        action.setShortcuts([QKeySequence(k) for k in keys])
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setAutoRepeat(spec.autorepeat)
        action.setCheckable(spec.checkable)
        action.setShortcutVisibleInContextMenu(True)
        set_tip(action, spec.tip or spec.text.replace("&", "").rstrip("…"), keys)
        parent.addAction(action)
        actions[spec.id] = action
    return actions


def set_tip(action: QAction, tip: str, keys: tuple[str, ...]) -> None:
    shortcut = shortcut_text(keys)
    action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
    action.setStatusTip(action.toolTip())
