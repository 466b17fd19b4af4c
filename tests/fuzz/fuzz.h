/* fuzz.h - what the fuzz targets share.
 *
 * Each target defines LLVMFuzzerTestOneInput. `make fuzz` links it with
 * libFuzzer (clang -fsanitize=fuzzer); `make check` links it with
 * replay.c, which runs it over every file in tests/fuzz/corpus/TARGET/.
 * Both link the library built with NPK_FUZZING, where digests and
 * signatures are computed but not refused, so that the fuzzer reaches the
 * parsers behind them (format.h). */
#ifndef NPK_FUZZ_H
#define NPK_FUZZ_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A file holding data, for the APIs that open paths: a memfd named by
 * /proc/self/fd. Returns the fd (close it after) and fills path. */
int fuzz_memfile(const uint8_t *data, size_t size, char path[64]);

#endif
