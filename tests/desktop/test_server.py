"""The local OpenAI-compatible server on the tiny base: models, chat and text completions (streamed and not), keys, loopback only."""
from __future__ import annotations

import http.client
import json
import socket
import threading

import pytest

from desktop.owner import ModelOwner
from desktop.server import LorafyServer, ServerConfig
from desktop.server_guards import check_loopback
from desktop.service import Lorafy, ServiceConfig

KEY = "s3cret-token"
DOC = "The office printer on floor 3 is called Heron. It jams on Mondays and its toner comes from Oslo."
OTHER = "The river Aln floods every spring near the old watermill, and the ferry stops running in March."
THIRD = "The chess club meets on Thursdays in the library basement; its champion is Ruth Okafor."
QUESTION = "What is the office printer on floor 3 called?"


@pytest.fixture(scope="module")
def owner(tmp_path_factory, tiny_spec, tiny_bundle):
    svc = Lorafy(ServiceConfig(home=tmp_path_factory.mktemp("home"), base_path=tiny_spec.path,
                               hypernet_dir=tiny_bundle[0], threads=1, n_gpu_layers=0, use_gpu=False))
    own = ModelOwner(svc)
    own.call(lambda s: [s.teach_text(DOC, "printer"), s.teach_text(OTHER, "river"), s.teach_text(THIRD, "chess"),
                        s.teach_text("Always answer in upper case.", "upper", kind="skill")])
    yield own
    own.close()


def start(owner: ModelOwner, key: str | None = None) -> LorafyServer:
    server = LorafyServer(owner, ServerConfig(port=0, key=key, default_max_tokens=4))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def server(owner):
    srv = start(owner)
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def keyed(owner):
    srv = start(owner, KEY)
    yield srv
    srv.shutdown()
    srv.server_close()


def request(server: LorafyServer, method: str, path: str, body=None, headers: dict | None = None,
            raw: bytes | None = None) -> tuple[int, dict, bytes]:
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=60)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    out = (resp.status, dict(resp.getheaders()), resp.read())
    conn.close()
    return out


def sse_events(payload: bytes) -> list[str]:
    """The data fields of a server-sent event stream, in order."""
    return [line[len("data: "):] for line in payload.decode().split("\n\n") if line.startswith("data: ")]


def test_models_list_base_auto_memories_and_skills(server):
    status, _, body = request(server, "GET", "/v1/models")
    assert status == 200
    models = {m["id"]: m["lorafy"]["kind"] for m in json.loads(body)["data"]}
    assert models == {"base": "base", "auto": "auto", "printer": "memory", "river": "memory", "chess": "memory",
                      "upper": "skill"}
    status, _, body = request(server, "GET", "/v1/models/printer")
    assert status == 200 and json.loads(body)["id"] == "printer"


def test_chat_non_streaming_with_a_memory_cites_it(server):
    status, headers, body = request(server, "POST", "/v1/chat/completions", {
        "model": "printer", "messages": [{"role": "user", "content": QUESTION}], "max_tokens": 3})
    assert status == 200, body
    got = json.loads(body)
    assert got["object"] == "chat.completion" and got["model"] == "printer"
    msg = got["choices"][0]["message"]
    assert msg["role"] == "assistant" and isinstance(msg["content"], str)
    assert got["choices"][0]["finish_reason"] in ("stop", "length")
    assert 0 < got["usage"]["completion_tokens"] <= 3 + 1 and got["usage"]["prompt_tokens"] > 5
    assert got["adapters"] == ["printer"] and got["sources"][0]["name"] == "printer"
    assert "Heron" in got["sources"][0]["snippet"]


def test_chat_streaming_sse_ends_with_done_and_matches_non_streaming(server):
    req = {"model": "auto", "messages": [{"role": "system", "content": "Be brief."},
                                         {"role": "user", "content": [{"type": "text", "text": QUESTION}]}],
           "max_tokens": 4}
    status, headers, body = request(server, "POST", "/v1/chat/completions", {**req, "stream": True})
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    events = sse_events(body)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] in ("stop", "length")
    assert last["adapters"][0] == "printer" and last["sources"][0]["name"] == "printer"  # auto chose the right one
    _, _, plain = request(server, "POST", "/v1/chat/completions", req)
    assert json.loads(plain)["choices"][0]["message"]["content"] == text  # greedy: the same text either way


def test_text_completion_with_lora_scales_and_stop(server):
    status, _, body = request(server, "POST", "/v1/completions", {
        "model": "base", "prompt": "The printer is called", "max_tokens": 3,
        "lora": [{"id": "printer", "scale": 0.5}, {"id": 1, "scale": 1.0}, {"id": "upper", "scale": 0.0}]})
    assert status == 200, body
    got = json.loads(body)
    assert got["object"] == "text_completion" and isinstance(got["choices"][0]["text"], str)
    assert got["adapters"] == ["printer", "river"]  # index 1 of GET /lora-adapters; scale 0 leaves "upper" off
    status, _, body = request(server, "GET", "/lora-adapters")
    assert [a["name"] for a in json.loads(body)] == ["printer", "river", "chess", "upper"]
    _, _, body = request(server, "POST", "/v1/completions", {"prompt": "a b c", "max_tokens": 2, "stream": True})
    events = sse_events(body)
    assert events[-1] == "[DONE]" and json.loads(events[-2])["object"] == "text_completion"


@pytest.mark.parametrize("body, raw, want", [
    (None, b"{not json", "not valid JSON"),
    (None, b"[1, 2]", "JSON object"),
    ({"model": "nope", "messages": [{"role": "user", "content": "hi"}]}, None, "unknown model 'nope'"),
    ({"model": "base", "messages": []}, None, "'messages'"),
    ({"model": "base", "messages": [{"role": "user", "content": "hi"}], "max_tokens": -1}, None, "max_tokens"),
    ({"model": "base", "messages": [{"role": "user", "content": "hi"}], "lora": [{"id": 99}]}, None, "out of range"),
    ({"model": "base", "messages": [{"role": "user", "content": "hi"}], "lora": [{"id": "x", "scale": "big"}]}, None,
     "finite number"),
])
def test_bad_requests_get_400_with_an_openai_error(server, body, raw, want):
    status, headers, out = request(server, "POST", "/v1/chat/completions", body, raw=raw)
    assert status == 400 and headers["Content-Type"] == "application/json"
    assert want in json.loads(out)["error"]["message"]


def test_unknown_path_404_wrong_host_403_and_wrong_type_415(server):
    status, _, body = request(server, "GET", "/v1/nothing")
    assert status == 404 and "no such endpoint" in json.loads(body)["error"]["message"]
    assert request(server, "GET", "/v1/models", headers={"Host": "evil.example:7745"})[0] == 403
    status, _, _ = request(server, "POST", "/v1/chat/completions", raw=b"{}", headers={"Content-Type": "text/plain"})
    assert status == 415


def test_wrong_or_missing_key_gets_401(keyed):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
        status, hdrs, body = request(keyed, "GET", "/v1/models", headers=headers)
        assert status == 401 and hdrs.get("WWW-Authenticate") == "Bearer"
        assert json.loads(body)["error"]["code"] == "invalid_api_key"
    status, _, _ = request(keyed, "GET", "/v1/models", headers={"Authorization": f"Bearer {KEY}"})
    assert status == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "localhost", "example.com", ""])
def test_refuses_to_listen_beyond_loopback(host, owner):
    with pytest.raises(ValueError, match="loopback only"):
        ServerConfig(host=host)
    with pytest.raises(ValueError, match="loopback only"):
        check_loopback(host)


def test_listens_on_loopback_only(server):
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"
    addrs = {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)} - {"127.0.0.1"}
    addrs = {a for a in addrs if not a.startswith("127.")}
    for addr in addrs:  # a non-loopback address of this machine does not reach the server
        with pytest.raises(OSError):
            socket.create_connection((addr, port), timeout=2).close()


def test_cli_serve_refuses_a_public_host(tmp_path, capsys):
    from desktop.cli import main

    rc = main(["--home", str(tmp_path / "home"), "serve", "--host", "0.0.0.0", "--port", "0"])
    assert rc == 2 and "loopback only" in capsys.readouterr().err


def test_openai_client(owner, keyed):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=keyed.url, api_key=KEY, max_retries=0, timeout=60)
    assert {"base", "auto", "printer"} <= {m.id for m in client.models.list()}
    resp = client.chat.completions.create(model="printer", messages=[{"role": "user", "content": QUESTION}],
                                          max_tokens=3)
    text = resp.choices[0].message.content
    assert isinstance(text, str) and resp.model_extra["sources"][0]["name"] == "printer"
    stream = client.chat.completions.create(model="printer", messages=[{"role": "user", "content": QUESTION}],
                                            max_tokens=3, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == text
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=keyed.url, api_key="wrong", max_retries=0).models.list()
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}])


def test_chat_messages_go_through_the_shared_conversation_code(server):
    """Memories are chosen for the question plus the turns before it, and turns that no longer fit are dropped
    (oldest first) instead of refusing the request."""
    history = [{"role": "user", "content": QUESTION}, {"role": "assistant", "content": "It is called Heron."},
               {"role": "user", "content": "And on which days does it fail?"}]
    status, _, body = request(server, "POST", "/v1/chat/completions", {"model": "auto", "messages": history,
                                                                        "max_tokens": 3})
    assert status == 200, body
    assert json.loads(body)["adapters"] == ["printer"]
    status, _, body = request(server, "POST", "/v1/chat/completions", {"model": "auto", "messages": history[-1:],
                                                                        "max_tokens": 3})
    assert status == 200 and json.loads(body)["adapters"] == []  # the follow-up alone matches no memory
    huge = [{"role": "user", "content": "filler " * 5000}, {"role": "assistant", "content": "ok"}] + history
    status, _, body = request(server, "POST", "/v1/chat/completions", {"messages": huge, "max_tokens": 3})
    assert status == 200, body
    assert 0 < json.loads(body)["usage"]["prompt_tokens"] < 200
