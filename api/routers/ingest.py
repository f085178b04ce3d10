"""Ingestion over HTTP (admin): upload one contract file, loaded exactly as `ctfmon ingest` does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile

from api.deps import DB, require
from api.models import ERROR_RESPONSES, ErrorOut, IngestOut
from api.uploads import saved_upload
from engine import ingest
from engine.auth import User
from services import ingest as ingest_service

router = APIRouter(prefix="/ingest", tags=["ingest"], responses=ERROR_RESPONSES)

Admin = Annotated[User, Depends(require("ingest"))]


@router.post(
    "", response_model=IngestOut, summary="Upload and load one contract file (admin)",
    responses={413: {"model": ErrorOut, "description": "the file is larger than CTFMON_UPLOAD_MAX_MB"},
               422: {"model": ErrorOut, "description": "not a contract file name, or the file cannot be loaded"}},
)
def upload(
    db: DB,
    user: Admin,
    file: Annotated[UploadFile, File(description="CSV, Parquet or JSON Lines; the name's stem names the table")],
    table: Annotated[str | None, Form(max_length=64, description="table name when the file name does not say")] = None,
    upsert: Annotated[bool, Form(description="replace rows whose id exists with different content")] = False,
) -> IngestOut:
    with saved_upload(file, suffixes=tuple(ingest.FORMATS),
                      expected="a file named like TABLE.csv, TABLE.parquet or TABLE.jsonl") as (path, name):
        with db.writing() as con:
            result = ingest_service.ingest_file(con, path, table or None, actor=user.name, upsert=upsert,
                                                display_name=name)
    return IngestOut(**result.as_dict())
