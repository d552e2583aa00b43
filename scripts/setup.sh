#!/usr/bin/env bash
# One-time setup of a Debian 12 machine for nuwa's tests and demo (run as root): Debian packages, npm ci, build.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t packages < <(grep -v -e '^\s*#' -e '^\s*$' scripts/apt-packages.txt)
# dpkg-query says nothing of packages it never heard of, so count what is installed rather than list what is not.
installed=$(dpkg-query -W -f='${db:Status-Status}\n' "${packages[@]}" 2>/dev/null | grep -c '^installed$' || true)
if [ "$installed" -ne "${#packages[@]}" ]; then
  echo "setup: installing Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${packages[@]}"
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund
echo "setup: build"
npm run build
