"""goAML 5.0.2 suspicious transaction report (STR) for a case.

The report carries:

- the reporting entity from settings (``CTFMON_GOAML_*``: rentity id and branch, the
  reporting person, the entity's address, our institution name/code);
- one ``transaction`` per transaction the case's alerts name as evidence (and the
  payments of trade documents they name), with ``t_from``/``t_to`` sides: an account
  (``from_account``/``to_account``, with its owner as signatory or ``t_entity``), or for
  cash the person (``from_person``/``to_person``) or business (``*_entity``) handing in or
  taking out the cash;
- an ``activity`` listing report parties when the case has evidence that is not a
  transaction (cash declarations, unpaid trade documents) or no evidence at all: the
  traveller / exporter / importer / subject, each with the reason;
- ``report_indicators``: the goAML indicator codes of the case's typologies, from each
  typology's metadata (``goaml_indicators`` in its ``typology.yaml``) as the scan recorded
  it in ``typology_catalogue`` (:mod:`engine.detect.catalogue`; ``SCTFS`` for a typology
  with no record); every code must be one of the schema's ``report_indicator_type``;
- a ``reason``: the case's STR narrative, as a supervisor last saved it, or drafted from the
  alert explanations (:mod:`engine.reports.narrative`), and an ``action`` saying in plain words
  what was decided, by whom and when (never internal state codes).

The reporting entity settings ``CTFMON_GOAML_RENTITY_ID``, ``..._INSTITUTION_NAME`` and
``..._INSTITUTION_CODE`` have no default: an export without them is refused (409 / exit 2)
naming the missing ones.

Our own customers' accounts are reported with the plain ``t_from``/``t_to`` forms: the
``*_my_client`` forms require KYC fields the data contract does not hold (phone numbers,
identification issue and expiry dates, tax registration), and the report does not invent
them.  Amounts are the base-currency twins (``currency_code_local`` defaults to the base
currency); a transaction in another currency also carries ``*_foreign_currency``.

Every export is validated against the shipped schema (XSD 1.1, ``goAMLSchema-5.0.2.xsd``
beside this module) before it is returned.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import duckdb
from lxml import etree

from engine import cases, plausible
from engine.config import get_settings
from engine.detect.catalogue import FALLBACK_INDICATORS, goaml_indicators
from engine.errors import Conflict, CtfmonError
from engine.reports import narrative
from engine.reports.goaml_xml import (
    XSD_PATH,
    _account,
    _clean_name,
    _country,
    _entity,
    _enum,
    _fmt,
    _party_node,
    _person,
    _sub,
    _text,
    schema,
    xml_text,
)
from engine.store import now_utc

__all__ = [  # XML building blocks and the schema live in engine.reports.goaml_xml; named here too
    "EXPORTABLE_STATES", "MAX_TRANSACTIONS", "XSD_PATH", "build_report", "export_case", "indicator_codes",
    "indicators_for", "schema", "validate_xml", "xml_text",
]

log = logging.getLogger(__name__)

EXPORTABLE_STATES: tuple[str, ...] = ("escalated", "str_filed")
MAX_TRANSACTIONS = 5000

#: data-contract channel -> goAML transmode_code (conduction type), transmode_comment (1 char)
TRANSMODE: dict[str, tuple[str, str]] = {
    "wire": ("SWIFT", "E"),
    "domestic_transfer": ("ELCFT", "E"),
    "remittance": ("ELCFT", "E"),
    "mobile_transfer": ("MB", "E"),
    "cheque": ("BO", "Q"),
    "internal": ("ELCFT", "E"),
    "cash_deposit": ("BO", "C"),
    "cash_withdrawal": ("BO", "C"),
    "atm_withdrawal": ("ATM", "C"),
    "card_payment": ("DBCD", "K"),
    "prepaid_load": ("PPCD", "K"),
}
#: channel -> goAML funds type of an account side
FUNDS: dict[str, str] = {"cheque": "CHQ", "internal": "BANKD", "card_payment": "POS"}
# --------------------------------------------------------------------------- reference
def indicator_codes() -> frozenset[str]:
    """The codes of the schema's ``report_indicator_type``."""
    return _enum("report_indicator_type")


def indicators_for(con: duckdb.DuckDBPyConnection, typology_ids: Iterable[str]) -> list[str]:
    """goAML indicator codes of the typologies (recorded metadata), each once, in order."""
    ids = list(typology_ids)
    codes = goaml_indicators(con, ids) or list(FALLBACK_INDICATORS)
    valid = indicator_codes()
    bad = [c for c in codes if c not in valid]
    if bad:
        raise CtfmonError(f"goAML indicator {bad[0]!r} of typologies {', '.join(ids)} is not a code of "
                          "report_indicator_type in the goAML schema; correct the typology's goaml_indicators")
    return codes


# --------------------------------------------------------------------------- data
def _records(con: duckdb.DuckDBPyConnection, query: str, params: list[Any]) -> list[dict[str, Any]]:
    return con.sql(query, params=params).pl().to_dicts()


def _case_data(con: duckdb.DuckDBPyConnection, case_id: str) -> dict[str, Any]:
    case = cases.get_case(con, case_id, full=False)
    ev_ids = "SELECT DISTINCT e.id FROM case_alerts ca JOIN alerts a ON a.alert_id = ca.alert_id, " \
             "unnest(a.evidence) AS e(id) WHERE ca.case_id = ?"
    trades = _records(con, f"SELECT * FROM trade_documents WHERE trade_id IN ({ev_ids}) ORDER BY date, trade_id",
                      [case_id])
    txns = _records(
        con,
        f"""SELECT * FROM transactions WHERE txn_id IN ({ev_ids})
              OR txn_id IN (SELECT payment_txn_id FROM trade_documents WHERE trade_id IN ({ev_ids}))
            ORDER BY timestamp, txn_id LIMIT ?""",
        [case_id, case_id, MAX_TRANSACTIONS],
    )
    decls = _records(
        con, f"SELECT * FROM cash_declarations WHERE declaration_id IN ({ev_ids}) ORDER BY timestamp",
        [case_id],
    )
    acc_ids = sorted({t[k] for t in txns for k in ("from_account", "to_account") if t.get(k)})
    accounts = {a["account_id"]: a for a in _records(
        con, "SELECT * FROM accounts WHERE account_id IN (SELECT unnest(?::VARCHAR[]))", [acc_ids])}
    party_ids = {a["party_id"] for a in accounts.values() if a.get("party_id")}
    party_ids |= {d["party_id"] for d in decls if d.get("party_id")}
    party_ids |= {t[k] for t in trades for k in ("exporter_party_id", "importer_party_id")}
    if case["subject_type"] == "party":
        party_ids.add(case["subject_id"])
    parties = {p["party_id"]: p for p in _records(
        con, "SELECT * FROM parties WHERE party_id IN (SELECT unnest(?::VARCHAR[]))", [sorted(party_ids)])}
    return {"case": case, "transactions": txns, "declarations": decls, "trades": trades,
            "accounts": accounts, "parties": parties}


# --------------------------------------------------------------------------- building
def _transaction(report: etree._Element, t: dict[str, Any], accounts: dict[str, Any],
                 parties: dict[str, Any], local: str) -> None:
    channel = t["channel"]
    code, comment = TRANSMODE.get(channel, ("-", "E"))
    tx = _sub(report, "transaction")
    _sub(tx, "transactionnumber", _text(t["txn_id"], 100))
    where = ", ".join(x for x in (t.get("location_city"), t.get("location_country")) if x)
    _sub(tx, "transaction_location", _text(where, 255))
    desc = channel.replace("_", " ") + (f": {t['reference']}" if t.get("reference") else "")
    _sub(tx, "transaction_description", _text(desc, 8000))
    _sub(tx, "date_transaction", t["timestamp"])
    _sub(tx, "transmode_code", code)
    _sub(tx, "transmode_comment", comment)
    _sub(tx, "amount_local", t.get("amount_base") if t.get("amount_base") is not None else t["amount"])

    def owner(acc_id: str | None) -> dict[str, Any] | None:
        acc = accounts.get(acc_id or "")
        return parties.get(acc["party_id"]) if acc and acc.get("party_id") else None

    def foreign(side: etree._Element, prefix: str) -> None:
        cur = t.get("currency")
        if cur and cur != local and cur in _enum("currency_type"):
            fc = _sub(side, f"{prefix}_foreign_currency")
            _sub(fc, "foreign_currency_code", cur)
            _sub(fc, "foreign_amount", t["amount"])
            if t.get("amount_base") and t.get("amount"):
                rate = Decimal(str(t["amount_base"])) / Decimal(str(t["amount"]))
                _sub(fc, "foreign_exchange_rate", f"{rate.quantize(Decimal('0.000001'))}")

    cash_in = channel == "cash_deposit" or (channel == "prepaid_load" and not t.get("from_account"))
    cash_out = channel in ("cash_withdrawal", "atm_withdrawal")

    # from side
    frm = _sub(tx, "t_from")
    if cash_in or not t.get("from_account"):
        _sub(frm, "from_funds_code", "CASH")
        foreign(frm, "from")
        depositor = owner(t.get("to_account")) if not t.get("originator_name") else None
        _party_node(frm, "from_", depositor, t.get("originator_name"))
        acc = accounts.get(t.get("to_account") or "")
        _sub(frm, "from_country", _country(t.get("location_country") or t.get("originator_country")
                                            or (acc or {}).get("country")))
    else:
        _sub(frm, "from_funds_code", FUNDS.get(channel, "ELCFT"))
        foreign(frm, "from")
        acc = accounts.get(t["from_account"])
        _account(frm, "from_account", t["from_account"], acc, owner(t["from_account"]), t.get("originator_name"))
        _sub(frm, "from_country", _country((acc or {}).get("country") or t.get("originator_country")))

    # to side
    to = _sub(tx, "t_to")
    if cash_out or not t.get("to_account"):
        _sub(to, "to_funds_code", "CASH" if cash_out else FUNDS.get(channel, "ELCFT"))
        foreign(to, "to")
        taker = owner(t.get("from_account")) if cash_out else None
        name = t.get("beneficiary_name") or (
            f"merchant {t['merchant_category']}" if t.get("merchant_category") else None)
        if cash_out:
            _party_node(to, "to_", taker, name)
        else:
            _entity(to, "to_entity", None, name or "merchant not on file")
        acc = accounts.get(t.get("from_account") or "")
        _sub(to, "to_country", _country(t.get("location_country") or t.get("beneficiary_country")
                                        or (acc or {}).get("country")))
    else:
        _sub(to, "to_funds_code", FUNDS.get(channel, "ELCFT"))
        foreign(to, "to")
        acc = accounts.get(t["to_account"])
        _account(to, "to_account", t["to_account"], acc, owner(t["to_account"]), t.get("beneficiary_name"))
        _sub(to, "to_country", _country((acc or {}).get("country") or t.get("beneficiary_country")))


def _report_party(parties_el: etree._Element, party: dict[str, Any] | None, name: str | None,
                  country: str | None, significance: int, reason: str) -> None:
    rp = _sub(parties_el, "report_party")
    if party is not None and party.get("party_type") != "individual":
        _entity(rp, "entity", party, name)
    else:
        _person(rp, "person", party, name)
    if country and _country(country) != "-":
        _sub(rp, "country", country)
    _sub(rp, "significance", max(0, min(10, significance)))
    _sub(rp, "reason", _text(reason, 8000))


_reason = narrative.generated

#: What a case's state means, in the words ``<action>`` uses.
PLAIN_STATES: dict[str, str] = {
    "new": "the case is open and not yet reviewed",
    "in_review": "the case is under review by an analyst",
    "escalated": "the case was escalated to a supervisor for a decision on reporting",
    "str_filed": "a suspicious transaction report was filed",
    "closed_false_positive": "the case was closed as a false positive",
    "closed_no_action": "the case was closed with no further action",
}

#: Settings an export needs (no defaults): setting -> what it is.
REQUIRED_SETTINGS: dict[str, str] = {
    "goaml_rentity_id": "the reporting entity id the FIU assigned",
    "goaml_institution_name": "our institution's name",
    "goaml_institution_code": "our institution code",
}


def check_settings() -> None:
    """Refuse (409, exit 2) an export while a required reporting-entity setting is missing."""
    s = get_settings()
    missing = [k for k in REQUIRED_SETTINGS if getattr(s, k) in (None, "")]
    if missing:
        named = "; ".join(f"CTFMON_{k.upper()} ({REQUIRED_SETTINGS[k]})" for k in missing)
        raise Conflict(f"goAML export needs the reporting entity settings, not set: {named}; set them in the "
                       "environment or ctfmon.toml before the first export")


def _action(case: dict[str, Any]) -> str:
    """What was done about the case, in plain words."""
    decided = [d for d in case["dispositions"] if d["status"] == "approved"]
    now = PLAIN_STATES.get(case["state"], case["state"].replace("_", " "))
    if decided:
        d = decided[-1]
        what = PLAIN_STATES.get(d["to_state"], d["to_state"].replace("_", " "))
        who = (f"proposed by {d['proposed_by']} on {_fmt(d['proposed_at'])[:10]} and approved by "
               f"{d['decided_by']} on {_fmt(d['decided_at'])[:10]}" if d["decided_by"] != d["proposed_by"]
               else f"decided by {d['decided_by']} on {_fmt(d['decided_at'])[:10]}")
        text = f"Decision: {what[0].upper()}{what[1:]}, {who}. Grounds: {d['reason']}"
        return _text(text, 8000)
    return f"{now[0].upper()}{now[1:]}; the subject's accounts are under enhanced monitoring meanwhile."


def build_report(con: duckdb.DuckDBPyConnection, case_id: str) -> bytes:
    """The goAML STR XML of a case (not yet validated)."""
    s = get_settings()
    data = _case_data(con, case_id)
    case, parties, accounts = data["case"], data["parties"], data["accounts"]
    local = s.goaml_currency_code_local or s.base_currency
    subject = parties.get(case["subject_id"]) if case["subject_type"] == "party" else None
    subject_name = (subject or {}).get("name") or case["subject_id"]

    report = etree.Element("report")
    _sub(report, "rentity_id", s.goaml_rentity_id)
    if s.goaml_rentity_branch:
        _sub(report, "rentity_branch", _text(s.goaml_rentity_branch, 255))
    _sub(report, "submission_code", "E")
    _sub(report, "report_code", "STR")
    _sub(report, "entity_reference", case_id)
    _sub(report, "submission_date", now_utc())
    _sub(report, "currency_code_local", local)
    if s.goaml_reporting_person_first_name and s.goaml_reporting_person_last_name:
        rp = _sub(report, "reporting_person")
        _sub(rp, "first_name", _clean_name(s.goaml_reporting_person_first_name))
        _sub(rp, "last_name", _clean_name(s.goaml_reporting_person_last_name))
        if s.goaml_reporting_person_email:
            _sub(rp, "email", s.goaml_reporting_person_email)
        if s.goaml_reporting_person_occupation:
            _sub(rp, "occupation", _text(s.goaml_reporting_person_occupation, 255))
    if s.goaml_location_address and s.goaml_location_city and s.goaml_location_country:
        loc = _sub(report, "location")
        _sub(loc, "address_type", "BU")
        _sub(loc, "address", _text(s.goaml_location_address, 100))
        _sub(loc, "city", _text(s.goaml_location_city, 255))
        _sub(loc, "country_code", _country(s.goaml_location_country))
        _sub(loc, "state", _text(s.goaml_location_state or s.goaml_location_city, 255))
    saved = narrative.versions(con, case_id)
    _sub(report, "reason", _text(saved[-1]["text"], 8000) if saved else _reason(case, subject_name))
    _sub(report, "action", _action(case))

    for t in data["transactions"]:
        _transaction(report, t, accounts, parties, local)

    paid = {t["txn_id"] for t in data["transactions"]}
    unpaid_trades = [d for d in data["trades"] if not d.get("payment_txn_id") or d["payment_txn_id"] not in paid]
    significance = round(10 * case["risk_score"])
    if data["declarations"] or unpaid_trades or not data["transactions"]:
        act = _sub(report, "activity")
        rps = _sub(act, "report_parties")
        for d in data["declarations"]:
            _report_party(
                rps, parties.get(d.get("party_id") or ""), d["traveller_name"], d.get("nationality"),
                significance,
                f"Cash declaration {d['declaration_id']}: {d['direction']} {_fmt(d['amount'])} {d['currency']} "
                f"at {d['port']} on {_fmt(d['timestamp'])}, {d['origin_country']} to "
                f"{d['destination_country']}, {'declared' if d['declared'] else 'NOT declared'}"
                + (f", transport {d['transport_ref']}" if d.get("transport_ref") else "") + ".",
            )
        for d in unpaid_trades:
            for role, pid in (("exporter", d["exporter_party_id"]), ("importer", d["importer_party_id"])):
                _report_party(
                    rps, parties.get(pid), pid, (parties.get(pid) or {}).get("country"), significance,
                    f"{role} on trade document {d['trade_id']} of {_fmt(d['date'])}: HS {d['hs_code']}, "
                    f"{d['quantity']} {d['unit']}, {_fmt(d['invoice_value'])} {d['currency']}, "
                    f"{d['origin_country']} to {d['destination_country']}"
                    + (f" via {d['transshipment_country']}" if d.get("transshipment_country") else "")
                    + (f", shipment {d['shipment_ref']}" if d.get("shipment_ref") else ", no shipment record")
                    + ".",
                )
        if not data["declarations"] and not unpaid_trades:
            _report_party(rps, subject, subject_name, (subject or {}).get("country"), significance,
                          _reason(case, subject_name))
    ind = _sub(report, "report_indicators")
    for code in indicators_for(con, case["typologies"]):
        _sub(ind, "indicator", code)
    return etree.tostring(report, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def validate_xml(xml: bytes | str) -> None:
    """Raise CtfmonError naming the first schema errors, if any."""
    doc = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    errors = list(schema().iter_errors(doc))
    if errors:
        msgs = "; ".join(f"{e.path}: {e.reason}" for e in errors[:3])
        raise CtfmonError(f"goAML export is not schema-valid ({len(errors)} errors): {msgs}", http_status=500)


def export_case(con: duckdb.DuckDBPyConnection, case_id: str, *,
                require_state: tuple[str, ...] | None = None) -> bytes:
    """The schema-valid goAML STR of a case; ``require_state`` limits which states export."""
    check_settings()
    case = cases.get_case(con, case_id, full=False)
    if require_state is not None and case["state"] not in require_state:
        raise Conflict(
            f"case {case_id} is {case['state']}: an STR is exported for {' or '.join(require_state)} cases"
        )
    with plausible.plausible_tables(con):  # a year-0 date stored long ago must not block the STR
        xml = build_report(con, case_id)
    validate_xml(xml)
    log.info("goAML STR for %s: %d bytes", case_id, len(xml))
    return xml
