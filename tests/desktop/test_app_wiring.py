"""The app wired to the ingestion Indexer and the sources/auto features, offscreen on the tiny base: watched teach folders, edits, sources, auto mode, one process per home."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication


import pytest

from desktop.app import App, AppConfig, HomeBusy
from desktop.cli import main
from desktop.ingest.watch import WatchConfig
from desktop.store.conversations import Message
from desktop.store.library import Library
from desktop.store.settings import Settings, load_settings, save_settings

WAIT_MS = 60_000
FAST = WatchConfig(debounce_s=0.05, settle_s=0.05, grace_s=0.5, rescan_s=60, poll_s=0.05, recover_min_age_s=0)
BAKERY = "Lindqvist Bakery opened on Harbour Street in 1998. Its owner is Petra Lindqvist.\n"
OBSERVATORY = "The Kettle Hill observatory keeps a brass telescope built in 1887 by Tomas Brandt.\n"


@pytest.fixture(scope="module")
def wired(qapp, tiny_spec, tiny_bundle, tmp_path_factory):
    """(app, teach folder): one started App whose settings watch a teach folder."""
    root = tmp_path_factory.mktemp("wired")
    home, folder = root / "home", root / "teach"
    home.mkdir()
    folder.mkdir()
    save_settings(home, Settings(watched_folders=(str(folder),)))
    cfg = AppConfig(home=home, base_path=tiny_spec.path, hypernet_dir=tiny_bundle[0], threads=1, cpu=True,
                    single_instance=False, tray=False, max_tokens=8, watch=FAST)
    app = App(cfg, qapp)
    app.start()
    yield app, folder
    app.shutdown()
    app.window.quitting = True
    app.window.close()


def ready_row(app: App, name: str):
    return next((r for r in app.window.library.rows.values() if r.name == name and r.status == "ready"), None)


def ask(qtbot, app: App, question: str) -> Message:
    app.window.question.setText(question)
    with qtbot.waitSignal(app.controller.answerFinished, timeout=WAIT_MS) as sig:
        app.window.ask()
    return sig.args[0]


def test_a_file_saved_in_a_teach_folder_becomes_a_ready_memory(qtbot, wired):
    app, folder = wired
    (folder / "bakery.txt").write_text(BAKERY)
    qtbot.waitUntil(lambda: ready_row(app, "bakery") is not None, timeout=WAIT_MS)
    (item,) = app.svc.library.items()
    assert (item.kind, item.source) == ("memory", str(folder / "bakery.txt")) and item.content_sha256
    assert app.queue.status().done >= 1 and not app.queue.status().busy
    assert app.tray.progress.text() == "idle"


def test_sources_appear_under_the_answer_to_a_taught_fact(qtbot, wired):
    app, folder = wired
    row = ready_row(app, "bakery")
    app.window.auto.setChecked(False)
    app.window.library.set_checked(row.item_id, True)
    msg = ask(qtbot, app, "Who owns the bakery?")
    assert msg.adapters == ["bakery"] and msg.auto == []
    (src,) = msg.sources
    assert src["source"] == str(folder / "bakery.txt") and "Petra Lindqvist" in src["snippet"]
    view = app.window.chat.toPlainText()
    assert "sources:" in view and "Petra Lindqvist" in view.split("Who owns the bakery?")[-1]
    app.window.library.set_checked(row.item_id, False)
    app.window.auto.setChecked(True)


def test_an_edited_file_replaces_its_item_and_stays_checked(qtbot, wired):
    app, folder = wired
    old = ready_row(app, "bakery").item_id
    app.window.library.set_checked(old, True)
    (folder / "bakery.txt").write_text(BAKERY + "It sells rye bread on Sundays.\n")
    # the new item is listed (a refresh) a moment before the queue's "replaced" event carries the check over to it
    qtbot.waitUntil(lambda: (r := ready_row(app, "bakery")) is not None and r.item_id != old and r.checked,
                    timeout=WAIT_MS)
    new = ready_row(app, "bakery")
    assert [i.id for i in app.svc.library.items()] == [new.item_id]
    assert new.checked and app.controller.settings.active == (new.item_id,)
    assert load_settings(app.cfg.home).active == (new.item_id,)
    assert "rye bread" in app.owner.call(lambda s: s.sources("rye bread", "", [new.item_id]))[0]["snippet"]
    app.window.library.set_checked(new.item_id, False)


def test_auto_mode_activates_the_memory_that_matches_the_question(qtbot, wired):
    app, folder = wired
    (folder / "observatory.txt").write_text(OBSERVATORY)
    qtbot.waitUntil(lambda: ready_row(app, "observatory") is not None, timeout=WAIT_MS)
    assert app.window.auto.isChecked() and app.controller.settings.auto and app.controller.settings.active == ()
    msg = ask(qtbot, app, "Who built the brass telescope at the observatory?")
    assert msg.adapters == ["observatory"] and msg.auto == ["observatory"]
    assert msg.sources and msg.sources[0]["name"] == "observatory"
    obs = ready_row(app, "observatory").item_id
    active, handle, mode = app.owner.call(lambda s: (s.runtime.active, s._handles.get(obs), s.cfg.answer.mode),
                                          timeout=30)
    assert [h for h, _ in active] == ([] if mode == "passages" else [handle])  # passages: in the prompt instead
    assert "answered with: observatory (auto)" in " ".join(app.window.chat.toPlainText().split())
    app.controller.set_disabled(obs, True)  # a disabled memory is never chosen
    assert ask(qtbot, app, "Who built the brass telescope at the observatory?").adapters == []
    app.controller.set_disabled(obs, False)


def test_one_process_drives_a_home(qtbot, wired, capsys, tiny_spec, tiny_bundle, tmp_path):
    app, folder = wired
    rc = main(["--home", str(app.cfg.home), "--base", str(tiny_spec.path), "--hypernet", str(tiny_bundle[0]),
               "--threads", "1", "--cpu", "watch", str(folder), "--once"])
    assert rc == 2 and "in use by another Lorafy" in capsys.readouterr().err
    with pytest.raises(HomeBusy):
        App(AppConfig(home=app.cfg.home, base_path=tiny_spec.path, hypernet_dir=tiny_bundle[0], single_instance=False,
                      tray=False), app.qapp)
    other = Library(tmp_path / "other")  # `lorafy watch` holds this home: the app refuses it
    assert other.try_lock()
    with pytest.raises(HomeBusy, match="quit it first"):
        App(AppConfig(home=tmp_path / "other", base_path=tiny_spec.path, hypernet_dir=tiny_bundle[0],
                      single_instance=False, tray=False), app.qapp)
    other.unlock()
