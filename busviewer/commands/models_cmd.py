"""``busviewer models [list|activate ID [--force]|rollback|import WEIGHTS [--activate [--force]]]``.

The same registry the GUI's fine-tune button writes to: the active version drives the app and exports.
The gate is the registry's: a version it refused, or an imported one it never measured, becomes active
only with ``--force``, which is recorded on the version.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from busviewer.core.errors import UserFacingError


def run(args: argparse.Namespace) -> int:
    from busviewer.services.weights import user_registry

    registry = user_registry()
    action = args.action or "list"
    if action == "activate":
        version = registry.activate(args.version_id, override=args.force)
        forced = " (over the gate's objection, recorded)" if args.force and version.overrides else ""
        return _report(args, f"active model version: {version.version_id}{forced}", {"active": version.version_id})
    if action == "rollback":
        before = registry.active_id
        version = registry.rollback()
        message = (f"already on the shipped model ({version.version_id})" if before == version.version_id
                   else f"rolled back from {before} to {version.version_id}, the version active before it")
        return _report(args, message, {"active": version.version_id, "previous": before})
    if action == "import":
        version = _import(registry, args)
        state = "and made it active" if args.activate else "(not active: `busviewer models activate --force` it)"
        return _report(args, f"imported {args.weights} as {version.version_id} {state}", asdict(version))
    return _list(registry, args)


def _import(registry: Any, args: argparse.Namespace) -> Any:
    from busviewer.core.case import current_user, utc_now_iso
    from busviewer.io.model_registry import ModelVersion
    from busviewer.ml.checkpoint import load_weights

    loaded = load_weights(args.weights)  # refuses pickles, damaged files and foreign layouts in one sentence
    active = registry.active_id
    if args.activate and not args.force:
        raise UserFacingError(
            f"{args.weights.name} was not measured by the gate here (its own scores are not trusted); "
            "add --force to activate it anyway, recorded with your name."
        )
    version_id, target = registry.import_weights(args.weights)
    meta = loaded.metadata
    version = ModelVersion(
        version_id=version_id,
        weights_file=target.name,
        parent=active,
        created_at=utc_now_iso(),
        created_by=current_user(),
        case_ids=_of(meta, "finetune_cases", list),
        validation_ids=_of(meta, "finetune_validation_cases", list),
        metrics_before=_of(meta, "metrics_before", dict),
        metrics_after=_of(meta, "metrics_after", dict),
        # The file's own "accepted_by_gate" is a claim, not a measurement: an imported version is not gated.
        accepted_by_gate=False,
        gated=False,
        note=args.note or f"imported from {args.weights.name} ({loaded.model_id})",
    )
    return registry.register(version, activate=args.activate, override=args.force)


def _of(meta: dict[str, Any], key: str, kind: type) -> Any:
    """A metadata field of the expected kind, else an empty one (files from other tools lack them)."""
    value = meta.get(key)
    return value if isinstance(value, kind) else kind()


def _list(registry: Any, args: argparse.Namespace) -> int:
    active = registry.active_id
    versions = registry.versions()
    if args.json:
        print(json.dumps({"active": active, "versions": [asdict(v) for v in versions]}))
        return 0
    print(f"{'':2}{'version':24}{'parent':24}{'created':22}{'cases':>6}  {'Dice before -> after':22}{'gate':11}note")
    for v in versions:
        dice = _dice_change(v)
        gate = "-" if v.version_id == "base" else v.gate_label + ("*" if v.overrides else "")  # "*": overridden
        print(f"{'*' if v.version_id == active else '':2}{v.version_id:24}{v.parent or '-':24}"
              f"{v.created_at or '-':22}{len(v.case_ids):>6}  {dice:22}{gate:11}{v.note}")
        if v.version_id != "base":  # what the verdict rests on, in the words of the GUI
            print(f"{'':4}{v.held_out_text}; {v.gate_reason or 'gate reason not recorded'}")
    return 0


def _dice_change(version: Any) -> str:
    before, after = version.metrics_before.get("dice"), version.metrics_after.get("dice")
    if isinstance(before, (int, float)) and isinstance(after, (int, float)):
        return f"{before:.3f} -> {after:.3f}"
    return "-"


def _report(args: argparse.Namespace, message: str, payload: dict[str, Any]) -> int:
    print(json.dumps(payload) if args.json else message)
    return 0
