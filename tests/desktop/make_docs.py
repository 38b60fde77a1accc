"""Small documents of every format Lorafy reads, built in memory for tests (no files outside tmp_path)."""
from __future__ import annotations

import io
import zipfile


def make_pdf(pages: list[str], encrypt: bool = False) -> bytes:
    """A minimal PDF (Helvetica text, one line per page); ``encrypt`` adds a standard-security /Encrypt dict."""
    n = len(pages)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{' '.join(f'{4 + 2 * i} 0 R' for i in range(n))}] /Count {n} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, text in enumerate(pages):
        stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
                    f"/Contents {5 + 2 * i} 0 R >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    trailer_extra = b""
    if encrypt:
        objs.append(b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -44 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> >>")
        trailer_extra = b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objs), b"01" * 16, b"01" * 16)
    out = b"%PDF-1.4\n"
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, trailer_extra, xref)
    return out


def make_docx(sections: list[tuple[str, str]], bomb_bytes: int = 0) -> bytes:
    """A .docx with (heading, paragraph) pairs; ``bomb_bytes`` adds a member of that many zeros (compresses ~1000x)."""
    import docx

    d = docx.Document()
    for head, para in sections:
        d.add_heading(head, level=1)
        d.add_paragraph(para)
    buf = io.BytesIO()
    d.save(buf)
    if not bomb_bytes:
        return buf.getvalue()
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/media/bomb.bin", bytes(bomb_bytes))
    return buf.getvalue()


def make_epub(chapters: list[tuple[str, str]]) -> bytes:
    """An EPUB 3 with one XHTML file per (title, paragraph) chapter, in spine order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" '
                   'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile '
                   'full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')
        items = "".join(f'<item id="c{i}" href="text/c{i}.xhtml" media-type="application/xhtml+xml"/>' for i in range(len(chapters)))
        spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
        z.writestr("OEBPS/content.opf", f'<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
                   f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Book</dc:title></metadata>'
                   f'<manifest>{items}</manifest><spine>{spine}</spine></package>')
        for i, (title, para) in enumerate(chapters):
            z.writestr(f"OEBPS/text/c{i}.xhtml", f'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
                       f"<head><title>{title}</title></head><body><h1>{title}</h1><p>{para}</p></body></html>")
    return buf.getvalue()
