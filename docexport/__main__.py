"""``python -m docexport`` runs the same command as the ``docexport`` script."""

from docexport.cli import main

main()
