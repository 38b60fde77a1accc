"""The PyInstaller bundle's entry point: run the parse sandbox's child, or check the shipped model files and start the ``lorafy`` CLI.

A frozen bundle has no ``python -c``, so the parse sandbox starts the bundle's own
executable with ``--parse-child`` (desktop.ingest.sandbox.child_command); that
argument is handled here before anything else is imported.

The bundle carries ``lorafy_manifest.json`` (written by lorafy.spec at build time):
the sha256 of the shipped hypernetwork files. They are checked at every start
except ``--version``/``--help``; the embedded base GGUF is checked by
engine.core.base.load_base when it is loaded, against engine.core.base.EMBEDDED_SHA256.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

MANIFEST = "lorafy_manifest.json"
MANIFEST_SCHEMA = 1
NO_CHECK_ARGS = frozenset({"--version", "-h", "--help"})
GUI_LAUNCHER = "lorafy-app"  # the windowed executable (Windows, macOS): no arguments means `lorafy app`


class BundleIntegrityError(Exception):
    """A shipped data file of the bundle is missing or changed."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def build_manifest(root: Path, files: list[str]) -> dict:
    """The manifest for ``files`` (paths relative to ``root``, '/'-separated), e.g. {"schema_version": 1, "files": {"a/b.onnx": "9f86..."}}."""
    return {"schema_version": MANIFEST_SCHEMA, "files": {rel: _sha256(root / rel) for rel in sorted(files)}}


def verify_manifest(root: Path) -> int:
    """Check every file listed in ``root/lorafy_manifest.json``; return how many were checked, raise BundleIntegrityError naming the bad ones."""
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise BundleIntegrityError(f"{root / MANIFEST}: unreadable ({e}); reinstall Lorafy") from e
    if manifest.get("schema_version") != MANIFEST_SCHEMA:
        raise BundleIntegrityError(f"{root / MANIFEST}: unknown schema_version {manifest.get('schema_version')!r}; reinstall Lorafy")
    bad = []
    for rel, digest in manifest["files"].items():
        path = root / rel
        if not path.is_file():
            bad.append(f"{rel} (missing)")
        elif _sha256(path) != digest:
            bad.append(f"{rel} (sha256 differs)")
    if bad:
        raise BundleIntegrityError(f"damaged installation in {root}: {', '.join(bad)}; reinstall Lorafy")
    return len(manifest["files"])


def cli_argv(argv: list[str], program: str) -> list[str]:
    """The CLI's arguments: the windowed launcher started with none opens the app."""
    if not argv and Path(program).stem.lower() == GUI_LAUNCHER:
        return ["app"]
    return argv


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from desktop.ingest.sandbox import PARSE_CHILD_FLAG

    if argv[:1] == [PARSE_CHILD_FLAG]:
        from desktop.ingest.child import main as child_main

        child_main()
        return 0
    root = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent))
    if getattr(sys, "frozen", False) and not NO_CHECK_ARGS.intersection(argv):
        try:
            verify_manifest(root)
        except BundleIntegrityError as e:
            print(f"lorafy: {e}", file=sys.stderr)
            return 2
    from desktop.cli import main as cli_main

    return cli_main(cli_argv(argv, sys.executable))


if __name__ == "__main__":
    raise SystemExit(main())
