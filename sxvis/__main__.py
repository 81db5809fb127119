"""`python -m sxvis` is the `sxvis` command."""

from sxvis.cli import main

main()
