#!/usr/bin/env bash
# Installs the system packages the desktop app and the tests need on Debian/Ubuntu: X11/Wayland/GL and a
# CJK font for the window, and Chromium, in which tests/export.rs plays the exported HTML player headlessly.
# Building needs none of them. Safe to run twice.
set -euo pipefail
pkgs=(libgl1 libegl1 libgl1-mesa-dri libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libdbus-1-3 fontconfig fonts-wqy-microhei chromium)
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
