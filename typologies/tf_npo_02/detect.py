"""TF-NPO-02 NPO used as a pass-through.

Definition (catalogue): an NPO receives from >= 10 donors and forwards 70-110% of those
donations within 7 days to <= 2 beneficiaries (paying out far more than came in is spending
reserves, not passing donations through), or to accounts of parties that share an address,
phone or id number with its own officers/controllers, that then send it abroad.

Reading of the data:

- Donations: credits into the accounts of a party of type ``npo`` (any channel), except
  moves between its own accounts.  A donor is the debited account's owner party, else the
  debited account, else the originator name.
- Collection window: the catalogue bounds the forwarding delay (7 days) but not the time
  over which the donations arrive; a window opens at every donation and runs
  ``collection_days`` (default 30).  It qualifies when it holds donations from >= 10
  distinct donors and one of the two branches holds for the NPO's transfers made from the
  window's first donation to ``forward_days`` (7) after its last:
  * concentration: the ``max_beneficiaries`` (2) largest beneficiaries (credited party,
    else account, else name; the NPO's own accounts excluded) received 70% to 110%
    (``min_forward_share`` .. ``max_forward_share``) of the window's donations and >= 70% of everything the NPO transferred out in that period
    (an NPO that pays out more than it received, to many partners, is not forwarding to
    two beneficiaries).  Transfers to organisations abroad in one of the NPO's declared
    ``npo_operating_countries`` are programme delivery (the rationale TF-XB-01 also
    accepts) and never count as one of the two beneficiaries (``excuse_declared_partners``);
    nor do payees in a recurring relationship with the NPO (its account and theirs transact
    in ``recurring_min_months`` (3) or more distinct calendar months over the data on file:
    staff salaries, rent, regular suppliers are operations; ``excuse_recurring_beneficiaries``,
    the catalogue's "Everyday activity" reading, as TF-NPO-01 reads salaries);
  * related parties: accounts of related parties received 70% to 110% of the donations, and
    that money went abroad: the share of it that was sent cross-border, directly (the
    credited account is held in another country) or onward by the credited accounts
    within another ``forward_days`` (destination country differing from the account's
    country), is >= ``min_onward_share`` (70%).  "That then send it abroad" is read as
    part of this alternative only.
- Officers and controllers are not part of the data contract, so they are read from the
  shared identifiers that exist: parties whose normalised address, id number or phone
  (``phone`` in the row's extra columns, when supplied) equal the NPO's own are taken as
  its officers/controllers; related parties are those officers, parties sharing such an
  identifier with an officer, and the NPO itself (its own other accounts, e.g. one held
  abroad).  An identifier shared by more than ``max_identifier_parties`` parties (a
  registered-agent address, a placeholder) links nobody.
- Qualifying windows merge into one alert per NPO and burst; its figures and evidence
  come from the burst's window with the highest forwarded share.

Score: ``0.4 + 0.3 * ramp(forwarded share, 70%, 100%) + 0.15 * ramp(donors, 10, 40)``,
plus 0.15 when the related-party branch holds.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field

from engine.detect.base import ScanContext
from engine.detect.everyday import RecurringParams
from engine.detect.typology import Row, Typology
from typologies._common import (
    ORG_NAME_PATTERN,
    as_list,
    base_currency,
    clamp01,
    country_names,
    money,
    pct,
    plural,
    ramp,
    whole_days,
)


class Npo02Params(RecurringParams):
    min_donors: int = Field(10, ge=1, description="distinct donors within collection_days")
    collection_days: int = Field(30, ge=1, le=366, description="days over which the donations are counted")
    forward_days: int = Field(7, ge=0, description="days after the last donation within which it is forwarded")
    min_forward_share: float = Field(0.7, gt=0, le=1, description="share of the donations forwarded")
    max_forward_share: float = Field(
        1.1, gt=0, le=100, description="at most this multiple of the donations forwarded: paying out far more than "
        "came in is spending reserves, not passing donations through"
    )
    max_beneficiaries: int = Field(2, ge=1, description="the forwarded share goes to at most this many beneficiaries")
    min_onward_share: float = Field(
        0.7, gt=0, le=1, description="share of what related parties received that they send abroad"
    )
    excuse_declared_partners: bool = Field(
        True,
        description="transfers to organisations abroad in the NPO's declared operating countries are "
        "programme delivery, not forwarding to beneficiaries",
    )
    excuse_recurring_beneficiaries: bool = Field(
        True, description="payments to a beneficiary in a recurring relationship with the NPO (see "
        "recurring_min_months: staff salaries, rent, regular suppliers) are its operations, not forwarding"
    )
    max_identifier_parties: int = Field(
        20, ge=2, description="an address/id number/phone shared by more parties than this links nobody"
    )


Ctx = ScanContext[Npo02Params]


def _forwarded(row: Row) -> float:
    return max(float(row["top_amt"]) if row["branch_a"] else 0.0, float(row["rel_amt"]) if row["branch_b"] else 0.0)


class NpoPassThrough(Typology[Npo02Params]):
    Params = Npo02Params

    def bind(self, ctx: Ctx) -> dict[str, Any]:
        fd = int(ctx.params.forward_days)
        return {**super().bind(ctx), "collection_window": timedelta(days=int(ctx.params.collection_days)),
                "forward_window": timedelta(days=fd), "onward_window": timedelta(days=2 * fd),
                "org_name_pattern": ORG_NAME_PATTERN}

    def evidence(self, row: Row, ctx: Ctx) -> list[str]:
        evidence: list[str] = list(as_list(row["don_ids"]))
        seen = set(evidence)
        for e in sorted(as_list(row["fwd_ids"])) + sorted(as_list(row["on_ids"])):
            if e and e not in seen:
                seen.add(e)
                evidence.append(e)
        return evidence

    def details(self, row: Row, ctx: Ctx) -> dict[str, Any]:
        donated = float(row["donated"])
        fwd = _forwarded(row)
        abroad = float(row["top_abroad"]) if row["branch_a"] else 0.0
        if row["branch_b"]:
            abroad = max(abroad, float(row["rel_abroad"]))
        countries = {c for c in as_list(row["xb_countries"]) + as_list(row["on_countries"]) if c}
        return {
            "donation_amount": round(donated, 2),
            "donation_count": int(row["n_don"]),
            "donor_count": int(row["n_donors"]),
            "collection_days": whole_days(row["w_start"], row["w_end"]),
            "forward_days": int(ctx.params.forward_days),
            "concentration": bool(row["branch_a"]),
            "top_beneficiaries": sorted(b for b in as_list(row["beneficiaries"]) if b) if row["branch_a"] else [],
            "top_beneficiaries_amount": round(float(row["top_amt"]), 2),
            "related_parties": sorted(b for b in as_list(row["rel_parties"]) if b) if row["branch_b"] else [],
            "related_links": sorted(as_list(row["hows"])) if row["branch_b"] else [],
            "related_amount": round(float(row["rel_amt"]), 2),
            "forwarded_amount": round(fwd, 2),
            "forwarded_share": round(clamp01(fwd / donated) if donated else 0.0, 4),
            "abroad_amount": round(abroad, 2),
            "abroad_countries": sorted(countries),
            "currency": base_currency(),
        }

    def score(self, row: Row, details: dict[str, Any], ctx: Ctx) -> float:
        p = ctx.params
        donated = float(row["donated"])
        fshare = clamp01(_forwarded(row) / donated) if donated else 0.0
        return round(clamp01(
            0.4
            + 0.3 * ramp(fshare, float(p.min_forward_share), 1.0)
            + 0.15 * ramp(int(row["n_donors"]), int(p.min_donors), 4 * int(p.min_donors))
            + (0.15 if row["branch_b"] else 0.0)
        ), 4)

    def explanation(self, row: Row, d: dict[str, Any], ctx: Ctx) -> str:
        ccy = d["currency"]
        text = (
            f"The NPO received {money(d['donation_amount'], ccy)} from {d['donor_count']} donors in "
            f"{plural(d['collection_days'], 'day')} and within {plural(d['forward_days'], 'day')} forwarded "
        )
        parts = []
        if d["concentration"]:
            n = len(d["top_beneficiaries"])
            parts.append(
                f"{money(d['top_beneficiaries_amount'], ccy)} "
                f"({pct(d['top_beneficiaries_amount'] / d['donation_amount'])}) to only "
                f"{plural(n, 'beneficiary', 'beneficiaries')}"
            )
        if d["related_parties"]:
            parts.append(
                f"{money(d['related_amount'], ccy)} ({pct(d['related_amount'] / d['donation_amount'])}) to "
                f"{plural(len(d['related_parties']), 'related party', 'related parties')} "
                f"({'; '.join(d['related_links'])})"
            )
        text += " and ".join(parts)
        if d["abroad_amount"] > 0:
            text += (
                f", and {money(d['abroad_amount'], ccy)} of it went abroad to "
                f"{country_names(d['abroad_countries'])}"
            )
        return text + "."
