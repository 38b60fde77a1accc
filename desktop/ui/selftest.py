"""``lorafy app --selftest``: drive the real window once (teach a tiny file, check it, ask, wait for the answer) and report."""
from __future__ import annotations

import logging
import sys
import time
from typing import Callable

from PySide6.QtCore import QEventLoop, QTimer

log = logging.getLogger(__name__)
SELFTEST_TEXT = "The lighthouse keeper on Varsholm island has a grey cat called Biscuit.\n"
SELFTEST_QUESTION = "What is the lighthouse keeper's cat called?"


def wait_until(done: Callable[[], bool], timeout_s: float, step_ms: int = 20) -> bool:
    """Run the event loop until ``done()`` or the timeout; True if done."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while not done():
        if time.monotonic() > deadline:
            return False
        QTimer.singleShot(step_ms, loop.quit)
        loop.exec()
    return True


def run_selftest(app, timeout_s: float = 300.0) -> int:
    """0 if a file was taught, activated and answered from within the window; 1 (with the reason on stderr) otherwise."""
    c, w = app.controller, app.window
    t0 = time.perf_counter()
    answers: list = []
    failures: list[str] = []
    c.answerFinished.connect(answers.append)
    c.answerFailed.connect(failures.append)
    doc = app.cfg.home / "selftest.txt"
    doc.write_text(SELFTEST_TEXT)
    c.teach_paths([doc])
    if not wait_until(lambda: bool(c.items() or [j for j in app.queue.jobs() if j.state == "failed"]), timeout_s):
        return _fail("teaching did not finish in time")
    items = c.items()
    if not items:
        return _fail(f"teaching failed: {[j.error for j in app.queue.jobs() if j.state == 'failed']}")
    c.refresh()  # rows are rebuilt on a timer while teaching; now, for the check below
    if not wait_until(lambda: w.library.widget_for(items[0].id) is not None, 10.0):  # the panel refreshes on a signal
        return _fail(f"the library panel shows no row for {items[0].name!r}")
    w.library.set_checked(items[0].id, True)
    w.question.setText(SELFTEST_QUESTION)
    w.ask()
    if not wait_until(lambda: bool(answers or failures), timeout_s):
        return _fail("no answer in time")
    if failures:
        return _fail(failures[0])
    msg = answers[0]
    if msg.adapters != [items[0].name]:
        return _fail(f"the answer used {msg.adapters}, expected [{items[0].name!r}]")
    print(f"lorafy app selftest ok in {time.perf_counter() - t0:.1f} s: taught {items[0].name!r} "
          f"({items[0].tokens} tokens), answered {msg.text[:60]!r} with {msg.adapters}")
    app.quit()
    return 0


def _fail(why: str) -> int:
    print(f"lorafy app selftest FAILED: {why}", file=sys.stderr)
    return 1
