"""The side panel: memories and skills with a checkbox each (active for the next answer), their status, and a context menu.

A file being taught shows a progress bar (chunks taught of all) in its status column; clicking a row that
failed emits ``reasonRequested`` with why, in words (the window shows it), besides the hover tooltip.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QMenu, QStyle, QStyledItemDelegate,
                               QStyleOptionProgressBar, QTreeWidget, QTreeWidgetItem)

PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 1  # (done, total) of a row being taught, on the status column
NO_PROGRESS = (0, 0)
# Every row carries both roles (group rows too): PySide6 6.12 on Python 3.11 drops a reference to None each time
# data() finds a role unset, and enough of those (a repaint per progress step) abort the process.

ACTIONS = ("rename", "disable", "enable", "export-gguf", "export-peft", "forget", "cancel", "dismiss")


@dataclass(frozen=True)
class Row:
    """One line of the panel: a library item (``item_id``) or a teach job not yet in the library (``job_id``)."""

    name: str
    kind: str  # memory | skill
    status: str  # ready, disabled, queued, teaching 2/5, failed: reason, ...
    item_id: str = ""
    job_id: str = ""
    checked: bool = False
    disabled: bool = False
    tooltip: str = ""
    progress: tuple[int, int] | None = None  # (chunks taught, chunks in all) while teaching

    @property
    def key(self) -> str:
        return self.item_id or f"job:{self.job_id}"

    @property
    def checkable(self) -> bool:
        return bool(self.item_id) and not self.disabled


class ProgressDelegate(QStyledItemDelegate):
    """Paints a progress bar in the status cell of a row with a (done, total) progress; other cells as usual."""

    def paint(self, painter, option, index) -> None:
        progress = index.data(PROGRESS_ROLE) if index.column() == 1 else NO_PROGRESS
        if not progress or not progress[1]:
            super().paint(painter, option, index)
            return
        done, total = progress
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum, bar.progress = 0, int(total), int(done)
        bar.text, bar.textVisible = f"{done}/{total}", True
        bar.state = QStyle.StateFlag.State_Enabled
        widget = self.parent()
        (widget.style() if widget is not None else QApplication.style()).drawControl(
            QStyle.ControlElement.CE_ProgressBar, bar, painter, widget)


class LibraryPanel(QTreeWidget):
    """Two groups (Memories, Skills); checking a ready item emits ``activeChanged`` with every checked item id."""

    activeChanged = Signal(list)
    actionRequested = Signal(str, object)  # action name, Row
    reasonRequested = Signal(str, str)  # name, why it failed (a click on a failed row)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels(["Library", "Status"])
        self.setRootIsDecorated(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.setAcceptDrops(False)
        self._groups = {"memory": QTreeWidgetItem(self, ["Memories (documents)"]),
                        "skill": QTreeWidgetItem(self, ["Skills (instructions)"])}
        for g in self._groups.values():
            g.setFlags(Qt.ItemFlag.ItemIsEnabled)
            g.setExpanded(True)
            g.setData(0, Qt.ItemDataRole.UserRole, "")
            g.setData(1, PROGRESS_ROLE, NO_PROGRESS)
        self.rows: dict[str, Row] = {}
        self.setItemDelegateForColumn(1, ProgressDelegate(self))
        self.itemChanged.connect(self._changed)
        self.itemClicked.connect(self._clicked)

    def set_rows(self, rows: list[Row]) -> None:
        self.blockSignals(True)
        try:
            for g in self._groups.values():
                g.takeChildren()
            self.rows = {r.key: r for r in rows}
            for r in rows:
                self._add(r)
        finally:
            self.blockSignals(False)
        self.resizeColumnToContents(0)

    def _add(self, r: Row) -> None:
        w = QTreeWidgetItem(self._groups.get(r.kind, self._groups["memory"]), [r.name, r.status])
        w.setData(0, Qt.ItemDataRole.UserRole, r.key)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if r.checkable:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
            w.setCheckState(0, Qt.CheckState.Checked if r.checked else Qt.CheckState.Unchecked)
        w.setFlags(flags)
        if r.tooltip or r.status.startswith("failed"):
            w.setToolTip(0, r.tooltip or r.status)
            w.setToolTip(1, r.tooltip or r.status)
        w.setData(1, PROGRESS_ROLE, tuple(r.progress) if r.progress is not None else NO_PROGRESS)

    def widget_for(self, key: str) -> QTreeWidgetItem | None:
        for g in self._groups.values():
            for i in range(g.childCount()):
                if g.child(i).data(0, Qt.ItemDataRole.UserRole) == key:
                    return g.child(i)
        return None

    def set_checked(self, item_id: str, on: bool) -> None:
        """Check or uncheck an item as a user click would (emits ``activeChanged``)."""
        w = self.widget_for(item_id)
        if w is None:
            raise KeyError(f"no checkable row for {item_id!r}")
        w.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def checked_ids(self) -> list[str]:
        out = []
        for g in self._groups.values():
            for i in range(g.childCount()):
                w = g.child(i)
                if w.flags() & Qt.ItemFlag.ItemIsUserCheckable and w.checkState(0) == Qt.CheckState.Checked:
                    out.append(w.data(0, Qt.ItemDataRole.UserRole))
        return out

    def _clicked(self, w: QTreeWidgetItem, column: int) -> None:
        row = self.rows.get(w.data(0, Qt.ItemDataRole.UserRole))
        if row is not None and row.status.startswith("failed"):
            self.reasonRequested.emit(row.name, row.status.removeprefix("failed: ") or "no reason was given")

    def _changed(self, w: QTreeWidgetItem, column: int) -> None:
        if column == 0 and w.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            self.activeChanged.emit(self.checked_ids())

    def actions_for(self, r: Row) -> list[tuple[str, str]]:
        """(action, label) pairs offered for a row."""
        if r.job_id:
            if r.status == "queued" and r.kind == "memory":  # a file waiting its turn (one being taught finishes)
                return [("cancel", "Cancel")]
            return [("dismiss", "Dismiss")] if r.status.startswith("failed") else []
        return [("rename", "Rename…"), ("enable", "Enable") if r.disabled else ("disable", "Disable"),
                ("export-gguf", "Export as GGUF…"), ("export-peft", "Export as PEFT…"), ("forget", "Forget…")]

    def _menu(self, pos) -> None:
        w = self.itemAt(pos)
        row = self.rows.get(w.data(0, Qt.ItemDataRole.UserRole)) if w is not None else None
        if row is None or not self.actions_for(row):
            return
        menu = QMenu(self)
        for name, label in self.actions_for(row):
            act = QAction(label, menu)
            act.triggered.connect(lambda _=False, n=name: self.actionRequested.emit(n, row))
            menu.addAction(act)
        menu.exec(self.viewport().mapToGlobal(pos))
