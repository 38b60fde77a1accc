"""Run a teach+ask cycle through the real CLI and report what the process did (for test_privacy, as a subprocess).

Usage: python privacy_probe.py OUT.json -- CLI-ARGS-BEFORE-THE-COMMAND... ; writes
{"env_at_import": {module: {VAR: value}}, "rc": [teach, ask], "answer_mode", "http_modules", "interfaces"}.
"""
from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

WATCHED = ("onnxruntime", "llama_cpp")
ENV_KEYS = ("ORT_DISABLE_TELEMETRY", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY")
HTTP_CLIENTS = ("requests", "httpx", "urllib3", "aiohttp", "urllib.request", "http.client")


class EnvAtImport:
    """A meta-path finder that records the environment the first time a watched module is imported."""

    def __init__(self) -> None:
        self.seen: dict[str, dict[str, str | None]] = {}

    def find_spec(self, name, path=None, target=None):
        if name in WATCHED and name not in self.seen:
            self.seen[name] = {k: os.environ.get(k) for k in ENV_KEYS}
        return None


def main() -> None:
    out, rest = Path(sys.argv[1]), sys.argv[3:]
    probe = EnvAtImport()
    sys.meta_path.insert(0, probe)
    from desktop.cli import main as lorafy

    doc = Path(os.environ["PROBE_DOC"])
    teach = lorafy([*rest, "teach", str(doc), "--name", "probe", "--json"])
    ask = lorafy([*rest, "ask", "Who owns the bakery?", "--use", "probe", "--max-tokens", "2", "--json"])
    report = {"env_at_import": probe.seen, "rc": [teach, ask],
              "http_modules": sorted(m for m in HTTP_CLIENTS if m in sys.modules),
              "interfaces": sorted(name for _, name in socket.if_nameindex())}
    out.write_text(json.dumps(report))


if __name__ == "__main__":
    main()
