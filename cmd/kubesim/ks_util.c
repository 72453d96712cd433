/*
 * kubesim: the small helpers every module shares (ks.h).
 */
#include "ks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

void ks_causes_add(struct ks_causes *c, const char *type, const char *field, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        struct ks_cause *v = realloc(c->v, cap * sizeof(*v));
        if (!v)
            return;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n].type = dup_or_empty(type);
    c->v[c->n].field = dup_or_empty(field);
    c->v[c->n].message = dup_or_empty(msg);
    c->n++;
}

void ks_causes_release(struct ks_causes *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].type);
        free(c->v[i].field);
        free(c->v[i].message);
    }
    free(c->v);
    c->v = NULL;
    c->n = c->cap = 0;
}

void ks_time_format(double t, char out[32])
{
    time_t secs = (time_t)floor(t);
    struct tm tm;

    gmtime_r(&secs, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ks_microtime_format(double t, char out[40])
{
    time_t secs = (time_t)floor(t);
    long us = (long)((t - floor(t)) * 1e6);
    struct tm tm;
    char base[32];

    if (us > 999999)
        us = 999999;
    gmtime_r(&secs, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 40, "%s.%06ldZ", base, us);
}

uint64_t ks_rand64(struct ks_sim *s)
{
    /* xorshift128+ */
    uint64_t x = s->rng[0];
    const uint64_t y = s->rng[1];

    s->rng[0] = y;
    x ^= x << 23;
    s->rng[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
    return s->rng[1] + y;
}

double ks_rand01(struct ks_sim *s)
{
    return (double)(ks_rand64(s) >> 11) / 9007199254740992.0;
}

void ks_uuid(struct ks_sim *s, char out[37])
{
    uint64_t a = ks_rand64(s), b = ks_rand64(s);

    a = (a & ~0xf000ull) | 0x4000ull;                        /* version 4 */
    b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull; /* variant 10 */
    snprintf(out, 37, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xffff), (unsigned)(b >> 48),
             (unsigned long long)(b & 0xffffffffffffull));
}

/* Copies the next dotted segment of *p into seg; false at the end. */
static bool next_seg(const char **p, char *seg, size_t cap)
{
    size_t n = 0;

    if (!**p)
        return false;
    while (**p && **p != '.') {
        if (n + 1 < cap)
            seg[n++] = **p;
        (*p)++;
    }
    seg[n] = '\0';
    if (**p == '.')
        (*p)++;
    return true;
}

cJSON *ks_json_path(const cJSON *root, const char *dotted)
{
    char seg[256];
    const char *p = dotted;
    cJSON *cur = (cJSON *)root;

    while (cur && next_seg(&p, seg, sizeof(seg))) {
        if (!cJSON_IsObject(cur))
            return NULL;
        cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
    }
    return cur;
}

const char *ks_json_str(const cJSON *root, const char *dotted)
{
    const cJSON *v = ks_json_path(root, dotted);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int ks_json_set_path(cJSON *root, const char *dotted, cJSON *val)
{
    char seg[256];
    const char *p = dotted;
    cJSON *cur = root;

    if (!cJSON_IsObject(root)) {
        cJSON_Delete(val);
        return KS_EINVALID;
    }
    while (next_seg(&p, seg, sizeof(seg))) {
        if (!*p) {
            if (cJSON_GetObjectItemCaseSensitive(cur, seg))
                cJSON_ReplaceItemInObjectCaseSensitive(cur, seg, val);
            else
                cJSON_AddItemToObject(cur, seg, val);
            return KS_OK;
        }
        cJSON *next = cJSON_GetObjectItemCaseSensitive(cur, seg);
        if (!next) {
            next = cJSON_AddObjectToObject(cur, seg);
            if (!next) {
                cJSON_Delete(val);
                return KS_ENOMEM;
            }
        } else if (!cJSON_IsObject(next)) {
            cJSON *obj = cJSON_CreateObject();
            if (!obj) {
                cJSON_Delete(val);
                return KS_ENOMEM;
            }
            cJSON_ReplaceItemInObjectCaseSensitive(cur, seg, obj);
            next = obj;
        }
        cur = next;
    }
    cJSON_Delete(val);
    return KS_EINVALID;
}

double ks_now(const ks_sim *s)
{
    return s->start_sim + (s->now_real - s->start_real) * s->cfg.speed;
}
