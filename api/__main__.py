"""``python -m api`` runs the ``coopgraph`` command."""

from api.cli import main

main()
