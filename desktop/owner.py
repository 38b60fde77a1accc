"""One thread owns the Lorafy service: every model call (teach, ask, stream) runs there, one at a time, in order.

llama.cpp contexts and the ONNX session are not safe to drive from several
threads at once, and the app, the tray indexer and the local server all want
them. They share one :class:`ModelOwner`; each hands it a function of the
service and gets a ``concurrent.futures.Future`` back. Qt-free (the app wraps
futures in signals), torch-free.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

from desktop.service import Answer, Lorafy

T = TypeVar("T")


class Cancelled(Exception):
    """A streamed answer was stopped by its caller."""


class ModelOwner:
    """A single worker thread that owns ``svc``; calls run strictly one after another."""

    def __init__(self, svc: Lorafy):
        self.svc = svc
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lorafy-model")
        self._closed = threading.Event()

    def submit(self, fn: Callable[[Lorafy], T]) -> "Future[T]":
        """Run ``fn(svc)`` on the owner thread after everything submitted before it."""
        if self._closed.is_set():
            raise RuntimeError("the model owner is closed")
        return self._pool.submit(fn, self.svc)

    def call(self, fn: Callable[[Lorafy], T], timeout: float | None = None) -> T:
        """Submit and wait for the result (re-raises the function's exception)."""
        return self.submit(fn).result(timeout)

    def stream(self, question: str, on_piece: Callable[[str], None], use: Sequence[str] = (),
               context: str | None = None, max_tokens: int = 256,
               cancel: threading.Event | None = None) -> "Future[str]":
        """Generate on the owner thread, calling ``on_piece`` (from that thread) with each piece.

        Setting ``cancel`` stops generation after the current piece; the future then
        holds the text produced so far. The future's result is the whole answer.
        """
        def run(svc: Lorafy) -> str:
            pieces: list[str] = []
            for piece in svc.stream(question, use=use, context=context, max_tokens=max_tokens):
                pieces.append(piece)
                on_piece(piece)
                if cancel is not None and cancel.is_set():
                    break
            return "".join(pieces)

        return self.submit(run)

    def ask(self, question: str, use: Sequence[str] = (), context: str | None = None,
            max_tokens: int = 256) -> "Future[Answer]":
        return self.submit(lambda svc: svc.ask(question, use=use, context=context, max_tokens=max_tokens))

    def close(self, wait: bool = True) -> None:
        """Finish queued calls (or drop them with ``wait=False``), then close the service on the owner thread."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._pool.submit(lambda: self.svc.close())
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
