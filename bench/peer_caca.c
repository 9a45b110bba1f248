/* The peer of bench_fb: what a VNC viewer on libcaca (headmore) does with a frame: dither
 * the whole bitmap into a canvas of the pane's size, export the canvas as terminal text.
 *
 *   peer_caca FRAME.raw FORMAT N    FORMAT: utf8 or ansi (caca_export_canvas_to_memory)
 *
 * Prints "caca.FORMAT.full ns_per_frame=.. bytes=.." and, under callgrind, dumps the N
 * frames as caca.FORMAT.full. libcaca's defaults are kept, as headmore keeps them. */

#include <caca.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <valgrind/callgrind.h>

#define W      1024
#define H      768
#define STRIDE (W * 4)
#define ROWS   48
#define COLS   160

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static size_t frame(caca_canvas_t *cv, caca_dither_t *d, const uint8_t *px, const char *fmt)
{
    size_t len = 0;
    caca_dither_bitmap(cv, 0, 0, COLS, ROWS, d, px);
    void *out = caca_export_canvas_to_memory(cv, fmt, &len);
    free(out);
    return len;
}

int main(int argc, char **argv)
{
    if (argc != 4 || atoi(argv[3]) <= 0) {
        fprintf(stderr, "usage: peer_caca FRAME.raw utf8|ansi N\n");
        return 2;
    }
    unsigned n = (unsigned)atoi(argv[3]);
    uint8_t *px = malloc((size_t)STRIDE * H);
    FILE *fp = fopen(argv[1], "rb");
    if (!px || !fp || fread(px, 1, (size_t)STRIDE * H, fp) != (size_t)STRIDE * H) {
        fprintf(stderr, "peer_caca: cannot read the frame %s\n", argv[1]);
        return 1;
    }
    fclose(fp);
    caca_canvas_t *cv = caca_create_canvas(COLS, ROWS);
    /* BGRX in memory: a little-endian 32-bit word 0x00RRGGBB. */
    caca_dither_t *d = caca_create_dither(32, W, H, STRIDE, 0x00ff0000, 0x0000ff00, 0x000000ff, 0);
    if (!cv || !d) {
        fprintf(stderr, "peer_caca: libcaca could not make its canvas or dither\n");
        return 1;
    }
    frame(cv, d, px, argv[2]); /* warm */
    char dump[64];
    snprintf(dump, sizeof(dump), "caca.%s.full", argv[2]);
    size_t bytes = 0;
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_ZERO_STATS;
    uint64_t t0 = now_ns();
    for (unsigned i = 0; i < n; i++)
        bytes = frame(cv, d, px, argv[2]);
    uint64_t t1 = now_ns();
    CALLGRIND_DUMP_STATS_AT(dump);
    CALLGRIND_STOP_INSTRUMENTATION;
    printf("%s frames=%u ns_per_frame=%llu bytes=%zu\n", dump, n,
           (unsigned long long)((t1 - t0) / n), bytes);
    caca_free_dither(d);
    caca_free_canvas(cv);
    free(px);
    return 0;
}
