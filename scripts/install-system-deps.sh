#!/usr/bin/env bash
# Debian packages Kiln needs where no npm package will do: ffmpeg (the static ffprobe builds on npm
# crash on MPEG-TS input), bubblewrap (the sandbox ffmpeg and ffprobe run in) and, for the browser
# tests, Chromium. Idempotent; needs root. `npm test` runs it by itself when it runs as root and a
# tool is missing (scripts/system-tools.mjs); otherwise run it by hand: sudo bash scripts/install-system-deps.sh
#   bash scripts/install-system-deps.sh              every package that is missing
#   bash scripts/install-system-deps.sh ffmpeg ...    exactly these packages
set -euo pipefail
# apt and dpkg need the standard system folders, whatever PATH the caller had.
export PATH="${PATH:+$PATH:}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
need=("$@")
if [ ${#need[@]} -eq 0 ]; then
  command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
  command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v openssl >/dev/null 2>&1 || need+=(openssl) # the live tests make a self-signed RTMPS certificate
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-system-deps: needs root to install: ${need[*]} (run it with sudo)" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if command -v ffmpeg >/dev/null 2>&1; then ffmpeg -hide_banner -version | head -1; fi
