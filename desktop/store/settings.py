"""The app's settings: one frozen dataclass, read from and written to ``settings.json`` in the Lorafy home (0600, atomic).

This is the only module that reads or writes the file. Unknown keys are
ignored and missing ones take their defaults, so an older or newer file still
loads; a damaged file is refused with a message rather than overwritten.

>>> s = Settings(max_file_mb=5)
>>> Settings.from_dict(s.to_dict()) == s
True
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from engine.core.atomic import atomic_write_bytes

SETTINGS_FILE = "settings.json"
SETTINGS_SCHEMA_VERSION = 1


class SettingsError(ValueError):
    """settings.json is damaged or holds an invalid value."""


@dataclass(frozen=True)
class Settings:
    """What the user can change in the app's settings dialog (plus the library panel's per-item state)."""

    base_path: str | None = None  # None = the embedded SmolLM2-135M-Instruct; else a llama GGUF path
    watched_folders: tuple[str, ...] = ()
    gpu_offload: bool = True
    max_file_mb: float = 20.0  # larger files are refused by the teach queue with a reason
    disabled: tuple[str, ...] = ()  # item ids the user disabled (never activated)
    active: tuple[str, ...] = ()  # item ids checked in the library panel (active for the next answer)
    auto: bool = True  # each question also activates the memories that match it best (desktop.service.Lorafy.with_auto)

    def __post_init__(self) -> None:
        if not 0 < self.max_file_mb <= 10_000:
            raise SettingsError(f"max_file_mb must be in (0, 10000], got {self.max_file_mb}")
        if self.base_path is not None and not str(self.base_path).strip():
            raise SettingsError("base_path is empty; use null for the embedded base")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def to_dict(self) -> dict:
        return {"schema_version": SETTINGS_SCHEMA_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, raw: dict) -> "Settings":
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in raw.items() if k in known}
        for key in ("watched_folders", "disabled", "active"):
            if key in kw:
                kw[key] = tuple(str(x) for x in kw[key])
        try:
            return cls(**kw)
        except TypeError as e:
            raise SettingsError(f"invalid settings: {e}") from e

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def load_settings(home: Path) -> Settings:
    """The settings in ``home`` (defaults if the file does not exist yet)."""
    path = Path(home) / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        raw = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise SettingsError(f"{path}: settings file is damaged ({e}); fix or move it away to use the defaults") from e
    if not isinstance(raw, dict):
        raise SettingsError(f"{path}: settings file is not a JSON object; fix or move it away")
    return Settings.from_dict(raw)


def save_settings(home: Path, settings: Settings) -> Path:
    """Write ``settings`` to ``home/settings.json`` atomically with mode 0600."""
    data = (json.dumps(settings.to_dict(), indent=1) + "\n").encode()
    return atomic_write_bytes(Path(home) / SETTINGS_FILE, data, mode=0o600)
