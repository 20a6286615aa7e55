"""``python -m reviewdesk``: subcommands go to the CLI."""

from reviewdesk.cli.main import main

raise SystemExit(main())
