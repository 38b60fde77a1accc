"""The parse sandbox's child process: cap its own memory and CPU, read (request, bytes) on stdin, write one JSON result.

Started by desktop.ingest.sandbox as ``python -c BOOT``; stdin is one JSON
line ``{"name", "limits"}`` followed by the file's bytes. stdout is one JSON
object: ``{"ok": true, "doc": {...}}`` or ``{"ok": false, "reason": "..."}``.
It never opens the file itself.
"""
from __future__ import annotations

import json
import math
import sys


def set_limits(memory_mb: int, seconds: float) -> None:
    """Address-space, CPU-time and file-size caps for this process (POSIX; a no-op elsewhere)."""
    try:
        import resource
    except ImportError:
        return
    mem = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    cpu = math.ceil(seconds) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # a parser has no business writing files


def run(raw: bytes) -> dict:
    from desktop.ingest.parsers import ParseLimits, ParseRefused, parse_bytes

    header, _, data = raw.partition(b"\n")
    req = json.loads(header)
    try:
        doc = parse_bytes(data, req["name"], ParseLimits(**req["limits"]))
    except ParseRefused as e:
        return {"ok": False, "reason": str(e)}
    except MemoryError:
        return {"ok": False, "reason": f"parsing needed more than the {req['limits']['memory_mb']} MiB memory limit; "
                                       "the file may be malformed or too large"}
    except RecursionError:
        return {"ok": False, "reason": "the file is nested too deeply to parse (malformed?)"}
    except Exception as e:  # a parser library failing on a damaged file: a refusal, not a crash
        return {"ok": False, "reason": f"could not parse the file ({type(e).__name__}: {e}); it may be damaged"}
    return {"ok": True, "doc": doc.to_json()}


def main() -> None:
    raw = sys.stdin.buffer.read()
    req = json.loads(raw.partition(b"\n")[0])
    set_limits(req["limits"]["memory_mb"], req["limits"]["seconds"])
    out = run(raw)
    sys.stdout.write(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
