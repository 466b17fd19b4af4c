/* shim.c - an LD_PRELOAD library that makes one input file change, or fail,
 * while newspack create reads it (tests/cli/test_faults.sh).
 *
 *   NPK_FAULT_FILE=NAME   the file, by the last component of its path
 *   NPK_FAULT=grow        appends 1000 bytes after the first read of it
 *            shrink       truncates it to half after the first read
 *            rewrite      changes its first bytes in place (same size)
 *            replace      renames another file over its name
 *            eio          fails its second read with EIO
 * Each happens once per process. Nothing else is touched. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int done, reads;

static int is_target(int fd, char *path, size_t cap)
{
	const char *want = getenv("NPK_FAULT_FILE");
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(proc, path, cap - 1);
	if (want == NULL || n <= 0)
		return 0;
	path[n] = 0;
	const char *base = strrchr(path, '/');
	return strcmp(base ? base + 1 : path, want) == 0;
}

static void act(const char *how, const char *path)
{
	if (strcmp(how, "grow") == 0) {
		int fd = open(path, O_WRONLY | O_APPEND);
		char junk[1000];
		memset(junk, 'g', sizeof junk);
		if (fd >= 0 && write(fd, junk, sizeof junk) < 0)
			perror("shim: grow");
		close(fd);
	} else if (strcmp(how, "shrink") == 0) {
		struct stat st;
		if (stat(path, &st) != 0 || truncate(path, st.st_size / 2) != 0)
			perror("shim: shrink");
	} else if (strcmp(how, "rewrite") == 0) {
		int fd = open(path, O_WRONLY);
		if (fd < 0 || pwrite(fd, "REWRITTEN", 9, 0) != 9)
			perror("shim: rewrite");
		close(fd);
	} else if (strcmp(how, "replace") == 0) {
		char tmp[4200];
		snprintf(tmp, sizeof tmp, "%s.shim", path);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, "another file\n", 13) != 13 || rename(tmp, path) != 0)
			perror("shim: replace");
		close(fd);
	}
}

ssize_t read(int fd, void *buf, size_t len)
{
	static ssize_t (*real)(int, void *, size_t);
	if (real == NULL)
		real = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	const char *how = getenv("NPK_FAULT");
	char path[4096];
	if (done || how == NULL || !is_target(fd, path, sizeof path))
		return real(fd, buf, len);
	if (strcmp(how, "eio") == 0) {
		if (reads++ == 1) {
			done = 1;
			errno = EIO;
			return -1;
		}
		return real(fd, buf, len);
	}
	ssize_t n = real(fd, buf, len);
	if (n > 0) {
		done = 1;
		act(how, path);
	}
	return n;
}
