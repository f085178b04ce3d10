"""Search: one query over party names (fuzzy), party, account, transaction, declaration,
trade and case ids and document numbers (:mod:`services.search`)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Con, Reader
from api.models import ERROR_RESPONSES
from services import search

router = APIRouter(tags=["search"], responses=ERROR_RESPONSES)

Kind = Literal["party", "account", "document", "transaction", "declaration", "trade_document", "case"]
assert tuple(Kind.__args__) == search.KINDS  # type: ignore[attr-defined]


class SearchHit(BaseModel):
    """One result; ``url`` is the analyst page to open (the party's, or the case's)."""

    kind: Kind
    id: str = Field(description="id of what was found")
    label: str = Field(description="a name, or who is on either side")
    score: float = Field(ge=0, le=1, description="1 = exact id or name")
    match: str = Field(description="how it matched, in words")
    party_id: str | None = Field(description="the party it belongs to (a transaction: the sending side on file)")
    party_name: str | None
    other_party_id: str | None = Field(description="a transaction's or trade's other side, when on file")
    detail: str
    url: str | None


class SearchOut(BaseModel):
    query: str
    items: list[SearchHit] = Field(description="best first")


@router.get("/search", response_model=SearchOut,
            summary="Search parties by name (fuzzy), ids of parties, accounts, transactions, declarations, "
                    "trade documents and cases, and document numbers")
def search_all(con: Con, _user: Reader,
               q: str = Query(..., max_length=search.MAX_QUERY, description="a name, an id or a document number"),
               limit: int = Query(20, ge=1, le=search.MAX_LIMIT),
               kind: list[Kind] | None = Query(None, description="only these kinds (repeat the parameter)"),
               ) -> SearchOut:
    hits = search.search(con, q, limit=limit, kinds=tuple(kind) if kind else search.KINDS)
    return SearchOut(query=q.strip(), items=[SearchHit(**h.as_dict()) for h in hits])
