"""One search over what an analyst types: party names, party ids, account ids, document
numbers, transaction ids, trade document ids and case ids.

Every hit is typed (``kind``), scored in 0..1 and points at the party it belongs to
(``party_id``; a transaction names the parties on either side), so the pages can link to
the party page.  Identifiers match exactly, as typed or in upper case (score 1), or, when
no id matches exactly, by their start (0.9; from 4 characters); document numbers ignore
case, spaces and punctuation.

Names are matched fuzzily through the screening normalisation
(:func:`engine.screening.normalize.normalize_many` / ``normalize_name``: transliteration,
diacritics, honorifics and legal forms dropped, "Abd" compounds joined) and its token
similarity (:func:`engine.screening.tokens.token_similarity`: spelling variants, nicknames,
Slavic endings).  So that a search stays fast on millions of transactions and tens of
thousands of parties, DuckDB first narrows the parties to those holding a word equal to,
starting with, or close (Jaro-Winkler >= :data:`PREFILTER_SIMILARITY`) to a query word
(at most :data:`MAX_CANDIDATES` names); only those are normalised and scored in Python.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import polars as pl

from engine.errors import CtfmonError
from engine.screening.normalize import ENTITY, PERSON, UNKNOWN, normalize_many, normalize_name
from engine.screening.tokens import token_similarity

#: Word similarity (Jaro-Winkler, in SQL) that makes a party a candidate for full scoring.
PREFILTER_SIMILARITY = 0.85
#: At most this many party names are scored in full per query (those matching most words).
MAX_CANDIDATES = 3000
#: Name hits below this score are not returned.
MIN_NAME_SCORE = 0.6
#: A query token that is the start of a name token (typing in progress) counts this much.
PREFIX_SIMILARITY = 0.9
#: Identifier prefixes need at least this many characters.
MIN_PREFIX = 4
MAX_QUERY = 200
MAX_LIMIT = 200

#: Order of kinds among equal scores.
KINDS = ("party", "account", "document", "transaction", "declaration", "trade_document", "case")


@dataclass
class Hit:
    """One search result."""

    kind: str  # one of KINDS
    id: str  # the id of the thing found (party, account, transaction, declaration, trade, case id)
    label: str  # what to show: a name, or the id with its owner
    score: float  # 0..1, 1 = exact
    match: str  # how it matched, in words
    party_id: str | None = None  # the party to open (None: not on file)
    party_name: str | None = None
    other_party_id: str | None = None  # a transaction's other side, when on file
    detail: str = ""

    @property
    def url(self) -> str | None:
        if self.kind == "case":
            return f"/ui/cases/{self.id}"
        return f"/ui/parties/{self.party_id}" if self.party_id else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "url": self.url}


def check_query(q: str | None, limit: int = 20) -> str:
    """The query stripped; CtfmonError (422) when it is empty or too long, or limit is out of range."""
    q = (q or "").strip()
    if not q:
        raise CtfmonError("q: empty; type a name, a party, account, transaction, case or document id",
                          http_status=422)
    if len(q) > MAX_QUERY:
        raise CtfmonError(f"q: {len(q)} characters; at most {MAX_QUERY} expected", http_status=422)
    if not 1 <= limit <= MAX_LIMIT:
        raise CtfmonError(f"limit: {limit}; expected 1 to {MAX_LIMIT}", http_status=422)
    return q


def search(con: duckdb.DuckDBPyConnection, q: str, *, limit: int = 20,
           kinds: tuple[str, ...] = KINDS) -> list[Hit]:
    """The best ``limit`` hits for ``q``, highest score first."""
    q = check_query(q, limit)
    hits: list[Hit] = []
    if " " not in q:  # identifiers hold no spaces
        hits += _id_hits(con, q)
    if "document" in kinds:
        hits += _document_hits(con, q)
    if "party" in kinds and not (" " not in q and any(ch.isdigit() for ch in q)):  # an id, not a name
        hits += name_hits(con, q, limit=limit)
    best: dict[tuple[str, str], Hit] = {}
    for h in hits:
        if h.kind not in kinds:
            continue
        key = (h.kind, h.id)
        if key not in best or h.score > best[key].score:
            best[key] = h
    ranked = sorted(best.values(), key=lambda h: (-h.score, KINDS.index(h.kind), h.id))
    return ranked[:limit]


# --------------------------------------------------------------------------- identifiers
_ID_SOURCES: tuple[tuple[str, str, str, str, str], ...] = (
    # kind, table alias, id column, joins, SELECT list after the id: label, party_id, party name,
    # other party, detail.  The id is matched on the bare table first (a subquery), so that
    # the column's min/max statistics skip most of a large table.
    ("party", "parties p", "party_id", "",
     "p.name, p.party_id, p.name, NULL, p.party_type || ' · ' || p.country"),
    ("account", "accounts a", "account_id", "LEFT JOIN parties p ON p.party_id = a.party_id",
     "coalesce(p.name, 'owner not on file'), a.party_id, p.name, NULL, "
     "a.account_type || ' · ' || a.currency || ' · ' || a.country"),
    ("transaction", "transactions t", "txn_id",
     "LEFT JOIN accounts fa ON fa.account_id = t.from_account "
     "LEFT JOIN accounts ta ON ta.account_id = t.to_account "
     "LEFT JOIN parties fp ON fp.party_id = fa.party_id LEFT JOIN parties tp ON tp.party_id = ta.party_id",
     "coalesce(fp.name, t.originator_name, t.from_account, 'cash') || ' → ' || "
     "coalesce(tp.name, t.beneficiary_name, t.to_account, 'cash'), coalesce(fa.party_id, ta.party_id), "
     "coalesce(fp.name, tp.name), CASE WHEN fa.party_id IS NOT NULL THEN ta.party_id END, "
     "t.channel || ' · ' || CAST(t.amount AS VARCHAR) || ' ' || t.currency || ' · ' || "
     "strftime(t.timestamp, '%Y-%m-%d')"),
    ("declaration", "cash_declarations d", "declaration_id", "",
     "d.traveller_name, d.party_id, d.traveller_name, NULL, "
     "'cash ' || d.direction || ' at ' || d.port || ' · ' || CAST(d.amount AS VARCHAR) || ' ' || d.currency"),
    ("trade_document", "trade_documents d",  "trade_id",
     "LEFT JOIN parties p ON p.party_id = d.exporter_party_id "
     "LEFT JOIN parties i ON i.party_id = d.importer_party_id",
     "coalesce(p.name, d.exporter_party_id) || ' → ' || coalesce(i.name, d.importer_party_id), "
     "d.exporter_party_id, p.name, d.importer_party_id, 'HS ' || d.hs_code"),
    ("case", "cases c", "case_id", "LEFT JOIN parties p ON c.subject_type = 'party' AND p.party_id = c.subject_id",
     "coalesce(p.name, c.subject_id), CASE WHEN c.subject_type = 'party' THEN c.subject_id END, p.name, NULL, "
     "c.state || ' · ' || array_to_string(c.typologies, ', ')"),
)


def _id_hits(con: duckdb.DuckDBPyConnection, q: str) -> list[Hit]:
    """Exact matches of ``q`` on every id column, as typed or in upper case; when none, matches
    of its start (from :data:`MIN_PREFIX` characters)."""
    out: list[Hit] = []
    variants = sorted({q, q.upper()})
    for kind, source, col, joins, select in _ID_SOURCES:
        table, alias = source.split()
        rows = con.execute(
            f"SELECT {alias}.{col}, {select} FROM (SELECT * FROM {table} WHERE {col} = ? OR {col} = ? LIMIT 5) "
            f"{alias} {joins}", [variants[0], variants[-1]]).fetchall()
        out += [_hit(kind, r, 1.0, "exact id") for r in rows]
    if out or len(q) < MIN_PREFIX:
        return out
    for kind, source, col, joins, select in _ID_SOURCES:
        table, alias = source.split()
        for v in variants:
            more = con.execute(
                f"SELECT {alias}.{col}, {select} FROM (SELECT * FROM {table} WHERE starts_with({col}, ?) "
                f"ORDER BY {col} LIMIT 10) {alias} {joins} ORDER BY 1", [v]).fetchall()
            out += [_hit(kind, r, 0.9, "id starts with") for r in more]
    return out


def _hit(kind: str, row: tuple[Any, ...], score: float, match: str) -> Hit:
    rid, label, party_id, party_name, other, detail = row
    return Hit(kind, str(rid), str(label or rid), score, match, party_id, party_name, other, str(detail or ""))


# --------------------------------------------------------------------------- documents
def doc_key(s: str) -> str:
    """A document number compared as written on paper: upper case, letters and digits only."""
    return re.sub(r"[^A-Z0-9]", "", s.upper())


def _document_hits(con: duckdb.DuckDBPyConnection, q: str) -> list[Hit]:
    key = doc_key(q)
    if len(key) < MIN_PREFIX or not any(ch.isdigit() for ch in key):
        return []
    norm = "regexp_replace(upper({}), '[^A-Z0-9]', '', 'g')"
    out: list[Hit] = []
    for r in con.execute(
        f"""SELECT party_id, name, id_number, party_type, country FROM parties
            WHERE id_number IS NOT NULL AND {norm.format('id_number')} = ? LIMIT 10""", [key]).fetchall():
        out.append(Hit("document", r[2], r[1], 1.0, "identity document", r[0], r[1],
                       detail=f"{r[3]} · {r[4]} · document {r[2]}"))
    for r in con.execute(
        f"""SELECT d.declaration_id, d.traveller_name, d.party_id, d.document_number, d.direction, d.port,
                   d.amount, d.currency, d.timestamp
            FROM cash_declarations d
            WHERE d.document_number IS NOT NULL AND {norm.format('d.document_number')} = ?
            ORDER BY d.timestamp LIMIT 20""", [key]).fetchall():
        out.append(Hit("declaration", r[0], r[1], 1.0, f"travel document {r[3]}", r[2], r[1],
                       detail=f"cash {r[4]} at {r[5]} · {r[6]} {r[7]} · {r[8]:%Y-%m-%d}"))
    return out


# --------------------------------------------------------------------------- names
def _kind_of(party_type: str | None) -> str:
    return PERSON if party_type == "individual" else ENTITY if party_type else UNKNOWN


_CANDIDATES_SQL = """
WITH names AS (
  SELECT party_id, party_type, unnest(list_prepend(name, coalesce(alt_names, CAST([] AS VARCHAR[])))) AS n
  FROM parties),
words AS (
  SELECT party_id, party_type, n, regexp_split_to_array(lower(strip_accents(n)), '[^a-z0-9]+') AS w FROM names),
scored AS (
  SELECT party_id, party_type, n,
         len(list_filter(CAST(? AS VARCHAR[]), lambda t: list_bool_or(list_transform(w, lambda x:
             x = t OR (length(t) >= 3 AND starts_with(x, t)) OR jaro_winkler_similarity(x, t) >= ?)))) AS hits
  FROM words)
SELECT party_id, party_type, n FROM scored WHERE hits > 0 OR lower(n) = lower(?)
ORDER BY hits DESC, party_id LIMIT ?"""


def _token_score(qt: str, nt: str) -> float:
    if qt == nt:
        return 1.0
    sim = token_similarity(qt, nt)
    if len(qt) >= 3 and nt.startswith(qt):
        sim = max(sim, PREFIX_SIMILARITY)
    return sim


def score_tokens(query: tuple[str, ...], name: tuple[str, ...]) -> float:
    """How well a name's tokens answer the query's, 0..1: each query token takes its best
    name token (mean over the query), with a small share for how much of the name is covered."""
    if not query or not name:
        return 0.0
    used: set[int] = set()
    total = 0.0
    for qt in query:
        best, where = 0.0, -1
        for i, nt in enumerate(name):
            if i in used:
                continue
            s = _token_score(qt, nt)
            if s > best:
                best, where = s, i
        if best >= 0.5:
            total += best
            used.add(where)
    q_part = total / len(query)
    cover = len(used) / len(name)
    return round(0.85 * q_part + 0.15 * cover, 4)


def _literal(name: str) -> str:
    return " ".join(name.casefold().split())


def name_hits(con: duckdb.DuckDBPyConnection, q: str, *, limit: int = 20,
              min_score: float = MIN_NAME_SCORE) -> list[Hit]:
    """Parties whose name (or another name) matches ``q`` fuzzily, best first."""
    norm = normalize_name(q, UNKNOWN)
    forms = [f for f in norm.forms if f] or ([norm.tokens] if norm.tokens else [])
    words = [w for w in re.split(r"[^a-z0-9]+", q.lower()) if w]
    probe = sorted({t for f in forms for t in f} | set(words))
    if not probe:
        return []
    cands = con.execute(_CANDIDATES_SQL, [probe, PREFILTER_SIMILARITY, q.lower(), MAX_CANDIDATES]).fetchall()
    if not cands:
        return []
    frame = pl.DataFrame(cands, schema={"party_id": pl.String, "party_type": pl.String, "n": pl.String},
                         orient="row")
    kinds = pl.Series([_kind_of(t) for t in frame["party_type"].to_list()], dtype=pl.String)
    normed = normalize_many(frame["n"], kinds)
    best: dict[str, tuple[float, str]] = {}
    for row, tokens, original in zip(normed["row"].to_list(), normed["tokens"].to_list(),
                                     normed["name"].to_list(), strict=True):
        name_tokens = tuple(tokens or ())
        s = max((score_tokens(f, name_tokens) for f in forms), default=0.0)
        # 1 is kept for the name as written; the same tokens otherwise (another legal form,
        # title or script) come just below it
        s = 1.0 if _literal(original) == _literal(q) else min(s, 0.99)
        pid = frame["party_id"][row]
        if s >= min_score and (pid not in best or s > best[pid][0]):
            best[pid] = (s, original)
    top = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))[:limit]
    if not top:
        return []
    info = {r[0]: r[1:] for r in con.execute(
        "SELECT party_id, name, party_type, country, is_pep FROM parties WHERE party_id IN "
        "(SELECT unnest(CAST(? AS VARCHAR[])))", [[pid for pid, _ in top]]).fetchall()}
    out = []
    for pid, (s, matched) in top:
        name, ptype, country, pep = info.get(pid, (matched, None, None, None))
        how = "name" if matched == name else f"other name {matched!r}"
        detail = " · ".join(x for x in (ptype, country, "PEP" if pep else None) if x)
        out.append(Hit("party", pid, name, s, f"{how} (similarity {s:.2f})", pid, name, detail=detail))
    return out


# --------------------------------------------------------------------------- one party from a name
def resolve_party(con: duckdb.DuckDBPyConnection, text: str, *, threshold: float = 0.85) -> tuple[str | None,
                                                                                                 list[Hit]]:
    """A party id for ``text`` (a party id, an account id or a name) and the candidates.

    Returns ``(id, [])`` for an id on file (a party or an account id, returned as given),
    ``(party_id, [hit])`` when exactly one party's name matches at ``threshold`` or better
    (or exactly one matches exactly), ``(None, candidates)`` when several do, and
    ``(None, [])`` when none does.
    """
    text = check_query(text)
    for sql in ("SELECT party_id FROM parties WHERE party_id = ?", "SELECT account_id FROM accounts WHERE account_id = ?"):
        if con.execute(sql, [text]).fetchall():
            return text, []
    hits = [h for h in name_hits(con, text, limit=20) if h.score >= threshold]
    exact = [h for h in hits if h.score >= 1.0]
    if len(exact) == 1:
        return exact[0].id, exact
    if len(hits) == 1:
        return hits[0].id, hits
    return None, hits
