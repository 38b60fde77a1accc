"""The local server against hostile clients: foreign origins, half-sent requests, floods, clients that leave, deep JSON."""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time

import pytest

import desktop.server as server_mod
from desktop.owner import ModelOwner
from desktop.server import LorafyServer, ServerConfig
from desktop.service import Lorafy, ServiceConfig

KEY = "schlüssel-ключ"  # non-ASCII: sent by clients as UTF-8 bytes


@pytest.fixture(scope="module")
def counted(tmp_path_factory, tiny_spec, tiny_bundle):
    """(owner, pieces generated so far): every piece the model yields is counted and takes 20 ms."""
    svc = Lorafy(ServiceConfig(home=tmp_path_factory.mktemp("home"), base_path=tiny_spec.path,
                               hypernet_dir=tiny_bundle[0], threads=1, n_gpu_layers=0, use_gpu=False))
    count = [0]
    real = svc.generate

    def generate(*a, **kw):
        for piece in real(*a, **kw):
            count[0] += 1
            time.sleep(0.02)
            yield piece

    svc.generate = generate
    own = ModelOwner(svc)
    own.call(lambda s: s.load())
    yield own, count
    own.close()


def start(owner, key=None, **kw) -> LorafyServer:
    srv = LorafyServer(owner, ServerConfig(port=0, key=key, default_max_tokens=4), **kw)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture
def server(counted):
    srv = start(counted[0])
    yield srv
    srv.shutdown()
    srv.server_close()


def request(srv, method, path, body=None, headers=None, raw=None):
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    resp = conn.getresponse()
    out = resp.status, dict(resp.getheaders()), resp.read()
    conn.close()
    return out


CHAT = {"model": "base", "messages": [{"role": "user", "content": "Say something."}], "max_tokens": 3}


def test_foreign_origin_and_wrong_type_never_generate(server, counted):
    before = counted[1][0]
    status, _, _ = request(server, "POST", "/v1/chat/completions", CHAT, {"Origin": "https://evil.example"})
    assert status == 403
    status, _, _ = request(server, "POST", "/v1/chat/completions", raw=json.dumps(CHAT).encode(),
                           headers={"Content-Type": "text/plain"})
    assert status == 415
    status, _, _ = request(server, "POST", "/v1/chat/completions", raw=json.dumps(CHAT).encode(),
                           headers={"Content-Type": "text/plain; application/json"})
    assert status == 415
    assert counted[1][0] == before
    status, _, _ = request(server, "POST", "/v1/chat/completions", CHAT,
                           {"Origin": "http://localhost:3000", "Content-Type": "application/json; charset=utf-8"})
    assert status == 200 and counted[1][0] > before


def test_options_preflight(server):
    status, headers, _ = request(server, "OPTIONS", "/v1/chat/completions",
                                 headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert status == 403 and not any(k.lower().startswith("access-control") for k in headers)
    status, headers, _ = request(server, "OPTIONS", "/v1/chat/completions", headers={"Origin": "http://127.0.0.1:8000"})
    assert status == 204 and headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"


def test_half_sent_request_is_dropped_after_the_read_timeout(server, monkeypatch):
    assert server_mod.Handler.timeout is not None and server_mod.Handler.timeout <= 60  # the default is bounded
    monkeypatch.setattr(server_mod.Handler, "timeout", 0.5)
    s = socket.create_connection(server.server_address[:2], timeout=10)
    s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              b"Content-Length: 100\r\n\r\n{")
    t0 = time.monotonic()
    while s.recv(4096):  # an error response, if any, then the close
        pass
    assert time.monotonic() - t0 < 5
    s.close()


def test_connections_over_the_cap_get_503(counted):
    srv = start(counted[0], max_connections=2)
    try:
        idle = [socket.create_connection(srv.server_address[:2], timeout=10) for _ in range(2)]
        time.sleep(0.3)
        extra = socket.create_connection(srv.server_address[:2], timeout=10)
        assert extra.recv(100).startswith(b"HTTP/1.1 503")
        for s in idle + [extra]:
            s.close()
        time.sleep(0.3)
        assert request(srv, "GET", "/v1/health")[0] == 200  # slots come back
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.mark.parametrize("stream", [False, True])
def test_a_client_that_leaves_stops_generation(server, counted, stream):
    body = json.dumps({**CHAT, "max_tokens": 400, "stream": stream}).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    socks = []
    for _ in range(3):  # three requests dropped right after sending: the later two never start generating
        s = socket.create_connection(server.server_address[:2], timeout=10)
        s.sendall(head + body)
        socks.append(s)
    before = counted[1][0]
    time.sleep(0.5)
    for s in socks:
        s.close()
    t0 = time.monotonic()
    status, _, _ = request(server, "POST", "/v1/chat/completions", CHAT)
    assert status == 200 and time.monotonic() - t0 < 5
    assert counted[1][0] - before < 100  # 3 x 400 pieces if nobody noticed


def test_deep_json_is_400(server):
    deep = b'{"model": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    status, _, body = request(server, "POST", "/v1/chat/completions", raw=deep)
    assert status == 400 and b"deeper" in body


def test_non_ascii_key_compares_as_utf8_bytes(counted):
    srv = start(counted[0], key=KEY)
    try:
        host, port = srv.server_address[:2]
        for given, want in ((KEY.encode("utf-8"), 200), (b"wrong", 401)):
            conn = http.client.HTTPConnection(host, port, timeout=30)
            conn.putrequest("GET", "/v1/models")
            conn.putheader("Authorization", b"Bearer " + given)
            conn.endheaders()
            resp = conn.getresponse()
            resp.read()
            conn.close()
            assert resp.status == want
    finally:
        srv.shutdown()
        srv.server_close()


def test_serve_reads_the_key_from_a_file_and_says_argv_is_visible(tmp_path, capsys, monkeypatch):
    from desktop.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--key-file" in out and "ps" in out and "LORAFY_API_KEY" in out
    seen = {}

    def fake_serve(owner, cfg, on_ready=None):
        seen["key"] = cfg.key

    monkeypatch.setattr(server_mod, "serve", fake_serve)
    monkeypatch.setattr("desktop.owner.ModelOwner.call", lambda self, fn, timeout=None: None)
    keyfile = tmp_path / "key"
    keyfile.write_text(KEY + "\n", encoding="utf-8")
    from desktop.cli import main

    assert main(["--home", str(tmp_path / "h"), "serve", "--key-file", str(keyfile), "--port", "0"]) == 0
    assert seen["key"] == KEY
