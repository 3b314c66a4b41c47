"""`python -m toolchains.fuzz ...`: see the package's docstring."""

from toolchains.fuzz.driver import main

main()
