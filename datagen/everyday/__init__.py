"""The realistic profile's everyday world: billers, payroll, supplier networks, collectors,
government, long-standing accounts, seasonal businesses, namesakes, grey-list trade,
congregations, students and remittance families (see :class:`EverydayParams`).

:class:`Everyday` adds its parties and accounts to the population before planting
(``extend``) and draws its transactions, vectorised, after it (``generate``); every
background party's everyday kind is kept for ``background.parquet``.
"""

from datagen.everyday.build import Everyday
from datagen.everyday.params import KINDS, EverydayParams

__all__ = ["KINDS", "Everyday", "EverydayParams"]
