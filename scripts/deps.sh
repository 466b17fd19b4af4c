#!/bin/sh
# Installs Debian packages when run as root; otherwise prints the one
# apt-get line to run. Quiet when all is there.
#   sh scripts/deps.sh                      what newspack needs to build and test
#   sh scripts/deps.sh --for WHAT PKG...    those packages, for WHAT (bench/deps.sh)
PKGS="gcc make pkg-config python3 python3-cryptography python3-argon2 python3-zstandard libc6-dev zlib1g-dev libdeflate-dev libzstd-dev libsodium-dev libarchive-dev libjansson-dev libxml2-dev libbrotli-dev nettle-dev libisal-dev libunistring-dev libstemmer-dev libmicrohttpd-dev libcmark-dev minisign libarchive-tools unzip zip xz-utils zstd bzip2 time strace parallel chromium"
what="newspack"
if [ "${1-}" = --for ]; then
	what=$2
	shift 2
	PKGS="$*"
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
# tests/cli/test_export_warc.sh reads WARC files back with warcio.js, so node
# and npm: looked for as commands, since a Node.js from another repository
# (NodeSource) brings its own npm, and its nodejs package conflicts with
# Debian's npm package.
if [ "$what" = newspack ] && ! command -v npm > /dev/null 2>&1; then
	missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "apt-get install failed for:$missing" >&2; exit 1; }
else
	echo "$what needs these Debian packages:$missing" >&2
	echo "Run:  sudo apt-get install$missing" >&2
	exit 1
fi
