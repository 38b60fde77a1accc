"""``python -m desktop.screenshot OUT.png``: render the main window offscreen with a populated library and a conversation.

Uses the embedded base in a temporary home (the user's library is never
touched): teaches the sample document as a memory and one skill, asks a
question with the memory checked, then saves ``QWidget.grab()``.
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
    app.window.question.setText(rec["questions"][0]["question"])
    app.window.ask()
    if not wait_until(lambda: bool(answers), TIMEOUT_S):
        raise RuntimeError("no answer")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m desktop.screenshot", description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    qapp = QApplication.instance() or QApplication(qt_arguments(offscreen=True))
    with tempfile.TemporaryDirectory(prefix="lorafy-shot-") as tmp:
        cfg = AppConfig(home=Path(tmp) / "home", threads=args.threads, cpu=True, single_instance=False, tray=False,
                        max_tokens=48)
        app = App(cfg, qapp)
        app.start()
        try:
            populate(app, Path(tmp))
            app.window.resize(1100, 640)
            app.window.library.expandAll()
            qapp.processEvents()
            if not app.window.grab().save(str(args.out)):
                print(f"could not write {args.out}", file=sys.stderr)
                return 1
        finally:
            app.shutdown()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
