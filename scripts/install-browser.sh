#!/usr/bin/env bash
# Installs what the KPI report test renders with: Debian's chromium and a CJK font (Hangul labels).
# Idempotent: does nothing when /usr/bin/chromium and a Korean-capable font are already there.
set -euo pipefail

has_cjk_font() {
    command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ko family 2>/dev/null)" ]
}

if [ -x /usr/bin/chromium ] && has_cjk_font; then
    echo "chromium and a CJK font are already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium fonts-noto-cjk fontconfig
