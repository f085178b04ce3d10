"""The everyday world's parameters: who does what ordinary thing, how often and for how much.

Every figure here is a documented default of :class:`EverydayParams`; amounts are in USD at
a wage level of 3,000 USD a month and scale with the square root of the economy's wage
level (``datagen.normal.WAGE``), like the clean world's amounts.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Everyday kinds written to ``background.parquet`` (one primary kind per background party).
KINDS: tuple[str, ...] = (
    "household", "business", "cash_business", "foreign_business", "npo", "bank", "money_service_business",
    "government",
    # specific kinds (override the defaults above)
    "utility", "telco", "insurer", "biller", "payroll_employer", "wholesaler", "logistics", "b2b_supplier",
    "trade_customer", "acquirer", "marketplace", "payment_processor", "government_payer",
    "benefit_recipient", "long_standing_account", "seasonal_business", "namesake_customer", "namesake_counterparty",
    "xb_trader_documented", "xb_trader_undocumented", "foreign_trade_partner", "npo_congregation",
    "student", "university", "migrant_worker", "remittance_family",
    # parties a planter created around an instance without giving them a role (a look-alike's
    # counterparty, a trade partner): unlabelled, so background to the evaluation
    "instance_context",
)
KIND = {k: i for i, k in enumerate(KINDS)}

#: FATF grey-list and conflict-border/transit countries businesses trade with every month.
XB_TRADE_COUNTRIES: tuple[str, ...] = ("TR", "PK", "JO", "KE", "LB", "NG", "BG", "LA", "NP", "ET", "DJ")
#: Where students come from (their parents pay from there) and where they study.
STUDENT_HOME: tuple[str, ...] = ("CN", "IN", "VN", "MY", "ID", "KR", "TH", "PH", "PK", "NP")
STUDY_IN: tuple[str, ...] = ("AU", "US", "CA", "NZ", "SG", "JP", "KR", "HK")
#: Where remittance-receiving families live, and where their relatives work.
REMIT_HOME: tuple[str, ...] = ("PH", "MX", "VN", "ID", "TH", "PE", "CL", "PG")
REMIT_ABROAD: tuple[str, ...] = ("US", "JP", "KR", "SG", "AU", "HK", "CA", "AE", "TW", "NZ")


@dataclass(frozen=True)
class EverydayParams:
    """Rates and distributions of the realistic profile's everyday activity.

    Bills
        ``bill_payer_share`` of individuals (households) pay a utility (probability
        ``p_utility``), a telco (``p_telco``), an insurer (``p_insurer``) and another biller
        (``p_biller``: water, municipal, school) every month on their own fixed day of month
        (1-28, +0-2 days), by direct debit or mobile transfer.  Each economy has
        ``utilities_per_country`` utilities, ``telcos_per_country`` telcos,
        ``insurers_per_country`` insurers and ``billers_per_country`` other billers; customers
        choose one by a Zipf(1.2) popularity, so one or two per economy serve most households.
        Amounts (per customer lognormal(median, 0.5)): utility median 90 (sigma 0.15 month to
        month, +20% in December-February and July-August), telco 45 (a plan: the same amount
        in local currency every month), insurer 120 (a fixed premium), biller 60 (sigma 0.3).
    Payroll
        ``payroll_employee_share`` of individuals are paid by a payroll employer in their
        economy.  Employers have lognormal(median ``payroll_median_staff``, sigma 1.1) staff
        clipped to 5-500; each has 1-4 pay grades (x1, x1.4, x2, x3.2 of the economy's wage
        level times an employer factor lognormal(0, 0.3)); a payee's salary is its grade's
        times lognormal(0, 0.04), so most payees of a run get nearly the same amount, and the
        same payee the same amount (in local currency) every month.  70% pay
        monthly on a fixed day (25th, 28th, last or 1st), 30% semi-monthly (15th and last,
        half the salary each); a run that falls on a weekend moves to the Friday before, and
        every payee of a run is paid within the same 15 minutes.
    Business-to-business
        Each domestic business buys from 1 + Poisson(``b2b_suppliers_mean`` - 1) suppliers in
        its economy, drawn by popularity: ordinary businesses Pareto(1.2), and
        ``wholesalers_per_1000_businesses`` wholesalers plus ``logistics_per_1000_businesses``
        logistics firms weigh 150 (ordinary ones at most 100), so a few serve hundreds of businesses.  A relationship
        repeats every 14-60 days (random phase) with a base invoice lognormal(2,500,
        sigma 1.0); each invoice is base x (1 + v x U(-1, 1)) with v per relationship
        uniform in 0.3-1.0 (amounts vary +-30-100%), at least 10% of base.
    Shared trade pools
        ``pools_per_1000_businesses`` pools, each of 15-60 trade customers (small retailers)
        that all pay the same 3-8 suppliers every 20-40 days (base lognormal(1,500, 0.8),
        +-30-100%): the dense customer/supplier blocks of a market district.
    Collectors that pay out to many
        Acquirers (one per ``acquirer_per_merchants`` merchants, at least 2) settle to
        ``merchant_share`` of domestic businesses every day (the largest 20%) or every 3-10 days,
        lognormal(median 1,200, sigma 1.0), funded by one card-scheme settlement a day of the
        day's payouts plus 1-3%.  Marketplaces and payment processors (``marketplaces``,
        ``processors`` each at least 2) collect buyer payments from ``marketplace_buyer_share``
        of individuals (Poisson(6) purchases a year, lognormal(60, 0.9)) and pay weekly
        payouts (lognormal(350, 0.9)) to sellers (10% of domestic businesses each; marketplaces
        also 1% of individuals).
    Government
        ``benefit_share`` of individuals receive a monthly pension or benefit on the
        scheme's fixed day (3rd or 10th, before a weekend when it falls on one) from a
        government body of their economy, at one of 3 fixed rates per economy (25, 35 or 50% of
        the wage level; many identical amounts, the same in local currency every month); ``tax_share`` of individuals pay income tax
        quarterly and 20% of businesses pay VAT monthly to the tax authority.
    Long-standing accounts
        ``legacy_account_share`` of the population's accounts keep their opening date, years
        before the data start (the clean world moves every account's opening to at most 170
        days before its first transaction); ``large_start_share`` of individuals and
        businesses have a long-standing savings/reserve account (opened 2-20 years before the
        data) whose first record on file is a large credit (individuals 15,000-120,000: a
        property sale, a matured deposit; businesses 50,000-500,000), followed by ordinary
        transfers to the owner's main account.
    Seasonal businesses
        ``seasonal_per_1000_businesses`` businesses (tourism, harvest, festive retail) with a
        90-120 day season: receipts from individuals (lognormal(400, 1.0), several a day),
        weekly supplier payments and seasonal payroll in season; off season at most one
        payment every two months.  Their accounts are long-standing.
    Namesakes
        ``namesake_share`` of individuals are renamed to a near-spelling of a listed
        individual's name (a gender variant of the given name - Salim/Salma, Amin/Amina -, one
        vowel changed, the listed family name with another common given name, or the listed
        given name with a common family name; Arabic, Malay, Korean and Chinese common
        names), never the listed name itself; their date of birth is 10-25 years from the
        listed one and their nationality differs, so the qualifiers disagree.
    Counterparties named like listed persons
        ``counterparty_namesake_share`` of the external individuals customers pay or are paid
        by - migrants' relatives abroad (outgoing remittances), students' parents and
        remittance families' relatives (incoming) - carry a name that agrees with a listed
        individual's on world-wide common given and family names only
        (``build.COMMON_TOKENS``: Muhammad, Ahmad, Hassan, Kim, Chol, Wang, Tan...; the
        listed name's other tokens replaced by common names of the same tradition, a given
        name sometimes by its other-gender form), e.g. *Ahmad Hassan* beside a listed *Ahmad
        Mahmood Hassan*, and live in a country other than the listed nationality.  The
        customer on our side is ``namesake_counterparty`` in ``background.parquet``.
    Cross-border trade with grey-list and conflict-border countries
        ``xb_traders_per_1000_businesses`` domestic businesses trade every 20-45 days with 1-3
        partners in ``XB_TRADE_COUNTRIES`` (base lognormal(15,000, 0.8), +-30-100%; 70%
        imports); ``xb_documented_share`` of them have a trade document (invoice, bill of
        lading) for every payment, the rest only a payment reference (at every size at least
        one trader of each).
    Congregations
        ``congregations_per_1000_individuals`` religious NPOs, each with lognormal(median 60,
        sigma 0.6) congregants (10-300) of its economy, 60% of whom give each week on the
        day of worship (round amounts, median 20); each pays 2-8 staff monthly and 2-4 local
        suppliers and a utility monthly.
    Students and migrant families
        ``student_share`` of individuals are students from ``STUDENT_HOME`` studying in
        ``STUDY_IN``: a monthly allowance from a parent abroad (lognormal(1,200, 0.4)) and,
        twice a year, tuition (8,000-25,000) sent by the parent 1-5 days before the student
        pays the university.  ``remit_family_share`` of individuals living in
        ``REMIT_HOME`` receive monthly remittances from one or two relatives working in
        ``REMIT_ABROAD`` (lognormal(300, 0.5), more in December).
    Budget
        The everyday activity is at most ``max_share`` of the requested transactions (the
        rates above are scaled down together when they would exceed it); the clean world's
        activity fills the rest, with its own (small-employer) payroll at ``clean_salary_share`` of it
        (none by default: the everyday payroll pays every salary).
    """

    bill_payer_share: float = 0.55
    p_utility: float = 0.80
    p_telco: float = 0.60
    p_insurer: float = 0.25
    p_biller: float = 0.15
    utilities_per_country: int = 2
    telcos_per_country: int = 3
    insurers_per_country: int = 4
    billers_per_country: int = 3
    payroll_employee_share: float = 0.35
    payroll_median_staff: float = 14.0
    b2b_suppliers_mean: float = 3.0
    wholesalers_per_1000_businesses: float = 8.0
    logistics_per_1000_businesses: float = 5.0
    pools_per_1000_businesses: float = 4.0
    acquirer_per_merchants: int = 1500
    merchant_share: float = 0.20
    marketplaces: int = 3
    processors: int = 2
    marketplace_buyer_share: float = 0.20
    benefit_share: float = 0.06
    tax_share: float = 0.15
    legacy_account_share: float = 0.40
    large_start_share: float = 0.01
    seasonal_per_1000_businesses: float = 10.0
    namesake_share: float = 0.004
    counterparty_namesake_share: float = 0.03
    xb_traders_per_1000_businesses: float = 12.0
    xb_documented_share: float = 0.6
    congregations_per_1000_individuals: float = 0.6
    student_share: float = 0.02
    remit_family_share: float = 0.04
    max_share: float = 0.75
    clean_salary_share: float = 0.0
