"""The app's logic behind the widgets: ask/stream/stop in a multi-turn conversation (auto memory choice, sources), the library's rows and operations, teach events, settings; futures become Qt signals.

Every model call goes through the ModelOwner (its own thread); results and
callbacks come back to the GUI thread as queued signals, streamed pieces are
buffered and handed to the view every ~40 ms by a QTimer, and the library's
rows are rebuilt at most every ~50 ms while teaching. Nothing here waits on a
future.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.ingest.teach_queue import TeachEvent, TeachJob, TeachQueue
from desktop.owner import ModelOwner
from desktop.store.conversations import Conversation, ConversationStore, Message
from desktop.store.library import Item
from desktop.store.settings import Settings, save_settings
from desktop.ui.library_panel import Row

log = logging.getLogger(__name__)
FLUSH_MS = 40
REFRESH_MS = 50
SOURCE_KEYS = ("name", "source", "section", "snippet")


def normalise_sources(raw) -> list[dict]:
    """``Answer.sources``-like data (dicts or objects with name/source/section/snippet) as plain dicts; [] if absent.

    >>> normalise_sources([{"name": "notes", "snippet": "open 9-5", "extra": 1}])
    [{'name': 'notes', 'source': '', 'section': '', 'snippet': 'open 9-5'}]
    """
    out = []
    for s in raw or []:
        get = s.get if isinstance(s, dict) else (lambda k, d="", s=s: getattr(s, k, d))
        out.append({k: str(get(k, "") or "") for k in SOURCE_KEYS})
    return out


def find_sources(svc, question: str, answer: str, use: Sequence[str]) -> list[dict]:
    """The best passages of the memories among ``use`` for this question and answer (``Lorafy.sources``); [] if none.

    Any failure here only costs the sources, never the answer.
    """
    if not use:
        return []
    try:
        return normalise_sources(svc.sources(question, answer, list(use)))
    except Exception as e:  # sources are a courtesy; never lose the answer over them
        log.warning("could not find sources: %s", e)
        return []


@dataclass
class Reply:
    """What one answer job produced on the owner thread."""

    text: str
    adapters: list[str] = field(default_factory=list)  # names of every active adapter
    auto: list[str] = field(default_factory=list)  # names of the memories chosen for the question
    sources: list[dict] = field(default_factory=list)
    stopped: bool = False
    dropped: int = 0  # earlier messages left out of the prompt to fit the context window


def conversation_messages(conv: Conversation) -> list[dict]:
    """A conversation's turns as chat messages ({role, content}) for :mod:`desktop.dialogue`."""
    return [{"role": m.role, "content": m.text} for m in conv.messages if m.text]


def answer_job(svc, messages: Sequence[dict], use: Sequence[str], among: Sequence[str] | None, max_tokens: int,
               on_piece: Callable[[str], None], cancel: threading.Event) -> Reply:
    """On the owner thread: fit the conversation (earlier turns in the prompt, oldest dropped first), choose
    memories for the question and the turns before it (``among`` not None = auto mode), put their passages
    and/or adapters to use as the service's answer mode says, stream the answer, find its sources."""
    setup = svc.answer_setup(messages, max_tokens, use=use, auto=among is not None, among=among)
    items = [svc.library.resolve(k) for k in setup.keys]
    pieces: list[str] = []
    for piece in svc.generate(setup.plan.prompt, use=setup.use, weights=setup.weights, max_tokens=max_tokens):
        pieces.append(piece)
        on_piece(piece)
        if cancel.is_set():
            break
    text = "".join(pieces).strip()
    return Reply(text=text, adapters=[i.name for i in items], auto=[i.name for i in items[len(use):]],
                 sources=find_sources(svc, setup.query, text, setup.keys), stopped=cancel.is_set(),
                 dropped=setup.plan.dropped)


def job_status(job: TeachJob) -> str:
    if job.state == "teaching":
        return f"teaching {job.done}/{job.total}" if job.total else "teaching"
    if job.state == "failed":
        return f"failed: {job.error}"
    return job.state


def library_rows(items: Sequence[Item], jobs: Sequence[TeachJob], settings: Settings) -> list[Row]:
    """Rows for the panel: library items (ready/disabled, checked per settings), then jobs not yet in the library."""
    rows = [Row(name=i.name, kind=i.kind, item_id=i.id, disabled=i.id in settings.disabled,
                status="disabled" if i.id in settings.disabled else "ready",
                checked=i.id in settings.active and i.id not in settings.disabled,
                tooltip=f"{i.source} · {i.tokens} tokens · {i.chunks} chunk(s)") for i in items]
    rows += [Row(name=j.name, kind=j.kind, job_id=j.id, status=job_status(j), tooltip=j.error or j.source,
                 progress=(j.done, j.total) if j.state == "teaching" and j.total else None)
             for j in jobs if j.state != "ready"]
    return rows


class Controller(QObject):
    """Ask, stop, teach, and library operations for one window; emits signals on the GUI thread."""

    textReady = Signal(str)  # coalesced streamed text since the last flush
    answerStarted = Signal()
    answerFinished = Signal(object)  # Message
    answerFailed = Signal(str)
    rowsChanged = Signal(list)  # list[Row]
    teachEvent = Signal(object)  # TeachEvent (re-emitted on the GUI thread)
    settingsChanged = Signal(object)  # Settings
    conversationChanged = Signal(object)  # Conversation
    error = Signal(str)
    info = Signal(str)
    _answerDone = Signal(object)  # future of a Reply
    _opDone = Signal(object, object)  # callback, future

    def __init__(self, owner: ModelOwner, queue: TeachQueue, store: ConversationStore, home: Path,
                 settings: Settings, max_tokens: int = 256, parent: QObject | None = None):
        super().__init__(parent)
        self.owner, self.queue, self.store, self.home = owner, queue, store, Path(home)
        self.settings = settings
        self.max_tokens = max_tokens
        self.conv: Conversation = self._latest_conversation()
        self._cancel: threading.Event | None = None
        self._buf: list[str] = []
        self._buf_lock = threading.Lock()
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._answerDone.connect(self._on_answer_done)
        self._opDone.connect(lambda cb, fut: cb(fut))
        self.teachEvent.connect(self._on_teach_event)

    # -- asking ---------------------------------------------------------------------------------
    @property
    def answering(self) -> bool:
        return self._cancel is not None

    def active_items(self) -> list[Item]:
        known = {i.id: i for i in self.items()}
        return [known[k] for k in self.settings.active if k in known and k not in self.settings.disabled]

    def ask(self, question: str) -> bool:
        """Start streaming an answer with the checked adapters (in auto mode also the memories chosen for the
        question among the enabled ones); False if one is already running or the text is empty."""
        question = question.strip()
        if not question or self.answering:
            return False
        use = [i.id for i in self.active_items()]
        among = [i.id for i in self.items() if i.kind == "memory" and i.id not in self.settings.disabled] \
            if self.settings.auto else None
        self.conv.messages.append(Message("user", question))
        if self.conv.title == "New chat":
            self.conv.title = question[:60]
        self._save_conv()
        cancel = self._cancel = threading.Event()
        max_tokens, messages = self.max_tokens, conversation_messages(self.conv)
        fut = self.owner.submit(lambda svc: answer_job(svc, messages, use, among, max_tokens, self._on_piece, cancel))
        fut.add_done_callback(self._answerDone.emit)
        self.answerStarted.emit()
        self._timer.start()
        return True

    def set_auto(self, on: bool) -> None:
        """Auto mode: each question also activates the memories that match it best (checked items always stay)."""
        self._update_settings(self.settings.with_(auto=bool(on)))

    def stop(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def _on_piece(self, piece: str) -> None:  # owner thread
        with self._buf_lock:
            self._buf.append(piece)

    def _flush(self) -> None:
        with self._buf_lock:
            text, self._buf = "".join(self._buf), []
        if text:
            self.textReady.emit(text)

    def _on_answer_done(self, fut: Future) -> None:
        self._timer.stop()
        self._flush()
        self._cancel = None
        err = fut.exception()
        if err is not None:
            self.answerFailed.emit(f"could not answer: {err}")
            return
        r: Reply = fut.result()
        msg = Message("assistant", r.text, adapters=r.adapters, auto=r.auto, sources=r.sources, stopped=r.stopped,
                      dropped=r.dropped)
        self.conv.messages.append(msg)
        self._save_conv()
        self.answerFinished.emit(msg)

    # -- conversations --------------------------------------------------------------------------
    def _latest_conversation(self) -> Conversation:
        convs = self.store.all()
        return convs[0] if convs else self.store.new()

    def conversations(self) -> list[Conversation]:
        return self.store.all()

    def new_conversation(self) -> None:
        if self.answering:
            return
        self.conv = self.store.new()
        self.conversationChanged.emit(self.conv)

    def open_conversation(self, conv_id: str) -> None:
        if self.answering or conv_id == self.conv.id:
            return
        self.conv = self.store.load(conv_id)
        self.conversationChanged.emit(self.conv)

    def _save_conv(self) -> None:
        try:
            self.store.save(self.conv)
        except OSError as e:
            self.error.emit(f"could not save the conversation: {e}")

    # -- the library ----------------------------------------------------------------------------
    def items(self) -> list[Item]:
        try:
            return self.owner.svc.library.items()  # one SQLite read (WAL); safe next to the owner's writes
        except Exception as e:
            self.error.emit(str(e))
            return []

    def refresh(self) -> None:
        self.rowsChanged.emit(library_rows(self.items(), self.queue.jobs(), self.settings))

    def set_active(self, ids: Sequence[str]) -> None:
        """Remember which items are checked and activate them now on the owner (the next answer uses them too)."""
        self._update_settings(self.settings.with_(active=tuple(ids)))
        use = [i.id for i in self.active_items()]
        self._op(lambda svc: svc.activate(use), lambda items: None)

    def set_disabled(self, item_id: str, disabled: bool) -> None:
        dis = set(self.settings.disabled) | {item_id} if disabled else set(self.settings.disabled) - {item_id}
        self._update_settings(self.settings.with_(disabled=tuple(sorted(dis))))
        self.refresh()

    def rename(self, item_id: str, name: str) -> None:
        name = name.strip()
        if not name:
            self.error.emit("a name cannot be empty")
            return
        self._op(lambda svc: svc.library.add(replace(svc.library.resolve(item_id), name=name)),
                 lambda r: self.refresh())

    def forget(self, item_id: str) -> None:
        def done(item) -> None:
            self._update_settings(self.settings.with_(active=tuple(a for a in self.settings.active if a != item_id),
                                                      disabled=tuple(d for d in self.settings.disabled if d != item_id)))
            self.info.emit(f"forgot {item.name!r}")
            self.refresh()

        self._op(lambda svc: svc.forget(item_id), done)

    def export(self, item_id: str, fmt: str, out_dir: Path, on_done: Callable[[Path], None] | None = None) -> None:
        def done(path) -> None:
            self.info.emit(f"wrote {path} (it carries its document's content)")
            if on_done:
                on_done(path)

        self._op(lambda svc: svc.export(item_id, fmt, Path(out_dir)), done)

    def _op(self, fn, on_result: Callable) -> None:
        """Run ``fn(svc)`` on the owner; ``on_result(result)`` on the GUI thread, or an error signal."""
        def back(fut: Future) -> None:
            if fut.exception() is not None:
                self.error.emit(str(fut.exception()))
            else:
                on_result(fut.result())

        self.owner.submit(fn).add_done_callback(lambda f: self._opDone.emit(back, f))

    # -- teaching ---------------------------------------------------------------------------
    def teach_paths(self, paths: Sequence[Path]) -> None:
        """Queue files and folders; folders are walked on a worker thread (a big tree must not freeze the window)."""
        paths = [Path(p) for p in paths]

        def back(fut: Future) -> None:
            if fut.exception() is not None:
                self.error.emit(f"could not queue {len(paths)} path(s): {fut.exception()}")
            elif not fut.result():
                self.info.emit("nothing new to teach (already taught, or no readable files there)")
            self.refresh()

        self._in_thread(lambda: self.queue.add_paths(paths), back, "lorafy-add-paths")

    def diagnostics(self, on_text: Callable[[str], None]) -> None:
        """`lorafy doctor`'s report (self-check in a temporary home, on a worker thread); ``on_text`` gets its text."""
        from dataclasses import replace

        from desktop.doctor import format_report, report
        from desktop.service import Lorafy

        cfg = self.owner.svc.cfg

        def back(fut: Future) -> None:
            on_text(format_report(fut.result()) if fut.exception() is None else f"diagnostics failed: {fut.exception()}")

        self._in_thread(lambda: report(lambda home: Lorafy(replace(cfg, home=home)), self.home, cfg.base_path,
                                       cfg.hypernet_dir), back, "lorafy-doctor")

    def _in_thread(self, fn: Callable, back: Callable[[Future], None], name: str) -> None:
        """Run ``fn()`` on a new worker thread; ``back(future)`` on the GUI thread."""
        fut: Future = Future()

        def work() -> None:
            try:
                fut.set_result(fn())
            except Exception as e:
                fut.set_exception(e)

        fut.add_done_callback(lambda f: self._opDone.emit(back, f))
        threading.Thread(target=work, name=name, daemon=True).start()

    def teach_text(self, text: str, name: str) -> bool:
        try:
            self.queue.add_text(text, name, kind="skill")
        except ValueError as e:
            self.error.emit(str(e))
            return False
        self.refresh()
        return True

    def on_queue_event(self, event: TeachEvent) -> None:
        """The queue's callback (any thread): re-emit on the GUI thread."""
        self.teachEvent.emit(event)

    def _on_teach_event(self, event: TeachEvent) -> None:
        if event.kind in ("replaced", "removed") and event.old_item_id:
            self._follow(event.old_item_id, event.item_id if event.kind == "replaced" else "")
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _follow(self, old: str, new: str) -> None:
        """An edited file's new item takes its old one's place (checked, disabled); a deleted file's is dropped."""
        s = self.settings
        swap = lambda ids: tuple(dict.fromkeys(new if i == old else i for i in ids if new or i != old))  # noqa: E731
        if old in s.active:
            self.set_active(swap(s.active))
        if old in s.disabled:
            self._update_settings(self.settings.with_(disabled=swap(s.disabled)))

    # -- settings -----------------------------------------------------------------------------
    def _update_settings(self, new: Settings) -> None:
        if new == self.settings:
            return
        self.settings = new
        try:
            save_settings(self.home, new)
        except OSError as e:
            self.error.emit(f"could not save settings: {e}")
        self.settingsChanged.emit(new)

    def apply_settings(self, new: Settings, check: Callable[[Settings], None]) -> None:
        """Save ``new`` after ``check(new)`` passes on a worker thread (base/hypernet match); refuse and keep the old ones otherwise."""
        old = self.settings
        new = new.with_(active=old.active, disabled=old.disabled, auto=old.auto)

        def back(f: Future) -> None:
            if f.exception() is not None:
                self.error.emit(f"settings not saved: {f.exception()}")
                return
            self._update_settings(new)
            if (new.base_path, new.gpu_offload) != (old.base_path, old.gpu_offload):
                self.info.emit("saved; the new base model / GPU setting applies the next time Lorafy starts")
            if new.watched_folders != old.watched_folders:
                self.queue.set_folders([Path(p) for p in new.watched_folders])

        self._in_thread(lambda: check(new), back, "lorafy-settings-check")

