"""The indexer's job runner: claim a queued file, read and check its bytes, parse them in the sandbox, teach, record.

Jobs run one at a time on the indexer's thread (or the caller's, for one-shot runs): the bytes are read again and
must still hash to what was queued, the sandbox parses them, the model owner teaches the text and the queue commits
the outcome (indexed, refused, or failed and retried up to ``max_attempts``). Qt-free.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from desktop.ingest.filecheck import failure_reason, read_hashed
from desktop.ingest.parsers import ParseRefused
from desktop.ingest.queue import Job, display_path
from desktop.ingest.sandbox import parse_in_sandbox
from desktop.names import name_from
from desktop.store.library import Item, Provenance

log = logging.getLogger(__name__)


class JobRunner:
    """Running jobs, mixed into :class:`desktop.ingest.watch.Indexer`.

    Uses the indexer's ``queue``, ``cfg`` and ``owner``, its ``hint``, ``_emit``, ``_report_progress`` and
    ``_forget_orphans``, and sets ``_current`` and ``_progress`` (shown by its ``status``) while a job runs."""

    def _work_one(self, document_ids: list[int] | None) -> bool:
        job = self.queue.claim(self.cfg.max_attempts, document_ids)
        if job is None:
            return False
        self._current, self._progress = display_path(job.path), None
        try:
            self._run_job(job)
        finally:
            self._current, self._progress = None, None
        return True

    def _run_job(self, job: Job) -> None:
        self._emit("started", job.path)
        try:
            data, sha = read_hashed(job.path, self.cfg.limits.max_bytes)
        except FileNotFoundError:
            self.queue.cancel(job, "the file was deleted")
            self.hint(job.path, 0.0)
            return
        except ParseRefused as e:
            return self._refuse(job, str(e))
        except OSError as e:
            return self._refuse(job, f"cannot read the file ({e.strerror or e}); check its permissions")
        if sha != job.content_sha256:
            self.queue.cancel(job, "the file changed")
            self.hint(job.path, 0.0)
            return
        try:
            doc = parse_in_sandbox(data, display_path(job.path), self.cfg.limits)
        except ParseRefused as e:
            return self._refuse(job, str(e))
        self._teach(job, doc)

    def _teach(self, job: Job, doc) -> None:
        name = job.name or name_from(Path(display_path(job.path)).stem)
        prov = Provenance(job.content_sha256, job.pipeline, doc.sections, self.queue.committer(job))

        def progress(done: int, total: int) -> None:
            self._report_progress(job.path, done, total)

        try:
            item: Item = self.owner.call(lambda svc: svc.teach_text(doc.text, name, "memory", display_path(job.path),
                                                                    progress, provenance=prov))
        except ValueError as e:  # nothing teachable (e.g. only whitespace after parsing)
            return self._refuse(job, str(e))
        except Exception as e:
            log.exception("teaching %s failed", display_path(job.path))
            reason = failure_reason(e)
            retry = self.queue.fail(job, reason, self.cfg.max_attempts)
            self._emit("failed", job.path, reason=reason + (" (will retry)" if retry else ""))
            return
        self._emit("indexed", job.path, item_id=item.id)
        self._forget_orphans(replaced_by=item.id)
        if not os.path.lexists(job.path):  # deleted while it was parsed or taught: its grace period starts now
            self.hint(job.path, 0.0)

    def _refuse(self, job: Job, reason: str) -> None:
        self.queue.refuse(job, reason)
        self._emit("refused", job.path, reason=reason)
