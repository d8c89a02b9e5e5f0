"""Markdown rows for the model card from ``busviewer evaluate --json`` output, so no figure is typed by hand.

Each argument is ``LABEL=FILE``: FILE holds one ``evaluate --json`` object (with ``--by-source``, a row per
source is printed as ``LABEL SOURCE``; with ``--clicks``/``--box``, a click row too).

Run: ``.venv/bin/python tools/card_tables.py validation=val.json external=ext.json``
"""

from __future__ import annotations

import json
import sys
from typing import Any

HEADER = ("| part | scans | lesion Dice (95 % CI) | detection | normal FP | accuracy | malignant sens. "
          "| AUC malignant | ECE |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
CLICK_HEADER = ("| part | lesion scans | Dice after 1 click | 3 clicks | 5 clicks | 10 clicks | NoC85 | NoC90 "
                "| box Dice | ms per click |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


def _number(value: Any, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def outcome_row(label: str, metrics: dict[str, Any]) -> str:
    """One row of the measured table: Dice with its interval, detection, normal FP and the class figures."""
    interval = metrics.get("dice_ci95")
    dice = _number(metrics.get("dice"))
    if interval:
        dice += f" ({interval[0]:.2f}-{interval[1]:.2f})"
    malignant = (metrics.get("sensitivity") or {}).get("malignant")
    cells = [label, str(metrics["n_images"]), dice, _number(metrics.get("detection_sensitivity")),
             _number(metrics.get("normal_fp_rate"), 2), _number(metrics.get("accuracy")), _number(malignant, 2),
             _number(metrics.get("auc_malignant")), _number(metrics.get("ece"))]
    return "| " + " | ".join(cells) + " |"


def click_row(label: str, metrics: dict[str, Any]) -> str | None:
    """The click-simulation row (Dice after 1/3/5/10 clicks, NoC, box Dice), when the run simulated clicks."""
    clicks = metrics.get("interactive")
    if not clicks:
        return None
    per_click = clicks.get("dice_per_click") or []
    after = [_number(per_click[k - 1]) if len(per_click) >= k else "-" for k in (1, 3, 5, 10)]
    cells = [label, str(metrics["n_lesion_images"]), *after, _number(clicks.get("noc85"), 2),
             _number(clicks.get("noc90"), 2), _number(clicks.get("box_dice")), _number(clicks.get("ms_per_click"), 0)]
    return "| " + " | ".join(cells) + " |"


def main(arguments: list[str]) -> int:
    outcome_rows: list[str] = []
    click_rows: list[str] = []
    for argument in arguments:
        label, _, path = argument.partition("=")
        with open(path, encoding="utf-8") as handle:
            metrics = json.load(handle)
        parts = metrics.get("by_source") or {"": metrics}
        for source, part in sorted(parts.items()):
            outcome_rows.append(outcome_row(f"{label} {source}".strip(), part))
        row = click_row(label, metrics)
        if row:
            click_rows.append(row)
    print(HEADER)
    print("\n".join(outcome_rows))
    if click_rows:
        print()
        print(CLICK_HEADER)
        print("\n".join(click_rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
