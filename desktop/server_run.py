"""Running a plan on the owner thread (streamed pieces, stop strings, cancel) and its OpenAI response bodies.

:func:`run_plan` generates with the plan's adapters and reports each new piece; the bodies are a whole completion
(:func:`completion_body`) or the server-sent-event chunks of a stream (:func:`chunk_body`).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from desktop.server_plan import Plan

if TYPE_CHECKING:
    from desktop.service import Lorafy


@dataclass
class Result:
    """What a plan produced."""

    text: str
    finish_reason: str
    adapters: list[str]
    sources: list[dict]
    prompt_tokens: int
    completion_tokens: int


class StopText:
    """Cuts streamed text at the first stop string, holding back just enough to catch one split across pieces.

    >>> s = StopText(("END",)); [s.feed(p) for p in ("ab", "cE", "ND", "x")], s.stopped
    (['', 'ab', 'c', ''], True)
    """

    def __init__(self, stops: tuple[str, ...]):
        self.stops = stops
        self.hold = max((len(s) for s in stops), default=1) - 1
        self.buf = ""
        self.stopped = False

    def feed(self, piece: str) -> str:
        if self.stopped:
            return ""
        self.buf += piece
        cuts = [i for i in (self.buf.find(s) for s in self.stops) if i >= 0]
        if cuts:
            out, self.buf, self.stopped = self.buf[:min(cuts)], "", True
            return out
        n = len(self.buf) - self.hold
        out, self.buf = (self.buf[:n], self.buf[n:]) if n > 0 else ("", self.buf)
        return out

    def flush(self) -> str:
        out, self.buf = self.buf, ""
        return out


def run_plan(svc: "Lorafy", plan: Plan, on_piece: Callable[[str], None], cancel: threading.Event) -> Result:
    """Generate ``plan`` with its adapters (plus auto-chosen memories), calling ``on_piece`` with each new piece.

    ``cancel`` (the client went away) stops generation after the current piece; set before the plan's turn on the
    owner thread, nothing is generated."""
    if cancel.is_set():
        return Result(text="", finish_reason="stop", adapters=[], sources=[], prompt_tokens=0, completion_tokens=0)
    prompt, question = plan.prompt, plan.question
    if plan.messages is not None:  # a chat: the service's answer mode puts the memories' passages and/or adapters to use
        setup = svc.answer_setup(plan.messages, plan.max_tokens, use=plan.use, auto=plan.auto)
        scales = dict(zip(plan.use, plan.weights))  # the request's lora scales win over the mode's weights
        prompt, use, answered = setup.plan.prompt, setup.use, setup.keys
        weights = [scales.get(k, w) for k, w in zip(setup.use, setup.weights)]
    else:
        use = svc.with_auto(question, plan.use) if plan.auto else list(plan.use)
        weights = list(plan.weights) + [1.0] * (len(use) - len(plan.weights))
        answered = use
    stop, out, n_raw = StopText(plan.stop), [], 0
    gen = svc.generate(prompt, use, weights, plan.max_tokens)
    try:
        for piece in gen:  # a piece per generated token, except bytes of a split UTF-8 character
            n_raw += 1
            if text := stop.feed(piece):
                out.append(text)
                on_piece(text)
            if stop.stopped or cancel.is_set():
                break
    finally:
        gen.close()
    if tail := stop.flush():
        out.append(tail)
        on_piece(tail)
    text = "".join(out)
    n_out = min(max(n_raw, len(svc.tokenize(text)) if text else 0), plan.max_tokens)  # re-tokenizing may split finer
    finish = "length" if not stop.stopped and n_out >= plan.max_tokens else "stop"
    items = [svc.library.resolve(i) for i in answered]
    return Result(text=text, finish_reason=finish, adapters=[i.name for i in items],
                  sources=svc.sources(question, text, answered), prompt_tokens=len(svc.tokenize(prompt)),
                  completion_tokens=n_out)


def usage(r: Result) -> dict:
    return {"prompt_tokens": r.prompt_tokens, "completion_tokens": r.completion_tokens,
            "total_tokens": r.prompt_tokens + r.completion_tokens}


def completion_body(rid: str, plan: Plan, r: Result, chat: bool) -> dict:
    if chat:
        choice = {"index": 0, "message": {"role": "assistant", "content": r.text}, "finish_reason": r.finish_reason,
                  "logprobs": None}
    else:
        choice = {"index": 0, "text": r.text, "finish_reason": r.finish_reason, "logprobs": None}
    return {"id": rid, "object": "chat.completion" if chat else "text_completion", "created": int(time.time()),
            "model": plan.model, "choices": [choice], "usage": usage(r), "adapters": r.adapters, "sources": r.sources}


def chunk_body(rid: str, plan: Plan, chat: bool, text: str | None = None, role: bool = False,
               result: Result | None = None) -> dict:
    finish = result.finish_reason if result else None
    if chat:
        delta = {"role": "assistant", "content": ""} if role else ({"content": text} if text is not None else {})
        choice = {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}
    else:
        choice = {"index": 0, "text": text or "", "finish_reason": finish, "logprobs": None}
    body = {"id": rid, "object": "chat.completion.chunk" if chat else "text_completion", "created": int(time.time()),
            "model": plan.model, "choices": [choice]}
    if result is not None:
        body |= {"usage": usage(result), "adapters": result.adapters, "sources": result.sources}
    return body
