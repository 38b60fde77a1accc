"""The settings dialog: base model (embedded or a GGUF path), watched folders, GPU offload, max file size."""
from __future__ import annotations

from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLineEdit, QListWidget, QPushButton, QRadioButton,
                               QVBoxLayout, QWidget)

from desktop.store.settings import Settings


class SettingsDialog(QDialog):
    """Edits a copy of the settings; ``value()`` returns the edited Settings (the caller checks and saves them)."""

    def __init__(self, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Lorafy settings")
        self._orig = settings
        self.embedded = QRadioButton("Embedded SmolLM2-135M-Instruct")
        self.custom = QRadioButton("GGUF file:")
        self.base_path = QLineEdit(settings.base_path or "")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_base)
        self._base_group = QButtonGroup(self)  # the two radios live in different rows
        self._base_group.addButton(self.embedded)
        self._base_group.addButton(self.custom)
        (self.custom if settings.base_path else self.embedded).setChecked(True)
        base_row = QHBoxLayout()
        for w in (self.custom, self.base_path, browse):
            base_row.addWidget(w)

        self.folders = QListWidget()
        self.folders.addItems(list(settings.watched_folders))
        add, remove = QPushButton("Add teach folder…"), QPushButton("Remove")
        add.clicked.connect(self._add_folder)
        remove.clicked.connect(lambda: [self.folders.takeItem(self.folders.row(i)) for i in self.folders.selectedItems()])
        folder_buttons = QHBoxLayout()
        folder_buttons.addWidget(add)
        folder_buttons.addWidget(remove)

        self.gpu = QCheckBox("Offload to the GPU when one is available")
        self.gpu.setChecked(settings.gpu_offload)
        self.max_mb = QDoubleSpinBox()
        self.max_mb.setRange(0.1, 10_000)
        self.max_mb.setSuffix(" MB")
        self.max_mb.setValue(settings.max_file_mb)

        form = QFormLayout()
        form.addRow("Base model", self.embedded)
        form.addRow("", _wrap(base_row))
        form.addRow("Teach folders", self.folders)
        form.addRow("", _wrap(folder_buttons))
        form.addRow("GPU", self.gpu)
        form.addRow("Max file size", self.max_mb)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def add_folder(self, path: str) -> None:
        existing = {self.folders.item(i).text() for i in range(self.folders.count())}
        if path and path not in existing:
            self.folders.addItem(path)

    def _add_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Teach everything in this folder")
        if path:
            self.add_folder(path)

    def _browse_base(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A llama GGUF base model", "", "GGUF (*.gguf)")
        if path:
            self.base_path.setText(path)
            self.custom.setChecked(True)

    def value(self) -> Settings:
        base = self.base_path.text().strip() if self.custom.isChecked() and self.base_path.text().strip() else None
        folders = tuple(self.folders.item(i).text() for i in range(self.folders.count()))
        return self._orig.with_(base_path=base, watched_folders=folders, gpu_offload=self.gpu.isChecked(),
                                max_file_mb=float(self.max_mb.value()))


def _wrap(layout) -> QWidget:
    w = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    w.setLayout(layout)
    return w
