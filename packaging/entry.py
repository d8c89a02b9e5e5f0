"""Entry point of the PyInstaller bundle: the same ``busviewer`` command as the wheel's console script."""

import multiprocessing

from busviewer.cli import main

if __name__ == "__main__":
    # The compute process is started with ``spawn``: in a frozen app the child re-runs this executable,
    # and freeze_support() turns that run into the child instead of a second window.
    multiprocessing.freeze_support()
    raise SystemExit(main())
