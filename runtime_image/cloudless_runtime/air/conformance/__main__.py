"""`python -m cloudless_runtime.air.conformance`; see `cli`."""

from cloudless_runtime.air.conformance.cli import main

raise SystemExit(main())
