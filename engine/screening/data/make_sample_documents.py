"""Writes ``sample_lost_stolen_documents_2026-11-30.csv``: a SYNTHETIC lost/stolen/invalid travel document
list for the demo and the generator (``python engine/screening/data/make_sample_documents.py``).

Nothing in it is a real document: the numbers are random, all start with ``Z`` (a first
letter chosen so that they stand out as the sample's), and the source of every row says
so.  Deterministic (seed 19).  Some numbers are written with spaces, dashes or in lower
case, as lists received from several reporters are, to show the loader's normalisation.
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).parent / "sample_lost_stolen_documents_2026-11-30.csv"
AS_OF = date(2026, 11, 30)
FIRST = date(2018, 1, 1)
COUNTRIES = ("AU", "BN", "CA", "CL", "CN", "HK", "ID", "JP", "KR", "MX", "MY", "NZ", "PE", "PG", "PH", "RU",
             "SG", "TH", "TW", "US", "VN", "IN", "PK", "BD", "GB", "DE", "FR", "TR", "AE", "SA")
STATUSES = (("lost", 55), ("stolen", 30), ("revoked", 7), ("invalid", 5), ("stolen_blank", 3))
HEADER = (
    "# SYNTHETIC SAMPLE - NOT REAL DOCUMENTS. A lost/stolen/invalid travel document list made up for the\n"
    "# ctfmon demo and its data generator (engine/screening/data/make_sample_documents.py, seed 19).\n"
    "# Every number is random and starts with Z. For real work load your authority's list (e.g. national\n"
    "# lost/stolen passport records, or extracts your FIU receives from INTERPOL SLTD) with\n"
    "# `ctfmon lists load FILE --format documents-csv`.\n"
    f"# as_of: {AS_OF.isoformat()}\n"
)


def main() -> None:
    rng = random.Random(19)
    rows = []
    seen = set()
    span = (AS_OF - FIRST).days
    while len(rows) < 400:
        number = "Z" + rng.choice("ABCDEFGHJKLMNPRSTUVWXY") + f"{rng.randrange(10**6, 10**7):07d}"
        if number in seen:
            continue
        seen.add(number)
        shown = number
        r = rng.random()
        if r < 0.1:
            shown = f"{number[:2]} {number[2:]}"
        elif r < 0.2:
            shown = f"{number[:2]}-{number[2:5]}-{number[5:]}"
        elif r < 0.25:
            shown = number.lower()
        status = rng.choices([s for s, _ in STATUSES], weights=[w for _, w in STATUSES])[0]
        rows.append({
            "document_number": shown,
            "issuing_country": rng.choice(COUNTRIES),
            "document_type": "passport" if rng.random() < 0.85 else "id_card",
            "status": status,
            "reported_on": (FIRST + timedelta(days=rng.randrange(span + 1))).isoformat(),
            "source": "synthetic sample (not a real list)",
        })
    rows.sort(key=lambda r: (r["reported_on"], r["document_number"]))
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        fh.write(HEADER)
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
