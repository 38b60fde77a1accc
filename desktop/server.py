"""A local OpenAI-compatible HTTP server (models, chat and text completions, SSE streaming) over the ModelOwner; loopback only.

Other apps point at ``http://127.0.0.1:7745/v1``. Model ids: ``base`` (no
adapter), ``auto`` (memories chosen per question from the passage index) and
each memory and skill (its name, or its id when names clash). Extra request
field ``"lora": [{"id": name-or-id-or-index, "scale": 0.5}, ...]`` (llama-server's
shape) activates several adapters with scales; responses add ``sources`` (the
passages behind the answer) and ``adapters`` (what was active). Decoding is
greedy: sampling fields such as ``temperature`` are accepted and ignored.

Requests are served one at a time by the model owner's thread; the HTTP
threads only parse, wait and write. Never binds anything but a loopback address.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import math
import queue
import select
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from desktop.owner import ModelOwner
    from desktop.service import Lorafy

log = logging.getLogger(__name__)

# Not the port of GPT4All (4891), LM Studio (1234), Jan (1337), Ollama (11434), llama-server / LocalAI (8080),
# vLLM (8000), text-generation-webui (5000), KoboldCpp (5001), Gradio (7860+), AnkiConnect (8765).
DEFAULT_PORT = 7745
BASE_MODEL, AUTO_MODEL = "base", "auto"
MAX_BODY_BYTES = 8 << 20
MAX_JSON_DEPTH = 64  # deeper request bodies are refused (400) before anything walks them
READ_TIMEOUT_S = 30.0  # a socket read or write that waits longer closes the connection
MAX_CONNECTIONS = 32  # more at once are answered 503 and closed
DISCONNECT_POLL_S = 0.2  # how often a waiting request checks that its client is still there
LOCAL_HOSTNAMES = ("127.0.0.1", "localhost", "::1")


class ServerError(Exception):
    """A request the server refuses, with its HTTP status and an OpenAI-style error body."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None):
        super().__init__(message)
        self.status, self.kind, self.code = status, kind, code

    def body(self) -> dict:
        return {"error": {"message": str(self), "type": self.kind, "code": self.code, "param": None}}


def check_loopback(host: str) -> str:
    """``host`` if it is a literal loopback address (127.0.0.0/8 or ::1); ValueError otherwise.

    >>> check_loopback("127.0.0.1")
    '127.0.0.1'
    """
    try:
        ok = ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"lorafy serve listens on loopback only (127.0.0.1 or ::1), not {host!r}: "
                         "other machines must never reach your memories")
    return host


@dataclass(frozen=True)
class ServerConfig:
    """Where the server listens, the bearer key it requires (None: no key) and the default answer length."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT  # 0: any free port
    key: str | None = None
    default_max_tokens: int = 256

    def __post_init__(self) -> None:
        check_loopback(self.host)
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must lie in 0..65535, got {self.port}")
        if self.key is not None and not self.key.strip():
            raise ValueError("an empty --key would let anyone in; give a token or leave --key out")
        if self.default_max_tokens < 1:
            raise ValueError(f"default_max_tokens must be >= 1, got {self.default_max_tokens}")


# -- requests into plans (run on the owner thread: they read the library and tokenize) -----------------

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


@dataclass
class Result:
    """What a plan produced."""

    text: str
    finish_reason: str
    adapters: list[str]
    sources: list[dict]
    prompt_tokens: int
    completion_tokens: int


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
            chat_plan = svc.chat_plan(chat_messages(body.get("messages")), max_tokens_of(body, default_max_tokens))
        except ValueError as e:
            raise ServerError(400, str(e)) from e
        prompt, question = chat_plan.prompt, chat_plan.query  # the turns before the question help choose memories
    else:
        prompt = body.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1:
            prompt = prompt[0]
        if not isinstance(prompt, str) or not prompt:
            raise ServerError(400, "field 'prompt' must be one non-empty string")
        question = prompt
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
                stop=stop_strings(body.get("stop")))


# -- running a plan (on the owner thread) ------------------------------------------------------------

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
    use = svc.with_auto(plan.question, plan.use) if plan.auto else list(plan.use)
    weights = list(plan.weights) + [1.0] * (len(use) - len(plan.weights))
    stop, out, n_raw = StopText(plan.stop), [], 0
    gen = svc.generate(plan.prompt, use, weights, plan.max_tokens)
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
    items = [svc.library.resolve(i) for i in use]
    return Result(text=text, finish_reason=finish, adapters=[i.name for i in items],
                  sources=svc.sources(plan.question, text, use), prompt_tokens=len(svc.tokenize(plan.prompt)),
                  completion_tokens=n_out)


# -- response bodies -------------------------------------------------------------------------------

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


# -- HTTP ------------------------------------------------------------------------------------------

def host_is_local(host_header: str | None) -> bool:
    """Whether a Host header names this machine (guards against DNS rebinding from web pages).

    >>> host_is_local("localhost:7745"), host_is_local("[::1]:80"), host_is_local("evil.example:7745")
    (True, True, False)
    """
    if not host_header:
        return True  # HTTP/1.0 clients may send none
    host = host_header.strip()
    host = host[1:host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
    return host.lower() in LOCAL_HOSTNAMES or (host.startswith("127.") and _is_loopback(host))


def origin_is_local(origin: str | None) -> bool:
    """Whether a browser's Origin header is a page served from this machine (absent: not a browser request).

    >>> origin_is_local(None), origin_is_local("http://localhost:3000"), origin_is_local("https://evil.example")
    (True, True, False)
    >>> origin_is_local("null"), origin_is_local("http://127.0.0.1.evil.example")
    (False, False)
    """
    if origin is None:
        return True
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    return host in LOCAL_HOSTNAMES or _is_loopback(host)


def json_depth_ok(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the brackets of a JSON text nest at most ``limit`` deep (strings skipped); linear, no recursion.

    >>> json_depth_ok(b'[[["]]]]]]"]]]', 3), json_depth_ok(b"[" * 5 + b"]" * 5, 4)
    (True, False)
    """
    depth, in_str, esc = 0, False, False
    for b in raw:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:
                esc = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return False
        elif b in (0x5D, 0x7D):
            depth -= 1
    return True


def client_gone(sock: socket.socket) -> bool:
    """Whether the peer closed its end (readable with nothing to read), without consuming any bytes."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def key_bytes(header_value: str) -> bytes:
    """A header value as the bytes the client sent (http.server decodes headers as Latin-1)."""
    try:
        return header_value.encode("latin-1")
    except UnicodeEncodeError:
        return header_value.encode("utf-8", errors="surrogateescape")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_DONE = object()


class Handler(BaseHTTPRequestHandler):
    """Routes one request; every model call goes through the server's ModelOwner."""

    server: "LorafyServer"
    server_version = "lorafy"
    timeout = READ_TIMEOUT_S  # socket timeout for every read and write (a half-sent request is dropped)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_OPTIONS(self) -> None:
        """A CORS preflight: allowed for pages on this machine only; foreign origins get 403 and no CORS headers."""
        origin = self.headers.get("Origin")
        if not host_is_local(self.headers.get("Host")) or not origin_is_local(origin):
            return self._json(403, ServerError(403, "cross-origin requests from other sites are refused",
                                               "permission_error").body())
        self.send_response(204)
        self.send_header("Allow", "GET, POST, OPTIONS")
        if origin is not None:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Authorization, Content-Type")
            self.send_header("Vary", "Origin")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        log.info("%s %s", self.address_string(), format % args)

    def _handle(self, method: str) -> None:
        try:
            if not host_is_local(self.headers.get("Host")):
                raise ServerError(403, "this server answers requests addressed to localhost only", "permission_error")
            if not origin_is_local(self.headers.get("Origin")):
                raise ServerError(403, "cross-origin requests from other sites are refused", "permission_error")
            self._check_key()
            path = urlsplit(self.path).path.rstrip("/")
            path = path[3:] if path.startswith("/v1/") else path
            self._route(method, path)
        except ServerError as e:
            self._json(e.status, e.body(), {"WWW-Authenticate": "Bearer"} if e.status == 401 else None)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
            log.info("client went away or stalled")
        except Exception as e:  # a bug or a model failure: the server keeps serving
            log.exception("request failed")
            self._json(500, ServerError(500, f"internal error: {e}", "server_error").body())

    def _route(self, method: str, path: str) -> None:
        owner = self.server.owner
        if (method, path) == ("GET", "/models"):
            return self._json(200, owner.call(models_body))
        if method == "GET" and path.startswith("/models/"):
            want = unquote(path[len("/models/"):])
            found = [m for m in owner.call(models_body)["data"] if m["id"] == want]
            if not found:
                raise ServerError(404, f"no model {want!r}; GET /v1/models lists them", code="model_not_found")
            return self._json(200, found[0])
        if (method, path) == ("GET", "/lora-adapters"):
            return self._json(200, owner.call(lora_adapters_body))
        if (method, path) == ("GET", "/health"):
            return self._json(200, {"status": "ok"})
        if (method, path) in (("POST", "/chat/completions"), ("POST", "/completions")):
            return self._complete(chat=path == "/chat/completions")
        known = ("/models", "/lora-adapters", "/health", "/chat/completions", "/completions")
        if path in known or path.startswith("/models/"):
            raise ServerError(405, f"{method} is not allowed on {self.path}")
        raise ServerError(404, f"no such endpoint {self.path!r}; try GET /v1/models or POST /v1/chat/completions",
                          code="not_found")

    def _check_key(self) -> None:
        key = self.server.cfg.key
        if key is None:
            return
        auth = self.headers.get("Authorization", "")
        given = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        if not hmac.compare_digest(key_bytes(given), key.encode("utf-8")):
            raise ServerError(401, "missing or wrong API key: send 'Authorization: Bearer <the --key token>'",
                              "authentication_error", "invalid_api_key")

    def _body(self) -> dict:
        if self.headers.get("Content-Type") is None or self.headers.get_content_type() != "application/json":
            raise ServerError(415, "send the request body as JSON with 'Content-Type: application/json'")
        try:
            n = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise ServerError(411, "a Content-Length header is required") from None
        if not 0 <= n <= MAX_BODY_BYTES:
            raise ServerError(413, f"request body over {MAX_BODY_BYTES} bytes")
        raw = self.rfile.read(n)
        if len(raw) < n:
            raise ServerError(400, "the request body ended before its Content-Length")
        if not json_depth_ok(raw):
            raise ServerError(400, f"request body nests deeper than {MAX_JSON_DEPTH} levels")
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
            raise ServerError(400, f"request body is not valid JSON ({str(e)[:200]})") from None
        if not isinstance(body, dict):
            raise ServerError(400, "request body must be a JSON object")
        return body

    def _complete(self, chat: bool) -> None:
        body, cfg = self._body(), self.server.cfg
        plan = self.server.owner.call(lambda svc: make_plan(svc, body, chat, cfg.default_max_tokens))
        rid = f"{'chatcmpl' if chat else 'cmpl'}-{uuid.uuid4().hex[:24]}"
        if body.get("stream"):
            return self._stream(rid, plan, chat)
        cancel = threading.Event()
        future = self.server.owner.submit(lambda svc: run_plan(svc, plan, lambda _: None, cancel))
        while True:  # the client may leave while the request waits or generates: then stop, answer nobody
            try:
                result = future.result(DISCONNECT_POLL_S)
                break
            except TimeoutError:
                if client_gone(self.connection):
                    cancel.set()
                    self.close_connection = True
                    log.info("client went away; generation stopped")
                    return
        self._json(200, completion_body(rid, plan, result, chat))

    def _stream(self, rid: str, plan: Plan, chat: bool) -> None:
        """Server-sent events: one chunk a piece, a last chunk with finish_reason, usage and sources, then [DONE]."""
        pieces: queue.Queue = queue.Queue()
        cancel = threading.Event()
        future = self.server.owner.submit(lambda svc: run_plan(svc, plan, pieces.put, cancel))
        future.add_done_callback(lambda _: pieces.put(_DONE))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            if chat:
                self._event(chunk_body(rid, plan, chat, role=True))
            while True:
                try:
                    piece = pieces.get(timeout=DISCONNECT_POLL_S)
                except queue.Empty:
                    if client_gone(self.connection):
                        raise ConnectionResetError("client closed the connection") from None
                    continue
                if piece is _DONE:
                    break
                self._event(chunk_body(rid, plan, chat, text=piece))
            error = future.exception()
            if error is not None:
                log.error("streamed generation failed: %s", error)
                self._event(ServerError(500, f"generation failed: {error}", "server_error").body())
            else:
                self._event(chunk_body(rid, plan, chat, result=future.result()))
            self.wfile.write(b"data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            cancel.set()  # the owner thread stops after its current piece (or before its first one)
            log.info("client closed the stream")

    def _event(self, obj: dict) -> None:
        self.wfile.write(b"data: " + json.dumps(obj).encode() + b"\n\n")
        self.wfile.flush()

    def _json(self, status: int, obj: Any, headers: dict | None = None) -> None:
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)


class LorafyServer(ThreadingHTTPServer):
    """The HTTP server bound to a loopback address, holding the owner and the config its handlers use."""

    daemon_threads = True

    def __init__(self, owner: "ModelOwner", cfg: ServerConfig, max_connections: int = MAX_CONNECTIONS):
        check_loopback(cfg.host)
        self.address_family = socket.AF_INET6 if ":" in cfg.host else socket.AF_INET
        self.owner, self.cfg = owner, cfg
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__((cfg.host, cfg.port), Handler)
        check_loopback(self.server_address[0])  # what the socket really bound

    def process_request(self, request: Any, client_address: Any) -> None:
        """One thread per connection up to the cap; beyond it, a 503 and the connection is closed."""
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                b"Connection: close\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{f'[{host}]' if ':' in host else host}:{port}/v1"


def serve(owner: "ModelOwner", cfg: ServerConfig, on_ready: Callable[[LorafyServer], None] | None = None) -> None:
    """Listen until interrupted (Ctrl-C), then stop accepting and return; the caller closes the owner."""
    with LorafyServer(owner, cfg) as server:
        if on_ready is not None:
            on_ready(server)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            log.info("stopping the server")

