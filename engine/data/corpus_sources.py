"""The corpus's sources: families and their splits, finding candidate files on a Debian system, reading their text.

A *family* (man pages, Debian docs, package READMEs, info manuals, HTML manuals) is the unit of the train/val/test
split. :func:`discover` lists the files of each family (non-English and test-family files left out),
:func:`read_text` and :func:`extract` turn one into a title and text blocks (:mod:`engine.data.textclean`), and
:func:`debian_licence` names its package's licence. The builder is :mod:`engine.data.corpus`.
"""
from __future__ import annotations

import email.parser
import gzip
import os
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from engine.data.textclean import Block, html_blocks, info_blocks, markup_blocks, roff_blocks, roff_inline

FAMILIES = ("man", "debian-doc", "pypi-readme", "info", "html-manual")
VAL_FAMILY = "info"
TEST_FAMILY = "python-docs"


def split_of(family: str) -> str:
    """The split a family belongs to: the test family is "test", the validation family "val", the rest "train".

    >>> [split_of(f) for f in ("man", "info", "python-docs")]
    ['train', 'val', 'test']
    """
    if family == TEST_FAMILY:
        return "test"
    return "val" if family == VAL_FAMILY else "train"


# python3-doc's manual, and what CPython's own packages ship beside it (its NEWS is the manual's changelog page,
# python(1) its command-line page): all of it stays out of the train and val splits
_TEST_PATH = re.compile(r"/python3(\.\d+)?-doc/|/usr/share/doc/python3(\.\d+)?/|/usr/share/info/python3|"
                        r"/man\d/(python|pydoc|pygettext|pysetup|idle)3[^/]*$")
_TEST_PACKAGE = re.compile(r"^(lib)?python3(\.\d+)?(-doc|-minimal|-dev|-stdlib|-examples|-venv)?$")


def is_test_source(path: str, package: str) -> bool:
    """Whether a file is part of the python3-doc manual (the held-out test family) or of CPython's packages."""
    return bool(_TEST_PATH.search(path) or _TEST_PACKAGE.match(package))


@dataclass(frozen=True)
class Source:
    """One file to extract: its family, path, reader ("roff", "markup", "html", "info", "metadata") and package."""

    family: str
    path: str
    reader: str
    package: str
    member: str = ""  # a wheel's METADATA member name


# ---------------------------------------------------------------- discovery

def dpkg_owners(info_dir: Path = Path("/var/lib/dpkg/info")) -> dict[str, str]:
    """Installed file path -> Debian package (from dpkg's ``*.list`` files; empty when there are none)."""
    owners: dict[str, str] = {}
    for lst in sorted(info_dir.glob("*.list")) if info_dir.is_dir() else []:
        pkg = lst.name[:-5].split(":")[0]
        for line in lst.read_text(errors="replace").splitlines():
            owners.setdefault(line, pkg)
    return owners


def _owner(path: Path, owners: dict[str, str]) -> str:
    p = str(path)
    if p in owners:
        return owners[p]
    m = re.match(r"/usr/share/doc/([^/]+)/", p)
    return m.group(1) if m else ""


_LANG_DIR = re.compile(r"^[a-z]{2}([-_][A-Za-z]{2,4})?$")
_LANG_SUFFIX = re.compile(r"\.html\.([a-z]{2}(-[a-z]{2})?)$")


def english_path(path: str) -> bool:
    """False for files in a language folder other than English (``de``, ``pt-br``, ``zh_CN``) or with a
    language suffix other than ``.en`` (Apache's ``index.html.fr``)."""
    parts = path.split("/")
    if any(_LANG_DIR.match(p) and not p.lower().startswith("en") and p not in ("js", "db", "ui", "go", "io")
           for p in parts[:-1]):
        return False
    m = _LANG_SUFFIX.search(path)
    return not m or m.group(1) == "en"


_DOC_NAME = re.compile(r"^(README|NEWS|CHANGES|changelog|FAQ|HOWTO|HISTORY|RELEASE[-_]?NOTES|TODO)", re.I)


def discover(roots: dict[str, list[Path]], owners: dict[str, str]) -> list[Source]:
    """Every candidate source file under ``roots`` (family -> folders), test-family files excluded."""
    out: list[Source] = []
    for family, dirs in roots.items():
        for d in dirs:
            if not d.exists():
                continue
            for path in sorted(_walk(d)):
                src = _classify(family, path, owners)
                if src and english_path(src.path) and not is_test_source(src.path, src.package):
                    out.append(src)
    return out


def _walk(d: Path) -> Iterator[Path]:
    if d.is_file():
        yield d
        return
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for f in files:
            p = Path(root) / f
            if not p.is_symlink():
                yield p


def _classify(family: str, path: Path, owners: dict[str, str]) -> Source | None:
    name, pkg = path.name, _owner(path, owners)
    if family == "man":
        if re.search(r"/man[1-8][^/]*/[^/]+\.[1-8][^/]*(\.gz)?$", str(path)):
            return Source(family, str(path), "roff", pkg)
    elif family == "debian-doc":
        if _DOC_NAME.match(name) and not name.endswith((".html", ".pdf", ".png", ".jpg", ".svg", ".css", ".js")):
            return Source(family, str(path), "markup", pkg)
    elif family == "info":
        if re.search(r"\.info(-\d+)?(\.gz)?$", name):
            return Source(family, str(path), "info", pkg)
    elif family == "html-manual":
        if re.search(r"\.html?(\.en)?(\.gz)?$", name) and not _DOC_NAME.match(name):
            return Source(family, str(path), "html", pkg)
    elif family == "pypi-readme":
        project = re.sub(r"[-_.]+", "-", name.split("-")[0]).lower()
        if name == "METADATA" and path.parent.name.endswith(".dist-info"):
            return Source(family, str(path), "metadata", re.sub(r"[-_.]+", "-", path.parent.name.split("-")[0]).lower())
        if name == "PKG-INFO" and path.parent.name.endswith(".egg-info"):
            return Source(family, str(path), "metadata", re.sub(r"[-_.]+", "-", path.parent.name.split("-")[0]).lower())
        if name.endswith(".whl"):
            return Source(family, str(path), "metadata", project,
                          member=f"{'-'.join(name.split('-')[:2])}.dist-info/METADATA")
    return None


def default_roots() -> dict[str, list[Path]]:
    """Where each family's files live on a Debian system with this project's venv."""
    site = sorted({Path(p) for p in sys.path if p.endswith(("site-packages", "dist-packages")) and Path(p).is_dir()})
    site += [p for p in (Path("/usr/lib/python3/dist-packages"),) if p.is_dir() and p not in site]
    wheels = [p for p in (Path("/opt/pypi"), Path("/opt/pypi-more")) if p.is_dir()]
    man = [Path("/usr/share/man") / f"man{i}" for i in range(1, 9)]
    return {"man": man, "debian-doc": [Path("/usr/share/doc")], "info": [Path("/usr/share/info")],
            "html-manual": [Path("/usr/share/doc"), Path("/usr/share/debian-reference")],
            "pypi-readme": site + wheels}


# ---------------------------------------------------------------- extraction

def read_text(path: str, member: str = "") -> str:
    """Text of a file (gunzipped when it ends in .gz; a member of a zip when ``member`` is set)."""
    if member:
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.endswith(".dist-info/METADATA")]
            pick = member if member in names else (names[0] if names else None)
            return z.read(pick).decode("utf-8", errors="replace") if pick else ""
    raw = Path(path).read_bytes()
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8", errors="replace")


def metadata_parts(text: str) -> tuple[str, str, str, str]:
    """(name, licence, content type, long description) of a core-metadata file (METADATA / PKG-INFO)."""
    msg = email.parser.Parser().parsestr(text)
    body = msg.get_payload() if isinstance(msg.get_payload(), str) else ""
    if not body.strip():
        body = re.sub(r"\n {8}|\n\|", "\n", msg.get("Description", "") or "")
    lic = msg.get("License-Expression") or msg.get("License") or ""
    if not lic or len(lic) > 80 or lic.upper() == "UNKNOWN":
        classifiers = [c.split("::")[-1].strip() for c in msg.get_all("Classifier", []) if c.startswith("License ::")]
        lic = classifiers[0] if classifiers else (lic.splitlines()[0][:80] if lic else "")
    return msg.get("Name", ""), lic, (msg.get("Description-Content-Type") or "").lower(), body


def extract(src: Source, text: str) -> tuple[str, list[Block], str]:
    """(title, blocks, licence from the file itself or "") of a source's text."""
    if src.reader == "roff":
        if re.match(r"\s*\.so\s", text) and len(text) < 200:  # a redirect to another page
            return "", [], ""
        m = re.search(r"^\.(?:TH|Dt)\s+\"?([^\s\"]+)\"?\s+\"?([^\s\"]+)", text, re.M)
        title = roff_inline(f"{m.group(1).lower()}({m.group(2)})" if m else Path(src.path).name.split(".")[0])
        return title, roff_blocks(text), ""
    if src.reader == "html":
        m = re.search(r"<title[^>]*>(.*?)</title>", text, re.S | re.I)
        return (re.sub(r"\s+", " ", m.group(1)).strip() if m else ""), html_blocks(text), ""
    if src.reader == "info":
        return Path(src.path).name.split(".")[0], info_blocks(text), ""
    if src.reader == "metadata":
        name, lic, _, body = metadata_parts(text)
        return name, markup_blocks(body), lic
    return f"{src.package} {Path(src.path).name.removesuffix('.gz')}", markup_blocks(text), ""


def debian_licence(package: str, doc_root: Path = Path("/usr/share/doc")) -> str:
    """The licence of a Debian package from its copyright file: the first ``License:`` field (machine-readable
    format), else the first non-empty line; "" when there is no copyright file."""
    path = doc_root / package / "copyright"
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    m = re.search(r"^License:\s*(\S.*)$", text, re.M)
    if m:
        return m.group(1).strip()[:80]
    for pattern, name in _LICENCE_NAMES:  # free-form copyright files: the first licence they name
        if re.search(pattern, text, re.I):
            return name
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first[:120]


_LICENCE_NAMES = (
    (r"GNU (Lesser|Library) General Public License", "LGPL"), (r"GNU General Public License", "GPL"),
    (r"Artistic License", "Artistic"), (r"Apache License", "Apache"), (r"BSD", "BSD"),
    (r"Permission is hereby granted, free of charge", "MIT/Expat"), (r"public domain", "public-domain"),
    (r"Mozilla Public License", "MPL"),
)
