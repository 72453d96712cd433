/*
 * kubesim: cell helpers of the table printers -- ages as Go's
 * duration.HumanDuration, selectors and label maps as apimachinery
 * prints them.
 */
#include "table_cells.h"

#include "../../pkg/base/rfc3339.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ks_table_human_duration(double secs, char *out, size_t cap)
{
    /* Go: int(d.Seconds()) truncates toward zero */
    if (!isfinite(secs) || secs < -1e15 || secs > 1e15) {
        snprintf(out, cap, "<invalid>");
        return;
    }
    long long s = (long long)secs;
    if (s < -1) {
        snprintf(out, cap, "<invalid>");
        return;
    }
    if (s < 0) {
        snprintf(out, cap, "0s");
        return;
    }
    if (s < 120) {
        snprintf(out, cap, "%llds", s);
        return;
    }
    long long minutes = s / 60;
    if (minutes < 10) {
        if (s % 60 == 0)
            snprintf(out, cap, "%lldm", minutes);
        else
            snprintf(out, cap, "%lldm%llds", minutes, s % 60);
        return;
    }
    if (minutes < 180) {
        snprintf(out, cap, "%lldm", minutes);
        return;
    }
    long long hours = s / 3600;
    if (hours < 8) {
        if (minutes % 60 == 0)
            snprintf(out, cap, "%lldh", hours);
        else
            snprintf(out, cap, "%lldh%lldm", hours, minutes % 60);
    } else if (hours < 48) {
        snprintf(out, cap, "%lldh", hours);
    } else if (hours < 24 * 8) {
        if (hours % 24 == 0)
            snprintf(out, cap, "%lldd", hours / 24);
        else
            snprintf(out, cap, "%lldd%lldh", hours / 24, hours % 24);
    } else if (hours < 24 * 365 * 2) {
        snprintf(out, cap, "%lldd", hours / 24);
    } else if (hours < 24 * 365 * 8) {
        long long dy = (hours / 24) % 365;
        if (dy == 0)
            snprintf(out, cap, "%lldy", hours / 24 / 365);
        else
            snprintf(out, cap, "%lldy%lldd", hours / 24 / 365, dy);
    } else {
        snprintf(out, cap, "%lldy", hours / 24 / 365);
    }
}

bool ks_table_parse_time(const char *ts, double *out)
{
    int64_t ms;

    if (!ts || !*ts || ebb_rfc3339_parse(ts, &ms) != EBB_OK)
        return false;
    *out = (double)ms / 1000.0;
    return true;
}

void ks_table_since(const char *ts, double now, char *out, size_t cap)
{
    double t;

    if (!ks_table_parse_time(ts, &t))
        snprintf(out, cap, "<unknown>");
    else
        ks_table_human_duration(now - t, out, cap);
}

static void add(struct ks_tcells *r, cJSON *item)
{
    if (!item) {
        r->oom = true;
        return;
    }
    cJSON_AddItemToArray(r->cells, item);
}

void ks_tc_str(struct ks_tcells *r, const char *s)
{
    add(r, cJSON_CreateString(s ? s : ""));
}

void ks_tc_str_or(struct ks_tcells *r, const char *s, const char *dflt)
{
    add(r, cJSON_CreateString(s && *s ? s : dflt));
}

void ks_tc_num(struct ks_tcells *r, long long v)
{
    add(r, cJSON_CreateNumber((double)v));
}

void ks_tc_age(struct ks_tcells *r, const cJSON *obj, double now)
{
    char buf[32];

    ks_table_since(ks_json_str(obj, "metadata.creationTimestamp"), now, buf, sizeof(buf));
    ks_tc_str(r, buf);
}

long long ks_tc_int(const cJSON *o, const char *path, long long def)
{
    const cJSON *v = ks_json_path(o, path);

    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || fabs(v->valuedouble) > 9e18)
        return def;
    return (long long)v->valuedouble;
}

void ks_tc_containers(struct ks_tcells *r, const cJSON *containers)
{
    struct ebb_strbuf names = EBB_STRBUF_INIT, images = EBB_STRBUF_INIT;
    const cJSON *c;
    bool first = true;

    cJSON_ArrayForEach(c, containers)
    {
        const char *n = ks_json_str(c, "name"), *im = ks_json_str(c, "image");
        if (!first) {
            ebb_strbuf_addch(&names, ',');
            ebb_strbuf_addch(&images, ',');
        }
        first = false;
        ebb_strbuf_adds(&names, n ? n : "");
        ebb_strbuf_adds(&images, im ? im : "");
    }
    if (names.failed || images.failed)
        r->oom = true;
    ks_tc_str(r, names.buf);
    ks_tc_str(r, images.buf);
    ebb_strbuf_release(&names);
    ebb_strbuf_release(&images);
}

struct req {
    const char *key;
    int op; /* 0 =, 1 in, 2 notin, 3 exists, 4 !exists */
    const cJSON *vals;
    const char *val;
    size_t idx;
};

static int req_cmp(const void *a, const void *b)
{
    const struct req *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "(a,b)" with the values sorted and deduplicated. */
static void add_values(struct ebb_strbuf *sb, const cJSON *vals)
{
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(vals);
    const char **v = cap ? calloc(cap, sizeof(*v)) : NULL;
    const cJSON *c;

    if (cap && !v)
        sb->failed = true;
    cJSON_ArrayForEach(c, vals)
    {
        if (v && cJSON_IsString(c) && n < cap)
            v[n++] = c->valuestring;
    }
    if (n)
        qsort(v, n, sizeof(*v), str_cmp);
    ebb_strbuf_addch(sb, '(');
    for (size_t i = 0; i < n; i++) {
        if (i && strcmp(v[i], v[i - 1]) == 0)
            continue;
        if (i)
            ebb_strbuf_addch(sb, ',');
        ebb_strbuf_adds(sb, v[i]);
    }
    ebb_strbuf_addch(sb, ')');
    free(v);
}

void ks_tc_selector(struct ks_tcells *r, const cJSON *sel, const char *empty)
{
    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(sel, "matchLabels");
    const cJSON *me = cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions");
    size_t cap = (size_t)cJSON_GetArraySize(ml) + (size_t)cJSON_GetArraySize(me), n = 0;
    struct req *reqs = cap ? calloc(cap, sizeof(*reqs)) : NULL;
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    const cJSON *c;

    if (cap && !reqs) {
        r->oom = true;
        return;
    }
    cJSON_ArrayForEach(c, ml)
    {
        if (n < cap && c->string && cJSON_IsString(c)) {
            reqs[n] = (struct req){c->string, 0, NULL, c->valuestring, n};
            n++;
        }
    }
    cJSON_ArrayForEach(c, me)
    {
        const char *k = ks_json_str(c, "key"), *op = ks_json_str(c, "operator");
        int o = -1;
        if (!k || !op || n >= cap)
            continue;
        if (strcmp(op, "In") == 0)
            o = 1;
        else if (strcmp(op, "NotIn") == 0)
            o = 2;
        else if (strcmp(op, "Exists") == 0)
            o = 3;
        else if (strcmp(op, "DoesNotExist") == 0)
            o = 4;
        if (o < 0) {
            /* LabelSelectorAsSelector fails: printers say "<invalid>"/"<error>" */
            free(reqs);
            ks_tc_str(r, *empty ? "<error>" : "<invalid>");
            return;
        }
        reqs[n] = (struct req){k, o, cJSON_GetObjectItemCaseSensitive(c, "values"), NULL, n};
        n++;
    }
    if (n)
        qsort(reqs, n, sizeof(*reqs), req_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i)
            ebb_strbuf_addch(&sb, ',');
        switch (reqs[i].op) {
        case 0:
            ebb_strbuf_adds(&sb, reqs[i].key);
            ebb_strbuf_addch(&sb, '=');
            ebb_strbuf_adds(&sb, reqs[i].val);
            break;
        case 1:
        case 2:
            ebb_strbuf_adds(&sb, reqs[i].key);
            ebb_strbuf_adds(&sb, reqs[i].op == 1 ? " in " : " notin ");
            add_values(&sb, reqs[i].vals);
            break;
        case 3:
            ebb_strbuf_adds(&sb, reqs[i].key);
            break;
        default:
            ebb_strbuf_addch(&sb, '!');
            ebb_strbuf_adds(&sb, reqs[i].key);
            break;
        }
    }
    if (sb.failed)
        r->oom = true;
    ks_tc_str(r, sb.len ? sb.buf : empty);
    ebb_strbuf_release(&sb);
    free(reqs);
}

void ks_tc_labels(struct ks_tcells *r, const cJSON *map)
{
    size_t cap = (size_t)cJSON_GetArraySize(map), n = 0;
    const cJSON **v = cap ? calloc(cap, sizeof(*v)) : NULL;
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    const cJSON *c;

    if (cap && !v) {
        r->oom = true;
        return;
    }
    cJSON_ArrayForEach(c, map)
    {
        if (n < cap && c->string && cJSON_IsString(c))
            v[n++] = c;
    }
    /* sort by key: insertion sort, maps are small */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(v[j - 1]->string, v[j]->string) > 0; j--) {
            const cJSON *t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++) {
        if (i)
            ebb_strbuf_addch(&sb, ',');
        ebb_strbuf_adds(&sb, v[i]->string);
        ebb_strbuf_addch(&sb, '=');
        ebb_strbuf_adds(&sb, v[i]->valuestring);
    }
    if (sb.failed)
        r->oom = true;
    ks_tc_str(r, sb.len ? sb.buf : "<none>");
    ebb_strbuf_release(&sb);
    free(v);
}
