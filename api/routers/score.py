"""Real-time scoring: a transaction or a cash declaration decided while it is in flight.

``POST /score/transaction`` (one), ``POST /score/transactions`` (many, read in order) and
``POST /score/declaration`` answer ``allow`` / ``review`` / ``block`` with the reasons and the
typologies that fired; every decision is kept (``GET /score/decisions``).  The record is
checked with the ingest rules (422 naming the field); with ``"record": true`` it is also
stored as ingest would store it.  Scoring is for the roles that run scans; recording a
record also needs the ingest permission.  The work is :mod:`services.realtime`.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field

from api.deps import Con, Reader, TokenCache, bearer
from api.models import ERROR_RESPONSES
from engine import auth
from engine.auth import User
from engine.realtime import decisions
from services.realtime import Scorer

router = APIRouter(prefix="/score", tags=["score"], responses=ERROR_RESPONSES)



async def scoring_user(request: Request,
                       creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> User:
    """The caller, who must hold ``scan.run`` (401/403 as :func:`api.deps.current_user` and
    :func:`api.deps.require`).  Async, unlike those: a scoring request then never waits for a
    worker thread of the pool, which under load costs more than the decision itself."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    cache: TokenCache = request.app.state.token_cache
    user = cache.get(creds.credentials)
    if user is None:
        with request.app.state.db.reading() as cur:
            user = auth.authenticate(cur, creds.credentials)
        if user is None:
            raise HTTPException(401, "invalid or revoked token", headers={"WWW-Authenticate": "Bearer"})
        cache.put(creds.credentials, user)
    if not user.can("scan.run"):
        allowed = ", ".join(auth.roles_for("scan.run"))
        raise HTTPException(403, f"role {user.role} may not do this; allowed: {allowed}")
    return user


Scoring = Annotated[User, Depends(scoring_user)]


class TransactionIn(BaseModel):
    transaction: dict[str, Any] = Field(description="one transaction in the data contract's shape")
    record: bool = Field(False, description="also store the transaction (as ingest would); needs the ingest role")


class TransactionsIn(BaseModel):
    transactions: list[dict[str, Any]] = Field(min_length=1, max_length=1000,
                                               description="transactions in the contract's shape, read in order")
    record: bool = Field(False, description="also store the transactions (all or none)")


class DeclarationIn(BaseModel):
    declaration: dict[str, Any] = Field(description="one cash declaration in the data contract's shape")
    record: bool = Field(False, description="also store the declaration (as ingest would); needs the ingest role")


class HitOut(BaseModel):
    typology_id: str
    action: str = Field(description="review or block")
    subject_type: str
    subject_id: str
    score: float
    reason: str
    evidence: list[str]
    details: dict[str, Any]


class DecisionOut(BaseModel):
    decision_id: str
    kind: str = Field(description="transaction or declaration")
    record_id: str
    verdict: str = Field(description="allow, review or block")
    fired: list[str] = Field(description="typologies that fired")
    reasons: list[str]
    hits: list[HitOut]
    recorded: bool = Field(description="the record was stored by this request")
    already_on_file: bool | None = Field(None, description="with record: the same record was already on file")
    risk_tiers: dict[str, str] = Field(default_factory=dict, description="risk tier of each party involved")
    latency_ms: float = Field(description="from receipt to verdict, milliseconds")


class DecisionsOut(BaseModel):
    decisions: list[DecisionOut]


class StoredDecision(BaseModel):
    decision_id: str
    decided_at: Any
    kind: str
    record_id: str
    actor: str
    verdict: str
    fired: list[str]
    reasons: list[str]
    hits: list[dict[str, Any]]
    inputs: dict[str, Any]
    rule_versions: dict[str, Any]
    recorded: bool
    latency_ms: float


async def get_scorer(request: Request) -> Scorer:
    return request.app.state.scorer


ScorerDep = Annotated[Scorer, Depends(get_scorer)]


def _may_record(user: User, record: bool) -> None:
    if record and not user.can("ingest"):
        allowed = ", ".join(auth.roles_for("ingest"))
        raise HTTPException(403, f"role {user.role} may score but not record; recording needs: {allowed}")


async def _score(scorer: Scorer, kind: str, items: list[dict[str, Any]], record: bool, user: User,
                 many: bool) -> list[dict[str, Any]]:
    _may_record(user, record)
    fut = scorer.submit(kind, items, record=record, actor=user.name, many=many)
    return await asyncio.wrap_future(fut)


@router.post("/transaction", response_model=DecisionOut,
             summary="Decide one transaction now: allow, review or block, with the reasons")
async def score_transaction(body: TransactionIn, user: Scoring, scorer: ScorerDep) -> dict[str, Any]:
    return (await _score(scorer, "transaction", [body.transaction], body.record, user, False))[0]


@router.post("/transactions", response_model=DecisionsOut,
             summary="Decide several transactions, in order (each sees the ones before it)")
async def score_transactions(body: TransactionsIn, user: Scoring, scorer: ScorerDep) -> dict[str, Any]:
    return {"decisions": await _score(scorer, "transaction", body.transactions, body.record, user, True)}


@router.post("/declaration", response_model=DecisionOut,
             summary="Decide one cash declaration now (TF-DOC-01: listed or shared travel documents)")
async def score_declaration(body: DeclarationIn, user: Scoring, scorer: ScorerDep) -> dict[str, Any]:
    return (await _score(scorer, "declaration", [body.declaration], body.record, user, False))[0]


@router.get("/decisions", response_model=list[StoredDecision], summary="Recent decisions, newest first")
def list_decisions(con: Con, _user: Reader, scorer: ScorerDep, record_id: str | None = None,
                   verdict: str | None = Query(None, pattern="^(allow|review|block)$"),
                   limit: int = Query(100, ge=1, le=1000)) -> list[dict[str, Any]]:
    scorer.flush()  # decisions are written just behind the answers: read them all
    return decisions.recent(con, record_id=record_id, verdict=verdict, limit=limit)


@router.get("/decisions/{decision_id}", response_model=StoredDecision, summary="One decision with its inputs")
def get_decision(decision_id: str, con: Con, _user: Reader, scorer: ScorerDep) -> dict[str, Any]:
    scorer.flush()
    return decisions.get(con, decision_id)
