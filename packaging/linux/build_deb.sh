#!/usr/bin/env bash
# Build dist/busviewer_<version>_amd64.deb from the PyInstaller bundle, with dpkg-deb (no network).
#   packaging/linux/build_deb.sh BUNDLE_DIR VERSION OUT_DIR
# Installs the bundle under /opt/busviewer, `busviewer` on PATH (/usr/bin link), the desktop entry,
# the icon (resources/make_icon.py) and a MIME type for .dcm, so a double-click on a DICOM opens it.
set -euo pipefail
bundle=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
[ -x "$bundle/busviewer" ] || { echo "error: $bundle holds no busviewer bundle; run make bundle first." >&2; exit 2; }

stage=$(mktemp -d "${TMPDIR:-/tmp}/busviewer-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
  "$stage/usr/share/icons/hicolor/256x256/apps" "$stage/usr/share/icons/hicolor/scalable/apps" \
  "$stage/usr/share/mime/packages" "$stage/usr/share/doc/busviewer"
cp -a "$bundle" "$stage/opt/busviewer"
ln -s /opt/busviewer/busviewer "$stage/usr/bin/busviewer"
install -m 644 "$here/busviewer.desktop" "$stage/usr/share/applications/busviewer.desktop"
install -m 644 "$here/busviewer-mime.xml" "$stage/usr/share/mime/packages/busviewer.xml"
install -m 644 "$root/resources/busviewer.png" "$stage/usr/share/icons/hicolor/256x256/apps/busviewer.png"
install -m 644 "$root/resources/busviewer.svg" "$stage/usr/share/icons/hicolor/scalable/apps/busviewer.svg"
install -m 644 "$root/models/README.md" "$stage/usr/share/doc/busviewer/MODEL_CARD.md"

# The xcb plugin's libraries (busviewer.platform_check names the same ones when they are missing).
depends="libc6, libstdc++6, libgl1, libegl1, libfontconfig1, libdbus-1-3, libglib2.0-0, libx11-xcb1, libxkbcommon0,
 libxkbcommon-x11-0, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0,
 libxcb-render-util0, libxcb-shape0, libxcb-xkb1, libxcb-xfixes0, libxcb-sync1, libxcb-shm0, libxcb-util1"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: busviewer
Version: $version
Section: science
Priority: optional
Architecture: amd64
Maintainer: busviewer developers <busviewer@localhost>
Installed-Size: $(du -sk "$stage" | cut -f1)
Depends: $(echo $depends)
Description: breast ultrasound review with an AI lesion proposal
 Desktop review tool for breast ultrasound (images and DICOM): an Attention U-Net proposes the lesion
 outline and class, Grad-CAM explains it, and the reviewer edits, measures and exports DICOM SEG/SR and
 PDF reports. Decision support, not diagnosis. Ships its own Python, Qt and CPU build of PyTorch.
CONTROL
for script in postinst postrm; do
  cat > "$stage/DEBIAN/$script" <<'SCRIPT'
#!/bin/sh
set -e
# Refresh the desktop's caches so the icon, the menu entry and the .dcm association appear at once.
command -v update-mime-database >/dev/null && update-mime-database /usr/share/mime || true
command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t /usr/share/icons/hicolor || true
SCRIPT
  chmod 755 "$stage/DEBIAN/$script"
done
mkdir -p "$out"
dpkg-deb --root-owner-group -Zzstd -z3 --build "$stage" "$out/busviewer_${version}_amd64.deb" >/dev/null
echo "$out/busviewer_${version}_amd64.deb"
