"""Argument definitions of the sub-commands; each handler lives in ``busviewer/commands``."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_subcommands(parser: argparse.ArgumentParser) -> None:
    from busviewer.commands import train_cmd

    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train the network on a BUSI-layout folder")
    train.add_argument("data_dir", type=Path)
    train.add_argument("--out", type=Path, required=True, help="weights file to write (.safetensors)")
    train.add_argument("--epochs", type=int, default=55)
    train.add_argument("--batch-size", type=int, default=8)
    train.add_argument("--lr", type=float, default=2e-3)
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--channels", type=str, default=None, help="comma-separated channels per level, e.g. 16,32,64,128,256")
    train.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    train.set_defaults(handler=train_cmd.run)
