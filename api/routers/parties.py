"""Parties: a party's risk rating and its history."""

from __future__ import annotations

from fastapi import APIRouter, Query

from api.deps import Con, Reader
from api.models import ERROR_RESPONSES, PartyRisk
from engine import risk

router = APIRouter(prefix="/parties", tags=["parties"], responses=ERROR_RESPONSES)


@router.get("/{party_id}/risk", response_model=PartyRisk,
            summary="A party's risk rating with each factor's contribution, and its rating history")
def party_risk(party_id: str, con: Con, _user: Reader,
               history: int = Query(50, ge=1, le=1000, description="most history rows, newest first")) -> PartyRisk:
    return PartyRisk(**risk.party_risk(con, party_id, history=history))
