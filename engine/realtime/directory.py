"""What a real-time decision knows about accounts and parties, held in memory.

Loaded from the database in a few set-based queries (:func:`load`) and replaced whole when
the data on file change (see :mod:`services.realtime`).  Accounts resolve as the scan view
``scan_accounts`` does: the owning party is the subject, an account on file without an
owner is its own subject, an account not on file is external.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from engine import reference


@dataclass(frozen=True)
class Account:
    account_id: str
    party_id: str | None
    party_type: str | None
    country: str | None

    @property
    def subject(self) -> tuple[str, str]:
        return ("party", self.party_id) if self.party_id else ("account", self.account_id)


@dataclass(frozen=True)
class Party:
    party_id: str
    party_type: str
    name: str
    own_names: frozenset[str]  # name and alternative names, upper case, trimmed
    date_of_birth: date | None
    alt_names: tuple[str, ...]
    npo_countries: frozenset[str]


@dataclass(frozen=True)
class Tier:
    tier: str
    score: float
    weights_version: str
    run_id: str


@dataclass
class Directory:
    accounts: dict[str, Account] = field(default_factory=dict)
    parties: dict[str, Party] = field(default_factory=dict)
    tiers: dict[str, Tier] = field(default_factory=dict)
    #: country -> (category, weight) of the jurisdiction risk file
    jurisdictions: dict[str, tuple[str, float]] = field(default_factory=dict)
    risk_run: str | None = None

    def account(self, account_id: str | None) -> Account | None:
        return self.accounts.get(account_id) if account_id else None


def _own(name: str | None, alts: list[str] | None) -> frozenset[str]:
    out = {name.strip().upper()} if name else set()
    out.update(a.strip().upper() for a in alts or () if a)
    return frozenset(out)


def load(con: duckdb.DuckDBPyConnection) -> Directory:
    d = Directory()
    for pid, ptype, name, alts, dob, npo in con.execute(
            "SELECT party_id, party_type, name, alt_names, date_of_birth, npo_operating_countries FROM parties"
    ).fetchall():
        d.parties[pid] = Party(pid, ptype, name, _own(name, alts), dob, tuple(alts or ()), frozenset(npo or ()))
    for aid, pid, country in con.execute("SELECT account_id, party_id, country FROM accounts").fetchall():
        p = d.parties.get(pid) if pid else None
        d.accounts[aid] = Account(aid, pid if p else None, p.party_type if p else None, country)
    for pid, tier, score, wv, run in con.execute(
            "SELECT party_id, tier, score, weights_version, run_id FROM party_risk_current").fetchall():
        d.tiers[pid] = Tier(tier, float(score), wv, run)
    row = con.execute("SELECT run_id FROM party_risk_runs ORDER BY rated_at DESC LIMIT 1").fetchone()
    d.risk_run = row[0] if row else None
    for r in reference.jurisdiction_risk().select("country", "category", "weight").iter_rows():
        d.jurisdictions[str(r[0])] = (str(r[1]), float(r[2]))
    return d


def as_dict(a: Account | None) -> dict[str, Any] | None:
    return None if a is None else {"account_id": a.account_id, "party_id": a.party_id, "party_type": a.party_type,
                                   "country": a.country}
