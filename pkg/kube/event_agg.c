/* event_agg.c -- Event aggregation and per-object rate limiting (see event_agg.h). PURE. */
#include "event_agg.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/strbuf.h"

struct ebb_event_agg_series {
    char *key; /* every field of the key, joined by US (0x1f) */
    char name[EBB_EVENT_NAME_MAX];
    int32_t count;
    int64_t first_wall_ms;
    int64_t last_wall_ms;
    int64_t last_ms; /* now_ms of the last occurrence */
};

struct ebb_event_agg_object {
    char *key; /* kind, namespace, name, uid */
    struct ebb_ratelimit rl;
    int64_t last_ms;
};

void ebb_event_agg_opts_default(struct ebb_event_agg_opts *o /* OUT */)
{
    o->max_series = 1024;
    o->max_objects = 1024;
    o->window_ms = 10 * 60 * 1000;
    o->qps = 1.0 / 300.0;
    o->burst = 25;
}

enum ebb_rc ebb_event_agg_init(struct ebb_event_agg *a, const struct ebb_event_agg_opts *o)
{
    enum ebb_rc rc = EBB_ERR_NOMEM;
    memset(a, 0, sizeof(*a));
    if (o != NULL)
        a->opts = *o;
    else
        ebb_event_agg_opts_default(&a->opts);
    if (a->opts.max_series < 1)
        a->opts.max_series = 1;
    if (a->opts.max_objects < 1)
        a->opts.max_objects = 1;
    a->series = calloc(a->opts.max_series, sizeof(*a->series));
    a->objects = calloc(a->opts.max_objects, sizeof(*a->objects));
    if (a->series == NULL || a->objects == NULL) {
        ebb_event_agg_release(a);
        goto out;
    }
    rc = EBB_OK;
out:
    return rc;
}

void ebb_event_agg_release(struct ebb_event_agg *a)
{
    for (size_t i = 0; a->series != NULL && i < a->n_series; i++)
        free(a->series[i].key);
    for (size_t i = 0; a->objects != NULL && i < a->n_objects; i++)
        free(a->objects[i].key);
    free(a->series);
    free(a->objects);
    a->series = NULL;
    a->objects = NULL;
    a->n_series = 0;
    a->n_objects = 0;
}

static const char *nz(const char *s)
{
    return s != NULL ? s : "";
}

static void join(struct ebb_strbuf *sb, const char *const *parts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ebb_strbuf_addch(sb, '\x1f');
        ebb_strbuf_adds(sb, nz(parts[i]));
    }
}

/* Index of the slot with this key, or of the least recently used one when
 * none has it (*found false). */
static size_t find_series(const struct ebb_event_agg *a, const char *key, bool *found)
{
    size_t lru = 0;
    *found = false;
    for (size_t i = 0; i < a->n_series; i++) {
        if (strcmp(a->series[i].key, key) == 0) {
            *found = true;
            return i;
        }
        if (a->series[i].last_ms < a->series[lru].last_ms)
            lru = i;
    }
    return lru;
}

static size_t find_object(const struct ebb_event_agg *a, const char *key, bool *found)
{
    size_t lru = 0;
    *found = false;
    for (size_t i = 0; i < a->n_objects; i++) {
        if (strcmp(a->objects[i].key, key) == 0) {
            *found = true;
            return i;
        }
        if (a->objects[i].last_ms < a->objects[lru].last_ms)
            lru = i;
    }
    return lru;
}

/* The bucket of k's object, made (full) when new; NULL on NOMEM. */
static struct ebb_event_agg_object *object_of(struct ebb_event_agg *a,
                                              const struct ebb_event_key *k, int64_t now_ms)
{
    struct ebb_event_agg_object *ob = NULL;
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    const char *parts[] = {k->kind, k->ns, k->name, k->uid};
    join(&sb, parts, 4);
    char *key = ebb_strbuf_detach(&sb, NULL);
    if (key == NULL)
        goto out;
    bool found;
    size_t i = find_object(a, key, &found);
    if (found) {
        free(key);
    } else {
        if (a->n_objects < a->opts.max_objects)
            i = a->n_objects++;
        else
            free(a->objects[i].key);
        a->objects[i].key = key;
        ebb_ratelimit_init(&a->objects[i].rl, a->opts.qps, a->opts.burst);
    }
    ob = &a->objects[i];
    ob->last_ms = now_ms;
out:
    return ob;
}

/* client-go names an Event "<object name>.<unix nanoseconds in hex>". */
static void make_name(struct ebb_event_agg *a, const char *obj, int64_t wall_ms, char *out)
{
    char suffix[24];
    uint64_t ns = (uint64_t)wall_ms * 1000000u + a->seq++ % 1000000u;
    int n = snprintf(suffix, sizeof(suffix), ".%" PRIx64, ns);
    int room = EBB_EVENT_NAME_MAX - 1 - n;
    snprintf(out, EBB_EVENT_NAME_MAX, "%.*s%s", room, obj, suffix);
}

enum ebb_rc ebb_event_agg_record(struct ebb_event_agg *a, const struct ebb_event_key *k,
                                 int64_t now_ms, int64_t wall_ms,
                                 struct ebb_event_plan *out /* OUT */)
{
    enum ebb_rc rc = EBB_ERR_INVALID;
    char *key = NULL;
    memset(out, 0, sizeof(*out));
    if (k->name == NULL || k->name[0] == '\0' || k->reason == NULL || k->reason[0] == '\0')
        goto out;
    rc = EBB_ERR_NOMEM;
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    const char *parts[] = {k->api_version, k->kind,   k->ns,     k->name, k->uid,
                           k->type,        k->reason, k->action, k->note};
    join(&sb, parts, sizeof(parts) / sizeof(parts[0]));
    key = ebb_strbuf_detach(&sb, NULL);
    struct ebb_event_agg_object *ob = object_of(a, k, now_ms);
    if (key == NULL || ob == NULL)
        goto out;
    rc = EBB_OK;

    bool found;
    size_t i = find_series(a, key, &found);
    struct ebb_event_agg_series *s = &a->series[i];
    bool joins = found && now_ms - s->last_ms <= a->opts.window_ms;
    bool allowed = ebb_ratelimit_tokens(&ob->rl, now_ms) >= 1.0;
    if (allowed)
        ebb_ratelimit_reserve(&ob->rl, now_ms);
    if (!allowed) {
        a->dropped++;
        out->verb = EBB_EVENT_DROP;
        if (joins) {
            s->count++;
            s->last_wall_ms = wall_ms;
            s->last_ms = now_ms;
        }
        goto out;
    }
    if (joins) {
        s->count++;
        s->last_wall_ms = wall_ms;
        s->last_ms = now_ms;
        out->verb = EBB_EVENT_SERIES;
    } else {
        if (!found) {
            if (a->n_series < a->opts.max_series)
                i = a->n_series++;
            else
                free(a->series[i].key);
            s = &a->series[i];
            s->key = key;
            key = NULL;
        }
        make_name(a, k->name, wall_ms, s->name);
        s->count = 1;
        s->first_wall_ms = wall_ms;
        s->last_wall_ms = wall_ms;
        s->last_ms = now_ms;
        out->verb = EBB_EVENT_CREATE;
    }
    memcpy(out->name, s->name, sizeof(out->name));
    out->count = s->count;
    out->first_wall_ms = s->first_wall_ms;
    out->last_wall_ms = s->last_wall_ms;
out:
    free(key);
    return rc;
}

void ebb_event_agg_forget(struct ebb_event_agg *a, const struct ebb_event_key *k)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    const char *parts[] = {k->api_version, k->kind,   k->ns,     k->name, k->uid,
                           k->type,        k->reason, k->action, k->note};
    join(&sb, parts, sizeof(parts) / sizeof(parts[0]));
    char *key = ebb_strbuf_detach(&sb, NULL);
    bool found = false;
    size_t i = key != NULL ? find_series(a, key, &found) : 0;
    if (found) {
        free(a->series[i].key);
        a->series[i] = a->series[--a->n_series];
    }
    free(key);
}
