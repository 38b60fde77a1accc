"""The desktop app's one wiring place: build settings, service, model owner, teach queue, controller, window, tray and single-instance server, connect them, run.

Start it with ``lorafy app [PATH...]``. Every object is made here and handed
to the ones that need it; nothing else constructs or looks them up. One
process drives a home: the app holds the home's ingestion lock
(``Library.try_lock``, the one ``lorafy watch`` takes) for as long as it runs,
and only then claims the single-instance socket.
"""
from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QApplication

from desktop.ingest.teach_queue import IndexerQueue, OnEvent, TeachEvent, TeachQueue
from desktop.ingest.watch import WatchConfig
from desktop.owner import ModelOwner
from desktop.service import Lorafy, ServiceConfig
from desktop.store.conversations import ConversationStore
from desktop.store.settings import Settings, load_settings
from desktop.ui.controller import Controller
from desktop.ui.icon import app_icon
from desktop.ui.main_window import MainWindow
from desktop.ui.settings_dialog import SettingsDialog
from desktop.ui.single_instance import InstanceServer, hand_off, server_name
from desktop.ui.tray import Tray

log = logging.getLogger(__name__)
NO_TRAY_NOTE = "No system tray here: closing the window quits Lorafy (teaching in progress finishes its current file)."


@dataclass(frozen=True)
class AppConfig:
    """How this launch runs; command-line values override settings.json."""

    home: Path
    base_path: Path | None = None  # overrides Settings.base_path
    hypernet_dir: Path | None = None
    threads: int | None = None
    cpu: bool = False  # overrides Settings.gpu_offload
    paths: tuple[Path, ...] = ()  # files/folders to teach at start (or hand to the running instance)
    single_instance: bool = True
    tray: bool | None = None  # None = use the system tray where there is one
    max_tokens: int = 256
    watch: WatchConfig = WatchConfig()  # how the teach folders are watched


class HomeBusy(RuntimeError):
    """Another process (a running app or ``lorafy watch``) drives this Lorafy home."""


def service_config(cfg: AppConfig, settings: Settings) -> ServiceConfig:
    base = cfg.base_path or (Path(settings.base_path) if settings.base_path else None)
    gpu = settings.gpu_offload and not cfg.cpu
    return ServiceConfig(home=cfg.home, base_path=base, hypernet_dir=cfg.hypernet_dir, threads=cfg.threads,
                         n_gpu_layers=-1 if gpu else 0, use_gpu=gpu)


def check_base(settings: Settings, hypernet_dir: Path | None) -> None:
    """Raise if the settings' base model cannot be read or the hypernetwork was not made for it (no model is loaded)."""
    from engine.core.base import load_base
    from engine.infer.onnx_hypernet import HypernetError, default_bundle, read_bundle_config

    spec = load_base(Path(settings.base_path) if settings.base_path else None)
    bundle = hypernet_dir or default_bundle(spec)
    if read_bundle_config(bundle)["base_sha256"] != spec.sha256:
        raise HypernetError(f"the hypernetwork in {bundle} was made for another base than {spec.path.name}; "
                            "keep the current base or choose a hypernetwork trained for this one")


def make_queue(owner: ModelOwner, settings: Settings, on_event: OnEvent, watch: WatchConfig) -> TeachQueue:
    """The teach queue the app uses: the ingestion Indexer on the settings' teach folders."""
    return IndexerQueue(owner, [Path(f) for f in settings.watched_folders], on_event=on_event, cfg=watch,
                        max_file_bytes=settings.max_file_bytes)


class App:
    """The wired objects of one running app."""

    def __init__(self, cfg: AppConfig, qapp: QApplication):
        self.cfg, self.qapp = cfg, qapp
        self.settings = load_settings(cfg.home)
        self.svc = Lorafy(service_config(cfg, self.settings))
        if not self.svc.library.try_lock():  # released by the queue's close (the indexer's stop)
            raise HomeBusy(f"{cfg.home} is in use by another Lorafy (the app or `lorafy watch`); "
                           "quit it first, or run the app with another --home")
        self.owner = ModelOwner(self.svc)
        self.store = ConversationStore(cfg.home)
        self._listeners: list[OnEvent] = []  # the queue exists before the controller that listens to it
        self.queue = make_queue(self.owner, self.settings, self._queue_event, cfg.watch)
        self.controller = Controller(self.owner, self.queue, self.store, cfg.home, self.settings, cfg.max_tokens)
        self._listeners.append(self.controller.on_queue_event)
        self.window = MainWindow(self.controller)
        self.window.setWindowIcon(app_icon())
        self.tray = Tray(app_icon(), available=cfg.tray)
        self._told_background = False
        self._closed = False
        self._connect()

    def _queue_event(self, event: TeachEvent) -> None:  # any thread
        for listener in self._listeners:
            listener(event)

    def _connect(self) -> None:
        c, w, t = self.controller, self.window, self.tray
        w.closeRequested.connect(self.close_window)
        w.settingsRequested.connect(self.edit_settings)
        t.openRequested.connect(self.show_window)
        t.quitRequested.connect(self.quit)
        t.pauseToggled.connect(lambda on: self.queue.pause() if on else self.queue.resume())
        c.teachEvent.connect(self._teach_event)
        c.settingsChanged.connect(self._settings_changed)
        self.qapp.aboutToQuit.connect(self.shutdown)

    def start(self) -> None:
        """Show the window, load the models in the background, start the indexer (recovery, teach folders) and
        queue the start-up paths."""
        self.show_window()
        self.owner.submit(lambda svc: svc.load()).add_done_callback(self._loaded)
        self.queue.start()
        if not self.tray.available:
            log.info(NO_TRAY_NOTE)
            self.window.statusBar().showMessage(NO_TRAY_NOTE, 15000)
        paths = [p for p in self.cfg.paths if p.exists()]
        if paths:
            self.controller.teach_paths(paths)

    def _loaded(self, fut) -> None:  # owner thread: report through the controller's queued signal
        if fut.exception() is not None:
            self.controller.error.emit(f"could not load the model: {fut.exception()}")

    def open_paths(self, paths: list[Path]) -> None:
        """A second launch handed us ``paths``: teach them and bring the window up."""
        if paths:
            self.controller.teach_paths(paths)
        self.show_window()

    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def close_window(self) -> None:
        if not self.tray.available:
            self.quit()
            return
        self.window.hide()
        if not self._told_background:
            self._told_background = True
            self.tray.notify("Lorafy keeps running", "Teaching continues in the background; quit from the tray icon.")

    def edit_settings(self) -> None:
        dlg = SettingsDialog(self.controller.settings, self.window)
        if dlg.exec():
            self.controller.apply_settings(dlg.value(), lambda s: check_base(s, self.cfg.hypernet_dir))

    def _settings_changed(self, settings: Settings) -> None:
        if self.queue.max_file_bytes != settings.max_file_bytes:
            self.queue.max_file_bytes = settings.max_file_bytes

    def _teach_event(self, ev: TeachEvent) -> None:
        self.tray.update(ev.status)
        if ev.kind == "failed" and ev.job is not None:
            self.tray.notify("Could not teach a file", f"{ev.job.name}: {ev.job.error}", error=True)
        elif ev.kind == "batch_done":
            s = ev.status
            self.tray.notify("Teaching done", f"{s.done} taught" + (f", {s.failed} failed" if s.failed else ""))

    def quit(self) -> None:
        self.window.quitting = True
        self.window.close()
        self.qapp.quit()

    def shutdown(self) -> None:
        """Stop starting jobs, let the running one finish (the library stays consistent), free the model."""
        if self._closed:
            return
        self._closed = True
        self.queue.close()
        self.owner.close(wait=True)
        self.tray.hide()


def qt_arguments(offscreen: bool) -> list[str]:
    """QApplication arguments; offscreen when asked to, or when there is no display to draw on (Linux)."""
    no_display = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if (offscreen or no_display) and not os.environ.get("QT_QPA_PLATFORM"):
        return ["lorafy", "-platform", "offscreen"]
    return ["lorafy"]


def run(cfg: AppConfig, selftest: bool = False) -> int:
    """Run the app until it quits; with ``selftest`` teach and ask once, then exit (0 = it all worked)."""
    from desktop.qt_safety import qt_problem

    problem = qt_problem()
    if problem is not None:
        print(f"lorafy: {problem}", file=sys.stderr)
        return 2
    qapp = QApplication.instance() or QApplication(qt_arguments(selftest))
    qapp.setQuitOnLastWindowClosed(False)
    server = None
    if cfg.single_instance and hand_off(server_name(cfg.home), list(cfg.paths)):
        log.info("handed %d path(s) to the running Lorafy", len(cfg.paths))
        return 0
    try:
        app = App(cfg, qapp)  # takes the home's lock: no other app or `lorafy watch` is live on this home
    except HomeBusy as e:
        print(f"lorafy: {e}", file=sys.stderr)
        if not selftest and qapp.platformName() != "offscreen":
            from PySide6.QtWidgets import QMessageBox
            QMessageBox.critical(None, "Lorafy", str(e))
        return 2
    if cfg.single_instance:  # holding the lock, a socket that did not answer is stale: listen() replaces it
        server = InstanceServer(server_name(cfg.home))
        server.listen()
        server.pathsReceived.connect(app.open_paths)
    app.start()
    try:
        if selftest:
            from desktop.ui.selftest import run_selftest
            return run_selftest(app)
        return qapp.exec()
    finally:
        app.shutdown()
        if server is not None:
            server.close()


def selftest_config(home: Path, base_path: Path | None, hypernet_dir: Path | None, threads: int | None,
                    cpu: bool) -> AppConfig:
    """A self-test never touches the user's library: pass a fresh temporary home; no tray, no single-instance socket."""
    return AppConfig(home=home, base_path=base_path, hypernet_dir=hypernet_dir, threads=threads, cpu=cpu,
                     single_instance=False, tray=False, max_tokens=16)
