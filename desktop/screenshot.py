"""``python -m desktop.screenshot OUT.png [--empty E.png] [--teaching T.png] [--dark D.png]``: pictures of the main window.

Uses the embedded base in a temporary home (the user's library is never
touched): optionally saves the empty state first, teaches the sample document
as a memory and one skill, asks a question with the memory checked, then saves
the window; ``--teaching`` then drops a long file and a file that is refused and
saves the window while the long one is being taught; ``--dark`` saves the
conversation again under a dark palette. Offscreen
(``QWidget.grab()``) unless ``QT_QPA_PLATFORM`` names a real platform (e.g.
``xcb`` under Xvfb: ``xvfb-run -s "-screen 0 1280x800x24" env QT_QPA_PLATFORM=xcb
python -m desktop.screenshot ...``), where the shown window is grabbed from the screen.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from importlib.resources import files
from pathlib import Path

from PySide6.QtWidgets import QApplication

from desktop.app import App, AppConfig, qt_arguments
from desktop.ui.main_window import SAMPLE_QUESTION
from desktop.ui.selftest import wait_until

TIMEOUT_S = 300.0


def populate(app: App, tmp: Path) -> None:
    """Teach the sample document and a skill, check the memory, and ask one question (waits for each step)."""
    rec = json.loads(Path(str(files("engine").joinpath("samples/demo.jsonl"))).read_text().splitlines()[0])
    doc = tmp / "observatory notes.txt"
    doc.write_text(rec["document"])
    app.controller.teach_paths([doc])
    app.controller.teach_text("Answer in one short sentence.", "short answers")
    if not wait_until(lambda: not app.queue.status().busy and len(app.controller.items()) == 2, TIMEOUT_S):
        raise RuntimeError("teaching did not finish")
    memory = next(i for i in app.controller.items() if i.kind == "memory")
    app.controller.refresh()
    app.window.library.set_checked(memory.id, True)
    answers: list = []
    app.controller.answerFinished.connect(answers.append)
    app.window.question.setText(rec["questions"][SAMPLE_QUESTION]["question"])
    app.window.ask()
    if not wait_until(lambda: bool(answers), TIMEOUT_S):
        raise RuntimeError("no answer")


def teaching(app: App, tmp: Path) -> None:
    """Drop an empty file (refused, with its reason), then a long document; return once the long one shows chunks
    taught but not all (the queue teaches in order, so the refusal comes first)."""
    rec = json.loads(Path(str(files("engine").joinpath("samples/demo.jsonl"))).read_text().splitlines()[0])
    long_doc, empty = tmp / "field journal 2026.txt", tmp / "scan (empty).txt"
    long_doc.write_text("\n\n".join([rec["document"]] * 24))
    empty.write_text("")
    rows = lambda: app.window.library.rows.values()  # noqa: E731 - refreshed by the controller on teach events
    app.controller.teach_paths([empty])
    if not wait_until(lambda: any(r.status.startswith("failed") for r in rows()), TIMEOUT_S):
        raise RuntimeError("the empty file was not refused")
    app.controller.teach_paths([long_doc])
    if not wait_until(lambda: any(r.progress and 0 < r.progress[0] < r.progress[1] for r in rows()), TIMEOUT_S):
        raise RuntimeError("the long document was never seen midway")
    app.window.library.expandAll()


def dark_palette():
    """A dark palette like a desktop's dark mode (Fusion colours), applied to the whole app."""
    from PySide6.QtGui import QColor, QPalette

    pal = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#2d2d2d"), (QPalette.ColorRole.WindowText, "#e6e6e6"),
                         (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#2a2a2a"),
                         (QPalette.ColorRole.Text, "#e6e6e6"), (QPalette.ColorRole.Button, "#3a3a3a"),
                         (QPalette.ColorRole.ButtonText, "#e6e6e6"), (QPalette.ColorRole.Highlight, "#3d6fb4"),
                         (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.Link, "#7fb2ff"),
                         (QPalette.ColorRole.PlaceholderText, "#9a9a9a")):
        pal.setColor(role, QColor(colour))
    return pal


def save(qapp, window, out: Path) -> bool:
    """The window as the screen shows it (a real platform) or as it renders offscreen."""
    for _ in range(5):
        qapp.processEvents()
    if qapp.platformName() not in ("offscreen", "minimal"):
        window.show()
        window.raise_()
        for _ in range(20):
            qapp.processEvents()
        shot = qapp.primaryScreen().grabWindow(window.winId())
    else:
        shot = window.grab()
    return shot.save(str(out))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m desktop.screenshot", description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--empty", type=Path, default=None, help="also save the empty state (before teaching) here")
    p.add_argument("--dark", type=Path, default=None, help="also save the conversation under a dark palette here")
    p.add_argument("--teaching", type=Path, default=None,
                   help="also save the window while a long dropped file is being taught (after the conversation)")
    args = p.parse_args(argv)
    qapp = QApplication.instance() or QApplication(qt_arguments(offscreen=True))
    with tempfile.TemporaryDirectory(prefix="lorafy-shot-") as tmp:
        cfg = AppConfig(home=Path(tmp) / "home", threads=args.threads, cpu=True, single_instance=False, tray=False,
                        max_tokens=48)
        app = App(cfg, qapp)
        app.start()
        try:
            app.window.resize(1100, 640)
            shots = []
            if args.empty:
                shots.append((args.empty, save(qapp, app.window, args.empty)))
            populate(app, Path(tmp))
            app.window.library.expandAll()
            shots.append((args.out, save(qapp, app.window, args.out)))
            if args.teaching:
                teaching(app, Path(tmp))
                shots.append((args.teaching, save(qapp, app.window, args.teaching)))
                if not wait_until(lambda: not app.queue.status().busy, TIMEOUT_S):
                    raise RuntimeError("teaching did not finish")
                app.controller.refresh()
            if args.dark:
                qapp.setStyle("Fusion")
                qapp.setPalette(dark_palette())
                shots.append((args.dark, save(qapp, app.window, args.dark)))
            for path, ok in shots:
                if not ok:
                    print(f"could not write {path}", file=sys.stderr)
                    return 1
        finally:
            app.shutdown()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
