#!/usr/bin/env bash
# Debian packages Kiln's tests need where no npm package will do: ffmpeg (the static ffprobe builds
# on npm crash on MPEG-TS input) and Chromium for the browser tests. Idempotent; needs root.
set -euo pipefail
need=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
ffmpeg -hide_banner -version | head -1
