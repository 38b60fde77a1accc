"""The desktop app's real widgets, offscreen, on the tiny base: teach, activate, stream, stop, forget, history, offline rendering, hand-off, selftest."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMessageBox

from desktop.app import App, AppConfig, check_base
from desktop.store.conversations import Message
from desktop.store.settings import Settings, load_settings
from desktop.ui.chat_view import ChatView, meta_html
from desktop.ui.library_panel import Row
from desktop.ui.single_instance import InstanceServer, server_name

REPO = Path(__file__).resolve().parents[2]
WAIT_MS = 60_000
DOC = "Lindqvist Bakery opened on Harbour Street in 1998. Its owner is Petra Lindqvist.\n"


def start_app(qapp, home: Path, spec, bundle_dir: Path, max_tokens: int = 8) -> App:
    """A started App on the tiny base (no tray, no single-instance socket)."""
    cfg = AppConfig(home=home, base_path=spec.path, hypernet_dir=bundle_dir, threads=1, cpu=True,
                    single_instance=False, tray=False, max_tokens=max_tokens)
    app = App(cfg, qapp)
    app.start()
    return app


@pytest.fixture(scope="module")
def app(qapp, tiny_spec, tiny_bundle, tmp_path_factory):
    """One app for the tests that need no restart (starting one loads the base and the hypernetwork: seconds)."""
    app = start_app(qapp, tmp_path_factory.mktemp("app") / "home", tiny_spec, tiny_bundle[0])
    yield app
    close(app)


@pytest.fixture
def make_app(qapp, tiny_spec, tiny_bundle, tmp_path):
    """``make_app()`` -> a fresh started App whose home is ``tmp_path/home`` (closed after the test)."""
    apps: list[App] = []

    def make() -> App:
        apps.append(start_app(qapp, tmp_path / "home", tiny_spec, tiny_bundle[0]))
        return apps[-1]

    yield make
    for a in apps:
        close(a)


def close(app: App) -> None:
    app.shutdown()
    app.window.quitting = True
    app.window.close()


def drop(window, paths: list[Path]) -> None:
    """Drag ``paths`` onto the window and drop them (Qt delivers drop events only during a real drag, so call the handlers)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPoint(10, 10), *args)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    ev = QDropEvent(QPointF(10, 10), *args)
    window.dropEvent(ev)
    assert ev.isAccepted()


def teach_doc(qtbot, app: App, tmp_path: Path, name: str = "notes") -> str:
    doc = tmp_path / f"{name}.txt"
    doc.write_text(f"{DOC}Filed as {name}.\n")  # distinct content: a copy of taught content links to its item
    drop(app.window, [doc])
    qtbot.waitUntil(lambda: any(r.item_id and r.name == name for r in app.window.library.rows.values()), timeout=WAIT_MS)
    return next(r.item_id for r in app.window.library.rows.values() if r.name == name)


def test_window_opens_with_the_empty_state(qtbot, app):
    assert app.window.isVisible()
    assert "Drop a file here to teach it" in app.window.chat.toPlainText()
    assert app.window.library.rows == {}


def test_dropped_files_go_queued_to_ready_and_a_bad_file_shows_why(qtbot, app, tmp_path):
    good, empty = tmp_path / "dropped.txt", tmp_path / "empty.txt"
    good.write_text(DOC)
    empty.write_text("")
    seen: list[str] = []
    app.controller.teachEvent.connect(lambda ev: seen.append(f"{ev.job.name}:{ev.kind}") if ev.job else None)
    drop(app.window, [good, empty])

    def rows():
        return {r.name: r for r in app.window.library.rows.values()}

    qtbot.waitUntil(lambda: rows().get("dropped", Row("", "", "")).status == "ready"
                    and rows().get("empty", Row("", "", "")).status.startswith("failed"), timeout=WAIT_MS)
    assert rows()["dropped"].item_id and not app.queue.status().busy
    assert "empty" in rows()["empty"].status and not rows()["empty"].item_id
    assert [e for e in seen if e.startswith("dropped:") and not e.endswith("progress")] == \
        ["dropped:queued", "dropped:started", "dropped:done"]
    assert "empty:failed" in seen
    assert [i.name for i in app.svc.library.items()].count("dropped") == 1
    assert "Drop a file here" not in app.window.chat.toPlainText()
    # a click on the refused row says why in the status bar (the tooltip says it on hover)
    failed = app.window.library.widget_for(rows()["empty"].key)
    app.window.library.itemClicked.emit(failed, 0)
    assert "empty was not taught:" in app.window.statusBar().currentMessage()
    assert "empty" in app.window.statusBar().currentMessage().split("not taught:")[1]


def test_a_file_being_taught_shows_a_progress_bar(qtbot):
    from desktop.ui.library_panel import PROGRESS_ROLE, LibraryPanel

    panel = LibraryPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 200)
    rows = [Row("notes", "memory", "teaching 3/8", job_id="a", progress=(3, 8)), Row("ready one", "memory", "ready", item_id="b")]
    panel.set_rows(rows)
    assert panel.widget_for("job:a").data(1, PROGRESS_ROLE) == (3, 8)
    assert panel.widget_for("b").data(1, PROGRESS_ROLE) == (0, 0)

    def status_cell(progress):  # noqa: ANN001
        panel.set_rows([Row("notes", "memory", "teaching 3/8", job_id="a", progress=progress)])
        img = panel.viewport().grab().toImage()
        rect = panel.visualItemRect(panel.widget_for("job:a"))
        x0 = panel.header().sectionPosition(1)
        return [img.pixel(x, rect.center().y()) for x in range(x0, x0 + panel.header().sectionSize(1))]

    assert status_cell((3, 8)) != status_cell(None)  # the bar is painted, not only the text
    # repaints must not drop references to None (PySide6 does for each unset role data() is asked for; on
    # Python 3.11 that ends in "none_dealloc" and aborts the app)
    panel.set_rows(rows)
    panel.expandAll()
    before = sys.getrefcount(None)
    for _ in range(200):
        panel.viewport().grab()
    assert sys.getrefcount(None) >= before - 20


def test_pasted_instruction_becomes_a_ready_skill(qtbot, app):
    app.window.instruction.setPlainText("Always answer in French.")
    app.window.skill_name.setText("french")
    qtbot.mouseClick(app.window.teach_button, Qt.MouseButton.LeftButton)
    assert app.window.instruction.toPlainText() == ""
    qtbot.waitUntil(lambda: any(r.item_id and r.name == "french" for r in app.window.library.rows.values()),
                    timeout=WAIT_MS)
    (item,) = [i for i in app.svc.library.items() if i.name == "french"]
    assert (item.name, item.kind, item.source) == ("french", "skill", "text")


def test_checkbox_activates_and_the_answer_streams_with_that_adapter(qtbot, app, tmp_path):
    item_id = teach_doc(qtbot, app, tmp_path, "bakery")
    app.window.auto.setChecked(False)  # exactly the checked adapters
    app.window.library.set_checked(item_id, True)
    assert load_settings(app.cfg.home).active == (item_id,) and not load_settings(app.cfg.home).auto

    def active_handles():
        return app.owner.call(lambda s: (s.runtime.active, s._handles.get(item_id)), timeout=30)

    qtbot.waitUntil(lambda: (lambda a, h: h is not None and [x for x, _ in a] == [h])(*active_handles()), timeout=WAIT_MS)
    pieces: list[str] = []
    app.controller.textReady.connect(pieces.append)
    app.window.question.setText("Who owns the bakery?")
    with qtbot.waitSignal(app.controller.answerFinished, timeout=WAIT_MS) as sig:
        qtbot.mouseClick(app.window.send, Qt.MouseButton.LeftButton)
    msg: Message = sig.args[0]
    assert msg.adapters == ["bakery"] and not msg.stopped
    assert [s["name"] for s in msg.sources] == ["bakery"] and "Petra Lindqvist" in msg.sources[0]["snippet"]
    assert pieces and "".join(pieces).strip() == msg.text
    view = app.window.chat.toPlainText()
    assert "Who owns the bakery?" in view and msg.text[:20] in view and "answered with: bakery ·" in " ".join(view.split())
    assert app.window.send.isEnabled() and not app.window.stop.isEnabled()
    app.window.auto.setChecked(True)


def test_stop_cancels_generation(qtbot, app):
    app.controller.max_tokens = 1000
    gate = threading.Event()
    app.owner.submit(lambda svc: gate.wait(30))  # hold the owner so Stop lands before the first piece
    app.owner.submit(lambda svc: svc.load())
    app.window.question.setText("Tell me a long story.")
    app.window.ask()
    assert app.window.stop.isEnabled()
    qtbot.mouseClick(app.window.stop, Qt.MouseButton.LeftButton)
    gate.set()
    with qtbot.waitSignal(app.controller.answerFinished, timeout=WAIT_MS) as sig:
        pass
    msg: Message = sig.args[0]
    assert msg.stopped
    assert len(app.svc.tokenize(msg.text)) <= 3  # cancelled after the first piece, not 1000 tokens later
    assert "stopped" in app.window.chat.toPlainText()
    app.controller.max_tokens = 8


def test_forget_from_the_context_menu_action(qtbot, app, tmp_path, monkeypatch):
    item_id = teach_doc(qtbot, app, tmp_path, "forgetme")
    app.window.library.set_checked(item_id, True)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    row = app.window.library.rows[item_id]
    app.window._item_action("forget", row)
    qtbot.waitUntil(lambda: item_id not in app.window.library.rows, timeout=WAIT_MS)
    gone = [i for i in app.svc.library.items() if i.id == item_id]
    assert gone == [] and not list((app.cfg.home / "adapters").glob(f"{item_id}*"))
    assert item_id not in load_settings(app.cfg.home).active


def test_rename_disable_and_export_an_item(qtbot, app, tmp_path):
    item_id = teach_doc(qtbot, app, tmp_path, "torename")
    app.controller.rename(item_id, "renamed")
    qtbot.waitUntil(lambda: app.window.library.rows[item_id].name == "renamed", timeout=WAIT_MS)
    app.window.library.set_checked(item_id, True)
    app.controller.set_disabled(item_id, True)
    row = app.window.library.rows[item_id]
    assert row.status == "disabled" and not row.checkable
    assert item_id not in [i.id for i in app.controller.active_items()]
    app.controller.set_disabled(item_id, False)
    assert app.window.library.rows[item_id].checkable
    done: list[Path] = []
    app.controller.export(item_id, "peft", tmp_path / "out", on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
    assert (done[0] / "adapter_config.json").is_file()


def test_history_persists_and_closing_mid_teaching_leaves_a_consistent_library(qtbot, make_app, tmp_path):
    app = make_app()
    app.window.question.setText("Where is the bakery?")
    with qtbot.waitSignal(app.controller.answerFinished, timeout=WAIT_MS) as sig:
        app.window.ask()
    answer = sig.args[0].text
    docs = []
    for i in range(3):
        docs.append(tmp_path / f"late{i}.txt")
        docs[-1].write_text(DOC * (i + 1))
    drop(app.window, docs)
    qtbot.waitUntil(lambda: app.queue.status().busy, timeout=WAIT_MS)
    close(app)  # while teaching: the running job finishes, queued ones are dropped
    adapters = {p.name for p in (tmp_path / "home" / "adapters").iterdir()}
    assert adapters == {i.adapter for i in app.svc.library.items()}  # no orphan or half-written file, none missing
    files = list((tmp_path / "home" / "conversations").glob("*.json"))
    assert len(files) == 1 and os.stat(files[0]).st_mode & 0o777 == 0o600
    again = make_app()
    assert [m.role for m in again.controller.conv.messages] == ["user", "assistant"]
    assert again.controller.conv.messages[1].text == answer
    assert "Where is the bakery?" in again.window.chat.toPlainText()


def test_remote_images_in_a_reply_are_never_fetched(qtbot):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.3)
    port = listener.getsockname()[1]
    reply = (f"Here: ![pixel](http://127.0.0.1:{port}/a.png) and ![ref][r]\n\n[r]: http://127.0.0.1:{port}/b.png\n\n"
             f"<img src=\"http://127.0.0.1:{port}/c.png\"> [a link](http://127.0.0.1:{port}/d)")
    view = ChatView()
    qtbot.addWidget(view)
    view.show()
    view.begin_answer()
    view.append_text(reply[:30])
    view.append_text(reply[30:])
    view.finish_answer(Message("assistant", reply))
    qtbot.wait(100)
    with pytest.raises(socket.timeout):
        listener.accept()
    listener.close()
    html = view.document().toHtml()
    assert "<img" not in html and "image not loaded: pixel" in view.toPlainText()
    assert "&lt;img" in html  # raw HTML is shown as text, not interpreted
    assert not any(u.startswith("http") for u in view.refused)


def test_view_follows_new_text_only_when_at_the_bottom(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(300, 150)
    view.show()
    for i in range(30):
        view.add_message(Message("user", f"question {i}"))
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    view.begin_answer()
    view.append_text("streamed\n\n" * 5)
    assert bar.value() == bar.maximum()  # at the bottom: follows
    bar.setValue(0)
    view.append_text("more\n\n" * 5)
    assert bar.value() == 0  # scrolled up to read: stays put


def test_a_queued_file_is_cancelled_from_the_library_panel(qtbot, app, tmp_path):
    from desktop.ingest.queue import CANCELLED

    app.queue.pause()
    try:
        waiting = tmp_path / "waiting.txt"
        waiting.write_text("This file waits its turn and is cancelled.")
        drop(app.window, [waiting])

        def row():
            return next((r for r in app.window.library.rows.values() if r.name == "waiting"), None)

        qtbot.waitUntil(lambda: row() is not None and row().status == "queued", timeout=WAIT_MS)
        assert app.window.library.actions_for(row()) == [("cancel", "Cancel")]
        app.window._item_action("cancel", row())
        qtbot.waitUntil(lambda: row().status == f"failed: {CANCELLED}", timeout=WAIT_MS)
        assert app.window.library.actions_for(row()) == [("dismiss", "Dismiss")]
    finally:
        app.queue.resume()
    qtbot.wait(300)
    assert "waiting" not in [i.name for i in app.svc.library.items()]  # not taught after the queue resumed
    app.window._item_action("dismiss", row())
    qtbot.waitUntil(lambda: row() is None, timeout=WAIT_MS)


def test_tray_menu_shows_progress_and_pauses_the_queue(qtbot, app):
    from desktop.ingest.teach_queue import QueueStatus

    app.tray.update(QueueStatus(queued=9, running=1, done=2))
    assert app.tray.progress.text() == "teaching 3 of 12"
    app.tray.pause_action.trigger()
    assert app.queue.status().paused
    app.tray.pause_action.trigger()
    assert not app.queue.status().paused


def test_sources_are_rendered_under_the_answer(qtbot):
    view = ChatView()
    qtbot.addWidget(view)
    view.add_message(Message("assistant", "Petra.", adapters=["notes"],
                             sources=[{"name": "notes", "source": "/d/notes.txt", "section": "p. 2",
                                       "snippet": "Its owner is <b>Petra</b>"}]))
    text = view.toPlainText()
    assert "answered with: notes" in " ".join(text.split()) and "p. 2" in text and "Its owner is <b>Petra</b>" in text
    chip = "<span style='background-color:#dde6f3; color:#1d2b3a'>&nbsp;notes&nbsp;</span>"
    assert chip in meta_html(view.messages[0], 0) and chip.replace("#dde6f3", "#33445c") not in meta_html(view.messages[0], 0)
    assert "#33445c" in meta_html(view.messages[0], 0, dark=True)  # the chip follows a dark palette


def test_a_mismatched_base_is_refused_and_settings_kept(qtbot, app, tiny_spec):
    from engine.core.base import embedded_base_path

    errors: list[str] = []
    app.controller.error.connect(errors.append)
    app.controller.apply_settings(Settings(base_path=str(embedded_base_path()), max_file_mb=1),
                                  lambda s: check_base(s, app.cfg.hypernet_dir))
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT_MS)
    assert "settings not saved" in errors[0] and "another base" in errors[0]
    assert app.controller.settings.max_file_mb == 20.0 and load_settings(app.cfg.home).max_file_mb == 20.0
    app.controller.apply_settings(Settings(base_path=str(tiny_spec.path), max_file_mb=1),
                                  lambda s: check_base(s, app.cfg.hypernet_dir))
    qtbot.waitUntil(lambda: load_settings(app.cfg.home).max_file_mb == 1, timeout=WAIT_MS)
    assert app.queue.max_file_bytes == 2**20


def test_gui_heartbeat_stays_under_100_ms_while_teaching(qtbot, app, tmp_path):
    app.owner.call(lambda s: s.load(), timeout=60)  # model loading is start-up, not teaching
    files = []
    for i in range(4):
        files.append(tmp_path / f"doc{i}.txt")
        files[-1].write_text(DOC * (i + 1) * 40)  # about 40-160 chunks of 64 tokens each
    beats: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: beats.append(time.perf_counter()))
    timer.start(10)
    qtbot.wait(50)
    drop(app.window, files)
    names = {f"doc{i}" for i in range(4)}
    qtbot.waitUntil(lambda: names <= {i.name for i in app.svc.library.items()}, timeout=WAIT_MS)
    qtbot.wait(50)
    timer.stop()
    gaps = [b - a for a, b in zip(beats, beats[1:])]
    print(f"GUI heartbeat while teaching 4 files: {len(gaps)} beats over {beats[-1] - beats[0]:.2f} s, longest gap {max(gaps) * 1000:.0f} ms")
    assert len(gaps) > 5 and max(gaps) < 0.100, f"longest GUI stall {max(gaps) * 1000:.0f} ms"


def test_a_second_launch_hands_its_path_to_the_running_app(qtbot, tmp_path):
    home = tmp_path / "home"
    server = InstanceServer(server_name(home))
    assert server.listen()
    doc = tmp_path / "later.txt"
    doc.write_text(DOC)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    with qtbot.waitSignal(server.pathsReceived, timeout=WAIT_MS) as sig:
        proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "--home", str(home), "app", str(doc)],
                                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=WAIT_MS)
    server.close()
    assert proc.returncode == 0, proc.stderr.read().decode()[-2000:]
    assert sig.args[0] == [doc.resolve()]
    assert not (home / "library.json").exists()  # the second launch loaded nothing


SELFTEST = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("torch", "transformers", "peft"):
            raise ImportError(name + " is blocked: the app must not import it")
sys.meta_path.insert(0, Block())
from desktop.cli import main
rc = main(sys.argv[1:])
assert "torch" not in sys.modules
raise SystemExit(rc)
"""


def test_selftest_exits_zero_without_torch(tiny_spec, tiny_bundle):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", SELFTEST, "--base", str(tiny_spec.path), "--hypernet",
                           str(tiny_bundle[0]), "--threads", "1", "--cpu", "app", "--selftest"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "selftest ok" in proc.stdout


def test_a_conversation_keeps_earlier_turns_until_a_new_chat(qtbot, app, monkeypatch):
    setups = []
    real = type(app.svc).answer_setup
    monkeypatch.setattr(app.svc, "answer_setup", lambda *a, **k: setups.append(real(app.svc, *a, **k)) or setups[-1])
    focus_window(qtbot, app)
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # Ctrl+N: a clean chat
    assert app.controller.conv.messages == []
    first = ask_and_wait(qtbot, app, "Who built the Harbour Bridge?")
    second = ask_and_wait(qtbot, app, "When?")
    plan = setups[-1].plan  # the question may carry the chosen memories' passages; the turns before it do not
    assert [m["content"] for m in plan.messages[:2]] == ["Who built the Harbour Bridge?", first.text]
    assert plan.messages[2]["content"].endswith("When?") and len(plan.messages) == 3
    assert setups[-1].query == f"Who built the Harbour Bridge?\n{first.text}\nWhen?"
    assert "Who built the Harbour Bridge?" in plan.prompt and plan.dropped == 0 and not second.dropped
    qtbot.keyClick(app.window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    ask_and_wait(qtbot, app, "And its colour?")
    assert setups[-1].query == "And its colour?" and len(setups[-1].plan.messages) == 1


def test_turns_that_no_longer_fit_are_dropped_and_the_window_says_so(qtbot, app, monkeypatch):
    real = type(app.svc).chat_plan
    tight = app.svc.runtime.n_ctx - 60  # leaves ~60 prompt tokens: only the newest turn fits
    monkeypatch.setattr(app.svc, "chat_plan", lambda m, n: real(app.svc, m, tight))
    app.controller.new_conversation()
    ask_and_wait(qtbot, app, "Tell me about the harbour " + "and the old bridge " * 5)
    msg = ask_and_wait(qtbot, app, "When?")
    assert msg.dropped == 2
    assert "no longer fit the model’s context window" in app.window.chat.toPlainText()


def test_shift_enter_adds_a_line_and_escape_stops(qtbot, app):
    box = app.window.question
    box.setText("first line")
    box.moveCursor(box.textCursor().MoveOperation.End)
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "second")
    assert box.text() == "first line\nsecond" and not app.controller.answering
    app.controller.max_tokens = 1000
    gate = threading.Event()
    app.owner.submit(lambda svc: gate.wait(30))  # hold the owner so Esc lands before the first piece
    box.setText("Tell me a long story.")
    app.window.ask()
    assert app.controller.answering
    focus_window(qtbot, app)
    qtbot.keyClick(app.window, Qt.Key.Key_Escape)
    gate.set()
    with qtbot.waitSignal(app.controller.answerFinished, timeout=WAIT_MS) as sig:
        pass
    assert sig.args[0].stopped
    app.controller.max_tokens = 8


def test_copy_link_copies_the_answer_and_a_source_shows_its_passage(qtbot, app):
    from PySide6.QtGui import QGuiApplication

    view = app.window.chat
    view.show_conversation(None)
    view.add_message(Message("user", "Who owns the bakery?"))
    view.add_message(Message("assistant", "Petra **Lindqvist** owns it.", adapters=["bakery"], sources=[
        {"name": "bakery", "source": "/nonexistent/bakery.txt", "section": "", "snippet": "Petra owns the bakery."}]))
    assert "Copy answer" in view.toPlainText()
    view.anchorClicked.emit(QUrl("copy:1"))
    assert QGuiApplication.clipboard().text() == "Petra **Lindqvist** owns it."
    with qtbot.waitSignal(view.sourceClicked) as sig:
        view.anchorClicked.emit(QUrl("source:1:0"))
    assert sig.args[0]["snippet"] == "Petra owns the bakery." and sig.args[1] == "Who owns the bakery?"
    shown = app.window.source_box.text()  # the question's words marked in the passage
    assert "Petra <b>owns</b> <b>the</b> <b>bakery</b>." in shown and "/nonexistent/bakery.txt" in shown


def test_empty_state_offers_a_sample_that_gets_taught(qtbot, app):
    view = app.window.chat
    view.show_conversation(None, empty_hint=True)
    assert "Try a sample document" in view.toPlainText()
    taught = []
    app.controller.teach_paths = taught.extend  # the queue itself is tested above; here: what the link hands it
    try:
        view.anchorClicked.emit(QUrl("sample:"))
    finally:
        del app.controller.teach_paths
    assert [p.name for p in taught] == ["observatory notes.txt"] and "Kestrel Ridge" in taught[0].read_text()
    assert app.window.question.text() == "In which month is the Kestrel Ridge Observatory closed?"


def test_bubbles_follow_a_dark_palette(qtbot):
    from PySide6.QtGui import QColor, QPalette

    from desktop.ui.chat_view import bubble_colour

    view = ChatView()
    qtbot.addWidget(view)
    view.add_message(Message("user", "hello"))
    assert bubble_colour(False) in view.toHtml().lower()
    dark = QPalette(view.palette())
    dark.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    dark.setColor(QPalette.ColorRole.Text, QColor("#e0e0e0"))
    view.setPalette(dark)
    assert bubble_colour(True) in view.toHtml().lower() and "hello" in view.toPlainText()


def test_help_diagnostics_shows_the_doctor_report(qtbot, app):
    app.window.show_diagnostics()
    box = app.window.diagnostics_box
    qtbot.waitUntil(lambda: "Lorafy works here" in box.text() or "PROBLEM" in box.text(), timeout=120_000)
    assert "self-check     PASS" in box.text() and "llama.cpp" in box.text()
    box.close()
    box.deleteLater()
    app.window.activateWindow()


def focus_window(qtbot, app) -> None:
    """Window shortcuts (Ctrl+N, Esc) reach only the active window; earlier tests may have opened others."""
    app.window.raise_()
    app.window.activateWindow()
    app.window.question.setFocus()
    qtbot.waitUntil(app.window.isActiveWindow, timeout=5_000)


def ask_and_wait(qtbot, app, text: str) -> Message:
    app.window.question.setText(text)
    with qtbot.waitSignal(app.controller.answerFinished, timeout=WAIT_MS) as sig:
        qtbot.keyClick(app.window.question, Qt.Key.Key_Return)  # Enter sends
    return sig.args[0]
