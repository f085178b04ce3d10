"""Rebuild ``un_names.tsv`` from a UN Security Council Consolidated List XML file.

Run once by hand when the list is refreshed::

    python -m datagen.data.extract_un_names path/to/un_consolidated.xml

The generator reads only the small TSV that this writes, never the XML.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pycountry
from lxml import etree

OUT = Path(__file__).with_name("un_names.tsv")
_MANUAL = {
    "Democratic Republic of the Congo": "CD",
    "Iran (Islamic Republic of)": "IR",
    "Democratic People's Republic of Korea": "KP",
    "Syrian Arab Republic": "SY",
    "Russian Federation": "RU",
    "United Kingdom of Great Britain and Northern Ireland": "GB",
    "United Republic of Tanzania": "TZ",
    "Türkiye": "TR",
    "Turkey": "TR",
    "Libya": "LY",
    "State of Palestine": "PS",
}


def _iso2(name: str | None) -> str:
    if not name:
        return ""
    name = name.strip()
    if name in _MANUAL:
        return _MANUAL[name]
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        try:
            return pycountry.countries.search_fuzzy(name)[0].alpha_2
        except LookupError:
            return ""


def _clean(s: str | None) -> str:
    return " ".join((s or "").replace("\t", " ").split())


def main(src: str) -> None:
    tree = etree.parse(src)
    generated = tree.getroot().get("dateGenerated", "")[:10]
    rows: list[list[str]] = []
    inds = tree.findall(".//INDIVIDUAL")
    for i, el in enumerate(inds):
        parts = [_clean(el.findtext(t)) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
        if sum(1 for p in parts if p) < 2 or i % 3:
            continue
        nat = _iso2(el.findtext("NATIONALITY/VALUE"))
        dob_el = el.find("INDIVIDUAL_DATE_OF_BIRTH")
        dob = ""
        if dob_el is not None:
            dob = _clean(dob_el.findtext("DATE")) or _clean(dob_el.findtext("YEAR"))
        if not nat or not dob:
            continue
        aliases = [
            _clean(a.findtext("ALIAS_NAME"))
            for a in el.findall("INDIVIDUAL_ALIAS")
            if (a.findtext("QUALITY") or "") == "Good" and _clean(a.findtext("ALIAS_NAME"))
        ]
        doc = ""
        for d in el.findall("INDIVIDUAL_DOCUMENT"):
            if _clean(d.findtext("NUMBER")):
                doc = _clean(d.findtext("NUMBER"))
                break
        rows.append([
            _clean(el.findtext("REFERENCE_NUMBER")), "individual", *parts,
            _clean(el.findtext("NAME_ORIGINAL_SCRIPT")), "|".join(aliases[:3]), dob[:10], nat, doc,
        ])
    for i, el in enumerate(tree.findall(".//ENTITY")):
        name = _clean(el.findtext("FIRST_NAME"))
        if not name or i % 4:
            continue
        aliases = [_clean(a.findtext("ALIAS_NAME")) for a in el.findall("ENTITY_ALIAS")]
        aliases = [a for a in aliases if a]
        rows.append([
            _clean(el.findtext("REFERENCE_NUMBER")), "entity", name, "", "", "", "",
            "|".join(aliases[:3]), "", _iso2(el.findtext("ENTITY_ADDRESS/COUNTRY")), "",
        ])
    header = [
        "# Names extracted from the UN Security Council Consolidated List (public data).",
        f"# source: https://scsanctions.un.org/resources/xml/en/consolidated.xml, generated {generated}",
        "# A deterministic sample (every 3rd individual with >= 2 name parts, a nationality and a",
        "# birth date; every 4th entity). Rebuild with datagen/data/extract_un_names.py.",
        "reference\tkind\tfirst\tsecond\tthird\tfourth\toriginal_script\taliases\tdob\tnationality\tdocument",
    ]
    OUT.write_text("\n".join(header + ["\t".join(r) for r in rows]) + "\n", encoding="utf-8")
    print(f"{len(rows)} names written to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
