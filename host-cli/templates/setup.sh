#!/bin/bash
# nuwa Setup: the self-install script an image carries in its label "Setup" (written by `nuwa-host build`).
# Run it in the app folder (e.g. /srv/myapp) with the image id exported as BID; the image's label RunSetup holds the
# one-line command. It unpacks bin/ (the maintenance scripts: run, kill, shell, status, ...) and writes nuwa.env
# (this app's configuration) on first use. Run again with a newer image, it replaces bin/ and updates NUWA_IMAGE
# in nuwa.env, keeping everything else. Environment: BID (required), NUWA_PORT (the host port for a new nuwa.env).
set -euo pipefail
die() {
  printf 'nuwa Setup: %s\n' "$*" >&2
  exit 1
}
[ -n "${BID:-}" ] || die "BID is not set: export BID=<image id> (podman images lists them), then run the line again"
[[ $BID =~ ^[A-Za-z0-9][A-Za-z0-9:/._@-]*$ ]] || die "BID '$BID' is not an image id or name"
command -v podman >/dev/null || die "podman is not installed: run 'nuwa-host init' first"
command -v jq >/dev/null || die "jq is not installed: run 'nuwa-host init' first (or apt-get install jq)"
image=$(podman image inspect -f '{{.Id}}' "$BID" 2>/dev/null) || die "no image '$BID' on this host (podman images lists them)"
[ "${PWD##*/}" != bin ] || die "you are inside a bin/ folder: cd to the app folder (e.g. /srv/myapp) first"
[ ! -e bin ] || [ -d bin ] || die "$PWD/bin exists and is not a folder: move it away first"

stage=$(mktemp -d "$PWD/.nuwa-setup.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir "$stage/bin"
# @@NUWA_BIN_FILES@@

# From here on the unpacked library does the checking, so Setup and bin/ agree on what a valid name is.
# shellcheck source=bin/_lib.sh
. "$stage/bin/_lib.sh"
trap 'rm -rf "$stage"' EXIT # (the library installs its own exit trap; Setup only has its stage to clean up)
NUWA_SCRIPT="nuwa Setup"
here=$(pwd -P)
nuwa_check_path "$here" "the app folder"
nuwa_check_name "${here##*/}" "the app folder's name (it names the container)"

# The image's defaults for its environment: labels nuwa.env.KEY (e.g. the database connection), as KEY=value lines.
image_env() {
  podman image inspect -f '{{json .Config.Labels}}' "$image" |
    jq -r 'to_entries[]? | select(.key | startswith("nuwa.env.")) | "\(.key[9:])=\(.value)"' |
    while IFS= read -r line; do
      if [[ ! $line =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || [[ $line == NUWA_* ]]; then
        nuwa_die "image label nuwa.env.${line%%=*} is not a usable variable"
      fi
      printf '%s\n' "$line"
    done
}

# A second folder with the same name as another app's (/srv/a/web, /srv/b/web) gets a container name of its own.
app_name() {
  local name=${here##*/} n=2 candidate owner
  candidate=$name
  while owner=$(podman container inspect -f '{{index .Config.Labels "nuwa.dir"}}' "$candidate" 2>/dev/null); do
    [ "$owner" != "$here" ] || break
    candidate="${name:0:58}-$n"
    n=$((n + 1))
    [ "$n" -lt 100 ] || nuwa_die "containers $name, $name-2 ... $name-99 all exist: set NUWA_NAME in nuwa.env yourself"
  done
  echo "$candidate"
}

if [ -e nuwa.env ]; then
  cp -p nuwa.env "$stage/nuwa.env"
  nuwa_conf_set "$stage/nuwa.env" NUWA_IMAGE "$image"
  what="updated NUWA_IMAGE in nuwa.env"
  # Keys the new image declares that nuwa.env lacks are added; values already there are the user's and stay.
  added=()
  while IFS= read -r line; do
    grep -q "^${line%%=*}=" "$stage/nuwa.env" && continue
    printf '%s\n' "$line" >>"$stage/nuwa.env"
    added+=("${line%%=*}")
  done < <(image_env)
  [ "${#added[@]}" -eq 0 ] || what="$what, added ${added[*]} (the image's defaults)"
else
  port=${NUWA_PORT:-$(nuwa_free_port 0)}
  nuwa_check_port "$port" "NUWA_PORT"
  name=$(app_name)
  {
    echo "# nuwa: the configuration of the app in this folder, read by bin/* (see bin/_lib.sh)."
    echo "# KEY=value lines, no quoting (values are taken literally). NUWA_* keys configure the scripts;"
    echo "# every other key is passed to the container as an environment variable (e.g. DATABASE_URL)."
    echo "NUWA_IMAGE=$image"
    echo "NUWA_PORT=$port"
    if [ "$name" = "${here##*/}" ]; then
      echo "# NUWA_NAME=$name"
    else
      echo "# the folder's name, ${here##*/}, is another app's container (folder $(podman container inspect -f '{{index .Config.Labels "nuwa.dir"}}' "${here##*/}"))"
      echo "NUWA_NAME=$name"
    fi
    image_env
  } >"$stage/nuwa.env"
  chmod 600 "$stage/nuwa.env" # it may hold a database password
  what="wrote nuwa.env (port $port)"
  if [ "$name" != "${here##*/}" ]; then
    what="$what; container $(printf '%s' "${here##*/}") belongs to another app folder, so this app is named $name (NUWA_NAME)"
  fi
fi

if [ -d bin ]; then mv bin "$stage/bin.old"; fi
mv "$stage/bin" bin
mv -f "$stage/nuwa.env" nuwa.env
printf 'nuwa Setup: unpacked bin/ (%s) and %s in %s; next: bin/run\n' "$(cd bin && echo *)" "$what" "$here" >&2
