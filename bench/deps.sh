#!/bin/sh
# Installs the Debian packages the benchmark's peers come from, when run as
# root; otherwise prints the one apt-get line to run (scripts/deps.sh does
# the work). hyperfine is optional and not needed: run.sh times with GNU time.
# par2 is the peer of bench/survival.sh; sqlite3 (FTS5), zim-tools
# (zimwriterfs, zimsearch) and procps (pgrep) are bench/search.sh's;
# kiwix-tools (kiwix-serve), wrk and curl are bench/serve.sh's.
exec sh "$(dirname "$0")/../scripts/deps.sh" --for "the benchmark" pigz zip unzip zim-tools minisign time hyperfine squashfs-tools python3 par2 sqlite3 procps kiwix-tools wrk curl
