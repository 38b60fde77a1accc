"""Turn documentation markup (roff man pages, Markdown/reST/plain text, HTML, GNU info) into plain blocks.

Every converter returns a list of :class:`Block`: a heading, a paragraph of
prose, or a code/literal block, in document order, with markup removed. The
corpus builder (:mod:`engine.data.corpus`) joins blocks into documents and cuts
them at headings. Pure functions, no I/O.

>>> [b.text for b in roff_blocks('.TH LS 1\\n.SH NAME\\nls \\\\- list directory contents\\n')]
['NAME', 'ls - list directory contents']
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

HEADING, PARA, CODE = "h", "p", "code"


@dataclass(frozen=True)
class Block:
    """One heading, paragraph or literal block of cleaned text."""

    kind: str  # HEADING, PARA or CODE
    text: str

    def __post_init__(self) -> None:
        if self.kind not in (HEADING, PARA, CODE):
            raise ValueError(f"Block.kind must be one of h, p, code, got {self.kind!r}")


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------- roff (man, mdoc)

_ROFF_CHARS = {
    "em": "\u2014", "en": "\u2013", "hy": "-", "mi": "-", "aq": "'", "dq": '"', "lq": "\u201c", "rq": "\u201d",
    "oq": "\u2018", "cq": "\u2019", "bu": "\u2022", "co": "\u00a9", "rg": "\u00ae", "tm": "\u2122", "de": "\u00b0",
    "ga": "`", "aa": "\u00b4", "ti": "~", "ha": "^", "rs": "\\", "sl": "/", "ba": "|", "br": "|", "bv": "|",
    "->": "\u2192", "<-": "\u2190", "<=": "\u2264", ">=": "\u2265", "!=": "\u2260", "mu": "\u00d7", "pl": "+",
    "eq": "=", "ss": "\u00df", "ct": "\u00a2", "Po": "\u00a3", "Eu": "\u20ac", "ua": "\u2191", "da": "\u2193",
    "at": "@", "sh": "#", "Do": "$", "lB": "[", "rB": "]", "lC": "{", "rC": "}", "la": "\u27e8", "ra": "\u27e9",
    "fo": "\u00ab", "fc": "\u00bb", "OK": "\u2713", "dg": "\u2020", "sc": "\u00a7", "ps": "\u00b6", "fm": "'",
}
_ROFF_STRINGS = {"R": "\u00ae", "Tm": "\u2122", "lq": "\u201c", "rq": "\u201d", "Lq": "\u201c", "Rq": "\u201d",
                 "aq": "'", "dq": '"', "ga": "`", "C+": "C++"}
_ROFF_ESCAPE = re.compile(
    r"\\(?:"
    r"f(?:\[[^\]]*\]|\(..|.)"  # font change
    r"|s[-+]?(?:\d+|\(\d\d|\[\d+\])"  # size change
    r"|\((?P<two>..)"  # \(xx named char
    r"|\[(?P<named>[^\]]*)\]"  # \[name] named char
    r"|\*(?:\((?P<s2>..)|\[(?P<sn>[^\]]*)\]|(?P<s1>.))"  # \*x strings
    r"|[kmMnYgV](?:\(..|\[[^\]]*\]|.)"  # registers and colours: dropped
    r"|[hvwlLoDNbxXSHRAzZ]'[^']*'"  # motions and the like: dropped
    r"|(?P<lit>[-e\\.'`\"])"  # literal characters
    r"|(?P<space>[ ~0])"  # spaces
    r"|[&|^%c:)dutpa/,!{}]"  # zero-width escapes: dropped
    r")"
)


def _roff_escape(m: re.Match[str]) -> str:
    if m.group("two") is not None:
        return _ROFF_CHARS.get(m.group("two"), "")
    if m.group("named") is not None:
        name = m.group("named")
        if re.fullmatch(r"u[0-9A-Fa-f]{4,5}", name):
            return chr(int(name[1:], 16))
        return _ROFF_CHARS.get(name, "")
    for key in ("s2", "sn", "s1"):
        if m.group(key) is not None:
            return _ROFF_STRINGS.get(m.group(key), "")
    if m.group("lit") is not None:
        ch = m.group("lit")
        return {"e": "\\", "-": "-", "\\": "\\", ".": ".", "'": "'", "`": "`", '"': ""}[ch]
    if m.group("space") is not None:
        return " "
    return ""


def roff_inline(text: str) -> str:
    """Remove roff escapes from one line of text, keeping what they print.

    >>> roff_inline(r"with \\fB\\-l\\fR, print the \\(lqauthor\\(rq")
    'with -l, print the \u201cauthor\u201d'
    """
    text = re.sub(r'\\".*$', "", text)  # comment to end of line
    return _ROFF_ESCAPE.sub(_roff_escape, text)


def _roff_args(rest: str) -> list[str]:
    """Split a macro's arguments (double quotes group words)."""
    return [a[1:-1] if a.startswith('"') and a.endswith('"') and len(a) > 1 else a.strip('"')
            for a in re.findall(r'"[^"]*"|\S+', rest)]


_ALTERNATING = {"BR", "RB", "BI", "IB", "IR", "RI", "SM", "SB"}
_FONT_WORDS = {"B", "I", "R", "CW", "BOLD", "UR", "MT"}
_PARA = {"PP", "LP", "P", "Pp", "Lp", "sp", "br", "IP", "TP", "TQ", "HP", "It", "Bl", "El", "Bd", "Ed", "RS", "RE",
         "in", "ti", "ne", "bp", "Sx", "UE", "ME", "YS", "SY", "EE", "ce"}
# mdoc macros that print their arguments (with a prefix)
_MDOC = {"Nm": "", "Nd": "- ", "Fl": "-", "Ar": "", "Cm": "", "Pa": "", "Ev": "", "Xr": "", "Va": "", "Dv": "",
         "Er": "", "Ic": "", "Li": "", "Em": "", "Sy": "", "Fn": "", "Fa": "", "Ft": "", "Fd": "", "In": "",
         "Ql": "", "Dq": "", "Sq": "", "Pq": "", "Op": "", "Oo": "", "Oc": "", "Ux": "UNIX", "Bx": "BSD",
         "An": "", "Lk": "", "Mt": "", "Ad": "", "Ms": "", "No": "", "Ns": "", "Aq": "", "Qq": "", "Ta": "",
         "St": "", "Vt": "", "At": "AT&T UNIX", "Dl": "", "Xo": "", "Xc": "", "Pf": ""}
_MDOC_CALLS = set(_MDOC) | {"Pf", "Ql"}


def _mdoc_line(name: str, args: list[str], nm: str = "") -> str:
    """The text an mdoc line prints: ``.Fl v Ar file`` -> ``-v file``; ``Ns`` joins without a space."""
    out, prefix, glue = "", _MDOC.get(name, ""), False
    if name in ("Ux", "Bx", "At", "Nm"):
        prefix = ""
    if name in ("Ux", "Bx", "At") or (name == "Nm" and (not args or args[0] in _MDOC_CALLS)):
        out = _MDOC[name] if name != "Nm" else nm
    for a in args:
        if a == "Ns":
            glue = True
            continue
        if a in ("Xo", "Xc"):
            continue
        if a in _MDOC_CALLS:
            prefix = _MDOC.get(a, "")
            if a in ("Ux", "Bx", "At") or (a == "Nm"):
                prefix = ""
                word = _MDOC[a] if a != "Nm" else nm
                out += ("" if glue or not out else " ") + word
                glue = False
            continue
        if name == "Xr" and out and a.isdigit() and not glue:
            out += f"({a})"
            continue
        punct = re.fullmatch(r"[.,;:)\]]+", a) is not None
        word = a if punct or not prefix else prefix + a
        out += ("" if glue or punct or not out else " ") + word
        glue = False
        prefix = prefix if name == "Fl" or prefix == "-" else ""
    return out


def roff_blocks(source: str) -> list[Block]:
    """Blocks of a man page written in roff (man or mdoc macros); headings from .SH/.SS/.Sh/.Ss.

    Tables (tbl), equations and unknown requests are dropped; .nf/.fi and .EX/.EE regions become CODE blocks.
    """
    blocks: list[Block] = []
    para: list[str] = []
    literal = False

    def flush() -> None:
        if para:
            text = ("\n" if literal else " ").join(para)
            text = text.strip("\n") if literal else _collapse(text)
            if text.strip():
                blocks.append(Block(CODE if literal else PARA, text))
            para.clear()

    skip_until: str | None = None
    nm = ""  # mdoc: the page's name, printed by a bare .Nm
    lines = source.replace("\r", "").split("\n")
    for raw in _join_continuations(lines):
        if skip_until:
            if raw.startswith(skip_until):
                skip_until = None
            continue
        if raw.startswith((".", "'")):
            m = re.match(r"[.'][ \t]*([A-Za-z0-9_\\\"]+)[ \t]*(.*)$", raw)
            if not m:
                continue
            name, rest = m.group(1), m.group(2)
            if name.startswith('\\"'):
                continue
            if name in ("TS", "EQ", "PS", "de", "ig", "am"):
                flush()
                skip_until = {"TS": ".TE", "EQ": ".EN", "PS": ".PE", "ig": ".."}.get(name, "..")
                continue
            if name in ("SH", "SS", "Sh", "Ss"):
                flush()
                literal = False
                title = _collapse(roff_inline(" ".join(_roff_args(rest))))
                if title:
                    blocks.append(Block(HEADING, title))
                continue
            if name in ("nf", "EX", "Vb", "Bd") and (name != "Bd" or "-literal" in rest or "-unfilled" in rest):
                flush()
                literal = True
                continue
            if name in ("fi", "EE", "Ve", "Ed"):
                flush()
                literal = False
                continue
            if name in _PARA:
                if not literal:
                    flush()
                args = _roff_args(rest) if name in ("IP", "It", "TQ") else []
                if name == "IP" and args:
                    args = args[:1] if args[0] not in ("\\(bu", "\\(em", "-", "*", "o") else []
                if name == "It" and args:
                    para.append(roff_inline(_mdoc_line("It", args, nm)))
                elif args:
                    para.append(roff_inline(args[0]))
                continue
            if name in _ALTERNATING or name in _FONT_WORDS:
                args = _roff_args(rest)
                joiner = "" if name in _ALTERNATING else " "
                para.append(roff_inline(joiner.join(args)))
                continue
            if name in _MDOC:
                args = _roff_args(rest)
                if name == "Nm" and args and not nm:
                    nm = args[0]
                para.append(roff_inline(_mdoc_line(name, args, nm)))
                continue
            continue  # .TH, .so, .ds, .nr, .ft, .hy, ... : nothing printed
        line = roff_inline(raw)
        if literal:
            para.append(line.rstrip())
        elif line.strip():
            para.append(line)
        else:
            flush()
    flush()
    return blocks


def _join_continuations(lines: list[str]) -> list[str]:
    out: list[str] = []
    buf = ""
    for line in lines:
        if line.endswith("\\") and not line.endswith("\\\\"):
            buf += line[:-1]
            continue
        out.append(buf + line)
        buf = ""
    if buf:
        out.append(buf)
    return out


# ---------------------------------------------------------------- Markdown, reST, plain text

_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_UNDERLINE = re.compile(r"^\s*([=\-~^*+#`'\"_.:])\1{2,}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


_HTML_TAGS = ("a|b|i|u|s|em|strong|code|span|div|p|br|img|sup|sub|kbd|tt|pre|details|summary|picture|source|"
              "h[1-6]|table|thead|tbody|tr|td|th|ul|ol|li|dl|dt|dd|center|font|hr|blockquote|small|big|abbr|var|"
              "samp|cite|del|ins|mark|figure|figcaption|section|nav|header|footer|video|iframe|svg|path|g")


def markup_inline(text: str) -> str:
    """Strip Markdown/reST inline markup from a line, keeping the visible text.

    >>> markup_inline("See [the docs](https://x.org/d) and :func:`open` or **bold** `code`.")
    'See the docs (https://x.org/d) and open or bold code.'
    >>> markup_inline("-- Ann Lee <ann@example.org>  Sat, 29 Apr 2006 <b>x</b>")
    '-- Ann Lee <ann@example.org>  Sat, 29 Apr 2006 x'
    """
    text = re.sub(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)", "", text)  # badge links
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
    text = re.sub(r"\[\s*\]\([^)]*\)", "", text)  # links left empty
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)[^)]*\)", r"\1 (\2)", text)  # links keep their URL
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # relative links: text only
    text = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"`([^`<]+?)\s*<(https?://[^>]+)>`_{1,2}", r"\1 (\2)", text)  # reST links
    text = re.sub(r"`([^`<]+?)\s*<[^>]+>`_{1,2}", r"\1", text)
    text = re.sub(r":[a-zA-Z:]+:`~?([^`]+)`", r"\1", text)  # reST roles
    text = re.sub(r"``([^`]+)``", r"\1", text)
    text = re.sub(r"`([^`]+)`_{0,2}", r"\1", text)
    text = re.sub(r"(\*\*|__)(\S(?:.*?\S)?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(\S(?:.*?\S)?)\*(?![\w*])", r"\1", text)
    text = re.sub(r"<!--.*?-->", "", text)
    text = re.sub(r"(?:(?<=\s)|^)\|[\w .-]+\|_{0,2}(?=\s|$)", "", text)  # reST substitutions (badges)
    text = re.sub(r"(?<=[A-Za-z0-9])_(?=[\s,.;:)]|$)", "", text)  # reST references: name_
    text = re.sub(r"<((?:https?|ftp)://[^>]+|[\w.+-]+@[\w.-]+)>", r"<\1>", text)  # autolinks and e-mail kept
    text = re.sub(r"</?(?:" + _HTML_TAGS + r")\b[^>]*>", "", text, flags=re.I)  # inline HTML tags
    return html.unescape(text)


def markup_blocks(source: str) -> list[Block]:
    """Blocks of a Markdown, reStructuredText or plain-text file (README, NEWS, changelog, long description)."""
    blocks: list[Block] = []
    para: list[str] = []
    code: list[str] | None = None
    lines = source.replace("\r", "").replace("\t", "    ").split("\n")

    def flush() -> None:
        if para:
            text = _collapse(" ".join(para))
            if text:
                blocks.append(Block(PARA, text))
            para.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if code is not None:
            if _FENCE.match(line):
                if any(c.strip() for c in code):
                    blocks.append(Block(CODE, "\n".join(code).strip("\n")))
                code = None
            else:
                code.append(line.rstrip())
            i += 1
            continue
        if _FENCE.match(line):
            flush()
            code = []
            i += 1
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and _UNDERLINE.match(nxt) and not _UNDERLINE.match(line) and len(line.strip()) <= 100:
            flush()
            blocks.append(Block(HEADING, markup_inline(line.strip())))
            i += 2
            continue
        if _UNDERLINE.match(line):  # overline of a reST title, or a rule
            flush()
            i += 1
            continue
        m = _MD_HEADING.match(line)
        if m:
            flush()
            title = markup_inline(m.group(2)).strip()
            if title:
                blocks.append(Block(HEADING, title))
            i += 1
            continue
        if re.match(r"^\s*\.\. ", line) or re.match(r"^\s*\[//\]: ", line):  # reST directive or comment
            flush()
            i += 1
            while i < len(lines) and (not lines[i].strip() or lines[i].startswith((" ", "\t"))):
                if lines[i].strip() and not lines[i].startswith("   "):
                    break
                i += 1
            continue
        if line.startswith("    ") and not para and line.strip():  # indented literal block
            literal = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                literal.append(lines[i][4:].rstrip())
                i += 1
            text = "\n".join(literal).strip("\n")
            if text:
                blocks.append(Block(CODE, text))
            continue
        if not line.strip():
            flush()
        elif re.match(r"^\s*([-*+\u2022]|\d+[.)])\s+", line):  # list item: its own paragraph
            flush()
            para.append(markup_inline(line.strip()))
        else:
            para.append(markup_inline(line.strip()))
        i += 1
    flush()
    if code:
        blocks.append(Block(CODE, "\n".join(code).strip("\n")))
    return blocks


# ---------------------------------------------------------------- GNU info

def info_blocks(source: str) -> list[Block]:
    """Blocks of a GNU info file: node headers, menus and tag tables removed, underlined titles as headings."""
    kept: list[str] = []
    skip_menu = False
    for line in source.replace("\r", "").split("\n"):
        if line.startswith("\x1f") or line.startswith(("File: ", "Tag Table:", "End Tag Table", "Indirect:")):
            skip_menu = False
            kept.append("")
            continue
        if line.startswith("* Menu:"):
            skip_menu = True
            continue
        if skip_menu:
            if line.strip() and not line.startswith(("* ", " ")):
                skip_menu = False
            else:
                continue
        kept.append(line.replace("\x00", "").replace("\b", ""))
    text = re.sub(r"\*[Nn]ote\s+([^:]+?)::", r"\1", "\n".join(kept))  # cross references keep their label
    text = re.sub(r"\*[Nn]ote\s+([^:]+?):\s+[^.,:;()]+", r"\1", text)
    return markup_blocks(text)


# ---------------------------------------------------------------- HTML

_BLOCK_TAGS = {"p", "div", "section", "article", "li", "dt", "dd", "tr", "table", "ul", "ol", "dl", "br", "hr",
               "blockquote", "td", "th", "caption", "figure", "main", "body"}
_SKIP_TAGS = {"script", "style", "head", "nav", "footer", "header", "noscript", "svg", "form", "button", "select"}
_SKIP_CLASS = re.compile(r"nav|footer|header|sidebar|breadcrumb|toc|related|menu|search|copyright|legalnotice", re.I)
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "param", "source", "track", "wbr"}


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.mode = PARA
        self.skip: list[str] = []  # stack of open tags inside a skipped element
        self.pre = 0

    def _flush(self) -> None:
        raw = "".join(self.buf)
        self.buf = []
        if self.pre:
            text = raw.strip("\n")
        else:
            text = _collapse(raw)
        if text.strip():
            self.blocks.append(Block(CODE if self.pre else self.mode, text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skip:
            if tag not in _VOID:
                self.skip.append(tag)
            return
        cls = " ".join(v or "" for k, v in attrs if k in ("class", "id", "role"))
        if tag in _SKIP_TAGS or (tag in ("div", "table", "ul", "p", "span", "section", "aside") and _SKIP_CLASS.search(cls)):
            if tag not in _VOID:
                self._flush()
                self.skip.append(tag)
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._flush()
            self.mode = HEADING
        elif tag == "pre":
            self._flush()
            self.pre += 1
        elif tag in _BLOCK_TAGS and not self.pre:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag in self.skip:
                while self.skip and self.skip.pop() != tag:
                    pass
            return
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._flush()
            self.mode = PARA
        elif tag == "pre":
            self._flush()
            self.pre = max(0, self.pre - 1)
        elif tag in _BLOCK_TAGS and not self.pre:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.buf.append(data)


def html_blocks(source: str) -> list[Block]:
    """Blocks of an HTML page; scripts, styles, navigation, headers and footers removed.

    >>> [(b.kind, b.text) for b in html_blocks("<h2>Intro</h2><p>Hello <b>there</b>.</p><div class=navfooter>Next</div>")]
    [('h', 'Intro'), ('p', 'Hello there.')]
    """
    parser = _HTMLText()
    parser.feed(source)
    parser.close()
    parser._flush()
    return parser.blocks
