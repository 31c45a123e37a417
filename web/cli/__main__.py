"""`python -m web.cli …` runs the `coop` command (as the tests and benches do)."""

from web.cli import main

raise SystemExit(main())
