"""Synthetic populations with planted, labelled typologies (``ctfmon generate``).

Pipeline (:mod:`datagen.generate`): population (:mod:`datagen.population`), in the realistic
profile the everyday world built into it (:mod:`datagen.everyday`), one planter per
typology id (:mod:`datagen.planters`), legitimate trade and cash declarations
(:mod:`datagen.trade`), normal transactions (:mod:`datagen.normal`) filling the rest of
``--transactions``, ids and text columns (:mod:`datagen.finalize`), optional malformed rows
(:mod:`datagen.errors`), files (:mod:`datagen.writer`) and ``manifest.json``.
:mod:`datagen.verify` checks with plain SQL that planted instances satisfy the catalogue
definitions and look-alikes do not.

Randomness: every component draws from its own stream seeded by (seed, component name),
so the same seed and arguments give byte-identical files, and a planter's output does
not depend on which other typologies are selected.

Profiles.  ``realistic`` (the default) and ``clean``: positives sit comfortably inside each
definition (amounts a few percent inside the band, counts above the minimum, windows well
inside the limit); look-alikes are half as many as positives; ``realistic`` adds the
everyday world of :mod:`datagen.everyday`.  ``hard`` is the realistic world (everyday
activity included) and changes exactly this:

- amounts closer to the thresholds: structuring 8,050-9,990 (default 8,600-9,800) plus
  one deposit just under the band; declarations 8,020-9,990; prepaid loads 5,050-5,600 on
  one card; corridor totals 10,200-12,500; pass-through totals 20,500-24,000 with
  90.5-93% forwarded after 55-70 h; dormant reactivations 10,300-12,000; NPO diversion
  21-26% and 10,200-12,000; NPO pass-through 70.5-75%; micro-donations 71-76% sent on;
  over/under-invoicing factor 3.3-3.9; payment mismatch 11-14%; cycles returning 72-76%
  over 6-8 hops; chains forwarding 80.5-84% after 38-47 h; drains of 81-86%;
- counts at the minimum: 3-4 structuring movements, 5-6 funnel depositors, 15-17 micro
  donors, 4-5 remittance beneficiaries, 10-12 NPO donors, 8-9 fan counterparties, layers
  of exactly 3 accounts with exactly two thirds density;
- windows near the limit: structuring over 4-6.8 days, funnel deposits over 8-13 days,
  courier declarations over 60-88 days, corridor flows over 22-29 days, remittances over
  45-58 days, dormancy of 181-186 days, NPO diversion over 80-89 days, fans over
  5.5-6.8 days, cycles over 24-29 days, circular trade over 150-175 days;
- more noise: planted individuals get twice the background activity, and planted accounts
  also do ordinary business over their background period (a monthly bill to one biller, a
  monthly salary from one employer, a business's supplier invoices to one wholesaler;
  :meth:`datagen.everyday.Everyday.ordinary_business`);
- more look-alikes: as many as positives (twice the default).
Amounts near the thresholds still meet them: every hard positive satisfies its literal
reading in :mod:`datagen.verify`.
"""

DATAGEN_VERSION = "1.3"
