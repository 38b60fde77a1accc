"""The PySide6 desktop app's widgets and Qt glue (chat view, library panel, teach box, tray, settings, single instance)."""
