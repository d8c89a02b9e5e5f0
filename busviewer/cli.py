"""Command-line entry point: ``busviewer [FILE...]`` opens the app; sub-commands run the same functions headless."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from busviewer import __version__
from busviewer.core.errors import UserFacingError

log = logging.getLogger("busviewer")

SUBCOMMANDS = ("info", "train", "evaluate", "predict", "export", "finetune", "ensemble", "models", "reference", "pacs", "fit-birads")


def setup_logging(verbose: bool = False) -> None:
    """Log to the user's log file; our warnings also to stderr (everything with ``verbose``)."""
    from busviewer.core.paths import log_file

    root = logging.getLogger()
    if root.handlers:
        return
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        handler: logging.Handler = logging.FileHandler(log_file(), encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    if not verbose:
        # Libraries' own reports (pynetdicom's "Association Rejected", urllib3's retries) go to the log file
        # only: our code turns each failure into the one sentence the user reads.
        console.addFilter(_from_busviewer)
    root.addHandler(console)


def _from_busviewer(record: logging.LogRecord) -> bool:
    return record.name == "busviewer" or record.name.startswith("busviewer.")


def build_parser() -> argparse.ArgumentParser:
    from busviewer.commands.parsers import add_subcommands

    parser = argparse.ArgumentParser(prog="busviewer", description="Breast ultrasound review with an AI proposal.")
    parser.add_argument("--version", action="version", version=f"busviewer {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    add_subcommands(parser)
    return parser


def run_guarded(action: Callable[[], int]) -> int:
    """Run ``action``; a user-facing error becomes ``error: ...`` and exit 2, anything else is logged."""
    try:
        return action()
    except UserFacingError as exc:
        log.debug("user-facing error", exc_info=True)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (``| head``) left early: quiet, like other shell tools; devnull stops a second
        # error when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except MemoryError:
        print("error: the input needs more memory than this machine has.", file=sys.stderr)
        return 2
    except Exception as exc:  # the last guard: a sentence for the user, the traceback for the log
        logging.getLogger("busviewer").error("unexpected failure", exc_info=True)
        from busviewer.core.paths import log_file

        print(f"error: unexpected failure ({type(exc).__name__}); details are in {log_file()}.", file=sys.stderr)
        return 2


def opens_gui(args: Sequence[str]) -> bool:
    """Whether ``args`` ask for the window: nothing, options, or files and folders that exist.

    A first word that is neither a sub-command nor an existing path (a typo of ``predict``, say) goes
    to argparse, which answers with its one-line error instead of a window that fails to open it.
    """
    words = [a for a in args if not a.startswith("-")]
    if any(a in ("-h", "--help", "--version") for a in args):
        return False
    if not words:
        return True
    return words[0] not in SUBCOMMANDS and Path(words[0]).exists()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and dispatch; with no sub-command, launch the GUI."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if opens_gui(args_list):
        setup_logging("-v" in args_list or "--verbose" in args_list)
        from busviewer.platform_check import platform_problem

        problem = platform_problem()
        if problem is not None:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        from busviewer.app import run_app

        return run_app([a for a in args_list if a not in ("-v", "--verbose")])
    parser = build_parser()
    first = next((a for a in args_list if not a.startswith("-")), "")
    if first and first not in SUBCOMMANDS and (os.sep in first or "." in first):
        parser.error(f"{first} does not exist (and is not a sub-command)")
    args = parser.parse_args(args_list)
    setup_logging(args.verbose)
    return run_guarded(lambda: int(args.handler(args)))
