"""Turn one file's bytes into text plus sections (headings, chapters or PDF pages) with character offsets.

Pure functions of (bytes, file name, limits): they never open files, so the
sandbox (desktop.ingest.sandbox) runs them in a child process that only sees
the bytes. Every refusal is a :class:`ParseRefused` whose message a user can
act on. Libraries, not hand-written parsers: charset-normalizer (text),
pypdfium2 (PDF), python-docx (DOCX), BeautifulSoup + lxml + markdownify (HTML),
zipfile + lxml (EPUB).

>>> doc = parse_bytes(b"# Intro\\nhello\\n# Usage\\nrun it\\n", "notes.md", ParseLimits())
>>> [(s.title, doc.text[s.start:s.end]) for s in doc.sections]
[('Intro', '# Intro\\nhello'), ('Usage', '# Usage\\nrun it')]
"""
from __future__ import annotations

import codecs
import io
import posixpath
import re
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import PurePath

PARSER_VERSION = 1  # bump when the text a format yields changes: every file is then taught again

TEXT_EXTS = frozenset("""
.txt .text .log .csv .tsv .json .jsonl .yaml .yml .toml .ini .cfg .conf .tex .bib .org .adoc .srt .vtt
.py .pyi .js .mjs .ts .tsx .jsx .java .kt .kts .scala .c .h .cc .cpp .cxx .hpp .hh .cs .go .rs .rb .php .pl
.swift .m .mm .r .jl .lua .sh .bash .zsh .fish .ps1 .bat .sql .css .scss .less .xml .svg .vue .svelte
.hs .ml .mli .ex .exs .erl .clj .dart .zig .nim .f90 .cmake .gradle .proto .graphql .dockerfile
""".split())
FORMATS = {**{e: "text" for e in TEXT_EXTS}, ".md": "markdown", ".markdown": "markdown", ".rst": "rst",
           ".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html", ".xhtml": "html", ".epub": "epub"}
MAGIC = ((b"%PDF-", "a PDF"), (b"PK\x03\x04", "a zip archive"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
         (b"GIF8", "a GIF image"), (b"\x7fELF", "a program"), (b"GGUF", "a GGUF model/adapter"), (b"MZ", "a Windows program"),
         (b"\x1f\x8b", "a gzip archive"), (b"SQLite format 3", "a database"))
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
SNIFF_BYTES = 8192
MD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t#]*$")
RST_UNDERLINE = re.compile(r"^([=\-~`^\"'*+#:.])\1{2,}\s*$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
DOCX_HEADING_STYLES = ("Heading", "Title")


class ParseRefused(Exception):
    """A file that will not be taught; the message says why, for the user."""


@dataclass(frozen=True)
class ParseLimits:
    """Caps that keep one bad file from taking the app down (sizes in bytes)."""

    max_bytes: int = 64 << 20  # files larger than this are refused before reading
    max_unzipped_bytes: int = 256 << 20  # .docx/.epub: sum of declared member sizes
    max_zip_ratio: float = 200.0  # .docx/.epub: declared size / compressed size of one member (above 1 MiB)
    max_zip_entries: int = 10_000
    max_chars: int = 20_000_000  # text extracted
    seconds: float = 60.0  # wall time of one parse (sandbox)
    memory_mb: int = 1536  # address space of the parsing process (POSIX)

    def __post_init__(self) -> None:
        if min(self.max_bytes, self.max_unzipped_bytes, self.max_zip_entries, self.max_chars, self.memory_mb) <= 0:
            raise ValueError("parse limits must be positive")
        if self.seconds <= 0 or self.max_zip_ratio <= 1:
            raise ValueError("parse seconds must be > 0 and max_zip_ratio > 1")


@dataclass(frozen=True)
class Section:
    """A heading's, chapter's or page's span of :attr:`ParsedDoc.text`: ``text[start:end]``."""

    title: str  # heading or chapter title, "page N" for PDFs, "" for text before any heading
    start: int
    end: int
    page: int | None = None  # 1-based page number (PDF only)

    @property
    def label(self) -> str:
        """What to show next to an answer: the title, else the page."""
        return self.title or (f"page {self.page}" if self.page else "")


@dataclass(frozen=True)
class ParsedDoc:
    """A file's text and its sections, in order, covering the text without overlap."""

    text: str
    sections: tuple[Section, ...]
    format: str  # text, markdown, rst, pdf, docx, html, epub
    title: str = ""

    def to_json(self) -> dict:
        return {"text": self.text, "sections": [asdict(s) for s in self.sections], "format": self.format,
                "title": self.title}

    @classmethod
    def from_json(cls, d: dict) -> "ParsedDoc":
        return cls(text=d["text"], sections=tuple(Section(**s) for s in d["sections"]), format=d["format"],
                   title=d.get("title", ""))


@dataclass
class _Builder:
    """Concatenates titled parts with blank lines between them, tracking each part's offsets."""

    parts: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    size: int = 0

    def add(self, title: str, text: str, page: int | None = None) -> None:
        text = text.strip()
        if not text:
            return
        if self.parts:
            self.parts.append("\n\n")
            self.size += 2
        self.sections.append(Section(title.strip(), self.size, self.size + len(text), page))
        self.parts.append(text)
        self.size += len(text)

    def build(self, fmt: str, title: str = "") -> ParsedDoc:
        return ParsedDoc("".join(self.parts), tuple(self.sections), fmt, title.strip())


def format_of(name: str) -> str | None:
    """The parser for a file name by extension (None: not a format Lorafy reads)."""
    return FORMATS.get(PurePath(name).suffix.lower())


def what_binary(data: bytes) -> str | None:
    """Why these bytes are not text (e.g. "a PDF", "binary data"), or None if they look like text."""
    head = data[:SNIFF_BYTES]
    if any(head.startswith(bom) for bom, _ in BOMS):
        return None
    for magic, what in MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" in head:
        return "binary data (NUL bytes)"
    controls = sum(1 for b in head if b < 32 and b not in b"\t\n\r\f\b\x1b")
    return "binary data (control bytes)" if head and controls / len(head) > 0.05 else None


def decode_text(data: bytes) -> str:
    """Bytes of a text file as str: BOM, else UTF-8, else charset-normalizer's guess; never raises on bad bytes."""
    for bom, enc in BOMS:
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    return data.decode(best.encoding if best else "utf-8", errors="replace")


def _text_of(data: bytes) -> str:
    what = what_binary(data)
    if what:
        raise ParseRefused(f"the file holds {what}, not text; rename it to its real type or remove it from the folder")
    return decode_text(data).replace("\r\n", "\n").replace("\r", "\n")


def heading_sections(text: str, fmt: str, title: str = "") -> ParsedDoc:
    """Split markdown (ATX ``#`` headings) or reStructuredText (underlined titles) at headings; offsets into ``text``."""
    lines = text.split("\n")
    starts: list[tuple[int, str]] = [(0, "")]  # (line index, title)
    in_fence = False
    for i, line in enumerate(lines):
        if FENCE.match(line):
            in_fence = not in_fence
        elif in_fence:
            continue
        elif fmt == "markdown" and (m := MD_HEADING.match(line)):
            starts.append((i, m.group(2)))
        elif fmt == "rst" and i > 0 and RST_UNDERLINE.match(line) and lines[i - 1].strip() \
                and len(line.rstrip()) >= len(lines[i - 1].rstrip()) and not RST_UNDERLINE.match(lines[i - 1]):
            starts.append((i - 1, lines[i - 1].strip()))
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    sections = []
    for k, (i, head) in enumerate(starts):
        j = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        a, b = offsets[i], min(offsets[j], len(text))
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a and text[a:b].strip():
            sections.append(Section(head.strip(), a, b))
    return ParsedDoc(text, tuple(sections), fmt, title)


def parse_text(data: bytes, fmt: str) -> ParsedDoc:
    text = _text_of(data)
    if fmt in ("markdown", "rst"):
        return heading_sections(text, fmt)
    return ParsedDoc(text, (Section("", 0, len(text)),) if text.strip() else (), fmt)


def parse_pdf(data: bytes) -> ParsedDoc:
    """One section per page ("page N", page=N); refuses encrypted, damaged and text-less PDFs."""
    import pypdfium2 as pdfium

    if b"%PDF-" not in data[:1024]:
        raise ParseRefused(f"not a PDF (it starts like {what_binary(data) or 'text'}); rename it to its real type")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise ParseRefused("the PDF is password-protected; save an unprotected copy to teach it") from e
        raise ParseRefused(f"the PDF is damaged or unsupported ({e}); re-save or re-export it") from e
    b = _Builder()
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
            b.add(f"page {i + 1}", text, page=i + 1)
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return b.build("pdf")


def check_zip(data: bytes, limits: ParseLimits) -> zipfile.ZipFile:
    """Open a .docx/.epub container after checking its declared sizes, so nothing is inflated from a zip bomb."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as e:
        raise ParseRefused(f"not a valid .docx/.epub (zip) file ({e}); the file is damaged or misnamed") from e
    infos = z.infolist()
    if len(infos) > limits.max_zip_entries:
        raise ParseRefused(f"the archive has {len(infos)} members (limit {limits.max_zip_entries}); refusing a possible zip bomb")
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_bytes:
        raise ParseRefused(f"the archive unpacks to {total:,} bytes (limit {limits.max_unzipped_bytes:,}); "
                           "refusing a possible zip bomb")
    for i in infos:
        if i.flag_bits & 0x1:
            raise ParseRefused(f"the archive member {i.filename!r} is encrypted; save an unprotected copy to teach it")
        if i.file_size > (1 << 20) and i.file_size > limits.max_zip_ratio * max(i.compress_size, 1):
            raise ParseRefused(f"the archive member {i.filename!r} expands {i.file_size / max(i.compress_size, 1):,.0f}x "
                               f"(limit {limits.max_zip_ratio:g}x); refusing a possible zip bomb")
    return z


def parse_docx(data: bytes, limits: ParseLimits) -> ParsedDoc:
    """Paragraphs and tables in body order; Heading/Title paragraphs start sections."""
    check_zip(data, limits)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises KeyError/ValueError/PackageNotFoundError on damaged files
        raise ParseRefused(f"not a readable .docx ({type(e).__name__}: {e}); re-save it from a word processor") from e
    b, head, body = _Builder(), "", []
    for child in d.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, d)
            style = para.style.name if para.style is not None else ""
            if style.startswith(DOCX_HEADING_STYLES) and para.text.strip():
                b.add(head, "\n".join(body))
                head, body = para.text, [para.text]
            else:
                body.append(para.text)
        elif tag == "tbl":
            body.extend(" | ".join(c.text.strip() for c in row.cells) for row in Table(child, d).rows)
    b.add(head, "\n".join(body))
    return b.build("docx", d.core_properties.title or "")


def html_to_markdown(html: bytes | str) -> tuple[str, str]:
    """(title, markdown) of an HTML page without scripts/styles; falls back to plain text when nesting is too deep."""
    from bs4 import BeautifulSoup
    from markdownify import MarkdownConverter

    soup = BeautifulSoup(html, "lxml")
    title_tag = soup.find("title")
    title = title_tag.get_text(" ", strip=True) if title_tag else ""
    for tag in soup(["script", "style", "noscript", "template", "head"] if soup.body else ["script", "style", "noscript", "template"]):
        tag.decompose()
    try:
        md = MarkdownConverter(heading_style="ATX", strip=["img"]).convert_soup(soup)
    except RecursionError:
        md = soup.get_text("\n")
    return title, re.sub(r"\n{3,}", "\n\n", md).strip()


def parse_html(data: bytes) -> ParsedDoc:
    what = what_binary(data)
    if what:
        raise ParseRefused(f"the file holds {what}, not HTML; rename it to its real type")
    title, md = html_to_markdown(data)
    return ParsedDoc(md, heading_sections(md, "markdown").sections, "html", title)


def _xml(data: bytes):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(data, parser=parser)


def epub_spine(z: zipfile.ZipFile) -> list[str]:
    """Member names of an EPUB's chapters in reading order (container.xml -> OPF manifest + spine)."""
    try:
        container = _xml(z.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = _xml(z.read(opf_path))
    except (KeyError, AttributeError, ValueError, SyntaxError) as e:
        raise ParseRefused(f"not a readable EPUB (no container.xml/OPF: {e}); re-save it from an e-book tool") from e
    base = posixpath.dirname(opf_path)
    manifest = {i.get("id"): i.get("href") for i in opf.iterfind(".//{*}manifest/{*}item")}
    names = [posixpath.normpath(posixpath.join(base, manifest[r.get("idref")]))
             for r in opf.iterfind(".//{*}spine/{*}itemref") if r.get("idref") in manifest]
    return [n for n in names if n in set(z.namelist())]


def parse_epub(data: bytes, limits: ParseLimits) -> ParsedDoc:
    """One section per spine chapter, titled by its first heading (else its <title>, else "chapter N")."""
    z = check_zip(data, limits)
    b = _Builder()
    book_title = ""
    for n, name in enumerate(epub_spine(z), 1):
        title, md = html_to_markdown(z.read(name))
        first = MD_HEADING.search(md.split("\n", 1)[0]) if md else None
        b.add(first.group(2) if first else (title or f"chapter {n}"), md)
        book_title = book_title or title
    return b.build("epub", book_title)


def parse_bytes(data: bytes, name: str, limits: ParseLimits) -> ParsedDoc:
    """Parse a file's bytes by its name's extension; raise ParseRefused with a reason a user can act on."""
    fmt = format_of(name)
    if fmt is None:
        raise ParseRefused(f"Lorafy does not read {PurePath(name).suffix or 'extension-less'} files "
                           f"(it reads text, markdown, code, PDF, DOCX, HTML and EPUB)")
    if len(data) > limits.max_bytes:
        raise ParseRefused(f"the file is {len(data):,} bytes, over the {limits.max_bytes:,}-byte limit; split it or raise max_bytes")
    if not data.strip():
        raise ParseRefused("the file is empty")
    if fmt == "pdf":
        doc = parse_pdf(data)
    elif fmt == "docx":
        doc = parse_docx(data, limits)
    elif fmt == "epub":
        doc = parse_epub(data, limits)
    elif fmt == "html":
        doc = parse_html(data)
    else:
        doc = parse_text(data, fmt)
    if not doc.text.strip():
        hint = " (a scanned PDF? Lorafy does not do OCR)" if fmt == "pdf" else ""
        raise ParseRefused(f"no text found in the file{hint}")
    if len(doc.text) > limits.max_chars:
        raise ParseRefused(f"the file holds {len(doc.text):,} characters of text (limit {limits.max_chars:,}); split it")
    return doc
