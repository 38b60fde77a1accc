"""The tray icon: teaching progress, pause/resume, open window, quit, and notifications; absent where the platform has no tray."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktop.ingest.teach_queue import QueueStatus


class Tray(QObject):
    """Wraps QSystemTrayIcon; ``available`` is False (and every method a no-op) without a system tray."""

    openRequested = Signal()
    quitRequested = Signal()
    pauseToggled = Signal(bool)  # True = pause

    def __init__(self, icon: QIcon, parent: QObject | None = None, available: bool | None = None):
        super().__init__(parent)
        self.available = QSystemTrayIcon.isSystemTrayAvailable() if available is None else available
        self.menu = QMenu()
        self.progress = self.menu.addAction("idle")
        self.progress.setEnabled(False)
        self.pause_action = QAction("Pause teaching", self.menu, checkable=True)
        self.pause_action.toggled.connect(self.pauseToggled)
        self.menu.addAction(self.pause_action)
        self.menu.addSeparator()
        self.menu.addAction("Open Lorafy", self.openRequested.emit)
        self.menu.addAction("Quit", self.quitRequested.emit)
        self.icon = QSystemTrayIcon(icon, self) if self.available else None
        if self.icon is not None:
            self.icon.setContextMenu(self.menu)
            self.icon.setToolTip("Lorafy")
            self.icon.activated.connect(self._activated)
            self.icon.show()

    def update(self, status: QueueStatus) -> None:
        self.progress.setText(status.label())
        self.pause_action.blockSignals(True)
        self.pause_action.setChecked(status.paused)
        self.pause_action.blockSignals(False)
        if self.icon is not None:
            self.icon.setToolTip(f"Lorafy — {status.label()}")

    def notify(self, title: str, text: str, error: bool = False) -> None:
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            kind = QSystemTrayIcon.MessageIcon.Warning if error else QSystemTrayIcon.MessageIcon.Information
            self.icon.showMessage(title, text, kind, 5000)

    def _activated(self, reason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.openRequested.emit()

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
