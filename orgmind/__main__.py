"""``python -m orgmind``: the command line."""

from orgmind.entry import main

main()
