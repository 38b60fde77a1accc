"""One app per user and home: a local socket (QLocalServer, never TCP) through which a second launch hands over its paths."""
from __future__ import annotations

import getpass
import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)
TIMEOUT_MS = 2000
MAX_MESSAGE = 1 << 20


def server_name(home: Path) -> str:
    """A socket name unique to this user and Lorafy home, e.g. ``lorafy-alice-3f2a...``."""
    user = "".join(c for c in getpass.getuser() if c.isalnum())[:32] or "user"
    digest = hashlib.sha256(str(Path(home).expanduser().resolve()).encode()).hexdigest()[:16]
    return f"lorafy-{user}-{digest}"


def hand_off(name: str, paths: list[Path], timeout_ms: int = TIMEOUT_MS) -> bool:
    """Send ``paths`` to a running instance; True once it acknowledged, False if none is listening."""
    sock = QLocalSocket()
    sock.connectToServer(name)
    if not sock.waitForConnected(timeout_ms):
        return False
    sock.write((json.dumps({"paths": [str(Path(p).resolve()) for p in paths]}) + "\n").encode())
    ok = sock.waitForBytesWritten(timeout_ms) and sock.waitForReadyRead(timeout_ms) and bytes(sock.readAll()).startswith(b"ok")
    sock.disconnectFromServer()
    return ok


class InstanceServer(QObject):
    """Listens on the per-user socket; emits ``pathsReceived`` (possibly empty: just show the window)."""

    pathsReceived = Signal(list)

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        """Start listening; a stale socket left by a crashed instance is removed first."""
        if self.server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        ok = self.server.listen(self.name)
        if not ok:
            log.warning("single-instance socket %s unavailable: %s", self.name, self.server.errorString())
        return ok

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)

    def _read(self, sock: QLocalSocket) -> None:
        if not sock.canReadLine():
            if sock.bytesAvailable() > MAX_MESSAGE:
                sock.abort()
            return
        try:
            paths = [Path(p) for p in json.loads(bytes(sock.readLine()).decode())["paths"]]
        except (ValueError, KeyError, TypeError) as e:
            log.warning("ignoring a malformed hand-off: %s", e)
            sock.abort()
            return
        sock.write(b"ok\n")
        sock.flush()
        self.pathsReceived.emit(paths)

    def close(self) -> None:
        self.server.close()
