"""`python -m toolchains.shim [--check]`: rebuild (or check) the prebuilt shim."""

from toolchains.shim.build import main

raise SystemExit(main())
