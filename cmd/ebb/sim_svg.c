#include "sim_svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/types.h"
#include "../../pkg/base/rfc3339.h"

/* The canvas and the plot area inside it, in SVG user units. */
#define WIDTH 1280
#define HEIGHT 660
#define PLOT_LEFT 80.0
#define PLOT_RIGHT 1200.0
#define PLOT_TOP 70.0
#define PLOT_BOTTOM 540.0
#define MAX_SPANS 200

#define C_LOAD_FILL "#9ecae1"
#define C_LOAD_LINE "#3182bd"
#define C_DESIRED "#111111"
#define C_READY "#7b3294"
#define C_HPA "#ff7f0e"
#define C_NEEDED "#555555"
#define C_BOUNDS "#756bb1"
#define C_BOUNDS_FILL "#bcbddc"
#define C_UP "#2ca02c"
#define C_DOWN "#d62728"
#define C_SCHEDULE "#fdd49e"
#define C_SCHEDULE_TEXT "#8c510a"
#define C_GRID "#e5e5e5"
#define C_AXIS "#333333"

/* The highest value of each series within one bucket of samples. */
struct bucket {
    int64_t t0; /* the first sample's time */
    double load;
    int32_t desired, ready, min_b, max_b, needed, hpa;
    int ups, downs;
};

struct frame {
    int64_t t_min, t_max;
    double load_top;  /* the left axis ends here */
    double rep_top;   /* the right axis ends here */
    double load_tick; /* spacing of the left axis' ticks */
    double rep_tick;
};

static double x_of(const struct frame *f, int64_t t)
{
    return PLOT_LEFT +
           (PLOT_RIGHT - PLOT_LEFT) * (double)(t - f->t_min) / (double)(f->t_max - f->t_min);
}

static double y_of(double v, double top)
{
    if (v > top)
        v = top;
    if (v < 0)
        v = 0;
    return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * v / top;
}

/* A round axis end at or above v, with a tick spacing that gives about
 * five ticks: 1, 2, 2.5 or 5 times a power of ten. */
static void nice_axis(double v, double *top, double *tick)
{
    static const double steps[] = {1.0, 2.0, 2.5, 5.0, 10.0};
    if (!(v > 0) || !isfinite(v))
        v = 1.0;
    double raw = v / 5.0;
    double mag = pow(10.0, floor(log10(raw)));
    double t = mag * 10.0;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (steps[i] * mag >= raw) {
            t = steps[i] * mag;
            break;
        }
    }
    *tick = t;
    *top = ceil(v / t - 1e-9) * t;
    if (*top <= 0)
        *top = t;
}

static void escape(struct ebb_strbuf *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            ebb_strbuf_adds(out, "&amp;");
            break;
        case '<':
            ebb_strbuf_adds(out, "&lt;");
            break;
        case '>':
            ebb_strbuf_adds(out, "&gt;");
            break;
        case '"':
            ebb_strbuf_adds(out, "&quot;");
            break;
        default:
            /* Control characters are not allowed in XML 1.0. */
            ebb_strbuf_addch(out, (unsigned char)*s < 0x20 ? ' ' : *s);
        }
    }
}

static int32_t max_i(int32_t a, int32_t b)
{
    return a > b ? a : b;
}

static void bucketize(const struct ebb_sim_plot *p, struct bucket *b, size_t nb)
{
    for (size_t i = 0; i < nb; i++) {
        size_t lo = i * p->n / nb, hi = (i + 1) * p->n / nb;
        struct bucket *k = &b[i];
        memset(k, 0, sizeof(*k));
        k->t0 = p->samples[lo].time_ms;
        for (size_t j = lo; j < hi; j++) {
            const struct ebb_sim_sample *s = &p->samples[j];
            if (s->load > k->load)
                k->load = s->load;
            k->desired = max_i(k->desired, s->desired);
            k->ready = max_i(k->ready, s->ready);
            k->min_b = max_i(k->min_b, s->min_replicas);
            k->max_b = max_i(k->max_b, s->max_replicas);
            k->needed = max_i(k->needed, s->needed);
            k->hpa = max_i(k->hpa, s->hpa_desired);
            k->ups += s->event > 0;
            k->downs += s->event < 0;
        }
    }
}

static void make_frame(const struct ebb_sim_plot *p, const struct bucket *b, size_t nb,
                       struct frame *f)
{
    f->t_min = p->samples[0].time_ms;
    int64_t step = p->n > 1 ? p->samples[1].time_ms - p->samples[0].time_ms : 60000;
    f->t_max = p->samples[p->n - 1].time_ms + step;
    double load = 0;
    int32_t reps = 1, max_b = 0;
    for (size_t i = 0; i < nb; i++) {
        if (b[i].load > load)
            load = b[i].load;
        reps = max_i(reps, max_i(b[i].desired, max_i(b[i].ready, b[i].min_b)));
        reps = max_i(reps, max_i(b[i].needed, b[i].hpa));
        max_b = max_i(max_b, b[i].max_b);
    }
    /* Show the ceiling when it is in reach; else the band runs off the top. */
    if (max_b <= 2 * reps)
        reps = max_i(reps, max_b);
    double lpr = p->load_per_replica;
    if (lpr > 0 && isfinite(lpr)) {
        /* One scale for both: the load's top is where the replicas needed at
         * target are, so the gap between the two shows over- and under-provisioning. */
        double need = load / lpr;
        nice_axis((need > reps ? need : reps) * 1.1, &f->rep_top, &f->rep_tick);
        f->load_top = f->rep_top * lpr;
        f->load_tick = f->rep_tick * lpr;
        return;
    }
    nice_axis(load * 1.1, &f->load_top, &f->load_tick);
    nice_axis((double)reps * 1.1, &f->rep_top, &f->rep_tick);
}

/* The tick spacing of the time axis: the first that gives at most 10 ticks. */
static int64_t time_tick(int64_t span)
{
    static const int64_t ticks[] = {
        60000,    120000,   300000,   600000,   900000,    1800000,   3600000,      7200000,
        10800000, 21600000, 43200000, 86400000, 172800000, 604800000, 2592000000LL,
    };
    for (size_t i = 0; i < sizeof(ticks) / sizeof(ticks[0]); i++)
        if (span / ticks[i] <= 10)
            return ticks[i];
    return ticks[sizeof(ticks) / sizeof(ticks[0]) - 1];
}

static void axes(const struct frame *f, struct ebb_strbuf *o)
{
    /* Grid and right axis: replicas. */
    for (double v = 0; v <= f->rep_top + 1e-9; v += f->rep_tick) {
        double y = y_of(v, f->rep_top);
        ebb_strbuf_addf(
            o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_GRID "\"/>\n",
            PLOT_LEFT, y, PLOT_RIGHT, y);
        ebb_strbuf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\">%g</text>\n",
                        PLOT_RIGHT + 6, y + 4, v);
    }
    /* Left axis: load. */
    for (double v = 0; v <= f->load_top + 1e-9 * f->load_top; v += f->load_tick) {
        double y = y_of(v, f->load_top);
        ebb_strbuf_addf(
            o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_AXIS "\"/>\n",
            PLOT_LEFT - 5, y, PLOT_LEFT, y);
        ebb_strbuf_addf(o,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"" C_LOAD_LINE
                        "\">%g</text>\n",
                        PLOT_LEFT - 8, y + 4, v);
    }
    /* Time axis, ticks on round UTC instants. */
    int64_t span = f->t_max - f->t_min;
    int64_t tick = time_tick(span);
    int64_t first = f->t_min - ((f->t_min % tick) + tick) % tick;
    if (first < f->t_min)
        first += tick;
    for (int64_t t = first; t <= f->t_max; t += tick) {
        char ts[32];
        double x = x_of(f, t);
        ebb_rfc3339_format(t, ts, sizeof(ts));
        /* "2026-11-27T06:00:00Z": the date from [5, 10), the clock from [11, 16). */
        char label[24];
        if (tick >= 86400000)
            snprintf(label, sizeof(label), "%.5s", ts + 5);
        else if (span > 86400000)
            snprintf(label, sizeof(label), "%.5s %.5s", ts + 5, ts + 11);
        else
            snprintf(label, sizeof(label), "%.5s", ts + 11);
        ebb_strbuf_addf(
            o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_AXIS "\"/>\n", x,
            PLOT_BOTTOM, x, PLOT_BOTTOM + 5);
        ebb_strbuf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                        PLOT_BOTTOM + 20, label);
    }
    ebb_strbuf_addf(o,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
                    "stroke=\"" C_AXIS "\"/>\n",
                    PLOT_LEFT, PLOT_TOP, PLOT_RIGHT - PLOT_LEFT, PLOT_BOTTOM - PLOT_TOP);
    ebb_strbuf_addf(o,
                    "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\" "
                    "fill=\"" C_LOAD_LINE "\">offered load (tasks/s)</text>\n",
                    PLOT_LEFT - 58, (PLOT_TOP + PLOT_BOTTOM) / 2);
    ebb_strbuf_addf(o,
                    "<text transform=\"translate(%.1f %.1f) rotate(90)\" "
                    "text-anchor=\"middle\">replicas</text>\n",
                    PLOT_RIGHT + 52, (PLOT_TOP + PLOT_BOTTOM) / 2);
    ebb_strbuf_addf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">time (UTC)</text>\n",
                    (PLOT_LEFT + PLOT_RIGHT) / 2, PLOT_BOTTOM + 40);
}

/* The end of bucket i: the next bucket's start, or the end of the run. */
static int64_t bucket_end(const struct frame *f, const struct bucket *b, size_t nb, size_t i)
{
    return i + 1 < nb ? b[i + 1].t0 : f->t_max;
}

/* A step line through one series of the buckets. */
static void step_path(const struct frame *f, const struct bucket *b, size_t nb, size_t off,
                      const char *attrs, struct ebb_strbuf *o)
{
    ebb_strbuf_adds(o, "<path fill=\"none\" ");
    ebb_strbuf_adds(o, attrs);
    ebb_strbuf_adds(o, " d=\"");
    for (size_t i = 0; i < nb; i++) {
        int32_t v;
        memcpy(&v, (const char *)&b[i] + off, sizeof(v));
        double y = y_of(v, f->rep_top);
        if (i == 0)
            ebb_strbuf_addf(o, "M%.1f %.1f", x_of(f, b[i].t0), y);
        else
            ebb_strbuf_addf(o, "V%.1f", y);
        ebb_strbuf_addf(o, "H%.1f", x_of(f, bucket_end(f, b, nb, i)));
    }
    ebb_strbuf_adds(o, "\"/>\n");
}

static void bounds_band(const struct frame *f, const struct bucket *b, size_t nb,
                        struct ebb_strbuf *o)
{
    ebb_strbuf_adds(o,
                    "<path fill=\"" C_BOUNDS_FILL "\" fill-opacity=\"0.25\" stroke=\"none\" d=\"");
    for (size_t i = 0; i < nb; i++) {
        double y = y_of(b[i].max_b, f->rep_top);
        ebb_strbuf_addf(o, "%s%.1f %.1f", i == 0 ? "M" : "L", x_of(f, b[i].t0), y);
        ebb_strbuf_addf(o, "H%.1f", x_of(f, bucket_end(f, b, nb, i)));
    }
    for (size_t i = nb; i-- > 0;) {
        double y = y_of(b[i].min_b, f->rep_top);
        ebb_strbuf_addf(o, "L%.1f %.1f", x_of(f, bucket_end(f, b, nb, i)), y);
        ebb_strbuf_addf(o, "H%.1f", x_of(f, b[i].t0));
    }
    ebb_strbuf_adds(o, "Z\"/>\n");
    step_path(f, b, nb, offsetof(struct bucket, min_b),
              "stroke=\"" C_BOUNDS "\" stroke-width=\"1\" stroke-dasharray=\"6 3\"", o);
    step_path(f, b, nb, offsetof(struct bucket, max_b),
              "stroke=\"" C_BOUNDS "\" stroke-width=\"1\" stroke-dasharray=\"6 3\"", o);
}

static void load_area(const struct frame *f, const struct bucket *b, size_t nb,
                      struct ebb_strbuf *o)
{
    ebb_strbuf_addf(o,
                    "<path fill=\"" C_LOAD_FILL "\" fill-opacity=\"0.55\" stroke=\"" C_LOAD_LINE
                    "\" stroke-width=\"1\" d=\"M%.1f %.1f",
                    x_of(f, b[0].t0), PLOT_BOTTOM);
    for (size_t i = 0; i < nb; i++)
        ebb_strbuf_addf(o, "L%.1f %.1f", x_of(f, b[i].t0), y_of(b[i].load, f->load_top));
    ebb_strbuf_addf(o, "L%.1f %.1fL%.1f %.1fZ\"/>\n", PLOT_RIGHT, y_of(b[nb - 1].load, f->load_top),
                    PLOT_RIGHT, PLOT_BOTTOM);
}

static void schedule_spans(const struct ebb_sim_plot *p, const struct frame *f,
                           struct ebb_strbuf *o)
{
    size_t drawn = 0;
    for (size_t i = 0; i < p->n && drawn < MAX_SPANS;) {
        int16_t s = p->samples[i].schedule;
        size_t j = i + 1;
        while (j < p->n && p->samples[j].schedule == s)
            j++;
        if (s >= 0) {
            double x0 = x_of(f, p->samples[i].time_ms);
            double x1 = x_of(f, j < p->n ? p->samples[j].time_ms : f->t_max);
            ebb_strbuf_addf(
                o,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"" C_SCHEDULE
                "\" fill-opacity=\"0.45\"/>\n",
                x0, PLOT_TOP, x1 - x0, PLOT_BOTTOM - PLOT_TOP);
            /* Name the span where the name fits, at about 6.5 units a letter. */
            const char *name =
                (size_t)s < p->n_schedules && p->schedule_names ? p->schedule_names[s] : NULL;
            if (name && x1 - x0 >= 6 + 6.5 * (double)strlen(name)) {
                ebb_strbuf_addf(
                    o, "<text x=\"%.1f\" y=\"%.1f\" fill=\"" C_SCHEDULE_TEXT "\" font-size=\"11\">",
                    x0 + 3, PLOT_TOP + 13);
                escape(o, name);
                ebb_strbuf_adds(o, "</text>\n");
            }
            drawn++;
        }
        i = j;
    }
}

static void markers(const struct frame *f, const struct bucket *b, size_t nb, struct ebb_strbuf *o)
{
    ebb_strbuf_adds(o, "<g stroke=\"none\">\n");
    for (size_t i = 0; i < nb; i++) {
        double x = (x_of(f, b[i].t0) + x_of(f, bucket_end(f, b, nb, i))) / 2;
        double y = y_of(b[i].desired, f->rep_top);
        if (b[i].ups)
            ebb_strbuf_addf(o, "<path fill=\"" C_UP "\" d=\"M%.1f %.1fl5 8h-10z\"/>\n", x, y - 13);
        if (b[i].downs)
            ebb_strbuf_addf(o, "<path fill=\"" C_DOWN "\" d=\"M%.1f %.1fl5 -8h-10z\"/>\n", x,
                            y + 13);
    }
    ebb_strbuf_adds(o, "</g>\n");
}

struct legend_item {
    const char *label;
    const char *swatch; /* an SVG fragment drawn at (0,0)-(24,12) */
};

static void legend(const struct ebb_sim_plot *p, struct ebb_strbuf *o)
{
    static const struct legend_item items[] = {
        {"offered load",
         "<rect width=\"24\" height=\"12\" fill=\"" C_LOAD_FILL "\" stroke=\"" C_LOAD_LINE "\"/>"},
        {"Ebb desired", "<line x1=\"0\" y1=\"6\" x2=\"24\" y2=\"6\" stroke=\"" C_DESIRED
                        "\" stroke-width=\"2\"/>"},
        {"ready pods", "<line x1=\"0\" y1=\"6\" x2=\"24\" y2=\"6\" stroke=\"" C_READY
                       "\" stroke-width=\"1.5\"/>"},
        {"HPA desired", "<line x1=\"0\" y1=\"6\" x2=\"24\" y2=\"6\" stroke=\"" C_HPA
                        "\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"},
        {"needed at target", "<line x1=\"0\" y1=\"6\" x2=\"24\" y2=\"6\" stroke=\"" C_NEEDED
                             "\" stroke-dasharray=\"2 2\"/>"},
        {"min/max bounds", "<rect width=\"24\" height=\"12\" fill=\"" C_BOUNDS_FILL
                           "\" stroke=\"" C_BOUNDS "\" stroke-dasharray=\"6 3\"/>"},
        {"schedule active", "<rect width=\"24\" height=\"12\" fill=\"" C_SCHEDULE "\"/>"},
        {"scale up", "<path fill=\"" C_UP "\" d=\"M12 2l5 8h-10z\"/>"},
        {"scale down", "<path fill=\"" C_DOWN "\" d=\"M12 10l5 -8h-10z\"/>"},
    };
    double x = PLOT_LEFT;
    double y = HEIGHT - 40;
    for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
        if (!p->has_hpa && strcmp(items[i].label, "HPA desired") == 0)
            continue;
        ebb_strbuf_addf(o, "<g transform=\"translate(%.1f %.1f)\">%s", x, y, items[i].swatch);
        ebb_strbuf_addf(o, "<text x=\"30\" y=\"11\">%s</text></g>\n", items[i].label);
        x += 36 + 7.0 * (double)strlen(items[i].label);
    }
}

enum ebb_rc ebb_sim_svg_render(const struct ebb_sim_plot *p, struct ebb_strbuf *out)
{
    if (p->n == 0 || p->samples == NULL)
        return EBB_ERR_INVALID;
    size_t nb = p->n < EBB_SIM_SVG_MAX_BUCKETS ? p->n : EBB_SIM_SVG_MAX_BUCKETS;
    struct bucket *b = calloc(nb, sizeof(*b));
    if (b == NULL)
        return EBB_ERR_NOMEM;
    struct frame f;
    bucketize(p, b, nb);
    make_frame(p, b, nb, &f);

    ebb_strbuf_addf(out,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                    "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
                    WIDTH, HEIGHT, WIDTH, HEIGHT);
    ebb_strbuf_adds(out, "<title>");
    escape(out, p->title);
    ebb_strbuf_adds(out, "</title>\n");
    ebb_strbuf_addf(out, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", WIDTH, HEIGHT);
    ebb_strbuf_addf(out, "<text x=\"%.1f\" y=\"28\" font-size=\"18\" font-weight=\"bold\">",
                    PLOT_LEFT);
    escape(out, p->title);
    ebb_strbuf_addf(out, "</text>\n<text x=\"%.1f\" y=\"50\" fill=\"#555555\">", PLOT_LEFT);
    escape(out, p->subtitle);
    ebb_strbuf_adds(out, "</text>\n");

    schedule_spans(p, &f, out);
    axes(&f, out);
    bounds_band(&f, b, nb, out);
    load_area(&f, b, nb, out);
    step_path(&f, b, nb, offsetof(struct bucket, needed),
              "stroke=\"" C_NEEDED "\" stroke-width=\"1\" stroke-dasharray=\"2 2\"", out);
    if (p->has_hpa)
        step_path(&f, b, nb, offsetof(struct bucket, hpa),
                  "stroke=\"" C_HPA "\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"", out);
    step_path(&f, b, nb, offsetof(struct bucket, ready),
              "stroke=\"" C_READY "\" stroke-width=\"1.5\"", out);
    step_path(&f, b, nb, offsetof(struct bucket, desired),
              "stroke=\"" C_DESIRED "\" stroke-width=\"2\"", out);
    markers(&f, b, nb, out);
    legend(p, out);
    ebb_strbuf_adds(out, "</svg>\n");
    free(b);
    return ebb_strbuf_rc(out);
}
