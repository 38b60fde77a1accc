"""One catalogue of hostile paths run through every way a file reaches Lorafy: teach FILE, teach DIR, watch --once,
the app's drop handler (the teach queue's add_paths) and, for hostile requests, the local server.

Every case ends with a clear status (a refusal gives a reason; nothing hangs) and, unless the case is a file Lorafy
may teach, an unchanged library. Add new cases to CATALOGUE or REQUESTS; every entry point runs them all.
"""
from __future__ import annotations

import json
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from ingest_fakes import FakeService, check_library, inline_parse

import desktop.ingest.jobs as jobs_mod
from desktop.ingest.parsers import ParseLimits
from desktop.ingest.teach_queue import IndexerQueue
from desktop.ingest.watch import Indexer, InlineOwner, WatchConfig

LIMITS = ParseLimits(max_bytes=1 << 20)
CFG = WatchConfig(settle_s=0.0, recover_min_age_s=60.0, max_settle_s=5.0, limits=LIMITS)
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@dataclass(frozen=True)
class Case:
    """``make(folder, outside)`` creates the hostile entry inside ``folder`` and returns its path; ``taught``: Lorafy may
    teach it (then its item's name must be printable); else it must be refused with a reason containing ``why``."""

    id: str
    make: Callable[[Path, Path], Path]
    why: str = ""
    taught: bool = False
    named_taught: bool | None = None  # when the file itself is named (teach FILE, drop): None = same as ``taught``


def _symlink_out(d: Path, outside: Path) -> Path:
    secret = outside / "id_rsa.txt"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY----- secret")
    os.symlink(secret, d / "notes.txt")
    return d / "notes.txt"


def _fifo(d: Path, _: Path) -> Path:
    os.mkfifo(d / "pipe.txt")
    return d / "pipe.txt"


def _device(d: Path, _: Path) -> Path:
    try:
        os.mknod(d / "zero.txt", stat.S_IFCHR | 0o600, os.makedev(1, 5))  # what /dev/zero is
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here")
    return d / "zero.txt"


def _socket(d: Path, _: Path) -> Path:
    import socket

    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(d / "sock.txt"))
    except OSError:
        pytest.skip("cannot bind a unix socket here")
    return d / "sock.txt"


def _write(name: str | bytes, data: bytes) -> Callable[[Path, Path], Path]:
    def make(d: Path, _: Path) -> Path:
        p = os.path.join(os.fsencode(d), name if isinstance(name, bytes) else os.fsencode(name))
        with open(p, "wb") as f:
            f.write(data)
        return Path(os.fsdecode(p))
    return make


def _unreadable(d: Path, _: Path) -> Path:
    if AS_ROOT:
        pytest.skip("root reads a chmod 000 file")
    p = d / "locked.txt"
    p.write_text("private")
    os.chmod(p, 0)
    return p


CATALOGUE = [
    Case("symlink-out", _symlink_out, "outside the watched folder", named_taught=True),
    Case("broken-symlink", lambda d, o: (os.symlink(o / "gone.txt", d / "gone.txt"), d / "gone.txt")[1], "symlink"),
    Case("fifo", _fifo, "FIFO"),
    Case("device", _device, "character device"),
    Case("socket", _socket, "socket"),
    Case("empty", _write("empty.txt", b""), "empty"),
    Case("whitespace", _write("blank.md", b" \n\t\n" * 100), "empty"),
    Case("binary-garbage", _write("garbage.txt", bytes(range(256)) * 64), "binary"),
    Case("huge-line", _write("line.txt", b"x" * (2 << 20)), "limit"),
    Case("escape-name", _write("notes\x1b]0;pwned\x07\x1b[2J.txt", b"A fact about escapes."), taught=True),
    Case("invalid-utf8-name", _write(b"caf\xe9\xff.txt", b"A fact with a Latin-1 name."), taught=True),
    Case("unreadable", _unreadable, "permission"),
]


def _teach_file(svc, d: Path, target: Path) -> list:
    return Indexer(InlineOwner(svc), cfg=CFG, pipeline="t").teach_paths([target], timeout=60)


def _teach_dir(svc, d: Path, target: Path) -> list:
    return Indexer(InlineOwner(svc), cfg=CFG, pipeline="t").teach_paths([d], timeout=60)


def _watch_once(svc, d: Path, target: Path) -> list:
    ix = Indexer(InlineOwner(svc), [d], CFG, pipeline="t")
    ix.run_once(timeout=60)
    return ix.queue.documents()


def _drop(svc, d: Path, target: Path, folder: bool = False) -> list:
    q = IndexerQueue(InlineOwner(svc), cfg=CFG, pipeline="t")
    q.add_paths([d if folder else target])
    q.indexer.run_once(timeout=60)  # what the app's running worker does with the queued jobs
    return q.indexer.queue.documents()


ENTRY_POINTS = {"teach-file": (_teach_file, True), "teach-dir": (_teach_dir, False), "watch-once": (_watch_once, False),
                "drop-file": (_drop, True), "drop-folder": (lambda s, d, t: _drop(s, d, t, folder=True), False)}


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("case", CATALOGUE, ids=[c.id for c in CATALOGUE])
def test_hostile_path(entry, case, tmp_path, tiny_spec, make_adapter, monkeypatch):
    monkeypatch.setattr(jobs_mod, "parse_in_sandbox", inline_parse)
    d, outside = tmp_path / "d", tmp_path / "outside"
    d.mkdir()
    outside.mkdir()
    svc = FakeService(tmp_path / "home", tiny_spec, make_adapter)
    target = case.make(d, outside)
    run, named = ENTRY_POINTS[entry]
    taught = case.named_taught if named and case.named_taught is not None else case.taught
    out: list = []
    t = threading.Thread(target=lambda: out.append(run(svc, d, target)), daemon=True)
    t.start()
    t.join(60)
    assert not t.is_alive(), f"{entry} hung on {case.id}"
    docs = [x for x in out[0] if os.fsdecode(x.path) == os.fsdecode(os.fsencode(target))]
    items = svc.library.items()
    if taught:
        assert [x.status for x in docs] == ["indexed"], [(x.status, x.reason) for x in docs]
        assert len(items) == 1 and items[0].name.isprintable(), items
    else:
        assert [x.status for x in docs] in (["refused"], ["failed"]), [(x.status, x.reason) for x in docs]
        assert case.why.lower() in docs[0].reason.lower(), docs[0].reason
        assert items == [] and svc.taught == []
        assert list(svc.library.adapters_dir.iterdir()) == []
    check_library(svc.library)


def test_cli_teach_dev_zero_exits_non_zero(tmp_path, capsys):
    from desktop.cli import main

    rc = main(["--home", str(tmp_path / "home"), "teach", "/dev/zero"])
    err = capsys.readouterr().err
    assert rc == 2 and "character device" in err


# -- the server: hostile requests get a 4xx, the library is unchanged, nothing is generated ---------------------

REQUESTS = [  # (id, headers, raw body, expected status)
    ("foreign-origin", {"Origin": "https://evil.example"}, b'{"model": "base", "prompt": "hi"}', 403),
    ("null-origin", {"Origin": "null"}, b'{"model": "base", "prompt": "hi"}', 403),
    ("rebinding-host", {"Host": "evil.example:7745"}, b'{"model": "base", "prompt": "hi"}', 403),
    ("text-plain", {"Content-Type": "text/plain"}, b'{"model": "base", "prompt": "hi"}', 415),
    ("deep-json", {}, b"[" * 100_000 + b"]" * 100_000, 400),
    ("invalid-utf8", {}, b'{"prompt": "\xff\xfe"}', 400),
    ("not-an-object", {}, b'"just a string"', 400),
    ("unknown-model", {}, b'{"model": "no-such-thing", "prompt": "hi"}', 400),
    ("short-id-prefix", {}, b'{"model": "a", "prompt": "hi"}', 400),
    ("too-long", {"Content-Length": str(1 << 30)}, b"{}", 413),
]


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, tiny_spec, tiny_bundle):
    from desktop.owner import ModelOwner
    from desktop.server import LorafyServer, ServerConfig
    from desktop.service import Lorafy, ServiceConfig

    svc = Lorafy(ServiceConfig(home=tmp_path_factory.mktemp("home"), base_path=tiny_spec.path,
                               hypernet_dir=tiny_bundle[0], threads=1, n_gpu_layers=0, use_gpu=False))
    owner = ModelOwner(svc)
    owner.call(lambda s: s.teach_text("The printer is called Heron.", "printer"))
    srv = LorafyServer(owner, ServerConfig(port=0, default_max_tokens=2))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv, svc
    srv.shutdown()
    srv.server_close()
    owner.close()


@pytest.mark.parametrize("rid,headers,raw,want", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_hostile_request(live_server, rid, headers, raw, want):
    import http.client

    srv, svc = live_server
    before = [(i.id, i.adapter) for i in svc.library.items()]
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.putrequest("POST", "/v1/completions", skip_host="Host" in headers)
    hdrs = {"Content-Type": "application/json", "Content-Length": str(len(raw)), **headers}
    for k, v in hdrs.items():
        conn.putheader(k, v)
    conn.endheaders()
    try:
        conn.send(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    assert resp.status == want, body
    assert "error" in json.loads(body)
    assert [(i.id, i.adapter) for i in svc.library.items()] == before
