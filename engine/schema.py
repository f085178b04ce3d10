"""The data contract as code: the one place that spells table and column names.

Everything else (DDL, polars schemas, ingest validation, the generator, exports) derives
from ``TABLES`` and the internal table definitions below.  See ``DATA_CONTRACT.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

SCHEMA_VERSION = 1

Kind = Literal[
    "str",  # free text / identifier
    "enum",  # one of ``values``
    "country",  # ISO 3166-1 alpha-2 upper case
    "currency",  # ISO 4217 alpha-3 upper case
    "amount",  # decimal > 0, at most 2 decimals, stored DECIMAL(18,2)
    "decimal",  # decimal > 0
    "timestamp",  # ISO 8601, stored as naive UTC TIMESTAMP
    "date",  # YYYY-MM-DD
    "bool",
    "list_str",
    "list_country",
]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    values: tuple[str, ...] = ()  # enum members
    pattern: str | None = None  # extra regex a non-empty value must match
    pattern_hint: str = ""  # what the pattern means, for error messages
    # Free text (names, addresses, references): control characters are removed at ingest
    # with a note.  In every other text column (identifiers, codes) they quarantine the row.
    free_text: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    id_column: str | None
    columns: tuple[Column, ...]
    # money column -> its base-currency twin and the currency/date columns used to convert
    money: tuple[tuple[str, str, str, str], ...] = ()  # (amount_col, twin_col, currency_col, date_col)
    internal_columns: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


PARTY_TYPES = ("individual", "business", "npo", "financial_institution", "government")
NPO_PURPOSES = ("humanitarian", "religious", "education", "health", "cultural", "social", "other")
RISK_RATINGS = ("low", "medium", "high")
ACCOUNT_TYPES = (
    "current", "savings", "business", "npo", "prepaid_card", "money_service", "wallet",
    "correspondent", "loan",
)
#: Channels that move money between two accounts (both sides required, and they differ).
TRANSFER_CHANNELS = ("wire", "domestic_transfer", "remittance", "mobile_transfer", "cheque", "internal")
CHANNELS = (
    *TRANSFER_CHANNELS,
    "cash_deposit", "cash_withdrawal", "atm_withdrawal", "card_payment", "prepaid_load",
)
CASH_IN_CHANNELS = ("cash_deposit",)
CASH_OUT_CHANNELS = ("cash_withdrawal", "atm_withdrawal")
DIRECTIONS = ("inbound", "outbound")
TRADE_UNITS = ("kg", "unit", "litre", "m2", "m3", "pair", "dozen", "carat")
ENTITY_TYPES = ("party", "account", "transaction", "cash_declaration", "trade_document")

C = Column

PARTIES = Table(
    "parties",
    "party_id",
    (
        C("party_id", "str", True),
        C("party_type", "enum", True, PARTY_TYPES),
        C("name", "str", True, free_text=True),
        C("alt_names", "list_str", free_text=True),
        C("date_of_birth", "date"),
        C("nationality", "country"),
        C("country", "country", True),
        C("city", "str", free_text=True),
        C("address", "str", free_text=True),
        C("id_number", "str"),
        C("occupation", "str", free_text=True),
        C("registered_on", "date"),
        C("npo_purpose", "enum", False, NPO_PURPOSES),
        C("npo_operating_countries", "list_country"),
        C("risk_rating", "enum", False, RISK_RATINGS),
        C("is_pep", "bool"),
    ),
)

ACCOUNTS = Table(
    "accounts",
    "account_id",
    (
        C("account_id", "str", True),
        C("party_id", "str"),
        C("institution_id", "str", True),
        C("country", "country", True),
        C("account_type", "enum", True, ACCOUNT_TYPES),
        C("currency", "currency", True),
        C("opened_on", "date"),
        C("closed_on", "date"),
    ),
)

TRANSACTIONS = Table(
    "transactions",
    "txn_id",
    (
        C("txn_id", "str", True),
        C("timestamp", "timestamp", True),
        C("channel", "enum", True, CHANNELS),
        C("from_account", "str"),
        C("to_account", "str"),
        C("amount", "amount", True),
        C("currency", "currency", True),
        C("originator_name", "str", free_text=True),
        C("originator_country", "country"),
        C("beneficiary_name", "str", free_text=True),
        C("beneficiary_country", "country"),
        C("location_country", "country"),
        C("location_city", "str", free_text=True),
        C("merchant_category", "str", pattern=r"^[0-9]{4}$", pattern_hint="a 4-digit ISO 18245 MCC"),
        C("reference", "str", free_text=True),
    ),
    money=(("amount", "amount_base", "currency", "timestamp"),),
)

CASH_DECLARATIONS = Table(
    "cash_declarations",
    "declaration_id",
    (
        C("declaration_id", "str", True),
        C("timestamp", "timestamp", True),
        C("traveller_name", "str", True, free_text=True),
        C("party_id", "str"),
        C("document_number", "str"),
        C("nationality", "country"),
        C("direction", "enum", True, DIRECTIONS),
        C("port", "str", True),
        C("origin_country", "country", True),
        C("destination_country", "country", True),
        C("amount", "amount", True),
        C("currency", "currency", True),
        C("declared", "bool", True),
        C("transport_ref", "str"),
        C("purpose", "str", free_text=True),
    ),
    money=(("amount", "amount_base", "currency", "timestamp"),),
)

TRADE_DOCUMENTS = Table(
    "trade_documents",
    "trade_id",
    (
        C("trade_id", "str", True),
        C("date", "date", True),
        C("exporter_party_id", "str", True),
        C("importer_party_id", "str", True),
        C("hs_code", "str", True, pattern=r"^[0-9]{6}$", pattern_hint="a 6-digit HS code"),
        C("goods_description", "str", free_text=True),
        C("quantity", "decimal", True),
        C("unit", "enum", True, TRADE_UNITS),
        C("invoice_value", "amount", True),
        C("currency", "currency", True),
        C("origin_country", "country", True),
        C("destination_country", "country", True),
        C("transshipment_country", "country"),
        C("shipment_ref", "str"),
        C("payment_txn_id", "str"),
    ),
    money=(("invoice_value", "invoice_value_base", "currency", "date"),),
)

FX_RATES = Table(
    "fx_rates",
    None,  # keyed by (date, currency)
    (
        C("date", "date", True),
        C("currency", "currency", True),
        C("rate_to_base", "decimal", True),
    ),
)

LABELS = Table(
    "labels",
    None,
    (
        C("typology_id", "str", True),
        C("instance_id", "str", True),
        C("entity_type", "enum", True, ENTITY_TYPES),
        C("entity_id", "str", True),
        C("role", "str", True),
    ),
)

# Contract tables that ``ctfmon ingest`` loads, in dependency order.
INGEST_ORDER: tuple[str, ...] = (
    "fx_rates", "parties", "accounts", "transactions", "cash_declarations", "trade_documents",
)
TABLES: dict[str, Table] = {
    t.name: t
    for t in (FX_RATES, PARTIES, ACCOUNTS, TRANSACTIONS, CASH_DECLARATIONS, TRADE_DOCUMENTS)
}
# Key columns of each table (for duplicate detection).
KEYS: dict[str, tuple[str, ...]] = {
    name: ((t.id_column,) if t.id_column else ("date", "currency")) for name, t in TABLES.items()
}

# Alert shape (DATA_CONTRACT.md, "alerts").
ALERT_COLUMNS: tuple[str, ...] = (
    "alert_id", "typology_id", "subject_type", "subject_id", "score", "window_start",
    "window_end", "evidence", "explanation", "details", "scan_id",
)

_DUCK_TYPES: dict[str, str] = {
    "str": "VARCHAR",
    "enum": "VARCHAR",
    "country": "VARCHAR",
    "currency": "VARCHAR",
    "amount": "DECIMAL(18,2)",
    "decimal": "DOUBLE",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "bool": "BOOLEAN",
    "list_str": "VARCHAR[]",
    "list_country": "VARCHAR[]",
}

_POLARS_TYPES: dict[str, pl.DataType] = {
    "str": pl.String(),
    "enum": pl.String(),
    "country": pl.String(),
    "currency": pl.String(),
    "amount": pl.Decimal(18, 2),
    "decimal": pl.Float64(),
    "timestamp": pl.Datetime("us"),
    "date": pl.Date(),
    "bool": pl.Boolean(),
    "list_str": pl.List(pl.String()),
    "list_country": pl.List(pl.String()),
}

#: Columns every contract table carries besides its contract columns.
#: ``extra``: unknown input columns as JSON; ``_batch_id``: the ingest batch that wrote it.
SYSTEM_COLUMNS: tuple[tuple[str, str], ...] = (("extra", "JSON"), ("_batch_id", "BIGINT"))


def duck_type(col: Column) -> str:
    return _DUCK_TYPES[col.kind]


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """The typed polars schema of a contract table (contract columns + base twins)."""
    t = TABLES[table] if table in TABLES else LABELS
    schema: dict[str, pl.DataType] = {c.name: _POLARS_TYPES[c.kind] for c in t.columns}
    for _amount, twin, _cur, _date in t.money:
        schema[twin] = pl.Decimal(18, 2)
    return schema


def stored_columns(table: str) -> list[str]:
    """Columns of the stored table, in order (contract, base twins, system)."""
    t = TABLES[table]
    cols = t.column_names + [twin for _a, twin, _c, _d in t.money]
    return cols + [name for name, _ in SYSTEM_COLUMNS]


def _table_ddl(t: Table) -> str:
    cols = [f'"{c.name}" {duck_type(c)}' for c in t.columns]
    cols += [f'"{twin}" DECIMAL(18,2)' for _a, twin, _c, _d in t.money]
    cols += [f'"{name}" {typ}' for name, typ in SYSTEM_COLUMNS]
    return f"CREATE TABLE IF NOT EXISTS {t.name} (\n  " + ",\n  ".join(cols) + "\n)"


INTERNAL_DDL: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL,
  applied_at TIMESTAMP NOT NULL
)""",
    "CREATE SEQUENCE IF NOT EXISTS ingest_batch_seq START 1",
    """CREATE TABLE IF NOT EXISTS ingest_batches (
  batch_id BIGINT PRIMARY KEY,
  file VARCHAR NOT NULL,
  content_hash VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  file_format VARCHAR NOT NULL,
  upsert BOOLEAN NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  rows_read BIGINT,
  rows_loaded BIGINT,
  rows_quarantined BIGINT,
  rows_duplicate BIGINT,
  rows_replaced BIGINT
)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
  batch_id BIGINT NOT NULL,
  file VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  row_number BIGINT NOT NULL,
  column_name VARCHAR,
  reason VARCHAR NOT NULL,
  raw JSON
)""",
    # Values changed at ingest in rows that were loaded (control characters removed from free text).
    """CREATE TABLE IF NOT EXISTS ingest_notes (
  batch_id BIGINT NOT NULL,
  file VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  row_number BIGINT NOT NULL,
  column_name VARCHAR NOT NULL,
  note VARCHAR NOT NULL
)""",
    # Account ids seen in transactions that are not (yet) in ``accounts``.
    """CREATE TABLE IF NOT EXISTS external_accounts (
  account_id VARCHAR PRIMARY KEY,
  first_batch_id BIGINT NOT NULL
)""",
)


def contract_ddl() -> list[str]:
    return [_table_ddl(TABLES[name]) for name in INGEST_ORDER]


def all_ddl() -> list[str]:
    return list(INTERNAL_DDL) + contract_ddl()
