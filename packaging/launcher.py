"""Entry point of the desktop bundle: the ``reviewdesk`` command, plus ``--self-test WORKSPACE``.

``--self-test`` is what packaging/build.sh and tests/packaging/test_bundle.py run on the built
executable (and what support can ask a reviewer to run): import the demo into WORKSPACE with the
real CLI, open the window on it (offscreen works), check the queue shows the 30 demo cases, close
the window the normal way and exit 0.
"""

from __future__ import annotations

import sys
from pathlib import Path


def self_test(workspace: Path) -> int:
    from reviewdesk.cli.main import main as cli_main

    code = cli_main(["--workspace", str(workspace), "demo", "--no-gui"])
    if code:
        return code
    from reviewdesk.ui.app import application, open_window

    app = application()
    window = open_window(workspace)
    window.show()
    for _ in range(20):
        app.processEvents()
    rows = window.model.rowCount()
    window.close()
    app.processEvents()
    window.workspace.close()
    print(f"self-test: window shown with {rows} cases, closed cleanly")
    return 0 if rows == 30 else 1


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--self-test":
        return self_test(Path(sys.argv[2]))
    from reviewdesk.cli.main import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
