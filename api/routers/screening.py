"""Sanctions screening: match names against the active lists; the loaded list versions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from api.deps import DB, Con, Reader, Typologies, require
from api.models import ERROR_RESPONSES, ErrorOut, UtcDatetime
from api.uploads import saved_upload
from engine.auth import User
from engine.screening import change_report, changes, lists, service
from engine.screening.matcher import DEFAULT_THRESHOLD
from services import lists as list_service

router = APIRouter(prefix="/screening", tags=["screening"], responses=ERROR_RESPONSES)

ListLoader = Annotated[User, Depends(require("lists.load"))]


class MatchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=500, description="name to screen, any script")
    birth_date: str | None = Field(None, description="YYYY-MM-DD or YYYY", examples=["1937-04-28"])
    nationality: str | None = Field(None, description="ISO 3166-1 alpha-2 (or a country name)")
    document_number: str | None = Field(None, description="passport or id number")
    entity_type: Literal["person", "entity", "vessel"] | None = Field(None, description="what the name is of")


class MatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queries: list[MatchQuery] = Field(min_length=1, max_length=1000)
    threshold: float = Field(DEFAULT_THRESHOLD, ge=0.0, le=1.0, description="score from which a candidate matches")
    limit: int = Field(10, ge=1, le=100, description="candidates per query")


class Candidate(BaseModel):
    list_name: str
    reference: str = Field(description="the list's reference number of the designation")
    entry_type: Literal["person", "entity", "vessel"]
    primary_name: str
    matched_name: str = Field(description="the list name (primary, alias or original script) that matched best")
    name_kind: str
    name_quality: str
    name_score: float
    score: float = Field(description="0..1, name score moved by the qualifiers")
    match: bool = Field(description="score >= threshold")
    name_rarity: float = Field(0.0, description="identity the agreeing name tokens carry (sum of their rarity weights)")
    name_only_common_tokens: bool = Field(
        False, description="the name agrees only on common tokens and no qualifier agrees: not a match on its own")
    explanation: str
    features: dict[str, Any] = Field(description="per-feature breakdown: name alignment, birth date, ...")


class QueryResult(BaseModel):
    query: MatchQuery
    matched: bool = Field(description="any candidate at or above the threshold")
    candidates: list[Candidate]


class MatchResponse(BaseModel):
    threshold: float
    results: list[QueryResult]


class ListVersionOut(BaseModel):
    version_id: int
    list_name: str
    source_format: str
    file: str
    generated_at: UtcDatetime | None
    content_hash: str
    loaded_at: UtcDatetime
    entries: int
    persons: int
    entities: int
    names: int
    active: bool


@router.post("/match", response_model=MatchResponse, summary="Screen names against the active lists")
def match(body: MatchRequest, con: Con, _user: Reader) -> MatchResponse:
    queries = [
        service.make_query(
            q.name, birth_date=q.birth_date, nationality=q.nationality, document_number=q.document_number,
            entry_type=q.entity_type,
        )
        for q in body.queries
    ]
    ranked = service.match(con, queries, threshold=body.threshold, limit=body.limit)
    results: list[QueryResult] = []
    for q, cands in zip(body.queries, ranked, strict=True):
        out = [
            Candidate(
                list_name=c.list_name, reference=c.reference, entry_type=c.entry_type,  # type: ignore[arg-type]
                primary_name=c.primary_name, matched_name=c.matched_name, name_kind=c.name_kind,
                name_quality=c.name_quality, name_score=c.name_score, score=c.score,
                match=c.score >= body.threshold, name_rarity=c.name_rarity,
                name_only_common_tokens=c.name_only_common_tokens, explanation=c.explanation(), features=c.features,
            )
            for c in cands
        ]
        results.append(QueryResult(query=q, matched=any(c.match for c in out), candidates=out))
    return MatchResponse(threshold=body.threshold, results=results)


@router.get("/lists", response_model=list[ListVersionOut], summary="Loaded list versions (active marked)")
def get_lists(con: Con, _user: Reader) -> list[ListVersionOut]:
    return [ListVersionOut(**r) for r in lists.list_versions(con).iter_rows(named=True)]


class EntryChangeOut(BaseModel):
    reference: str
    change: Literal["new", "amended", "removed"]
    fields: list[str] = Field(description="for an amended entry: names, birth_dates, nationalities, documents")
    listed_on: str | None
    alerts: list[str] = Field(description="alerts the change raised when the new version was loaded")
    cases_flagged: list[str] = Field(description="open SAN cases flagged for review (a removed entry)")


class ListDiffOut(BaseModel):
    old: int
    new: int
    added: list[str]
    removed: list[str]
    changed: list[str] = Field(description="same reference, different content (any field)")
    recorded: bool = Field(False, description="the new version was loaded over the old one, so what each "
                                              "change caused is known")
    changes: list[EntryChangeOut] = Field(description="sanctions lists: new, amended and removed entries")


@router.get("/lists/{old}/diff/{new}", response_model=ListDiffOut,
            summary="What changed between two list versions, and what each change caused")
def get_list_diff(con: Con, _user: Reader, old: int, new: int) -> ListDiffOut:
    return ListDiffOut(**changes.diff_report(con, old, new))


class ChangeAlertOut(BaseModel):
    alert_id: str
    typology_id: str
    subject_type: str
    subject_id: str
    score: float
    query_name: str | None
    matched_name: str | None
    payments_after_listing: int = Field(description="matched payments on or after the listing date (freeze first)")
    payments_before_listing: int
    total_after_listing: float
    total_before_listing: float
    declarations_after_listing: int
    declarations_before_listing: int
    case_id: str | None = Field(description="the case the alert is in")


class VersionChangeOut(BaseModel):
    reference: str
    name: str | None
    change: Literal["new", "amended", "removed"]
    fields: list[str]
    listed_on: str | None
    alerts: list[ChangeAlertOut]
    cases_flagged: list[str]
    payments_after_listing: int
    total_after_listing: float
    payments_before_listing: int
    total_before_listing: float


class VersionChangesOut(BaseModel):
    version: dict[str, Any]
    previous_version_id: int | None
    recorded: bool = Field(description="the version was loaded over an earlier one (its changes were screened)")
    counts: dict[str, int]
    alerts_raised: int
    cases_flagged: list[str]
    changes: list[VersionChangeOut]


@router.get("/lists/{version_id}/changes", response_model=VersionChangesOut,
            summary="A loaded version's changes and what each caused (alerts, payments around the listing, cases)")
def get_version_changes(con: Con, _user: Reader, version_id: int) -> VersionChangesOut:
    return VersionChangesOut(**change_report.version_changes(con, version_id))


class EntryName(BaseModel):
    name: str
    kind: str = Field(description="primary, alias or original_script")
    quality: str = Field(description="good or low (a weak alias)")


class EntryOut(BaseModel):
    list_name: str
    reference: str
    entry_type: Literal["person", "entity", "vessel"]
    primary_name: str
    names: list[EntryName]
    birth_dates: list[str] = Field(description="YYYY-MM-DD, YYYY, ~ for approximate, FROM-TO for a range")
    nationalities: list[str]
    documents: list[dict[str, str]]
    addresses: list[str]
    places_of_birth: list[str]
    program: str | None
    listed_on: str | None
    reason: str | None = Field(description="the list's narrative of the designation")


class FeatureRow(BaseModel):
    feature: Literal["name", "birth_date", "nationality", "document", "entry_type"]
    query: Any = Field(description="the query's value (null when not given)")
    list: Any = Field(description="the list entry's value(s)")
    outcome: Literal["agree", "disagree", "unknown"]
    detail: str = ""
    score: float | None = None


class NameScore(BaseModel):
    name: str
    kind: str
    quality: str
    name_score: float
    method: str


class EntryComparison(BaseModel):
    entry: EntryOut
    query: dict[str, Any] | None
    threshold: float
    comparison: list[FeatureRow] = Field(description="each feature side by side, agree / disagree / unknown")
    score: float | None = None
    match: bool | None = None
    name_rarity: float | None = None
    name_only_common_tokens: bool | None = None
    explanation: str | None = None
    names: list[NameScore] = Field(default_factory=list, description="every listed name scored alone")
    features: dict[str, Any] = Field(default_factory=dict)


@router.get(
    "/entries/{list_name}/{reference}", response_model=EntryComparison,
    summary="A list entry side by side with a query (omit name for the entry alone)",
)
def get_entry(
    list_name: str,
    reference: str,
    con: Con,
    _user: Reader,
    name: str | None = Query(None, min_length=1, max_length=500, description="name to compare, any script"),
    birth_date: str | None = Query(None, description="YYYY-MM-DD or YYYY"),
    nationality: str | None = Query(None, description="ISO 3166-1 alpha-2 (or a country name)"),
    document_number: str | None = Query(None, description="passport, id or IMO number"),
    entity_type: Literal["person", "entity", "vessel"] | None = Query(None),
    threshold: float = Query(DEFAULT_THRESHOLD, ge=0.0, le=1.0),
) -> EntryComparison:
    query = None
    if name is not None:
        query = service.make_query(name, birth_date=birth_date, nationality=nationality,
                                   document_number=document_number, entry_type=entity_type)
    out = service.compare_entry(con, list_name, reference, query, threshold=threshold)
    return EntryComparison(**out)


class ListLoadOut(BaseModel):
    version_id: int
    list_name: str
    entries: int
    persons: int
    entities: int
    names: int
    content_hash: str
    already_loaded: bool = Field(description="the same file was loaded before: that version is active again")
    previous_version_id: int | None
    added: int
    removed: int
    changed: int
    source_format: str = Field("", description="un-xml, csv (sanctions) or documents-csv (travel documents)")
    rescreen_scan_id: str | None = Field(description="the scan re-screening everything: SAN-01/SAN-02 for a "
                                                     "sanctions list, TF-DOC-01 for a travel document list")
    changes: list[EntryChangeOut] = Field(default_factory=list, description="a new version of a sanctions list: "
                                          "new, amended and removed entries and what each caused")


@router.post(
    "/lists", response_model=ListLoadOut,
    summary="Load a sanctions or travel document list file as the new active version (admin)",
    responses={409: {"model": ErrorOut, "description": "the file would drop more of the active entries than allowed; "
                                    "send confirm=true if intended"},
               413: {"model": ErrorOut, "description": "the file is larger than CTFMON_UPLOAD_MAX_MB"},
               400: {"model": ErrorOut, "description": "malformed list file (the message names the line)"},
               422: {"model": ErrorOut, "description": "not a .xml or .csv file"}},
)
def load_list(
    db: DB,
    user: ListLoader,
    catalogue: Typologies,
    file: Annotated[UploadFile, File(description="UN Consolidated List XML, a list CSV or a travel document list CSV")],
    name: Annotated[str | None, Form(max_length=64, description="list name (default UN, or the CSV's stem)")] = None,
    list_format: Annotated[
        Literal["un-xml", "csv", "documents-csv"] | None,
        Form(alias="format", description="un-xml, csv or documents-csv (lost/stolen/invalid travel documents); "
                                         "default: from the extension and, for a CSV, its header"),
    ] = None,
    confirm: Annotated[bool, Form(description="load although it drops more than list_max_drop_share")] = False,
    rescreen: Annotated[bool, Form(description="re-screen parties and payments (SAN-01, SAN-02)")] = True,
    lookback_days: Annotated[int | None, Form(gt=0, description="history screened for new and amended entries "
                                                                "(default: all loaded history)")] = None,
) -> ListLoadOut:
    with saved_upload(file, suffixes=(".xml", ".csv", ".txt"),
                      expected="a UN list .xml or a list .csv") as (path, shown), db.writing() as con:
        loaded = list_service.load_list(con, catalogue, path, actor=user.name, triggered_by=f"api:{user.name}",
                                        fmt=list_format, list_name=name or None, confirm=confirm, display_name=shown,
                                        rescreen=rescreen, lookback_days=lookback_days)
    res = loaded.loaded
    scan_id = loaded.rescreen.result.scan_id if loaded.rescreen is not None else None
    changes = {k: len(v) for k, v in res.diff.items()}
    return ListLoadOut(**{k: v for k, v in asdict(res).items() if k != "diff"}, added=changes.get("added", 0),
                       removed=changes.get("removed", 0), changed=changes.get("changed", 0),
                       rescreen_scan_id=scan_id,
                       changes=[EntryChangeOut(reference=c.reference, change=c.change, fields=c.fields,
                                               listed_on=c.listed_on, alerts=sorted(set(c.alert_ids)),
                                               cases_flagged=c.case_ids) for c in loaded.changes])
