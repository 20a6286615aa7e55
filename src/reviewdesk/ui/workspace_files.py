"""File menu handlers: open or switch workspaces (and the recent list), import, export, drops."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from reviewdesk import paths
from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.progress import Progress
from reviewdesk.services import exports, formats, imports, packages, review
from reviewdesk.services.import_records import describe_file, describe_left_out, describe_result
from reviewdesk.services.review import ReviewSession
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.adjudication_loop import AdjudicationLoop
from reviewdesk.ui.errors import message_box, show_error
from reviewdesk.ui.views.export_dialog import ExportDialog, export_message

log = logging.getLogger(__name__)


class WorkspaceFiles(AdjudicationLoop):
    """See the module docstring."""

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self.settings.recent_workspaces:
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _checked=False, p=entry: self.switch_workspace(paths.workspace_location(p)))
        self.recent_menu.setEnabled(bool(self.settings.recent_workspaces))

    # --- import / export -----------------------------------------------------------------------
    def choose_import(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import traces", str(Path.home()), formats.import_file_filter())
        if files:
            self.import_paths([Path(f) for f in files])

    def choose_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of traces", str(Path.home()))
        if folder:
            self.import_paths([Path(folder)])

    def import_paths(self, files: list[Path]) -> None:
        if self._refuse_write("imported"):
            return
        workspace = self.workspace

        def work(progress: Progress) -> imports.ImportResult:
            return imports.import_files(workspace, files, progress=progress)

        self.statusBar().showMessage(f"Importing {len(files)} file(s)…")
        self.runner.op(work).with_progress("Importing traces", self).success(self._imported).failure(
            lambda exc, details: show_error(self, exc, details, title="Import failed")
        ).run()

    def _imported(self, result: imports.ImportResult) -> None:
        left_out = describe_left_out(result)
        lines = [describe_file(s) for s in result.files] + ([left_out] if left_out else [])
        summary = describe_result(result)
        self.last_import_summary = "\n".join([summary, *lines])
        # The status bar only counts what was left out; the report names each file and why.
        hint = " File ▸ Import report names them." if left_out else ""
        self.statusBar().showMessage(summary + hint, 15000 if left_out else 8000)
        self.on_changes(result.changes)
        problems = [s for s in result.files if s.failed or s.skipped]
        if not problems:
            return
        all_failed = all(s.failed for s in result.files)
        details = "\n".join(error for s in problems for error in s.errors[:200])
        box = message_box(
            self,
            "Import failed" if all_failed else "Import finished with problems",
            "\n".join(lines) if all_failed else "\n".join([summary, "", *lines]),
            details=details,
        )
        box.setObjectName("import_problems")
        box.exec()

    def show_import_report(self) -> None:
        """The last import's lines as ``reviewdesk import`` prints them: the status bar holds only the totals."""
        totals, _, files = self.last_import_summary.partition("\n")
        text = f"{totals}\n\n{files}" if totals else "No import yet in this window."
        box = message_box(self, "Import report", text, icon=QMessageBox.Icon.Information)
        box.setObjectName("import_report")
        box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 560px; }")  # one line per file, names unbroken
        box.exec()

    def choose_merge(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Merge review packages",
            str(Path.home()),
            f"Review packages (*{packages.FILE_ENDING});;All files (*)",
        )
        if files:
            self.merge_packages([Path(f) for f in files])

    def merge_packages(self, files: list[Path]) -> None:
        """Merge each package in the background (one transaction each), then report per package.

        A refused package (another workspace's, tampered with, truncated, of a newer format)
        changes nothing; the report names the file and why.
        """
        if self._refuse_write("merged"):
            return
        workspace = self.workspace
        self.label_panel.flush_text()
        self.statusBar().showMessage(f"Merging {len(files)} review package(s)…")
        self.runner.op(lambda _progress: packages.merge_packages(workspace, files)).with_progress(
            "Merging review packages", self
        ).success(self._merged).failure(lambda exc, details: show_error(self, exc, details, title="Merge failed")).run()

    def _merged(self, results: list[packages.MergeReport | packages.PackageError]) -> None:
        merged = [r for r in results if isinstance(r, packages.MergeReport)]
        refused = [r for r in results if isinstance(r, packages.PackageError)]
        lines = [r.summary() for r in merged]
        lines += [f"Refused (nothing merged from it): {exc}" for exc in refused]
        added = sum(r.added for r in merged)
        summary = f"Merged {len(merged)} review package(s): {added} label event(s) added" + (
            f"; {len(refused)} refused" if refused else ""
        )
        self.last_merge_report = "\n".join(lines)
        self.statusBar().showMessage(summary, 10000)
        if added:
            self._details.clear()
            self.on_changes(Changes(labels=True, cases=True, traces=True))  # many cases' labels: reload
        title = "Review package refused" if refused and not merged else "Review packages merged"
        box = message_box(
            self,
            title,
            "\n\n".join([summary if merged else "Nothing was merged; the workspace is unchanged.", *lines]),
            icon=QMessageBox.Icon.Warning if refused else QMessageBox.Icon.Information,
        )
        box.setObjectName("merge_report")
        box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 560px; }")  # one line per package, file names unbroken
        box.exec()

    def choose_export(self) -> None:
        """The export dialog, then the export on the task runner; the status bar says what was written."""
        fixed = self.model.fixed_rowids
        # A list opened from the insights is exported as that list, in its order.
        queue = (
            exports.ExportSelection(case_rowids=tuple(fixed))
            if fixed is not None
            else exports.ExportSelection(flt=self.model.case_filter)
        )
        workspace = self.workspace
        dialog = ExportDialog(
            workspace, self.runner, formats.export_formats(), queue, default_dir=Path.home(), parent=self
        )
        try:
            if not dialog.exec():
                return
            selection = dialog.selection()
            name = dialog.format_name()
            out = dialog.output_path()
            split = dialog.split_spec()
            bom = dialog.wants_excel_bom()
        finally:
            dialog.deleteLater()
        self.runner.op(
            lambda progress: exports.export_cases(
                workspace, name, out, selection=selection, split=split, excel_bom=bom, progress=progress
            )
        ).with_progress("Exporting", self).success(
            lambda res: self.statusBar().showMessage(export_message(res), 8000)
        ).failure(lambda exc, details: show_error(self, exc, details, title="Export failed")).run()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.read_only:
            event.ignore()
            return
        if event.mimeData().hasUrls() and all(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [Path(QUrl(url).toLocalFile()) for url in event.mimeData().urls()]
        if self.read_only:
            event.ignore()
            self._refuse_write("imported")
            return
        if files:
            event.acceptProposedAction()
            self.import_paths(files)

    # --- workspace, settings, help -------------------------------------------------------------
    def choose_workspace(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Open or create a workspace",
            str(self.workspace.path.parent if self.workspace.path is not None else paths.data_dir()),
            # A review package opens like a workspace: its queue is the reviewer's assignment.
            f"reviewdesk workspace (*{paths.WORKSPACE_SUFFIX});;Review package (*{packages.FILE_ENDING})",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            target = Path(path)
            if not target.suffix:
                target = target.with_suffix(paths.WORKSPACE_SUFFIX)
            self.switch_workspace(target)

    def switch_workspace(self, path: paths.WorkspaceLocation) -> None:
        if self.runner.writing:
            self.statusBar().showMessage("Wait for the running import or export to finish.", 5000)
            return
        try:
            # A read-only window stays read-only: a risk owner's session never starts writing.
            workspace = open_workspace(path, read_only=True if self.read_only else None)
        except ReviewdeskError as exc:
            show_error(self, exc)
            return
        self.label_panel.flush_text()
        old, self.workspace = self.workspace, workspace
        self._workspace_generation += 1  # reads still running on the old workspace are ignored
        old.close()
        self.session = ReviewSession(workspace, self.settings.reviewer)
        self.queue_view.recent.clear()  # the strip names cases of the old workspace
        self.apply_schema(review.label_schema(workspace))
        self._details.clear()
        self.model.set_workspace(workspace)
        self.insights_view.set_workspace(workspace)
        self._set_viewer()  # a review package labels as its reviewer
        self._insights_stale = True
        self.remember_workspace()
        self._update_title()
        self._apply_read_only()
        self._open_initial_queue()
        if self.insights_shown:
            self._insights_stale = False
            self.insights_view.refresh()

    def remember_workspace(self) -> None:
        self.settings.add_recent(self.workspace.location)
        self._save_settings()
        self._fill_recent_menu()
