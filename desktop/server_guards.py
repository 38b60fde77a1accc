"""Checks on raw requests and connections: loopback addresses, local Host/Origin, JSON depth, key bytes, a gone client.

Guards of :mod:`desktop.server` against other machines (a loopback bind only), web pages (DNS rebinding and
cross-origin requests) and hostile bodies (nesting that would exhaust a recursive parser); stdlib only.
"""
from __future__ import annotations

import ipaddress
import select
import socket
from urllib.parse import urlsplit

MAX_JSON_DEPTH = 64  # deeper request bodies are refused (400) before anything walks them
LOCAL_HOSTNAMES = ("127.0.0.1", "localhost", "::1")


def check_loopback(host: str) -> str:
    """``host`` if it is a literal loopback address (127.0.0.0/8 or ::1); ValueError otherwise.

    >>> check_loopback("127.0.0.1")
    '127.0.0.1'
    """
    try:
        ok = ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"lorafy serve listens on loopback only (127.0.0.1 or ::1), not {host!r}: "
                         "other machines must never reach your memories")
    return host


def host_is_local(host_header: str | None) -> bool:
    """Whether a Host header names this machine (guards against DNS rebinding from web pages).

    >>> host_is_local("localhost:7745"), host_is_local("[::1]:80"), host_is_local("evil.example:7745")
    (True, True, False)
    """
    if not host_header:
        return True  # HTTP/1.0 clients may send none
    host = host_header.strip()
    host = host[1:host.index("]")] if host.startswith("[") and "]" in host else host.rsplit(":", 1)[0]
    return host.lower() in LOCAL_HOSTNAMES or (host.startswith("127.") and _is_loopback(host))


def origin_is_local(origin: str | None) -> bool:
    """Whether a browser's Origin header is a page served from this machine (absent: not a browser request).

    >>> origin_is_local(None), origin_is_local("http://localhost:3000"), origin_is_local("https://evil.example")
    (True, True, False)
    >>> origin_is_local("null"), origin_is_local("http://127.0.0.1.evil.example")
    (False, False)
    """
    if origin is None:
        return True
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = parts.hostname.lower()
    return host in LOCAL_HOSTNAMES or _is_loopback(host)


def json_depth_ok(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the brackets of a JSON text nest at most ``limit`` deep (strings skipped); linear, no recursion.

    >>> json_depth_ok(b'[[["]]]]]]"]]]', 3), json_depth_ok(b"[" * 5 + b"]" * 5, 4)
    (True, False)
    """
    depth, in_str, esc = 0, False, False
    for b in raw:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:
                esc = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return False
        elif b in (0x5D, 0x7D):
            depth -= 1
    return True


def client_gone(sock: socket.socket) -> bool:
    """Whether the peer closed its end (readable with nothing to read), without consuming any bytes."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def key_bytes(header_value: str) -> bytes:
    """A header value as the bytes the client sent (http.server decodes headers as Latin-1)."""
    try:
        return header_value.encode("latin-1")
    except UnicodeEncodeError:
        return header_value.encode("utf-8", errors="surrogateescape")


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
