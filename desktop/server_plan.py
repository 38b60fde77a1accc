"""OpenAI-style requests checked into plans against the library (models, ``lora`` scales, prompt, stop, length).

Runs on the model owner's thread (it reads the library and tokenizes). A request the server refuses raises
:class:`ServerError` with its HTTP status and an OpenAI-style error body.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.service import Lorafy

BASE_MODEL, AUTO_MODEL = "base", "auto"


class ServerError(Exception):
    """A request the server refuses, with its HTTP status and an OpenAI-style error body."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None):
        super().__init__(message)
        self.status, self.kind, self.code = status, kind, code

    def body(self) -> dict:
        return {"error": {"message": str(self), "type": self.kind, "code": self.code, "param": None}}


@dataclass(frozen=True)
class Plan:
    """One request, checked: the prompt to complete and which adapters to run it with."""

    model: str
    prompt: str
    question: str  # what auto choice and sources match: the last user message, or the prompt
    use: tuple[str, ...] = ()  # item ids, in order
    weights: tuple[float, ...] = ()
    auto: bool = False
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    messages: tuple[dict, ...] | None = None  # a chat request's conversation (answers put memories to use by mode)


def model_ids(svc: "Lorafy") -> list[tuple[str, Any]]:
    """(model id, item or None) for base, auto and every item; an item's id is its name unless that is taken."""
    items = svc.library.items()
    names = [i.name for i in items]
    out: list[tuple[str, Any]] = [(BASE_MODEL, None), (AUTO_MODEL, None)]
    for i in items:
        unique = names.count(i.name) == 1 and i.name not in (BASE_MODEL, AUTO_MODEL) and i.name.strip()
        out.append((i.name if unique else i.id, i))
    return out


def models_body(svc: "Lorafy") -> dict:
    rows = []
    for mid, item in model_ids(svc):
        kind = item.kind if item else mid
        rows.append({"id": mid, "object": "model", "created": int(item.created) if item else 0, "owned_by": "lorafy",
                     "lorafy": {"kind": kind, "item_id": item.id if item else None, "name": item.name if item else mid,
                                "source": item.source if item else None}})
    return {"object": "list", "data": rows}


def lora_adapters_body(svc: "Lorafy") -> list[dict]:
    """llama-server's ``GET /lora-adapters``: every item with an integer id usable in ``"lora"``."""
    return [{"id": n, "path": str(svc.library.adapter_path(i)), "scale": 0.0, "name": i.name, "item_id": i.id,
             "kind": i.kind} for n, i in enumerate(svc.library.items())]


def resolve_model(svc: "Lorafy", model: Any) -> tuple[list[str], bool]:
    """(item ids, auto) for a model id."""
    from desktop.store.library import LibraryError

    if not isinstance(model, str) or not model:
        raise ServerError(400, "field 'model' must be a non-empty string; GET /v1/models lists them")
    if model in (BASE_MODEL, svc.spec.name):
        return [], False
    if model == AUTO_MODEL:
        return [], True
    try:
        return [svc.library.resolve(model).id], False
    except LibraryError as e:
        raise ServerError(400, f"unknown model {model!r} ({e}); GET /v1/models lists them", code="model_not_found") from e


def resolve_lora(svc: "Lorafy", lora: Any) -> dict[str, float]:
    """item id -> scale from ``[{"id": name | id | index, "scale": float}, ...]`` (scale 0 drops an adapter)."""
    from desktop.store.library import LibraryError

    if lora is None:
        return {}
    if not isinstance(lora, list):
        raise ServerError(400, "field 'lora' must be a list of {\"id\": ..., \"scale\": ...}")
    items, out = svc.library.items(), {}
    for entry in lora:
        if not isinstance(entry, dict) or "id" not in entry:
            raise ServerError(400, f"each 'lora' entry needs an 'id', got {entry!r}")
        key, scale = entry["id"], entry.get("scale", 1.0)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not math.isfinite(scale):
            raise ServerError(400, f"'lora' scale must be a finite number, got {scale!r}")
        if isinstance(key, int) and not isinstance(key, bool):
            if not 0 <= key < len(items):
                raise ServerError(400, f"'lora' id {key} is out of range; GET /lora-adapters lists 0..{len(items) - 1}")
            out[items[key].id] = float(scale)
            continue
        try:
            out[svc.library.resolve(str(key)).id] = float(scale)
        except LibraryError as e:
            raise ServerError(400, f"unknown adapter in 'lora': {e}", code="model_not_found") from e
    return out


def message_text(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) for p in content):
        if any(p.get("type") != "text" for p in content):
            raise ServerError(400, "only text content parts are supported")
        return "".join(str(p.get("text", "")) for p in content)
    raise ServerError(400, f"message content must be a string or a list of text parts, got {type(content).__name__}")


def chat_messages(messages: Any) -> list[dict]:
    if not isinstance(messages, list) or not messages:
        raise ServerError(400, "field 'messages' must be a non-empty list of {\"role\", \"content\"}")
    out = []
    for m in messages:
        if not isinstance(m, dict) or not isinstance(m.get("role"), str):
            raise ServerError(400, f"each message needs a string 'role', got {m!r:.80}")
        out.append({"role": m["role"], "content": message_text(m.get("content"))})
    return out


def stop_strings(stop: Any) -> tuple[str, ...]:
    if stop is None:
        return ()
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
        raise ServerError(400, "field 'stop' must be a string or a list of strings")
    return tuple(s for s in stops if s)


def max_tokens_of(body: dict, default: int) -> int:
    n = body.get("max_completion_tokens", body.get("max_tokens"))
    if n is None:
        return default
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ServerError(400, f"max_tokens must be a positive integer, got {n!r}")
    return n


def make_plan(svc: "Lorafy", body: dict, chat: bool, default_max_tokens: int) -> Plan:
    """Check a chat or text completion request against the library and the context window."""
    if body.get("n", 1) != 1:
        raise ServerError(400, "only n=1 is supported")
    if chat:
        try:
            messages = tuple(chat_messages(body.get("messages")))
            chat_plan = svc.chat_plan(messages, max_tokens_of(body, default_max_tokens))
        except ValueError as e:
            raise ServerError(400, str(e)) from e
        prompt, question = chat_plan.prompt, chat_plan.query  # the turns before the question help choose memories
    else:
        prompt = body.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1:
            prompt = prompt[0]
        if not isinstance(prompt, str) or not prompt:
            raise ServerError(400, "field 'prompt' must be one non-empty string")
        question, messages = prompt, None
    model = body.get("model", BASE_MODEL)
    use, auto = resolve_model(svc, model)
    scales = {i: 1.0 for i in use} | resolve_lora(svc, body.get("lora"))
    active = {i: w for i, w in scales.items() if w != 0.0}
    room = svc.runtime.n_ctx - len(svc.tokenize(prompt))
    if room < 1:
        raise ServerError(400, f"the prompt fills the whole context window ({svc.runtime.n_ctx} tokens); shorten it",
                          code="context_length_exceeded")
    return Plan(model=model, prompt=prompt, question=question, use=tuple(active), weights=tuple(active.values()),
                auto=auto, max_tokens=min(max_tokens_of(body, default_max_tokens), room),
                stop=stop_strings(body.get("stop")), messages=messages)
