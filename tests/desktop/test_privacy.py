"""No byte leaves the machine: teach+ask with non-loopback sockets refused, inside a loopback-only network namespace,
telemetry/offline variables set before onnxruntime loads, and no HTTP client in any shipping module."""
from __future__ import annotations

import ast
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import OFFLINE_ENV, main

REPO = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("privacy_probe.py")
ENV_KEYS = ("ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY")
HTTP_CLIENTS = ("requests", "httpx", "urllib3", "aiohttp", "urllib.request", "http.client")
SHIPPING = ("desktop", "export", "engine")


@pytest.fixture(scope="module")
def common(tiny_spec, tiny_bundle) -> list[str]:
    return ["--base", str(tiny_spec.path), "--hypernet", str(tiny_bundle[0]), "--threads", "1", "--cpu"]


def _loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", "localhost.", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a name or an unspecified address ("", "0.0.0.0": every interface)


@pytest.fixture
def no_network(monkeypatch):
    """Refuse (and record) every non-loopback connect/connect_ex/bind/sendto/sendmsg and DNS lookup in Python."""
    attempts: list[tuple[str, object]] = []

    def guard(name, real, addr_index):
        def wrapper(self, *args):
            address = args[addr_index] if len(args) > abs(addr_index) - (addr_index < 0) else None
            if self.family in (socket.AF_INET, socket.AF_INET6) and address is not None and not _loopback(address[0]):
                attempts.append((name, address))
                raise ConnectionRefusedError(f"test: non-loopback {name} to {address!r} refused")
            return real(self, *args)
        return wrapper

    for name, idx in (("connect", 0), ("connect_ex", 0), ("bind", 0), ("sendto", -1)):
        monkeypatch.setattr(socket.socket, name, guard(name, getattr(socket.socket, name), idx))
    real_sendmsg = socket.socket.sendmsg

    def sendmsg(self, buffers, ancdata=(), flags=0, address=None):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address is not None and not _loopback(address[0]):
            attempts.append(("sendmsg", address))
            raise ConnectionRefusedError(f"test: non-loopback sendmsg to {address!r} refused")
        return real_sendmsg(self, buffers, ancdata, flags, *(() if address is None else (address,)))
    monkeypatch.setattr(socket.socket, "sendmsg", sendmsg)
    real_gai = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _loopback(host):
            attempts.append(("getaddrinfo", host))
            raise socket.gaierror(f"test: DNS lookup of {host!r} refused")
        return real_gai(host, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


def test_the_guard_refuses_non_loopback_and_allows_loopback(no_network):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        with pytest.raises(ConnectionRefusedError):
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: refused before any packet
        with pytest.raises(ConnectionRefusedError):
            s.sendto(b"x", ("192.0.2.1", 9))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        with pytest.raises(ConnectionRefusedError):
            s.bind(("0.0.0.0", 0))
        s.bind(("127.0.0.1", 0))
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.com", 443)
    assert [a[0] for a in no_network] == ["connect", "sendto", "bind", "getaddrinfo"]


def test_teach_and_ask_with_every_non_loopback_socket_refused(tmp_path, common, no_network, capsys):
    home, doc = tmp_path / "home", tmp_path / "bakery.txt"
    doc.write_text("Lindqvist Bakery on Harbour Street is owned by Petra Lindqvist.")
    assert main(["--home", str(home), *common, "teach", str(doc), "--json"]) == 0
    assert main(["--home", str(home), *common, "ask", "Who owns it?", "--use", "bakery", "--max-tokens", "2",
                 "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1])["mode"] == "adapter"
    assert no_network == [], f"tried to reach the network: {no_network}"
    # file modes of what the cycle wrote
    mode = lambda p: os.stat(p).st_mode & 0o777  # noqa: E731
    assert mode(home) == mode(home / "adapters") == 0o700
    assert all(mode(p) == 0o600 for p in (home / "adapters").iterdir())
    assert mode(home / "lorafy.db") == 0o600
    assert sorted(os.listdir(tmp_path)) == ["bakery.txt", "home"]  # nothing written next to the taught file


def _probe(tmp_path: Path, common: list[str], prefix: list[str]) -> dict:
    doc = tmp_path / "bakery.txt"
    doc.write_text("Lindqvist Bakery on Harbour Street is owned by Petra Lindqvist.")
    out = tmp_path / "probe.json"
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_ENV}  # the CLI must set them itself
    env.update(PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", PROBE_DOC=str(doc))
    proc = subprocess.run([*prefix, sys.executable, str(PROBE), str(out), "--", "--home", str(tmp_path / "home"),
                           *common], cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_offline_variables_are_set_before_onnxruntime_loads_and_no_http_client_is_imported(tmp_path, common):
    report = _probe(tmp_path, common, [])
    assert report["rc"] == [0, 0]
    assert set(report["env_at_import"]) == {"onnxruntime", "llama_cpp"}, report["env_at_import"]
    for module, env in report["env_at_import"].items():
        assert env == {k: "1" for k in ENV_KEYS}, (module, env)
    assert report["http_modules"] == []


def _unshare_works() -> str:
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return "needs Linux with unshare(1)"
    try:
        ok = subprocess.run(["unshare", "-r", "-n", "true"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return "" if ok else "unprivileged user/network namespaces are not allowed here"


def test_teach_and_ask_inside_a_loopback_only_network_namespace(tmp_path, common):
    why = _unshare_works()
    if why:
        pytest.skip(why)
    report = _probe(tmp_path, common, ["unshare", "-r", "-n"])
    assert report["interfaces"] == ["lo"]  # the namespace has no route off the machine
    assert report["rc"] == [0, 0] and report["http_modules"] == []


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_no_shipping_module_imports_an_http_client():
    """http.server (desktop/server.py, loopback only) is a server; urllib.parse parses strings. Clients are banned."""
    found = {}
    files = [p for pkg in SHIPPING for p in sorted((REPO / pkg).rglob("*.py"))]
    assert len(files) > 30
    for path in files:
        bad = {n for n in _imports(path) for c in HTTP_CLIENTS if n == c or n.startswith(c + ".")}
        if bad:
            found[str(path.relative_to(REPO))] = sorted(bad)
    assert found == {}


def test_offline_env_names_the_four_variables():
    assert {k: OFFLINE_ENV.get(k) for k in ENV_KEYS} == {k: "1" for k in ENV_KEYS}


def test_parse_children_get_the_offline_environment():
    from desktop.ingest.sandbox import CHILD_ENV

    assert OFFLINE_ENV.items() <= CHILD_ENV.items()
