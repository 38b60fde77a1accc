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

This module is the HTTP side (routing, bodies in, JSON and SSE out, connection cap). Requests become plans in
:mod:`desktop.server_plan`, plans run and become response bodies in :mod:`desktop.server_run`, and the checks on
raw requests live in :mod:`desktop.server_guards`.
"""
from __future__ import annotations

import hmac
import json
import logging
import queue
import socket
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import unquote, urlsplit

from desktop.server_guards import (MAX_JSON_DEPTH, check_loopback, client_gone, host_is_local, json_depth_ok,
                                   key_bytes, origin_is_local)
from desktop.server_plan import Plan, ServerError, lora_adapters_body, make_plan, models_body
from desktop.server_run import chunk_body, completion_body, run_plan

if TYPE_CHECKING:
    from desktop.owner import ModelOwner

log = logging.getLogger(__name__)

# Not the port of GPT4All (4891), LM Studio (1234), Jan (1337), Ollama (11434), llama-server / LocalAI (8080),
# vLLM (8000), text-generation-webui (5000), KoboldCpp (5001), Gradio (7860+), AnkiConnect (8765).
DEFAULT_PORT = 7745
MAX_BODY_BYTES = 8 << 20
READ_TIMEOUT_S = 30.0  # a socket read or write that waits longer closes the connection
MAX_CONNECTIONS = 32  # more at once are answered 503 and closed
DISCONNECT_POLL_S = 0.2  # how often a waiting request checks that its client is still there


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

