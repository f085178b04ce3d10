"""Multi-script, multi-kind labelled name benchmark for the screening matcher.

``python benchmarks/name_bench.py`` builds ``benchmarks/name_bench/pairs.csv`` when it is
missing (``--rebuild`` forces it), screens every query through a :class:`ListIndex` of
the UN fixture plus the benchmark's own list entries, and prints precision / recall / F1
overall, per kind, per script and per half at the default threshold, with a threshold
sweep; the results go to ``benchmarks/results/name_bench.json``.

The pairs come from material we may ship, never from the matcher's behaviour:

- the UN Consolidated List fixture: its aliases, original-script names (Arabic,
  Cyrillic), bracketed acronyms, and names rewritten by fixed rules (token order, a
  dropped middle part, an initial, a typo, glued tokens, a title before the family name);
- ICU transliterations (``Latin-Cyrillic``, ``Latin-Greek``, ``Latin-Arabic``,
  ``Latin-Katakana``, ``Latin-Hangul``, ``Latin-Bengali``) of listed Latin names;
- the legal-form table below (ISO 20275 entity legal forms and their usual
  abbreviations and transliterations), numerals and ordinals, given-name diminutives
  and gendered given names, vessel names with IMO numbers, company qualifiers;
- the hand-written cases in ``benchmarks/name_bench/hand_cases.tsv`` (public persons
  and organisations in their own scripts), written before the matcher saw them.

Every pair has a ``kind`` (what makes it hard), a ``script`` (the non-Latin scripts
involved, ``Latin`` when none) and a ``half``: ``tune`` or ``holdout``, fixed by a hash of
the pair's group (the list entry or stem it is built on), so that the variants of one
name never straddle the halves.  The holdout half is for reporting only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import icu  # noqa: E402

from engine.screening import lists  # noqa: E402
from engine.screening.index import ListIndex  # noqa: E402
from engine.screening.matcher import DEFAULT_THRESHOLD, Query  # noqa: E402

FIXTURE = ROOT.parent / "shared" / "fixtures" / "un" / "un_consolidated_2026-02-27.xml"
if not FIXTURE.exists():
    FIXTURE = ROOT / "engine" / "screening" / "data" / "un_consolidated_2026-02-27.xml"
DIR = HERE / "name_bench"
PAIRS = DIR / "pairs.csv"
HAND = DIR / "hand_cases.tsv"
RESULTS = HERE / "results" / "name_bench.json"
FIELDS = ["pair_id", "kind", "script", "entry_type", "label", "query", "candidate", "candidate_ref",
          "q_imo", "c_imo", "source", "group", "half"]

# --------------------------------------------------------------------------- material
#: Legal forms by family: ISO 20275 (ELF) local names, their abbreviations and the usual
#: English and transliterated renderings.  Two forms of one family name the same legal form.
LEGAL_FAMILIES: dict[str, list[str]] = {
    "llc": ["LLC", "L.L.C.", "Limited Liability Company", "OOO", "ООО", "O.O.O.",
            "Obshchestvo s Ogranichennoy Otvetstvennostyu", "Общество с ограниченной ответственностью",
            "TOV", "ТОВ", "GmbH", "SRL", "S.R.L.", "Sp. z o.o.", "SARL", "S.A.R.L."],
    "jsc": ["JSC", "Joint Stock Company", "AO", "АО", "Aktsionernoye Obshchestvo", "Акционерное общество",
            "OJSC", "OAO", "ОАО", "PJSC", "PAO", "ПАО", "Public Joint Stock Company", "CJSC", "ZAO", "ЗАО"],
    "ltd": ["Ltd", "Ltd.", "Limited", "Co. Ltd", "Company Limited", "Pvt Ltd", "Private Limited"],
    "sa": ["S.A.", "SA", "Sociedad Anonima", "Societe Anonyme"],
    "ag": ["AG", "Aktiengesellschaft"],
    "inc": ["Inc", "Inc.", "Incorporated", "Corp", "Corporation"],
}
#: Company name stems (invented), each with a Cyrillic spelling where one is natural.
STEMS: list[tuple[str, str | None]] = [
    ("Romashka", "Ромашка"), ("Stroyinvest", "Стройинвест"), ("Tekhmash", "Техмаш"),
    ("Promservis", "Промсервис"), ("Vostok Neft", "Восток Нефть"), ("Severstal Trans", "Северсталь Транс"),
    ("Uralmet", "Уралмет"), ("Sibles", "Сиблес"), ("Volgatrans", "Волгатранс"), ("Agrokom", "Агроком"),
    ("Polmet", None), ("Edilnord", None), ("Bergmann Maschinenbau", None), ("Kestrel Marine", None),
    ("Halvorsen Logistics", None), ("Quintara Minerals", None), ("Marwood Textiles", None),
    ("Ostrava Steelworks", None), ("Tavrida Grain", "Таврида Зерно"), ("Baltic Amber", "Балтийский Янтарь"),
    ("Zarafshan Gold", "Зарафшан Голд"), ("Caspian Drilling", "Каспийское Бурение"), ("Novatek Service", None),
    ("Pyramis Shipping", None), ("Lazurit", "Лазурит"), ("Granit Stroy", "Гранит Строй"),
    ("Almaz Export", "Алмаз Экспорт"), ("Irtysh Energy", "Иртыш Энерджи"), ("Kama Chemicals", "Кама Химикалс"),
    ("Sogdiana Cotton", None), ("Meridian Avia", "Меридиан Авиа"), ("Orion Telecom", "Орион Телеком"),
    ("Vesta Pharm", "Веста Фарм"), ("Taiga Timber", "Тайга Тимбер"), ("Karavella", "Каравелла"),
    ("Dnepr Metal", "Днепр Металл"), ("Amur Fish", "Амур Фиш"), ("Pechora Coal", "Печора Уголь"),
]
GENERIC_ORG = ["Trading", "Holding", "Group", "International", "Industries", "Services", "Shipping",
               "Investment", "Logistics", "General Trading", "Import Export"]
COUNTRIES = ["Pakistan", "Afghanistan", "UAE", "Turkey", "Malaysia", "Nigeria", "Kenya", "Lebanon",
             "Cyprus", "Hong Kong", "Singapore", "Panama"]
ORDINAL_WORDS = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
                 "Tenth", "Eleventh", "Twelfth"]
ORDINAL_ABBR = ["1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th", "11th", "12th"]
CARDINALS = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
             "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"]
TENS = {2: "Twenty", 3: "Thirty", 4: "Forty", 5: "Fifty", 6: "Sixty", 7: "Seventy", 8: "Eighty", 9: "Ninety"}
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
NUM_HEADS = ["Avenue Holdings", "Wave Capital", "Century Shipping", "Element Trading", "Street Partners",
             "Gate Investments", "Line Logistics", "Star Maritime", "Bridge Finance", "Harbour Traders"]
NUM_TAILS = ["Unit", "Brigade", "Battalion", "Route", "Regiment", "Depot", "Factory", "Plant"]
#: Diminutives and short forms of given names (standard usage in English, Russian, Spanish,
#: Italian, German).
NICKNAMES: list[tuple[str, str]] = [
    ("William", "Bill"), ("William", "Will"), ("Robert", "Bob"), ("Robert", "Rob"), ("Richard", "Rick"),
    ("James", "Jim"), ("James", "Jimmy"), ("Michael", "Mike"), ("Thomas", "Tom"), ("Edward", "Ed"),
    ("Charles", "Charlie"), ("Elizabeth", "Beth"), ("Margaret", "Maggie"), ("Katherine", "Kathy"),
    ("Alexander", "Alex"), ("Benjamin", "Ben"), ("Joseph", "Joe"), ("Daniel", "Dan"), ("Samuel", "Sam"),
    ("Christopher", "Chris"), ("Nicholas", "Nick"), ("Anthony", "Tony"), ("Jonathan", "Jon"),
    ("Aleksandr", "Sasha"), ("Vladimir", "Vova"), ("Dmitry", "Dima"), ("Mikhail", "Misha"),
    ("Nikolai", "Kolya"), ("Ivan", "Vanya"), ("Sergei", "Seryozha"), ("Yekaterina", "Katya"),
    ("Anastasia", "Nastya"), ("Tatiana", "Tanya"), ("Natalia", "Natasha"), ("Yevgeny", "Zhenya"),
    ("Francisco", "Paco"), ("Jose", "Pepe"), ("Ignacio", "Nacho"), ("Guillermo", "Memo"),
    ("Giuseppe", "Peppe"), ("Johannes", "Hans"), ("Abraham", "Abe"), ("Patricia", "Patty"),
]
#: Given names with a counterpart of the other gender (different persons).
GENDER_PAIRS: list[tuple[str, str]] = [
    ("Salma", "Salim"), ("Samira", "Samir"), ("Amina", "Amin"), ("Karima", "Karim"), ("Jamila", "Jamil"),
    ("Farida", "Farid"), ("Rashida", "Rashid"), ("Halima", "Halim"), ("Nadia", "Nadir"), ("Aziza", "Aziz"),
    ("Habiba", "Habib"), ("Latifa", "Latif"), ("Wahida", "Wahid"), ("Majida", "Majid"), ("Naila", "Nail"),
    ("Aleksandra", "Aleksandr"), ("Yevgenia", "Yevgeny"), ("Daniela", "Daniel"), ("Paula", "Paul"),
    ("Roberta", "Robert"), ("Antonia", "Antonio"), ("Francesca", "Francesco"), ("Mariana", "Mariano"),
    ("Stanislava", "Stanislav"), ("Yaroslava", "Yaroslav"), ("Bogdana", "Bogdan"), ("Vladislava", "Vladislav"),
]
FAMILIES = ["Thornbury", "Kettleworth", "Ashcombe", "Blackwood", "Harrowgate", "Fenwick", "Larkspur",
            "Wetherby", "Pemberton", "Ravensworth", "Hollingsworth", "Belyakov", "Skvortsov", "Ovcharenko",
            "Gorbunov", "Rybakov", "Sorokin", "Iturbide", "Arriaga", "Villarreal", "Santangelo",
            "Brandauer", "Feldstein", "Buchanan", "Okonkwo", "Haddad", "Mansour", "Rahimi", "Qureshi",
            "Bakri", "Sultani", "Farouk", "Dimitrov", "Kowalczyk", "Mensah", "Yilmaz", "Castellano",
            "Moravec", "Lindqvist", "Abernathy", "Marchetti", "Ostrowski", "Valentini", "Zhukovsky"]
OTHER_GIVEN = ["John", "Peter", "George", "Oleg", "Pavel", "Carlos", "Luis", "Marco", "Stefan", "Omar",
               "Tariq", "Hassan", "Yusuf", "Grace", "Helen", "Irina", "Olga", "Lucia", "Sara", "Leila"]
VESSEL_NAMES = ["Ocean Star", "Golden Harvest", "Sea Breeze", "Eastern Pearl", "Blue Marlin", "Silver Dawn",
                "Northern Light", "Royal Falcon", "Jade Fortune", "Grand Voyager", "Crystal Bay", "Lucky Wind",
                "Amber Sky", "Coral Princess", "Iron Duke", "Polar Bear", "Red Lotus", "Sun Rise",
                "Great Wall", "Morning Glory", "Kum Song", "Paek Ma", "Chol Ryong", "Hae Dang Hwa"]
VESSEL_PREFIXES = ["MV", "M/V", "MT", "M/T", "SS", "FV"]
TITLES = ["General", "Colonel", "Sheikh", "Mullah", "Commander", "Emir", "Dr.", "Minister", "Brigadier"]
COMMON = ["Mohammed", "Ali", "Ahmed", "Abu", "Abdul", "Hassan", "Omar", "Ibrahim", "Kim", "Li"]
TYPO_LETTERS = "aeiourstnlm"
ICU_TARGETS = [("Latin-Cyrillic", "Cyrillic"), ("Latin-Greek", "Greek"), ("Latin-Arabic", "Arabic"),
               ("Latin-Katakana", "Kana"), ("Latin-Hangul", "Hangul"), ("Latin-Bengali", "Bengali")]


def imo_number(rnd: random.Random) -> str:
    """A 7-digit IMO ship number with a valid check digit."""
    digits = [rnd.randrange(10) for _ in range(6)]
    digits[0] = rnd.randrange(7, 10)
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return "".join(map(str, digits)) + str(check)


def number_words(n: int) -> str:
    """English words for 1..999 (``Seven Hundred Thirty-One``)."""
    parts: list[str] = []
    if n >= 100:
        parts.append(f"{CARDINALS[n // 100 - 1]} Hundred")
        n %= 100
    if n >= 20:
        t, u = divmod(n, 10)
        parts.append(TENS[t] + (f"-{CARDINALS[u - 1]}" if u else ""))
    elif n > 0:
        parts.append(CARDINALS[n - 1])
    return " ".join(parts)


# --------------------------------------------------------------------------- scripts
def scripts_of(text: str) -> set[str]:
    out: set[str] = set()
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        for key, label in (("CJK", "Han"), ("HIRAGANA", "Kana"), ("KATAKANA", "Kana"), ("HANGUL", "Hangul"),
                           ("KHMER", "Khmer"), ("BENGALI", "Bengali"), ("ARABIC", "Arabic"),
                           ("CYRILLIC", "Cyrillic"), ("GREEK", "Greek")):
            if name.startswith(key):
                out.add(label)
                break
    return out


def script_label(q: str, c: str) -> str:
    s = scripts_of(q) | scripts_of(c)
    if {"Han", "Kana"} <= s and len(s) == 2 and not (scripts_of(q) - {"Han"} and scripts_of(c) - {"Han"}):
        s = {"Kana"}  # a Japanese name written partly in kanji
    return "-".join(sorted(s)) if s else "Latin"


def half_of(group: str) -> str:
    h = int(hashlib.sha256(group.encode("utf-8")).hexdigest()[:8], 16)
    return "tune" if h % 2 == 0 else "holdout"


# --------------------------------------------------------------------------- build
class Builder:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.rows: list[dict[str, str]] = []
        self.seen: set[tuple[str, str, str]] = set()
        self._icu = {t: icu.Transliterator.createInstance(t) for t, _ in ICU_TARGETS}

    def add(self, kind: str, etype: str, label: int, query: str, candidate: str, *, ref: str = "",
            source: str, group: str, q_imo: str = "", c_imo: str = "", script: str | None = None) -> None:
        query = " ".join(query.split())
        candidate = " ".join(candidate.split())
        if not query or not candidate:
            return
        key = (query.casefold(), (ref or candidate).casefold(), q_imo)
        if key in self.seen:
            return
        self.seen.add(key)
        self.rows.append({
            "pair_id": str(len(self.rows) + 1), "kind": kind, "script": script or script_label(query, candidate),
            "entry_type": etype, "label": str(label), "query": query, "candidate": candidate,
            "candidate_ref": ref, "q_imo": q_imo, "c_imo": c_imo, "source": source, "group": group,
            "half": half_of(group),
        })

    def translit(self, target: str, text: str) -> str:
        return self._icu[target].transliterate(text)

    def typo(self, word: str) -> str:
        rnd = self.rnd
        i = rnd.randrange(1, len(word) - 1)
        op = rnd.choice(("sub", "del", "swap"))
        if op == "sub":
            return word[:i] + rnd.choice(TYPO_LETTERS) + word[i + 1 :]
        if op == "del":
            return word[:i] + word[i + 1 :]
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _tokens(name: str) -> list[str]:
    return name.replace(",", " ").split()


def _un_entry(b: Builder, e: lists.ListEntry) -> tuple[list[lists.ListName], str, list[str], str, Any]:
    """An entry's Latin names, primary name, its tokens, its group, and a pair adder for it."""
    latin = [n for n in e.names if n.kind != "original_script"]
    primary = latin[0].name
    g = f"UN:{e.reference}"

    def add(kind: str, label: int, q: str, src: str) -> None:
        b.add(kind, e.entry_type, label, q, primary, ref=e.reference, source=src, group=g)

    return latin, primary, _tokens(primary), g, add


def build_un(b: Builder, entries: list[lists.ListEntry]) -> None:
    """Pairs from the UN list: variants of a listed name against its entry."""
    rnd = b.rnd
    family_count: dict[str, int] = defaultdict(int)
    for e in entries:
        if e.entry_type == "person":
            for t in {t.lower() for n in e.names for t in _tokens(n.name)}:
                family_count[t] += 1
    persons = [e for e in entries if e.entry_type == "person"]
    orgs = [e for e in entries if e.entry_type == "entity"]
    ents_with_acr = [e for e in orgs if "(" in e.primary_name or any(
        "(" in n.name for n in e.names if n.kind == "primary")]
    for e in rnd.sample(persons, 300):
        latin, primary, toks, g, add = _un_entry(b, e)
        if len(toks) >= 2:
            add("person_parts", 1, " ".join(toks[1:] + toks[:1]), "un:reorder")
        if len(toks) >= 3:
            j = rnd.randrange(1, len(toks) - 1)
            add("person_parts", 1, " ".join(toks[:j] + toks[j + 1 :]), "un:drop_middle")
            add("person_parts", 1, " ".join([toks[0][0] + "."] + toks[1:]), "un:initial")
        long_idx = [i for i, t in enumerate(toks) if len(t) >= 5]
        if long_idx:
            i = rnd.choice(long_idx)
            add("person_parts", 1, " ".join(toks[:i] + [b.typo(toks[i])] + toks[i + 1 :]), "un:typo")
        aliases = [n.name for n in latin[1:] if n.quality == "good"]
        if aliases:
            add("person_parts", 1, rnd.choice(aliases), "un:alias")
        # glued tokens
        if len(toks) >= 2:
            i = rnd.randrange(len(toks) - 1)
            glued = toks[:i] + [toks[i] + toks[i + 1].capitalize()] + toks[i + 2 :]
            add("glued_split", 1, " ".join(glued), "un:glued")
        # original script, both directions
        scripts = [n.name for n in e.names if n.kind == "original_script"]
        if scripts:
            s = rnd.choice(scripts)
            add("script", 1, s, "un:original_script")
            b.add("script", "person", 1, primary, s, source="un:original_script_reverse", group=g)
        # ICU transliteration of the Latin name into another script
        target, _label = rnd.choice(ICU_TARGETS)
        b.add("script", "person", 1, b.translit(target, primary.title()), primary, ref=e.reference,
              source=f"icu:{target}", group=g)
        # title before a family name that is rare on the list
        last = toks[-1]
        if len(toks) >= 2 and len(last) >= 5 and family_count.get(last.lower(), 0) == 1 and rnd.random() < 0.5:
            add("title", 1, f"{rnd.choice(TITLES)} {last.title()}", "un:title")
        # ---- hard negatives
        if len(toks) >= 2:
            add("person_parts", 0, f"{rnd.choice(OTHER_GIVEN)} {toks[-1]}", "un:shared_family_name")
            add("person_parts", 0, " ".join(toks[:-1] + [rnd.choice(FAMILIES)]), "un:changed_family_name")
            if len(toks) >= 2:
                glued_other = toks[0] + rnd.choice(FAMILIES)
                add("glued_split", 0, glued_other, "un:glued_other")
            common = [t for t in toks if t.title() in COMMON or t.lower() in {"al", "bin", "abu"}]
            if common:
                add("common_names", 0, " ".join(common[:2] + [rnd.choice(FAMILIES)]), "un:common_tokens")
                rare = [t for t in toks if t not in common]
                if rare and len(toks) >= 2:
                    add("common_names", 1, " ".join(toks[-1:] + toks[:-1]), "un:common_family_first")
            if len(toks) >= 2 and len(last) >= 5 and rnd.random() < 0.3:
                add("title", 0, f"{rnd.choice(TITLES)} {toks[0].title()} {rnd.choice(FAMILIES)}", "un:title_other")
        if rnd.random() < 0.4:
            add("common_names", 0, f"{rnd.choice(COMMON)} {rnd.choice(COMMON)} {rnd.choice(FAMILIES)}",
                "un:common_collision")
    for e in rnd.sample(orgs, 120):
        latin, primary, toks, g, add = _un_entry(b, e)
        aliases = [n.name for n in latin[1:] if n.quality == "good" and len(n.name) > 6]
        if aliases:
            add("org_variants", 1, rnd.choice(aliases), "un:alias")
        long_idx = [i for i, t in enumerate(toks) if len(t) >= 6]
        if long_idx:
            i = rnd.choice(long_idx)
            add("org_variants", 1, " ".join(toks[:i] + [b.typo(toks[i])] + toks[i + 1 :]), "un:typo")
        fam = rnd.choice(list(LEGAL_FAMILIES))
        add("legal_form", 1, f"{primary} {rnd.choice(LEGAL_FAMILIES[fam])}", "un:legal_form_added")
        if len(toks) >= 2:
            i = rnd.randrange(len(toks) - 1)
            if toks[i].isalpha() and toks[i + 1].isalpha():
                add("glued_split", 1, " ".join(toks[:i] + [toks[i] + toks[i + 1].lower()] + toks[i + 2 :]),
                    "un:glued")
        scripts = [n.name for n in e.names if n.kind == "original_script"]
        if scripts:
            add("script", 1, rnd.choice(scripts), "un:original_script")
        target, _label = rnd.choice(ICU_TARGETS[:3])
        b.add("script", "entity", 1, b.translit(target, primary.title()), primary, ref=e.reference,
              source=f"icu:{target}", group=g)
        # ---- hard negatives: generic words and legal forms only; a changed distinctive word
        generic = [t for t in toks if t.lower() in {"trust", "foundation", "company", "trading", "group",
                                                    "organization", "bank", "al", "international", "islamic",
                                                    "corporation", "front", "brigade", "industries", "limited",
                                                    "ltd", "co.", "llc"}]
        if generic:
            add("org_variants", 0, " ".join([rnd.choice(STEMS)[0]] + generic), "un:generic_words")
        if len(toks) >= 2:
            longest = max(range(len(toks)), key=lambda i: len(toks[i]))
            add("org_variants", 0, " ".join(toks[:longest] + [rnd.choice(STEMS)[0]] + toks[longest + 1 :]),
                "un:changed_distinctive_word")
    # acronyms: the bracketed acronym against the long name alone, and a wrong acronym
    for e in ents_with_acr:
        for n in e.names:
            if n.kind != "primary" or "(" not in n.name:
                continue
            long = " ".join(n.name.split("(")[0].split())
            acr = n.name.split("(")[1].split(")")[0].strip()
            if not long or not acr.isalpha() or len(acr) < 2 or len(long.split()) < 2:
                continue
            initials = {w.lstrip("'‘’\"")[:1].upper() for w in long.replace("-", " ").split()}
            if not acr.isupper() or acr[0] not in initials:
                continue  # a place or qualifier in brackets (AL-HARAMAYN FOUNDATION (KENYA)), not an acronym
            g = f"UN:{e.reference}"
            b.add("acronym", "entity", 1, acr, long, source="un:acronym", group=g)
            b.add("acronym", "entity", 1, ".".join(acr) + ".", long, source="un:acronym_dotted", group=g)
            other = [o for o in orgs if o is not e and o.primary_name[:1] == long[:1]
                     and "(" not in o.primary_name and len(o.primary_name.split()) >= 2]
            if other:
                b.add("acronym", "entity", 0, acr, rnd.choice(other).primary_name, source="un:acronym_other",
                      group=g)


def build_templates(b: Builder) -> None:
    rnd = b.rnd
    # ---- legal forms
    for stem, cyr in STEMS:
        g = f"STEM:{stem}"
        fam = rnd.choice(list(LEGAL_FAMILIES))
        forms = LEGAL_FAMILIES[fam]
        base = f"{stem} {rnd.choice(forms[:3])}"
        for _ in range(3):
            f = rnd.choice(forms)
            q = f"{f} {stem}" if rnd.random() < 0.5 else f"{stem} {f}"
            b.add("legal_form", "entity", 1, q, base, source="table:legal_form_same_family", group=g)
        b.add("legal_form", "entity", 1, stem, base, source="table:legal_form_dropped", group=g)
        b.add("legal_form", "entity", 1, f"{stem} {rnd.choice(forms)}", stem, source="table:legal_form_added",
              group=g)
        if cyr:
            f = rnd.choice([x for x in forms if not x.isascii()] or forms)
            b.add("legal_form", "entity", 1, f"{f} «{cyr}»", base, source="table:legal_form_cyrillic", group=g)
            b.add("legal_form", "entity", 1, base, f"{cyr} {f}", source="table:legal_form_cyrillic", group=g)
        other, other_cyr = rnd.choice([s for s in STEMS if s[0] != stem])
        f = rnd.choice(forms)
        b.add("legal_form", "entity", 0, f"{other} {f}", f"{stem} {f}", source="table:legal_form_other_company",
              group=g)
        if cyr and other_cyr:
            f = rnd.choice([x for x in forms if not x.isascii()] or forms)
            b.add("legal_form", "entity", 0, f"{f} {other_cyr}", f"{f} {cyr}", source="table:legal_form_other_company",
                  group=g)
        gen = rnd.choice(GENERIC_ORG)
        b.add("legal_form", "entity", 0, f"{other} {gen} {f}", f"{stem} {gen} {f}",
              source="table:legal_form_generic_word", group=g)
    # ---- numerals and ordinals
    for head in NUM_HEADS:
        n = rnd.randrange(1, 13)
        g = f"NUM:{head}"
        b.add("numeral", "entity", 1, f"{ORDINAL_ABBR[n - 1]} {head}", f"{ORDINAL_WORDS[n - 1]} {head}",
              source="table:ordinal", group=g)
        b.add("numeral", "entity", 1, f"{ORDINAL_WORDS[n - 1]} {head} Ltd", f"{ORDINAL_ABBR[n - 1]} {head}",
              source="table:ordinal", group=g)
        m = n % 12 + 1
        b.add("numeral", "entity", 0, f"{ORDINAL_ABBR[m - 1]} {head}", f"{ORDINAL_WORDS[n - 1]} {head}",
              source="table:ordinal_other", group=g)
        b.add("numeral", "entity", 0, f"{ORDINAL_WORDS[m - 1]} {head}", f"{ORDINAL_WORDS[n - 1]} {head}",
              source="table:ordinal_other", group=g)
        r = rnd.randrange(2, 10)
        b.add("numeral", "entity", 1, f"{head} {ROMAN[r - 1]}", f"{head} {r}", source="table:roman", group=g)
        b.add("numeral", "entity", 1, f"{head} {CARDINALS[r - 1]}", f"{head} {ROMAN[r - 1]}", source="table:roman",
              group=g)
        b.add("numeral", "entity", 0, f"{head} {ROMAN[r]}", f"{head} {ROMAN[r - 1]}", source="table:roman_other",
              group=g)
        b.add("numeral", "entity", 0, f"{head}", f"{head} {ROMAN[r - 1]}", source="table:roman_missing", group=g)
    for tail in NUM_TAILS:
        n = rnd.randrange(21, 999)
        g = f"NUM:{tail}"
        b.add("numeral", "entity", 1, f"{tail} {n}", f"{tail} {number_words(n)}", source="table:cardinal", group=g)
        b.add("numeral", "entity", 1, f"{n} {tail}", f"{tail} {n}", source="table:cardinal", group=g)
        b.add("numeral", "entity", 0, f"{tail} {n + 1}", f"{tail} {n}", source="table:cardinal_other", group=g)
        b.add("numeral", "entity", 0, f"{tail} {number_words(n + 10)}", f"{tail} {n}",
              source="table:cardinal_other", group=g)
    # ---- company qualifiers
    for stem, _cyr in rnd.sample(STEMS, 24):
        gen = rnd.choice(GENERIC_ORG)
        c1, c2 = rnd.sample(COUNTRIES, 2)
        g = f"QUAL:{stem}"
        b.add("qualifier", "entity", 0, f"{stem} {gen} {c1}", f"{stem} {gen} {c2}", source="table:branch_country",
              group=g)
        b.add("qualifier", "entity", 1, f"{stem} {gen} ({c1})", f"{stem} {gen} {c1} Ltd", source="table:branch_same",
              group=g)
        b.add("qualifier", "entity", 1, f"{stem}-{gen}, {c1}", f"{stem} {gen} {c1}", source="table:branch_same",
              group=g)
    # ---- nicknames and gendered given names
    for full, nick in NICKNAMES:
        fam = rnd.choice(FAMILIES)
        g = f"NICK:{full}:{nick}"
        b.add("nickname", "person", 1, f"{nick} {fam}", f"{full} {fam}", source="table:nickname", group=g)
        b.add("nickname", "person", 1, f"{fam}, {nick}", f"{full} {rnd.choice(OTHER_GIVEN)} {fam}",
              source="table:nickname_middle", group=g)
        other = rnd.choice([f for f, _n in NICKNAMES if f != full])
        b.add("nickname", "person", 0, f"{nick} {fam}", f"{other} {fam}", source="table:nickname_other", group=g)
    for fem, masc in GENDER_PAIRS:
        fam = rnd.choice(FAMILIES)
        g = f"GENDER:{fem}"
        q, c = (fem, masc) if rnd.random() < 0.5 else (masc, fem)
        b.add("person_parts", "person", 0, f"{q} {fam}", f"{c} {fam}", source="table:gender", group=g)
        b.add("person_parts", "person", 1, f"{fam} {c}", f"{c} {fam}", source="table:gender_reorder", group=g)
    # ---- vessels
    for i, name in enumerate(VESSEL_NAMES):
        imo = imo_number(rnd)
        g = f"VESSEL:{name}"
        listed = name.upper() + (f" {rnd.randrange(1, 9)}" if i % 3 == 0 else "")
        pref = rnd.choice(VESSEL_PREFIXES)
        b.add("vessel", "vessel", 1, f"{pref} {listed.title()}", listed, c_imo=imo, source="table:vessel_prefix",
              group=g)
        b.add("vessel", "vessel", 1, f"{listed.title()}", listed, q_imo=imo, c_imo=imo, source="table:vessel_imo",
              group=g)
        b.add("vessel", "vessel", 1, f"{listed} (IMO {imo})", listed, c_imo=imo, source="table:vessel_imo_text",
              group=g)
        b.add("vessel", "vessel", 0, listed.title(), listed, q_imo=imo_number(rnd), c_imo=imo,
              source="table:vessel_other_imo", group=g)
        other = rnd.choice([v for v in VESSEL_NAMES if v != name])
        b.add("vessel", "vessel", 0, f"{pref} {other}", listed, source="table:vessel_other_name", group=g)
        if listed[-1].isdigit():
            b.add("vessel", "vessel", 0, listed[:-1] + str(int(listed[-1]) % 9 + 1), listed,
                  source="table:vessel_other_number", group=g)


def build_hand(b: Builder) -> None:
    with HAND.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.rstrip("\n").split("\t")
            kind, script, etype, label, query, candidate = cells[:6]
            extra = dict(c.split("=", 1) for c in cells[6:] if "=" in c)
            b.add(kind, etype, int(label), query, candidate, source="hand", group=f"HAND:{candidate}",
                  q_imo=extra.get("q_imo", ""), c_imo=extra.get("c_imo", ""), script=script)


def build(seed: int = 11) -> list[dict[str, str]]:
    parsed, _ = lists.parse_file(FIXTURE)
    b = Builder(seed)
    build_hand(b)
    build_un(b, parsed.entries)
    build_templates(b)
    build_transpositions(b, parsed.entries)
    return b.rows


def swap_letters(word: str, i: int) -> str:
    """``word`` with its letters ``i`` and ``i + 1`` swapped."""
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def build_transpositions(b: Builder, entries: list[lists.ListEntry], seed: int = 23) -> None:
    """Kind ``transposition``: listed names with two adjacent letters of one token swapped,
    at any place of any token of two letters or more (the start included: *Hcol*), and the
    same slip in a name whose family name was changed or whose given name is the other gender
    (hard negatives).  Its own random stream, so the pairs built before it stay as they were."""
    rnd = random.Random(seed)
    persons = [e for e in entries if e.entry_type == "person"]
    orgs = [e for e in entries if e.entry_type == "entity"]
    for e in rnd.sample(persons, 200) + rnd.sample(orgs, 80):
        _latin, primary, toks, _g, add = _un_entry(b, e)
        cand = [i for i, t in enumerate(toks) if len(t) >= 2 and t.isalpha() and len(set(t)) > 1]
        if not cand:
            continue
        i = rnd.choice(cand)
        t = toks[i]
        j = rnd.randrange(len(t) - 1)
        while t[j] == t[j + 1]:
            j = rnd.randrange(len(t) - 1)
        swapped = toks[:i] + [swap_letters(t, j)] + toks[i + 1 :]
        add("transposition", 1, " ".join(swapped), "un:transposition")
        if e.entry_type == "person" and len(toks) >= 2:
            k = len(toks) - 1 if i != len(toks) - 1 else 0
            other = swapped[:k] + [rnd.choice(FAMILIES)] + swapped[k + 1 :]
            add("transposition", 0, " ".join(other), "un:transposition_other_name")
    # the catalogue's common-name reading: a gendered given name beside a shared family name
    for e in persons:
        for n in e.names:
            if n.name.casefold() == "salim saleh":
                b.add("transposition", "person", 0, "Salma Saleh", e.primary_name if e.names else n.name,
                      ref=e.reference, source="hand:common_names", group=f"UN:{e.reference}")


def write(rows: list[dict[str, str]]) -> None:
    DIR.mkdir(exist_ok=True)
    with PAIRS.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)


# --------------------------------------------------------------------------- evaluate
def bench_entries(rows: list[dict[str, str]]) -> dict[tuple[str, str], lists.ListEntry]:
    """The UN fixture plus one BENCH entry per distinct candidate name that is not a UN reference."""
    parsed, _ = lists.parse_file(FIXTURE)
    entries = {("UN", e.reference): e for e in parsed.entries}
    for r in rows:
        if r["candidate_ref"]:
            continue
        ref = bench_ref(r)
        if ("BENCH", ref) in entries:
            continue
        docs = [{"number": f"IMO {r['c_imo']}", "type": "IMO"}] if r["c_imo"] else []
        entries[("BENCH", ref)] = lists.ListEntry(
            reference=ref, entry_type=r["entry_type"], primary_name=r["candidate"],
            names=[lists.ListName(r["candidate"], "primary", "good")], documents=docs,
        )
    return entries


def bench_ref(r: dict[str, str]) -> str:
    key = f"{r['entry_type']}|{r['candidate']}|{r['c_imo']}"
    return "B-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:10]


def prf(scored: list[tuple[float, int]], th: float) -> dict[str, Any]:
    tp = sum(1 for s, lab in scored if s >= th and lab == 1)
    fp = sum(1 for s, lab in scored if s >= th and lab == 0)
    fn = sum(1 for s, lab in scored if s < th and lab == 1)
    tn = sum(1 for s, lab in scored if s < th and lab == 0)
    p = tp / (tp + fp) if tp + fp else 1.0
    rc = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * rc / (p + rc) if p + rc else 0.0
    return {"threshold": round(th, 2), "pairs": len(scored), "positives": tp + fn, "precision": round(p, 4),
            "recall": round(rc, 4), "f1": round(f1, 4), "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def score_rows(rows: list[dict[str, str]]) -> tuple[list[float], float]:
    idx = ListIndex(bench_entries(rows))
    scores: list[float] = []
    t0 = time.perf_counter()
    for r in rows:
        target = ("UN", r["candidate_ref"]) if r["candidate_ref"] else ("BENCH", bench_ref(r))
        q = Query(r["query"], entry_type=r["entry_type"], document_number=f"IMO {r['q_imo']}" if r["q_imo"] else None)
        res = idx.match(q, limit=500, min_score=0.0)
        scores.append(next((x.score for x in res if (x.list_name, x.reference) == target), 0.0))
    return scores, time.perf_counter() - t0


def evaluate(rows: list[dict[str, str]], threshold: float, halves: tuple[str, ...]) -> dict[str, Any]:
    scores, elapsed = score_rows(rows)
    data = [(s, int(r["label"]), r) for s, r in zip(scores, rows, strict=True)]
    out: dict[str, Any] = {"threshold": threshold, "ms_per_query": round(1000 * elapsed / max(1, len(rows)), 3)}
    for half in halves + ("all",):
        sub = [d for d in data if half == "all" or d[2]["half"] == half]
        if not sub:
            continue
        sl = [(s, lab) for s, lab, _r in sub]
        sweep = [prf(sl, t / 100) for t in range(50, 96)]
        best = max(sweep, key=lambda x: (x["f1"], -abs(x["threshold"] - threshold)))
        by: dict[str, dict[str, Any]] = {}
        for field in ("kind", "script", "entry_type"):
            groups: dict[str, list[tuple[float, int]]] = defaultdict(list)
            for s, lab, r in sub:
                groups[r[field]].append((s, lab))
            by[field] = {k: prf(v, threshold) for k, v in sorted(groups.items())}
        out[half] = {"default": prf(sl, threshold), "best": best, "by": by,
                     "sweep": [x for x in sweep if round(x["threshold"] * 100) % 5 == 0]}
    return out


def print_report(res: dict[str, Any]) -> None:
    for half in ("tune", "holdout", "all"):
        if half not in res:
            continue
        h = res[half]
        d, b = h["default"], h["best"]
        print(f"\n== {half}: {d['pairs']} pairs ({d['positives']} positive) at threshold {res['threshold']:.2f}: "
              f"P {d['precision']:.3f} R {d['recall']:.3f} F1 {d['f1']:.3f}; best F1 {b['f1']:.3f} at {b['threshold']:.2f}")
        for field in ("kind", "script", "entry_type"):
            print(f"{field:<18} {'pairs':>5} {'pos':>4} {'P':>6} {'R':>6} {'F1':>6} {'fp':>4} {'fn':>4}")
            for k, x in h["by"][field].items():
                print(f"{k:<18} {x['pairs']:>5} {x['positives']:>4} {x['precision']:>6.3f} {x['recall']:>6.3f} "
                      f"{x['f1']:>6.3f} {x['fp']:>4} {x['fn']:>4}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rebuild", action="store_true", help="regenerate the pairs from the material")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--half", choices=["tune", "holdout", "both"], default="both",
                    help="which half to score (tuning looks at 'tune' only)")
    ap.add_argument("--failures", type=int, default=0, help="print up to N wrong pairs of the tune half")
    args = ap.parse_args()
    if args.rebuild or not PAIRS.exists():
        write(build())
    with PAIRS.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    halves = ("tune", "holdout") if args.half == "both" else (args.half,)
    rows = [r for r in rows if r["half"] in halves]
    res = evaluate(rows, args.threshold, halves)
    print_report(res)
    if args.failures:
        scores, _ = score_rows([r for r in rows if r["half"] == "tune"])
        tune = [r for r in rows if r["half"] == "tune"]
        bad = [(s, r) for s, r in zip(scores, tune, strict=True)
               if (s >= args.threshold) != (r["label"] == "1")]
        for s, r in bad[: args.failures]:
            print(f"{r['label']} {s:.3f} [{r['kind']}/{r['script']}/{r['source']}] {r['query']!r} ~ {r['candidate']!r}")
    if args.half == "both":
        RESULTS.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
