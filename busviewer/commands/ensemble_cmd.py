"""``busviewer ensemble MEMBER... --out WEIGHTS``: store trained networks side by side as one model."""

from __future__ import annotations

import argparse
import json

from busviewer.core.errors import UserFacingError


def run(args: argparse.Namespace) -> int:
    from busviewer.ml.checkpoint import MAX_MEMBERS, load_weights, save_weights
    from busviewer.ml.ensemble import AttentionUNetEnsemble, members_of

    if not args.out.parent.is_dir():
        raise UserFacingError(f"The folder for {args.out} does not exist.")
    loaded = [load_weights(path) for path in args.members]
    members = [member for model in loaded for member in members_of(model.network)]
    if len(members) < 2:
        raise UserFacingError("An ensemble needs at least two networks.")
    if len(members) > MAX_MEMBERS:
        raise UserFacingError(f"An ensemble runs at most {MAX_MEMBERS} networks; these files hold {len(members)}.")
    sizes = {model.input_size for model in loaded}
    if len(sizes) != 1:
        raise UserFacingError(f"The members were trained at different input sizes ({sorted(sizes)}); an ensemble needs one.")
    if len({member.channels for member in members}) != 1:
        raise UserFacingError("The members have different channel layouts; an ensemble needs one.")
    metadata = {
        "ensemble_of": [model.model_id for model in loaded],
        "training_command": [model.metadata.get("training_command", "") for model in loaded],
    }
    model_id = save_weights(AttentionUNetEnsemble(members), args.out, metadata, sizes.pop())
    summary = {"model_id": model_id, "members": len(members), "ensemble_of": metadata["ensemble_of"]}
    print(json.dumps(summary) if args.json else f"wrote {args.out} ({model_id}): {len(members)} networks averaged")
    return 0
