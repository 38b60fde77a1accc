"""ModelOwner runs calls one at a time on one thread, streams pieces, and stops on cancel."""
from __future__ import annotations

import threading
import time

from desktop.owner import ModelOwner


class FakeService:
    def __init__(self):
        self.threads: set[int] = set()
        self.running = 0
        self.overlap = False
        self.closed = False

    def stream(self, question, use=(), context=None, max_tokens=128):
        for i in range(max_tokens):
            self.threads.add(threading.get_ident())
            yield f"{question}{i} "

    def work(self, ms: float) -> int:
        self.running += 1
        self.overlap |= self.running > 1
        time.sleep(ms / 1000)
        self.threads.add(threading.get_ident())
        self.running -= 1
        return threading.get_ident()

    def close(self):
        self.closed = True


def test_calls_are_serialised_on_one_thread():
    svc = FakeService()
    owner = ModelOwner(svc)
    futures = [owner.submit(lambda s: s.work(5)) for _ in range(6)]
    idents = {f.result(5) for f in futures}
    assert len(idents) == 1 and idents != {threading.get_ident()}
    assert not svc.overlap
    owner.close()
    assert svc.closed


def test_stream_pieces_and_cancel():
    svc = FakeService()
    owner = ModelOwner(svc)
    got: list[str] = []
    assert owner.stream("q", got.append, max_tokens=5).result(5) == "q0 q1 q2 q3 q4 "
    assert got == ["q0 ", "q1 ", "q2 ", "q3 ", "q4 "]
    cancel = threading.Event()
    seen: list[str] = []

    def on_piece(p: str) -> None:
        seen.append(p)
        if len(seen) == 3:
            cancel.set()

    text = owner.stream("x", on_piece, max_tokens=1000, cancel=cancel).result(5)
    assert text == "x0 x1 x2 " and len(seen) == 3
    owner.close()
