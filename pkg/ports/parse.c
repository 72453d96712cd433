/* parse.c -- the small pure functions around the allocator: the "A-B"
 * spelling of a range, a StatefulSet pod's ordinal, a pod's phase. PURE.
 */
#include "ports.h"

#include <stdio.h>
#include <string.h>

/* Reads a decimal of at most 5 digits (no sign) at *s; advances *s. */
static bool read_port(const char **s, int32_t *v)
{
    const char *p = *s;
    int32_t n = 0;
    int digits = 0;

    while (*p >= '0' && *p <= '9') {
        if (++digits > 5)
            return false;
        n = n * 10 + (*p - '0');
        p++;
    }
    if (digits == 0)
        return false;
    *v = n;
    *s = p;
    return true;
}

enum ebb_rc ebb_ports_parse_range(const char *s, int32_t *first, int32_t *last)
{
    int32_t a, b;

    if (s == NULL || !read_port(&s, &a) || *s++ != '-' || !read_port(&s, &b) || *s != '\0')
        return EBB_ERR_PARSE;
    if (a < 1 || b > EBB_PORTS_MAX_PORT || a > b)
        return EBB_ERR_RANGE;
    *first = a;
    *last = b;
    return EBB_OK;
}

enum ebb_rc ebb_ports_format_range(int32_t first, int32_t last, char *buf, size_t n)
{
    if (n == 0)
        return EBB_ERR_LIMIT;
    int w = snprintf(buf, n, "%d-%d", (int)first, (int)last);
    if (w < 0 || (size_t)w >= n) {
        buf[0] = '\0';
        return EBB_ERR_LIMIT;
    }
    return EBB_OK;
}

/* A plain decimal ordinal: digits only, no leading zero (but "0"), <= 9 digits. */
static int32_t ordinal_of(const char *s)
{
    int32_t n = 0;
    size_t len = strlen(s);

    if (len == 0 || len > 9 || (s[0] == '0' && len > 1))
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        n = n * 10 + (s[i] - '0');
    }
    return n;
}

int32_t ebb_ports_ordinal(const char *pod_index_label, const char *pod_name, const char *sts_name)
{
    if (pod_index_label != NULL) {
        int32_t n = ordinal_of(pod_index_label);
        if (n >= 0)
            return n;
    }
    if (pod_name == NULL)
        return -1;
    if (sts_name != NULL) {
        size_t k = strlen(sts_name);
        if (strncmp(pod_name, sts_name, k) != 0 || pod_name[k] != '-')
            return -1;
        return ordinal_of(pod_name + k + 1);
    }
    const char *dash = strrchr(pod_name, '-');
    return dash == NULL ? -1 : ordinal_of(dash + 1);
}

bool ebb_ports_phase_gone(const char *phase)
{
    return phase != NULL && (strcmp(phase, "Failed") == 0 || strcmp(phase, "Succeeded") == 0);
}

int32_t ebb_ports_slots(const struct ebb_channel_ports *cp)
{
    if (cp == NULL || !cp->set)
        return -1;
    if (cp->base < 1 || cp->base > EBB_PORTS_MAX_PORT || cp->range_size < 1 ||
        cp->range_size > EBB_PORTS_MAX_PORT || cp->limit < 1 || cp->limit > EBB_PORTS_MAX_PORT ||
        (int64_t)cp->limit < (int64_t)cp->base + cp->range_size - 1)
        return -1;
    return (int32_t)(((int64_t)cp->limit - cp->base + 1) / cp->range_size);
}

const char *ebb_ports_why_str(enum ebb_ports_why why)
{
    static const char *const names[] = {
        [EBB_PORTS_WHY_OK] = "ok",
        [EBB_PORTS_WHY_GONE] = "pod is gone",
        [EBB_PORTS_WHY_NO_POLICY] = "no policy with channelPorts",
        [EBB_PORTS_WHY_POLICY_CONFLICT] = "policy in conflict",
        [EBB_PORTS_WHY_POLICY_INVALID] = "policy channelPorts invalid",
        [EBB_PORTS_WHY_NO_ORDINAL] = "no ordinal",
        [EBB_PORTS_WHY_OUTSIDE_POOL] = "ordinal outside the pool",
        [EBB_PORTS_WHY_SLOT_TAKEN] = "slot taken",
        [EBB_PORTS_WHY_POOL_FULL] = "pool full",
        [EBB_PORTS_WHY_OVERLAP] = "overlaps another pod's range",
    };
    _Static_assert(sizeof(names) / sizeof(names[0]) == EBB_PORTS_WHY__COUNT, "why names");
    if ((unsigned)why >= EBB_PORTS_WHY__COUNT)
        return "unknown";
    return names[why];
}
