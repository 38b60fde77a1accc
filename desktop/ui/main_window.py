"""The main window: library panel and teach box on the left, conversation and question box on the right, drops teach."""
from __future__ import annotations

import html
import json
import logging
from importlib.resources import files
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import (QAction, QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent, QKeyEvent, QKeySequence,
                           QShortcut)
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit,
                               QMainWindow, QMessageBox, QPlainTextEdit, QPushButton, QSplitter, QVBoxLayout, QWidget)

from desktop.ingest.teach_queue import TeachEvent
from desktop.store.conversations import Conversation, Message
from desktop.ui.chat_view import ChatView, marked
from desktop.ui.controller import Controller
from desktop.ui.library_panel import LibraryPanel, Row

log = logging.getLogger(__name__)
SAMPLE_QUESTION = 2  # of the sample's questions, one the embedded base answers right from the memory (v13)
EXPORT_WARNING = ("An adapter carries its document's content: anyone with the file can get the model to recall it. "
                  "Share it only where the document itself may go.")


class QuestionBox(QPlainTextEdit):
    """The question: Enter sends (``submitted``), Shift+Enter starts a new line."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setMaximumHeight(80)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        if enter:  # Shift+Enter: a plain new line
            self.insertPlainText("\n")
            return
        super().keyPressEvent(event)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802 (QLineEdit's name, kept for callers)
        self.setPlainText(text)


class MainWindow(QMainWindow):
    """Widgets only; every action goes to the Controller. ``closeRequested`` lets the app decide hide vs quit."""

    closeRequested = Signal()
    settingsRequested = Signal()

    def __init__(self, controller: Controller, parent: QWidget | None = None):
        super().__init__(parent)
        self.c = controller
        self.quitting = False  # set by the app when closing should really close
        self.setWindowTitle("Lorafy")
        self.setAcceptDrops(True)
        self.resize(1100, 700)
        self._build()
        self._connect()
        self.c.refresh()
        self._show_conversation(self.c.conv)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.library = LibraryPanel()
        self.instruction = QPlainTextEdit()
        self.instruction.setPlaceholderText("Paste an instruction to teach as a skill, e.g. \"Answer in French.\"")
        self.instruction.setMaximumHeight(90)
        self.instruction.setAcceptDrops(False)
        self.skill_name = QLineEdit()
        self.skill_name.setPlaceholderText("skill name (optional)")
        self.teach_button = QPushButton("Teach skill")
        self.add_files_button = QPushButton("Add files…")
        left = QVBoxLayout()
        left.addWidget(self.library, 1)
        left.addWidget(QLabel("New skill"))
        left.addWidget(self.instruction)
        row = QHBoxLayout()
        row.addWidget(self.skill_name, 1)
        row.addWidget(self.teach_button)
        left.addLayout(row)
        left.addWidget(self.add_files_button)

        self.conversations = QComboBox()
        self.new_chat = QPushButton("New chat")
        self.new_chat.setToolTip("Start a clean conversation (Ctrl+N); earlier turns no longer go into the prompt")
        self.auto = QCheckBox("Auto")
        self.auto.setToolTip("Each question also uses the memories that match it best; checked items are always used")
        self.auto.setChecked(self.c.settings.auto)
        top = QHBoxLayout()
        top.addWidget(self.conversations, 1)
        top.addWidget(self.auto)
        top.addWidget(self.new_chat)
        self.chat = ChatView()
        self.question = QuestionBox()
        self.question.setPlaceholderText("Ask about what you taught… (Enter sends, Shift+Enter new line, Esc stops, "
                                         "Ctrl+N new chat)")
        self.question.setAcceptDrops(False)
        self.send = QPushButton("Send")
        self.stop = QPushButton("Stop")
        self.stop.setEnabled(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.question, 1)
        bottom.addWidget(self.send)
        bottom.addWidget(self.stop)
        right = QVBoxLayout()
        right.addLayout(top)
        right.addWidget(self.chat, 1)
        right.addLayout(bottom)

        split = QSplitter()
        split.addWidget(_panel(left))
        split.addWidget(_panel(right))
        split.setSizes([340, 760])
        self.setCentralWidget(split)
        self.teach_status = QLabel("idle")
        self.statusBar().addPermanentWidget(self.teach_status)
        self._menus()

    def _menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        for label, slot, key in (("Add files…", self._pick_files, QKeySequence.StandardKey.Open),
                                 ("Add folder…", self._pick_folder, None),
                                 ("Settings…", self.settingsRequested.emit, QKeySequence.StandardKey.Preferences),
                                 ("Quit", self._quit, QKeySequence.StandardKey.Quit)):
            act = QAction(label, self)
            act.triggered.connect(slot)
            if key is not None:
                act.setShortcut(key)
            m.addAction(act)
        diag = QAction("Diagnostics…", self)
        diag.triggered.connect(self.show_diagnostics)
        self.menuBar().addMenu("&Help").addAction(diag)

    def show_diagnostics(self) -> None:
        """Help -> Diagnostics: what `lorafy doctor` prints, in a copyable dialog (filled when the check ends)."""
        box = QMessageBox(QMessageBox.Icon.Information, "Lorafy diagnostics", "Checking… (teach + ask in a temporary library)",
                          QMessageBox.StandardButton.Close, self)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setStyleSheet("QLabel { font-family: monospace; }")
        self.diagnostics_box = box
        self.c.diagnostics(box.setText)
        box.show()

    def _connect(self) -> None:
        c = self.c
        self.send.clicked.connect(self.ask)
        self.question.submitted.connect(self.ask)
        for key, slot in ((QKeySequence.StandardKey.New, c.new_conversation), (Qt.Key.Key_Escape, c.stop)):
            QShortcut(QKeySequence(key), self, activated=slot)
        self.stop.clicked.connect(c.stop)
        self.teach_button.clicked.connect(self._teach_skill)
        self.add_files_button.clicked.connect(self._pick_files)
        self.new_chat.clicked.connect(c.new_conversation)
        self.auto.toggled.connect(c.set_auto)
        self.conversations.activated.connect(lambda i: c.open_conversation(self.conversations.itemData(i)))
        self.library.activeChanged.connect(c.set_active)
        self.library.actionRequested.connect(self._item_action)
        self.library.reasonRequested.connect(lambda name, why: self.statusBar().showMessage(
            f"{name} was not taught: {why}", 15000))
        self.chat.sourceClicked.connect(self.show_source)
        self.chat.sampleRequested.connect(self.teach_sample)
        c.rowsChanged.connect(self._rows)
        c.textReady.connect(self.chat.append_text)
        c.answerStarted.connect(self._answer_started)
        c.answerFinished.connect(self._answer_finished)
        c.answerFailed.connect(self._answer_failed)
        c.conversationChanged.connect(self._show_conversation)
        c.teachEvent.connect(self._teach_event)
        c.error.connect(lambda m: self.statusBar().showMessage(f"⚠ {m}", 10000))
        c.info.connect(lambda m: self.statusBar().showMessage(m, 6000))

    # -- asking -------------------------------------------------------------------------------
    def ask(self) -> None:
        text = self.question.text()
        if self.c.ask(text):
            self.chat.add_message(Message("user", text.strip()))
            self.chat.begin_answer()
            self.question.clear()

    def _answer_started(self) -> None:
        self.send.setEnabled(False)
        self.stop.setEnabled(True)

    def _answer_finished(self, msg: Message) -> None:
        self.chat.finish_answer(msg)
        self._answer_done()

    def _answer_failed(self, why: str) -> None:
        self.chat.finish_answer(Message("assistant", f"*{why}*"))
        self._answer_done()

    def _answer_done(self) -> None:
        self.send.setEnabled(True)
        self.stop.setEnabled(False)
        self._fill_conversations()

    def _show_conversation(self, conv: Conversation) -> None:
        self.chat.show_conversation(conv, empty_hint=not self.library.rows)
        self._fill_conversations()

    def _fill_conversations(self) -> None:
        self.conversations.blockSignals(True)
        self.conversations.clear()
        convs = self.c.conversations()
        if not any(cv.id == self.c.conv.id for cv in convs):
            convs.insert(0, self.c.conv)
        for cv in convs:
            self.conversations.addItem(cv.title, cv.id)
        self.conversations.setCurrentIndex(self.conversations.findData(self.c.conv.id))
        self.conversations.blockSignals(False)

    def show_source(self, source: dict, question: str) -> None:
        """A clicked source: its passage with the question's words in bold, and a button that opens the file."""
        where = " · ".join(str(source.get(k)) for k in ("name", "section") if source.get(k))
        box = QMessageBox(QMessageBox.Icon.NoIcon, f"Source: {where}", "", QMessageBox.StandardButton.Close, self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setText(f"<p>{marked(str(source.get('snippet', '')), question)}</p>"
                    f"<p style='color:#888'>{html.escape(str(source.get('source', '')))}</p>")
        path = Path(str(source.get("source", "")))
        if path.is_file():
            open_button = box.addButton("Open file", QMessageBox.ButtonRole.ActionRole)
            open_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))
        self.source_box = box
        box.show()

    def teach_sample(self) -> None:
        """The empty state's sample: a short text about an observatory, written into the library folder and taught."""
        rec = json.loads(Path(str(files("engine").joinpath("samples/demo.jsonl"))).read_text().splitlines()[0])
        folder = self.c.home / "samples"
        folder.mkdir(parents=True, exist_ok=True)
        doc = folder / "observatory notes.txt"
        doc.write_text(rec["document"], encoding="utf-8")
        self.c.teach_paths([doc])
        self.question.setText(rec["questions"][SAMPLE_QUESTION]["question"])

    # -- library and teaching ---------------------------------------------------------------
    def _rows(self, rows: list[Row]) -> None:
        was_empty = not self.library.rows
        self.library.set_rows(rows)
        if was_empty and rows and not self.c.conv.messages:
            self.chat.show_conversation(self.c.conv)
        elif not rows and not self.c.conv.messages:
            self.chat.show_conversation(self.c.conv, empty_hint=True)

    def _teach_event(self, ev: TeachEvent) -> None:
        self.teach_status.setText(ev.status.label())
        if ev.kind == "failed" and ev.job is not None:
            self.statusBar().showMessage(f"could not teach {ev.job.name}: {ev.job.error}", 10000)

    def _teach_skill(self) -> None:
        if self.c.teach_text(self.instruction.toPlainText(), self.skill_name.text()):
            self.instruction.clear()
            self.skill_name.clear()

    def _pick_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Teach these files")
        if paths:
            self.c.teach_paths([Path(p) for p in paths])

    def _pick_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Teach the text files in this folder")
        if path:
            self.c.teach_paths([Path(path)])

    def _item_action(self, action: str, row: Row) -> None:
        if action == "dismiss":
            self.c.queue.dismiss(row.job_id)
            self.c.refresh()
        elif action == "cancel":
            if not self.c.queue.cancel(row.job_id):
                self.statusBar().showMessage(f"{row.name}: already being taught, it finishes first", 6000)
            self.c.refresh()
        elif action == "rename":
            name, ok = QInputDialog.getText(self, "Rename", "New name:", text=row.name)
            if ok:
                self.c.rename(row.item_id, name)
        elif action in ("disable", "enable"):
            self.c.set_disabled(row.item_id, action == "disable")
            self.c.set_active(self.library.checked_ids())
        elif action.startswith("export-"):
            self._export(row, action.removeprefix("export-"))
        elif action == "forget":
            sure = QMessageBox.question(self, "Forget", f"Forget {row.name!r}? Its adapter file is deleted.")
            if sure == QMessageBox.StandardButton.Yes:
                self.c.forget(row.item_id)

    def _export(self, row: Row, fmt: str) -> None:
        if QMessageBox.warning(self, "Export adapter", EXPORT_WARNING, QMessageBox.StandardButton.Ok
                               | QMessageBox.StandardButton.Cancel) != QMessageBox.StandardButton.Ok:
            return
        out = QFileDialog.getExistingDirectory(self, f"Export {row.name} as {fmt.upper()} into")
        if out:
            self.c.export(row.item_id, fmt, Path(out))

    # -- drag and drop, closing -------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.c.teach_paths(paths)

    def _quit(self) -> None:
        self.quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.quitting:
            event.accept()
            return
        event.ignore()
        self.closeRequested.emit()


def _panel(layout) -> QWidget:
    w = QWidget()
    w.setLayout(layout)
    return w
