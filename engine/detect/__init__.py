"""The detector framework: what a typology provides and receives (``base``, ``typology``),
its SQL files (``sql``) and the catalogue of typologies a scan runs (``catalogue``)."""
