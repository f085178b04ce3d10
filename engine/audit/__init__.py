"""The audit trail: an append-only log of every change made to cases, users, schedules,
typology parameters, scans and exports.

Each entry records who, when, what (an action on an object) and the object's state before
and after as JSON.  Entries form a keyed chain that only the holder of the audit key can
extend:

- every entry has a sequence number ``seq`` (1, 2, 3 ... without gaps) and ``entry_hash``,
  the HMAC-SHA-256 under the audit key of its content, its ``seq`` and the previous entry's
  ``entry_hash`` (kept in ``prev_hash``);
- a one-row ``audit_checkpoint`` holds the last ``seq`` and ``entry_hash`` (its own HMAC
  too), updated in the same transaction as every append.

So :func:`verify` finds an edited entry (its HMAC no longer matches, and without the key
it cannot be recomputed), a deleted one (a gap in ``seq``), the last entries removed (the
log ends before the checkpoint), a row appended by hand (after the checkpoint, with a
wrong HMAC) and a forged or deleted checkpoint.  An append that finds the log altered
records that first (``audit.altered``, with what it found) and continues the numbering
after the checkpoint, so later appends never hide a truncation.

The key (:func:`audit_key`): ``CTFMON_AUDIT_KEY`` when set; otherwise the file
``CTFMON_AUDIT_KEY_FILE``, by default ``DATABASE.audit-key`` beside the database file,
created with a random 256-bit key and permissions 0600 when the first entry is written.
An in-memory database uses a key held by the process.  Whoever holds the key can rewrite
the log undetectably, so keep it where those who can write the database cannot: set
``CTFMON_AUDIT_KEY`` from a secret store, or point ``CTFMON_AUDIT_KEY_FILE`` at a file
only the ctfmon service account reads.  A copy of the whole database (or of its
checkpoint row) put back over a newer one is only caught against a head recorded
elsewhere: ``ctfmon audit verify`` prints it.

The module offers no update or delete; the API exposes only ``GET /audit`` (auditor and
admin).  Writers are serialised (the API server holds one write lock; the CLI is one
process) because each entry reads the one before.

The package: :mod:`~engine.audit.log` (appending, listing, the tables),
:mod:`~engine.audit.seal` (the HMACs and the checkpoint), :mod:`~engine.audit.keys` and
:mod:`~engine.audit.verify`.
"""

from engine.audit.keys import KEY_MIN_CHARS, audit_key, database_file, key_file, key_id
from engine.audit.log import CSV_COLUMNS, DDL, distinct_values, list_entries, record, record_many, to_csv
from engine.audit.seal import GENESIS, AuditEvent
from engine.audit.verify import ChainReport, seal_legacy, verify, verify_chain

__all__ = [
    "CSV_COLUMNS", "DDL", "GENESIS", "distinct_values", "to_csv", "KEY_MIN_CHARS", "AuditEvent", "ChainReport", "audit_key", "database_file", "key_file",
    "key_id", "list_entries", "record", "record_many", "seal_legacy", "verify", "verify_chain",
]
