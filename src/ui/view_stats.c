#include "core/str.h"
#include "ui/app.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A virt-top-like screen: host figures on top, then domains, physical CPUs, network
 * interfaces or block devices, one row each. */

typedef struct {
    const kd_dom_rates *d;
    const char *dev;
    double a, b, c, e; /* the four figures of a device row */
} stats_row;

static const kd_dom_sample *sample_of(const kd_app *app, const char *uuid)
{
    for (size_t i = 0; i < app->sample.ndoms; i++)
        if (strcmp(app->sample.doms[i].uuid, uuid) == 0)
            return &app->sample.doms[i];
    return NULL;
}

static double sort_value(const kd_app *app, const kd_dom_rates *d)
{
    const kd_dom_sample *s;
    switch (app->stats_sort) {
    case KD_SCOL_ID:
        return d->id < 0 ? 1e18 : d->id;
    case KD_SCOL_CPU:
        return d->cpu_pct;
    case KD_SCOL_MEM:
        return d->mem_kib;
    case KD_SCOL_DISK:
        return d->blk.rd_bytes_s + d->blk.wr_bytes_s;
    case KD_SCOL_NET:
        return d->net.rx_bytes_s + d->net.tx_bytes_s;
    case KD_SCOL_TIME:
        s = sample_of(app, d->uuid);
        return s ? (double)s->cpu_time_ns : 0;
    default:
        return 0;
    }
}

static const kd_app *sort_app;

static int cmp_rows(const void *pa, const void *pb)
{
    const stats_row *a = pa, *b = pb;
    int r;
    if (sort_app->stats_sort == KD_SCOL_NAME) {
        r = strcmp(a->d->name ? a->d->name : "", b->d->name ? b->d->name : "");
    } else {
        double va = sort_value(sort_app, a->d), vb = sort_value(sort_app, b->d);
        /* n/a sorts last; figures largest first, ids smallest first */
        va = isnan(va) ? -1 : va;
        vb = isnan(vb) ? -1 : vb;
        r = va < vb ? 1 : va > vb ? -1 : 0;
        if (sort_app->stats_sort == KD_SCOL_ID)
            r = -r;
    }
    if (sort_app->stats_reverse)
        r = -r;
    return r ? r : strcmp(a->d->uuid, b->d->uuid);
}

static size_t collect(const kd_app *app, stats_row **out)
{
    stats_row *v = NULL;
    size_t n = 0;
    for (size_t i = 0; i < app->rates.ndoms; i++) {
        const kd_dom_rates *d = &app->rates.doms[i];
        size_t ndev = app->stats_mode == KD_STATS_NET     ? d->nnets
                      : app->stats_mode == KD_STATS_BLOCK ? d->nblocks
                                                          : 1;
        if (app->stats_mode == KD_STATS_DOMAINS && d->state == KD_DOM_SHUTOFF)
            continue; /* like virt-top: the inactive are counted in the header */
        for (size_t k = 0; k < ndev; k++) {
            stats_row r = {d, NULL, NAN, NAN, NAN, NAN};
            if (app->stats_mode == KD_STATS_NET)
                r = (stats_row){d,
                                d->nets[k].name,
                                d->nets[k].rx_bytes_s,
                                d->nets[k].tx_bytes_s,
                                d->nets[k].rx_pkts_s,
                                d->nets[k].tx_pkts_s};
            else if (app->stats_mode == KD_STATS_BLOCK)
                r = (stats_row){d,
                                d->blocks[k].name,
                                d->blocks[k].rd_reqs_s,
                                d->blocks[k].wr_reqs_s,
                                d->blocks[k].rd_bytes_s,
                                d->blocks[k].wr_bytes_s};
            v = kd_realloc(v, (n + 1) * sizeof(*v));
            v[n++] = r;
        }
    }
    sort_app = app;
    if (n)
        qsort(v, n, sizeof(*v), cmp_rows);
    *out = v;
    return n;
}

static void pct(char *buf, size_t n, double v)
{
    if (kd_rate_valid(v))
        snprintf(buf, n, "%.1f", v);
    else
        snprintf(buf, n, "-");
}

static void draw_summary(kd_app *app, WINDOW *w)
{
    char line[512], mem[32], used[32];
    const kd_rates *r = &app->rates;
    static const char *const modes[] = {"domains", "physical CPUs", "network interfaces",
                                        "block devices"};
    /* No clock here: a screen whose figures did not change must write nothing. */
    snprintf(line, sizeof(line), "kvmdeck stats - %s  %s  every %.1f s  (0 1 2 3: %s)",
             app->sample.hostname ? app->sample.hostname : kd_conn_host(app->conn)->hostname,
             kd_conn_host(app->conn)->uri, app->delay_ms / 1000.0, modes[app->stats_mode]);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER_TITLE));
    kd_draw_fill(w, 0, 0, app->cols);
    kd_draw_text(w, 0, 1, app->cols - 2, line);
    unsigned counts[KD_DOM_LAST] = {0};
    for (size_t i = 0; i < r->ndoms; i++)
        if (r->doms[i].state >= 0 && r->doms[i].state < KD_DOM_LAST)
            counts[r->doms[i].state]++;
    snprintf(line, sizeof(line),
             "%zu domains: %u running, %u blocked, %u paused, %u shut off, %u crashed", r->ndoms,
             counts[KD_DOM_RUNNING], counts[KD_DOM_BLOCKED], counts[KD_DOM_PAUSED],
             counts[KD_DOM_SHUTOFF], counts[KD_DOM_CRASHED]);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_HEADER));
    kd_draw_fill(w, 1, 0, app->cols);
    kd_draw_text(w, 1, 1, app->cols - 2, line);
    char cpu[16];
    pct(cpu, sizeof(cpu), r->host_cpu_pct);
    kd_format_rate(mem, sizeof(mem), r->host_mem_kib * 1024);
    kd_format_rate(used, sizeof(used), r->host_mem_used_kib * 1024);
    double dtot = 0, ntot = 0;
    for (size_t i = 0; i < r->ndoms; i++) {
        if (kd_rate_valid(r->doms[i].blk.rd_bytes_s))
            dtot += r->doms[i].blk.rd_bytes_s + r->doms[i].blk.wr_bytes_s;
        if (kd_rate_valid(r->doms[i].net.rx_bytes_s))
            ntot += r->doms[i].net.rx_bytes_s + r->doms[i].net.tx_bytes_s;
    }
    char d[16], nt[16];
    kd_format_rate(d, sizeof(d), dtot);
    kd_format_rate(nt, sizeof(nt), ntot);
    snprintf(line, sizeof(line),
             "Host CPU %s%%  (%u CPUs @ %u MHz)   Memory %sB used of %sB   Disk %sB/s   Net %sB/s",
             cpu, app->sample.host_cpus, app->sample.host_mhz, used, mem, d, nt);
    kd_draw_fill(w, 2, 0, app->cols);
    kd_draw_text(w, 2, 1, app->cols - 2, line);
}

static const char *const dom_heads[] = {"ID",     "S",      "%CPU",   "%VCPU",  "MEM",  "USED",
                                        "RDBY/s", "WRBY/s", "RXBY/s", "TXBY/s", "TIME", "NAME"};
static const int dom_widths[] = {5, 2, 6, 6, 8, 8, 8, 8, 8, 8, 9, 0};

static void state_char(char *buf, int state)
{
    static const char chars[] = "?RBPDOCM";
    buf[0] = state >= 0 && state < KD_DOM_LAST ? chars[state] : '?';
    buf[1] = '\0';
}

static void dom_cells(const kd_app *app, const kd_dom_rates *d, char cells[12][64])
{
    const kd_dom_sample *s = sample_of(app, d->uuid);
    snprintf(cells[0], 64, d->id < 0 ? "-" : "%d", d->id);
    state_char(cells[1], d->state);
    pct(cells[2], 64, d->cpu_pct);
    pct(cells[3], 64, d->vcpu_pct);
    kd_format_rate(cells[4], 64, d->mem_kib * 1024);
    kd_format_rate(cells[5], 64, d->mem_used_kib * 1024);
    kd_format_rate(cells[6], 64, d->blk.rd_bytes_s);
    kd_format_rate(cells[7], 64, d->blk.wr_bytes_s);
    kd_format_rate(cells[8], 64, d->net.rx_bytes_s);
    kd_format_rate(cells[9], 64, d->net.tx_bytes_s);
    unsigned long long t = s ? s->cpu_time_ns / 1000000000ULL : 0;
    snprintf(cells[10], 64, "%llu:%02llu:%02llu", t / 3600, t / 60 % 60, t % 60);
    snprintf(cells[11], 64, "%s", d->name ? d->name : "");
}

static void dev_cells(const stats_row *r, char cells[12][64])
{
    snprintf(cells[0], 64, r->d->id < 0 ? "-" : "%d", r->d->id);
    snprintf(cells[1], 64, "%s", r->dev ? r->dev : "");
    kd_format_rate(cells[2], 64, r->a);
    kd_format_rate(cells[3], 64, r->b);
    kd_format_rate(cells[4], 64, r->c);
    kd_format_rate(cells[5], 64, r->e);
    snprintf(cells[6], 64, "%s", r->d->name ? r->d->name : "");
}

static void draw_cells(kd_app *app, WINDOW *w, int y, char cells[12][64], const char *const *heads,
                       const int *widths, size_t ncols)
{
    int x = 1;
    for (size_t c = 0; c < ncols && x < app->cols; c++) {
        int width = widths[c] ? widths[c] : app->cols - x - 1;
        const char *s = cells ? cells[c] : heads[c];
        int len = (int)strlen(s);
        /* Figures right-aligned, words left-aligned. */
        int pad = widths[c] && c != 1 && len < width - 1 ? width - 1 - len : 0;
        kd_draw_text(w, y, x + pad, width - 1 - pad, s);
        x += width;
    }
}

static void draw_pcpus(kd_app *app, WINDOW *w, int y0)
{
    int bar = app->cols - 20;
    wattrset(w, (int)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, y0, 0, app->cols);
    kd_draw_text(w, y0, 1, app->cols - 2, "PCPU   %USED");
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    if (app->npcpu == 0)
        kd_draw_text(w, y0 + 2, 2, app->cols - 4, "Measuring: figures after the next tick.");
    for (unsigned i = 0; i < app->npcpu && y0 + 1 + (int)i < app->rows - 1; i++) {
        char line[32], p[16];
        pct(p, sizeof(p), app->pcpu_pct[i]);
        snprintf(line, sizeof(line), "%4u %7s", i, p);
        int y = y0 + 1 + (int)i;
        kd_draw_text(w, y, 1, 13, line);
        int fill = kd_rate_valid(app->pcpu_pct[i]) ? (int)lround(app->pcpu_pct[i] / 100 * bar) : 0;
        wattrset(w, (int)kd_theme_attr(KD_SLOT_GRAPH) | A_REVERSE);
        kd_draw_fill(w, y, 15, fill > bar ? bar : fill);
        wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    }
}

void kd_view_stats_draw(kd_app *app)
{
    WINDOW *w = app->w_full;
    werase(w);
    if (!app->conn)
        return;
    draw_summary(app, w);
    int y0 = 4;
    if (app->stats_mode == KD_STATS_PCPUS) {
        draw_pcpus(app, w, y0);
        return;
    }
    static const char *const net_heads[] = {"ID",     "IFACE",  "RXBY/s", "TXBY/s",
                                            "RXPK/s", "TXPK/s", "NAME"};
    static const char *const blk_heads[] = {"ID",     "DEVICE", "RDRQ/s", "WRRQ/s",
                                            "RDBY/s", "WRBY/s", "NAME"};
    static const int dev_widths[] = {5, 10, 9, 9, 9, 9, 0};
    bool dom = app->stats_mode == KD_STATS_DOMAINS;
    const char *const *heads = dom                               ? dom_heads
                               : app->stats_mode == KD_STATS_NET ? net_heads
                                                                 : blk_heads;
    const int *widths = dom ? dom_widths : dev_widths;
    size_t ncols = dom ? 12 : 7;
    wattrset(w, (int)kd_theme_attr(KD_SLOT_LIST_HEADING));
    kd_draw_fill(w, y0, 0, app->cols);
    draw_cells(app, w, y0, NULL, heads, widths, ncols);
    wattrset(w, (int)kd_theme_attr(KD_SLOT_NORMAL));
    stats_row *rows;
    size_t n = collect(app, &rows);
    if (n == 0)
        kd_draw_text(w, y0 + 2, 2, app->cols - 4,
                     app->have_sample ? "Nothing to show here." : "Measuring...");
    int vis = app->rows - 1 - (y0 + 1);
    if (app->stats_top + (size_t)vis > n)
        app->stats_top = n > (size_t)vis ? n - (size_t)vis : 0;
    for (int r = 0; r < vis && app->stats_top + (size_t)r < n; r++) {
        char cells[12][64];
        const stats_row *row = &rows[app->stats_top + (size_t)r];
        if (dom)
            dom_cells(app, row->d, cells);
        else
            dev_cells(row, cells);
        draw_cells(app, w, y0 + 1 + r, cells, heads, widths, ncols);
    }
    free(rows);
}
