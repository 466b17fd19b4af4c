#!/bin/sh
# test_install.sh - make install into a scratch DESTDIR: the command, the
# library, the header, the pkg-config file, both man pages and the bash
# completion land where a Debian-style layout wants them; a program built
# against the installed pkg-config file verifies the spec vector; the
# completion offers commands, options and an archive's documents; the
# walkthrough examples/yearly-archive.sh runs; make uninstall removes
# exactly what was installed.
. "$(dirname "$0")/lib.sh"
suite_begin install

R="$S/root"
P=/usr
# the flags of the build under test (make check passes them), so that
# install does not rebuild it with others
# shellcheck disable=SC2086
set -- ${NPK_MAKE_VARS:-}
expect_exit 0 "make install DESTDIR=... PREFIX=/usr" -- make -C "$top" --no-print-directory -s "$@" install DESTDIR="$R" PREFIX=$P
for f in bin/newspack libexec/newspack/newspack-full lib/libnewspack.a lib/libnewspack.so lib/libnewspack.so.1 lib/pkgconfig/newspack.pc \
	include/newspack.h share/man/man1/newspack.1 share/man/man5/npk.5 \
	share/bash-completion/completions/newspack; do
	expect_true "installed: $P/$f" -- test -e "$R$P/$f"
done
expect_exit 0 "the installed newspack runs, and finds its newspack-full for --version" -- "$R$P/bin/newspack" --version &&
	expect_contains "$OUT" "libarchive" "which names the libarchive of newspack-full"

# A program built with the installed pkg-config file, against the shared
# library (run from the scratch root through its rpath).
PKG_CONFIG_PATH="$R$P/lib/pkgconfig"
PKG_CONFIG_SYSROOT_DIR="$R"
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR
expect_exit 0 "pkg-config knows newspack" -- pkg-config --modversion newspack &&
	expect_contains "$OUT" "$(sed -n 's/^#define NPK_VERSION_STRING "\(.*\)"/\1/p' "$top/include/newspack.h")" \
		"and gives the version of the header"
# (a library built with the sanitizers needs them in the program too)
san=""
[ "${NPK_INSTRUMENTED:-}" = 1 ] && san="-fsanitize=address,undefined"
# shellcheck disable=SC2046,SC2086
expect_exit 0 "examples/verify_list.c builds against the installed files" -- \
	cc -std=c11 $san -o "$S/verify_list" "$top/examples/verify_list.c" $(pkg-config --cflags --libs newspack) \
	-Wl,-rpath,"$R$P/lib"
expect_exit 0 "and verifies and lists the spec vector" -- \
	"$S/verify_list" "$top/spec/vectors/vector.npk" "$top/spec/vectors/test.pub" &&
	expect_contains "$OUT" "b/note.md" "it lists the vector's documents"
expect_true "it runs on the installed shared library" -- \
	sh -c 'ldd "$1" | grep -q "$2/lib/libnewspack.so"' sh "$S/verify_list" "$R$P"

# The completion, in bash.
comp() { # WORDS...: the completions for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; _newspack; printf "%s\n" "${COMPREPLY[@]}"' \
		sh "$R$P/share/bash-completion/completions/newspack" "$@"
}
expect_eq "$(comp newspack ve)" "verify" "completion: a command"
expect_contains_text() { printf '%s\n' "$1" > "$S/comp"; expect_contains "$S/comp" "$2" "$3"; }
expect_contains_text "$(comp newspack extract --f)" "--force" "completion: an option of extract"
cp "$top/spec/vectors/vector.npk" "$S/v.npk"
mkdir -p "$S/config/newspack/trusted" && cp "$top/spec/vectors/test.pub" "$S/config/newspack/trusted/"
expect_eq "$(cd "$S" && PATH="$R$P/bin:$PATH" comp newspack cat v.npk "")" "$(printf 'a.txt\nb/empty.txt\nb/note.md')" \
	"completion: cat offers the archive's documents"

# The walkthrough of examples/, on the seed articles.
expect_exit 0 "examples/yearly-archive.sh runs a year's archiving job on seeds/" -- \
	env NEWSPACK="$NP" sh "$top/examples/yearly-archive.sh" "$top/seeds" 2025 "$S/job" &&
	expect_contains "$OUT" "restored: every article is byte for byte the original" \
		"and restores every article byte for byte"

expect_exit 0 "make uninstall DESTDIR=..." -- make -C "$top" --no-print-directory -s "$@" uninstall DESTDIR="$R" PREFIX=$P
expect_eq "$(find "$R" -type f -o -type l | wc -l)" "0" "uninstall removed every installed file"
finish
