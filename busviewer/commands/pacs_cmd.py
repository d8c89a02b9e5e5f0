"""``busviewer pacs echo|find|get|send|nodes|add``: talk to a PACS from the shell (DIMSE or DICOMweb).

``--node`` takes ``AET@HOST:PORT`` or the name of a saved node; ``--dicomweb`` a DICOMweb base URL. With
``--json`` every command prints one JSON object. A failure is one ``error:`` sentence naming the node (exit 2);
``send`` exits 1 when some files were not accepted (each listed).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from busviewer.core.errors import UserFacingError

FIND_KEYS = ("StudyInstanceUID", "PatientID", "StudyDate", "ModalitiesInStudy", "NumberOfStudyRelatedInstances")


def add_pacs_parser(sub: Any) -> None:
    """Register ``busviewer pacs ...`` on the top-level sub-parsers."""
    pacs = sub.add_parser("pacs", help="echo, search, retrieve from and send to a PACS (DIMSE or DICOMweb)")
    actions = pacs.add_subparsers(dest="action", required=True)

    def with_node(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help_text)
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--node", help="AET@HOST:PORT, or the name of a saved node")
        where.add_argument("--dicomweb", metavar="URL", help="DICOMweb base URL, e.g. http://pacs:8042/dicom-web")
        parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                            help="limit of each network step (default: the node's or Settings', 10 s)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        return parser

    with_node("echo", "check that the node answers (C-ECHO or a QIDO-RS search)")
    find = with_node("find", "search studies (C-FIND or QIDO-RS)")
    find.add_argument("--patient-id", default="")
    find.add_argument("--patient-name", default="", help="DICOM wildcards allowed, e.g. 'DOE*'")
    find.add_argument("--modality", default="US", help="modality in study (default US; '' for any)")
    find.add_argument("--date", default="", metavar="FROM-TO", help="study dates, e.g. 20240101-20240331")
    find.add_argument("--accession", default="")
    find.add_argument("--series", action="store_true", help="also list each study's series")
    get = with_node("get", "retrieve a study (C-GET, C-MOVE or WADO-RS) into a folder")
    get.add_argument("--study", required=True, metavar="STUDY_UID")
    get.add_argument("--out", type=Path, required=True, help="folder; the study lands in OUT/<study UID>/")
    get.add_argument("--method", choices=("get", "move"), default=None,
                     help="DIMSE retrieval (default: the node's, else C-GET)")
    send = with_node("send", "send DICOM files (C-STORE or STOW-RS)")
    send.add_argument("files", type=Path, nargs="+")
    listing = actions.add_parser("nodes", help="list the saved nodes and our own AE title")
    listing.add_argument("--json", action="store_true", help="print one JSON object")
    add = actions.add_parser("add", help="save a node under a name (in the settings file, owner-only)")
    add.add_argument("name")
    where = add.add_mutually_exclusive_group(required=True)
    where.add_argument("--node", help="AET@HOST:PORT")
    where.add_argument("--dicomweb", metavar="URL")
    add.add_argument("--retrieve", choices=("get", "move"), default="get")
    add.add_argument("--timeout", type=float, default=None, metavar="SECONDS")
    add.add_argument("--own-ae-title", default=None, help="also set our own AE title (default BUSVIEWER)")
    add.add_argument("--json", action="store_true", help="print one JSON object")
    pacs.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from busviewer.io import pacs
    from busviewer.io.pacs.nodes import load_pacs_settings, resolve_node

    settings = load_pacs_settings()
    if args.action == "nodes":
        return _list_nodes(settings, args.json)
    if args.action == "add":
        return _add_node(args, settings)
    node = resolve_node(args.node, args.dicomweb, settings)
    if args.timeout is not None:
        if not 0 < args.timeout <= 600:
            raise UserFacingError("--timeout must be between 0 and 600 seconds.")
        node = replace(node, timeout_s=args.timeout)
    if args.action == "echo":
        pacs.echo(node, settings)
        _say(args.json, {"node": node.describe(), "ok": True}, f"PACS {node.describe()} answered.")
        return 0
    if args.action == "find":
        studies = pacs.find_studies(node, pacs.StudyQuery(args.patient_id, args.patient_name, _date_range(args.date),
                                                          args.accession, args.modality), settings)
        listed: list[dict[str, Any]] = [{key: study.get(key) for key in FIND_KEYS} for study in studies]
        if args.series:
            for entry in listed:
                entry["series"] = pacs.find_series(node, entry["StudyInstanceUID"], settings)
        text = "\n".join(f"{s['StudyInstanceUID']}  {s['StudyDate'] or '-':8}  {s['ModalitiesInStudy'] or '-':10}  "
                         f"{s['NumberOfStudyRelatedInstances'] or 0} instance(s)" for s in listed)
        _say(args.json, {"studies": listed}, text or "no matching studies")
        return 0
    if args.action == "get":
        files = pacs.retrieve_study(node, args.study, args.out, settings=settings, method=args.method)
        _say(args.json, {"retrieved": len(files), "files": [str(f) for f in files]},
             f"retrieved {len(files)} instance(s) into {args.out / args.study}")
        return 0
    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        raise UserFacingError(f"{missing[0]} is not a file.")
    result = pacs.send_files(node, args.files, settings=settings)
    _say(args.json, result.as_dict(), f"sent {result.sent} of {len(args.files)} file(s) to {node.describe()}")
    if not args.json:
        for failure in result.failed:
            print(f"warning: {failure['reason']}", file=sys.stderr)
    return 1 if result.failed else 0


def _date_range(text: str) -> str:
    """``YYYYMMDD-YYYYMMDD`` (either side may be open) or one date; anything else is a one-sentence error."""
    if text and not re.fullmatch(r"(\d{8})?-?(\d{8})?", text):
        raise UserFacingError(f"--date {text!r} is not FROM-TO in YYYYMMDD form, e.g. 20240101-20240331.")
    return text


def _say(as_json: bool, payload: dict[str, Any], text: str) -> None:
    print(json.dumps(payload) if as_json else text)


def _list_nodes(settings: Any, as_json: bool) -> int:
    nodes = [{"name": n.name, "address": n.describe(), "retrieve": "wado" if n.is_dicomweb else n.retrieve,
              "timeout_s": n.timeout_s} for n in settings.nodes]
    text = "\n".join(f"{n['name']}: {n['address']} ({n['retrieve']})" for n in nodes) or "no saved nodes"
    _say(as_json, {"own_ae_title": settings.own_ae_title, "nodes": nodes}, f"our AE title: {settings.own_ae_title}\n{text}")
    return 0


def _add_node(args: argparse.Namespace, settings: Any) -> int:
    from busviewer.io.pacs.nodes import parse_dicomweb_url, parse_dimse_spec, save_pacs_settings, with_node

    parsed = parse_dicomweb_url(args.dicomweb) if args.dicomweb else parse_dimse_spec(args.node)
    node = replace(parsed, name=args.name, retrieve=args.retrieve,
                   timeout_s=args.timeout if args.timeout is not None else settings.timeout_s)
    updated = with_node(settings, node)
    if args.own_ae_title:
        updated = replace(updated, own_ae_title=args.own_ae_title)
    save_pacs_settings(updated)
    _say(args.json, {"saved": node.name, "address": node.describe()}, f"saved {node.describe()}")
    return 0
