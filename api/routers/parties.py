"""Parties: everything on file about a party (its 360 view), its risk rating and history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Con, Reader
from api.models import ERROR_RESPONSES, PartyRisk
from engine import risk
from services import party360

router = APIRouter(prefix="/parties", tags=["parties"], responses=ERROR_RESPONSES)


class PartyView(BaseModel):
    """One party with everything the party page shows (:mod:`services.party360`); money in the base currency."""

    party: dict[str, Any] = Field(description="every attribute of the party row (is_pep, npo_*, country, ...)")
    risk: dict[str, Any] = Field(description="current rating (tier, score, factors; null until rated) and history")
    accounts: list[dict[str, Any]] = Field(description="with transactions, total_in and total_out")
    monthly: dict[str, Any] = Field(description="rows (month, in, out, peer_in, peer_out), baseline_in/out, "
                                                "peer_group, peer_parties")
    counterparties: list[dict[str, Any]] = Field(description="ranked by value in + out")
    alerts: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    declarations: list[dict[str, Any]]
    trade_documents: list[dict[str, Any]]
    neighbourhood: dict[str, Any] | None = Field(description="2-hop money-flow neighbourhood; null without accounts")


@router.get("/{party_id}", response_model=PartyView, summary="A party's 360 view")
def party_view(party_id: str, con: Con, _user: Reader,
               neighbourhood: bool = Query(True, description="include the 2-hop neighbourhood")) -> PartyView:
    return PartyView(**party360.party_360(con, party_id, neighbourhood=neighbourhood))


@router.get("/{party_id}/risk", response_model=PartyRisk,
            summary="A party's risk rating with each factor's contribution, and its rating history")
def party_risk(party_id: str, con: Con, _user: Reader,
               history: int = Query(50, ge=1, le=1000, description="most history rows, newest first")) -> PartyRisk:
    return PartyRisk(**risk.party_risk(con, party_id, history=history))
