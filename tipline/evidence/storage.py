"""Where evidence files live: one interface, local disk outside every served folder by default."""

import os
import secrets
from pathlib import Path

from flask import current_app


class StorageError(RuntimeError):
    """The storage is misconfigured or a key is invalid."""


class LocalStorage:
    """Files on local disk under random names, two levels of fan-out."""

    def __init__(self, root):
        self.root = Path(root).resolve()

    def _path(self, key):
        if len(key) != 32 or not all(c in "0123456789abcdef" for c in key):
            raise StorageError(f"not a storage key: {key!r}")
        return self.root / key[:2] / key

    def save(self, data):
        """Store bytes under a new random key and return the key."""
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        # Owner-only, written whole then renamed, so a reader never sees half a file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
        return key

    def read(self, key):
        """The bytes stored under a key."""
        return self._path(key).read_bytes()

    def path(self, key):
        """The file behind a key, for tools that need a path."""
        return self._path(key)

    def delete(self, key):
        """Remove a stored file; a missing one is not an error."""
        self._path(key).unlink(missing_ok=True)


def check_not_served(app, upload_dir):
    """Refuse an upload folder inside a folder the web server serves."""
    upload = Path(upload_dir).resolve()
    served = [Path(app.static_folder).resolve()] if app.static_folder else []
    for folder in served:
        if upload == folder or folder in upload.parents:
            raise StorageError(f"UPLOAD_DIR {upload} is inside the served folder {folder}")


def evidence_storage():
    """The app's evidence storage."""
    return current_app.extensions["tipline_storage"]


QUARANTINE = "quarantine"  # no key is this name, so quarantined files never share a folder with clean ones


def quarantine_storage():
    """Where uploads wait, as sent, for the check job to clean them: inside UPLOAD_DIR, never served."""
    return LocalStorage(evidence_storage().root / QUARANTINE)
