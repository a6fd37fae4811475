#!/bin/sh
# Installs the Debian/Ubuntu packages chatlab needs (listed in docker/packages.txt).
# Run as root, or through sudo:   sudo tools/install-deps.sh
set -eu
here=$(dirname "$0")
list="$here/../docker/packages.txt"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root, for example: sudo $0" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
# shellcheck disable=SC2046 # one package name per word, on purpose
apt-get install -y --no-install-recommends $(grep -v '^#' "$list")
