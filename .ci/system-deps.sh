#!/usr/bin/env bash
# Installs the system libraries the desktop app needs on Debian/Ubuntu (X11/Wayland/GL and a CJK font).
# Building needs none of them; running the window does. Safe to run twice.
set -euo pipefail
pkgs=(libgl1 libegl1 libgl1-mesa-dri libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libdbus-1-3 fontconfig fonts-wqy-microhei)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
