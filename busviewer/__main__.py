"""Allow ``python -m busviewer``."""

from busviewer.cli import main

raise SystemExit(main())
