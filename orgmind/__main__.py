"""``python -m orgmind``: the command line."""

from orgmind.cli import main

main()
