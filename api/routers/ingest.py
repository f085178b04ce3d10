"""Ingestion over HTTP (admin): upload one contract file, loaded exactly as `ctfmon ingest` does."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile

from api.deps import DB, require
from api.models import IngestOut
from engine import audit, ingest
from engine.auth import User
from engine.errors import CtfmonError

router = APIRouter(prefix="/ingest", tags=["ingest"])

Admin = Annotated[User, Depends(require("ingest"))]
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@router.post("", response_model=IngestOut, summary="Upload and load one contract file (admin)")
def upload(
    db: DB,
    user: Admin,
    file: Annotated[UploadFile, File(description="CSV, Parquet or JSON Lines; the name's stem names the table")],
    table: Annotated[str | None, Form(max_length=64, description="table name when the file name does not say")] = None,
    upsert: Annotated[bool, Form(description="replace rows whose id exists with different content")] = False,
) -> IngestOut:
    name = Path(file.filename or "").name
    safe = _SAFE.sub("_", name).lstrip(".")
    if not safe or Path(safe).suffix.lower() not in ingest.FORMATS:
        raise CtfmonError(
            f"upload {name!r}: expected a file named like TABLE.csv, TABLE.parquet or TABLE.jsonl",
            http_status=422,
        )
    with tempfile.TemporaryDirectory(prefix="ctfmon-upload-") as tmp:
        path = Path(tmp) / safe
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        with db.writing() as con:
            result = ingest.ingest_file(con, path, table or None, upsert=upsert, display_name=name)
            audit.record(con, audit.AuditEvent(user.name, "ingest.file", "ingest_batch",
                                               str(result.batch_id), None, result.as_dict()))
    return IngestOut(**result.as_dict())
