"""``python -m cli ...`` runs ``ctfmon ...``."""

from cli.main import main

main()
