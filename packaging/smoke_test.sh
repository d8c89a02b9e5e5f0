#!/usr/bin/env bash
# Smoke test of the built packages, run outside the checkout as a new user would (`make package-test`):
#   1. the wheel, installed into a fresh venv in a temporary folder (CPU torch first, so no CUDA build);
#   2. the .deb, installed with dpkg -i (needs root or sudo; removed again at the end).
# For each: `busviewer info` on a DICOM, `busviewer predict` on the shipped demo scan (mask written, model id
# printed), and the GUI under QT_QPA_PLATFORM=offscreen opening a DICOM and quitting. One JSON line per check
# on stdout; exit status 1 when any check failed. Logs of every command stay in the printed work folder.
#   packaging/smoke_test.sh [DIST_DIR]     (default: dist)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
dist=$(cd "${1:-$root/dist}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/busviewer-smoke.XXXXXX")
export BUSVIEWER_HOME="$work/home" QT_QPA_PLATFORM=offscreen
unset PYTHONPATH BUSVIEWER_WEIGHTS
cd "$work"  # nothing of the checkout may be importable or found by accident
failures=0

# A real scanner DICOM when the shared test data is beside the checkout (JPEG 2000 and JPEG Lossless
# exercise the pylibjpeg plugins); otherwise one written from the demo scan by the wheel's own pydicom.
shared="$root/../shared/data/dicom"
info_dicom="$shared/US1_J2KR.dcm"
gui_dicom="$shared/JPGLosslessP14SV1_1s_1f_8b.dcm"

emit() {  # emit PACKAGE CHECK OK START_NS DETAIL
  python3 -c 'import json, sys, time; p, c, ok, t, d = sys.argv[1:]; print(json.dumps({"package": p, "check": c,
    "ok": ok == "1", "seconds": round((time.time_ns() - int(t)) / 1e9, 1), "detail": d.strip()}), flush=True)' "$@"
  [ "$3" = 1 ] || failures=$((failures + 1))
}

run_checks() {  # run_checks PACKAGE BUSVIEWER_COMMAND DEMO_SCAN
  local pkg=$1 cmd=$2 demo=$3 start ok detail log
  log="$work/$pkg"
  mkdir -p "$log"

  start=$(date +%s%N)
  if timeout 300 "$cmd" info "$info_dicom" --json >"$log/info.out" 2>"$log/info.err" \
      && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["format"] and d["rows"] > 0' "$log/info.out"; then
    ok=1 detail=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print("{}x{} {}".format(d["columns"], d["rows"], d["transfer_syntax"]))' "$log/info.out") || ok=0
  else
    ok=0 detail=$(tail -c 300 "$log/info.err")
  fi
  emit "$pkg" info "$ok" "$start" "$detail"

  start=$(date +%s%N)
  if timeout 600 "$cmd" predict "$demo" --out "$log/predict" --json >"$log/predict.out" 2>"$log/predict.err" \
      && ls "$log"/predict/*_mask.png >/dev/null 2>&1; then
    ok=1 detail=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
print(d["model_id"], d["predicted_class"], "lesion", d["lesion_area_px"], "px")' "$log/predict.out") || ok=0
  else
    ok=0 detail="$(tail -c 300 "$log/predict.err") $(tail -c 200 "$log/predict.out")"
  fi
  emit "$pkg" predict "$ok" "$start" "$detail"

  start=$(date +%s%N)
  if BUSVIEWER_STARTUP_PROBE=1 timeout 300 "$cmd" "$gui_dicom" >"$log/gui.out" 2>"$log/gui.err" \
      && grep -q '"scan_shown"' "$log/gui.out"; then
    ok=1 detail=$(grep scan_shown "$log/gui.out")
  else
    ok=0 detail="$(tail -c 300 "$log/gui.err") $(tail -c 200 "$log/gui.out")"
  fi
  emit "$pkg" gui "$ok" "$start" "$detail"
}

# ---------------------------------------------------------------- the wheel
wheel=$(ls "$dist"/busviewer-*-py3-none-any.whl 2>/dev/null | tail -1)
if [ -z "$wheel" ]; then
  emit wheel install 0 "$(date +%s%N)" "no wheel in $dist (make wheel)"
else
  start=$(date +%s%N)
  if python3 -m venv "$work/venv" >"$work/venv.log" 2>&1 \
      && "$work/venv/bin/pip" install --quiet torch==2.13.0 >>"$work/venv.log" 2>&1 \
      && "$work/venv/bin/pip" install --quiet "$wheel" >>"$work/venv.log" 2>&1; then
    ok=1 detail=$("$work/venv/bin/python" -c 'import busviewer; print(busviewer.__file__)')
    case $detail in "$work"/venv/*) ;; *) ok=0 detail="busviewer imported from $detail, not the fresh venv" ;; esac
  else
    ok=0 detail=$(tail -c 300 "$work/venv.log")
  fi
  emit wheel install "$ok" "$start" "$detail"
  if [ "$ok" = 1 ]; then
    if [ ! -f "$info_dicom" ]; then  # no shared data: a DICOM made from the demo scan
      "$work/venv/bin/python" "$here/make_smoke_dicom.py" "$work/smoke.dcm" && info_dicom="$work/smoke.dcm" gui_dicom="$work/smoke.dcm"
    fi
    demo=$("$work/venv/bin/python" -c 'from busviewer.io.scan_loader import demo_scan_path; print(demo_scan_path())')
    run_checks wheel "$work/venv/bin/busviewer" "$demo"
  fi
fi

# ---------------------------------------------------------------- the .deb
deb=$(ls "$dist"/busviewer_*_amd64.deb 2>/dev/null | tail -1)
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo -n"
if [ -z "$deb" ]; then
  emit deb install 0 "$(date +%s%N)" "no .deb in $dist (make deb)"
elif ! command -v dpkg >/dev/null || { [ -n "$sudo" ] && ! sudo -n true 2>/dev/null; }; then
  emit deb install 0 "$(date +%s%N)" "dpkg -i needs a Debian system and root (or password-less sudo)"
else
  start=$(date +%s%N)
  if $sudo dpkg -i "$deb" >"$work/dpkg.log" 2>&1 && [ "$(command -v busviewer)" = /usr/bin/busviewer ]; then
    ok=1 detail="$(du -sh /opt/busviewer | cut -f1) in /opt/busviewer"
    for file in /usr/share/applications/busviewer.desktop /usr/share/icons/hicolor/256x256/apps/busviewer.png \
        /usr/share/mime/packages/busviewer.xml; do
      [ -f "$file" ] || { ok=0 detail="$file missing"; }
    done
    if ! grep -q "application/dicom:\*\.dcm" /usr/share/mime/globs2 2>/dev/null; then
      ok=0 detail="*.dcm is not associated with application/dicom"
    fi
  else
    ok=0 detail=$(tail -c 300 "$work/dpkg.log")
  fi
  emit deb install "$ok" "$start" "$detail"
  if [ "$ok" = 1 ]; then
    run_checks deb /usr/bin/busviewer /opt/busviewer/_internal/busviewer/_shipped/resources/demo_scan.png
  fi
  $sudo dpkg -P busviewer >>"$work/dpkg.log" 2>&1 || true  # purge: leave nothing behind
fi

echo "smoke test logs: $work" >&2
[ "$failures" = 0 ]
