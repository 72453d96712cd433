/*
 * cel_regex.c -- CEL's RE2 patterns translated to POSIX extended regular
 * expressions (ks_cel_regcomp), with RE2's messages for what POSIX would
 * take but RE2 refuses (repeat counts over 1000, nested repeats).
 */
#include "cel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rx {
    char *p;
    size_t n, cap;
    bool oom;
};

static void rx_add(struct rx *r, const char *s)
{
    size_t l = strlen(s);

    if (r->oom)
        return;
    if (r->n + l + 1 > r->cap) {
        size_t cap = (r->n + l + 1) * 2;
        char *p = realloc(r->p, cap);
        if (!p) {
            r->oom = true;
            return;
        }
        r->p = p;
        r->cap = cap;
    }
    memcpy(r->p + r->n, s, l + 1);
    r->n += l;
}

static void rx_addc(struct rx *r, char ch)
{
    char s[2] = {ch, '\0'};
    rx_add(r, s);
}

/* A bracket expression from *ip (just past '['); writes POSIX. */
static bool rx_bracket(const char *pat, size_t *ip, struct rx *r)
{
    size_t i = *ip;
    bool neg = false, has_close = false, has_dash = false, has_caret = false;
    struct rx body = {0};

    if (pat[i] == '^') {
        neg = true;
        i++;
    }
    while (pat[i] && pat[i] != ']') {
        char ch = pat[i];
        if (ch == '[' && pat[i + 1] == ':') {
            const char *end = strstr(pat + i + 2, ":]");
            if (!end) {
                free(body.p);
                return false;
            }
            size_t l = (size_t)(end - (pat + i)) + 2;
            char cls[40];
            if (l >= sizeof(cls)) {
                free(body.p);
                return false;
            }
            memcpy(cls, pat + i, l);
            cls[l] = '\0';
            rx_add(&body, cls);
            i += l;
            continue;
        }
        if (ch == '\\') {
            char e = pat[i + 1];
            i += 2;
            switch (e) {
            case 'd':
                rx_add(&body, "0-9");
                continue;
            case 'w':
                rx_add(&body, "A-Za-z0-9_");
                continue;
            case 's':
                rx_add(&body, "[:space:]");
                continue;
            case 'n':
                rx_addc(&body, '\n');
                continue;
            case 't':
                rx_addc(&body, '\t');
                continue;
            case 'r':
                rx_addc(&body, '\r');
                continue;
            case '\0':
                free(body.p);
                return false;
            case 'D':
            case 'W':
            case 'S':
                free(body.p);
                return false;
            default:
                ch = e;
                break;
            }
            /* an escaped literal */
            if (ch == ']')
                has_close = true;
            else if (ch == '-')
                has_dash = true;
            else if (ch == '^')
                has_caret = true;
            else if (ch == '[')
                rx_add(&body, "[.[.]");
            else
                rx_addc(&body, ch);
            continue;
        }
        if (ch == '-' && (pat[i + 1] == ']' || i == *ip + (neg ? 1 : 0))) {
            has_dash = true;
            i++;
            continue;
        }
        if (ch == '^') {
            has_caret = true;
            i++;
            continue;
        }
        rx_addc(&body, ch);
        i++;
    }
    if (pat[i] != ']' || body.oom) {
        free(body.p);
        return false;
    }
    rx_add(r, neg ? "[^" : "[");
    if (has_close)
        rx_add(r, "]");
    if (body.p)
        rx_add(r, body.p);
    if (has_caret)
        rx_add(r, "^");
    if (has_dash)
        rx_add(r, "-");
    if (!has_close && !body.p && !has_caret && !has_dash) {
        free(body.p);
        return false; /* [] */
    }
    rx_add(r, "]");
    free(body.p);
    *ip = i + 1;
    return true;
}

/* Go's regexp/syntax limits, and one of ours that keeps glibc's regcomp
 * from growing without bound. Go's: no repetition operator right after
 * another ("a++"), counts up to 1000, a product of nested counted
 * repetitions up to 1000 ("(a{100}){100}"). Ours: glibc copies a
 * repeated subexpression once per counted repetition (and once more per
 * '+'), and the epsilon closures it builds grow with the square of the
 * nodes ("(a?){1000}" five times over takes 200 MB), so the pattern's
 * nodes, counted the way glibc expands them, may be at most
 * RX_MAX_NODES (3,000: about 40 MB at worst); more is "expression too large", as Go says of its own
 * (much larger) limit. No pattern a CRD carries comes near it. A
 * pre-pass over the source pattern; what it lets through the
 * translation checks. */
#define RX_MAX_REPEAT 1000u
#define RX_MAX_NODES 3000u

struct rx_unit {
    size_t nodes;   /* glibc's nodes for it, expanded */
    size_t counted; /* the product of its nested counted repetitions */
    bool anchor;    /* holds a ^ or $ */
};

struct rx_frame {
    size_t nodes;   /* the group's nodes so far, all branches */
    size_t counted; /* the largest product of counted repetitions inside */
    bool anchor;    /* holds a ^ or $ */
};

static bool rx_counted(const char *p, size_t *n, size_t *m, bool *has_max, size_t *used)
{
    size_t i = 1;
    *n = *m = 0;
    *has_max = false;
    if (p[i] < '0' || p[i] > '9')
        return false;
    for (; p[i] >= '0' && p[i] <= '9'; i++) /* every digit, saturating */
        *n = *n > RX_MAX_REPEAT ? *n : *n * 10 + (size_t)(p[i] - '0');
    if (p[i] == ',') {
        i++;
        if (p[i] >= '0' && p[i] <= '9') {
            *has_max = true;
            for (; p[i] >= '0' && p[i] <= '9'; i++)
                *m = *m > RX_MAX_REPEAT ? *m : *m * 10 + (size_t)(p[i] - '0');
        }
    } else {
        *m = *n;
        *has_max = true;
    }
    if (p[i] != '}')
        return false;
    *used = i + 1;
    return true;
}

/* The index just past a bracket expression that opens at pat[i]. */
static size_t rx_skip_bracket(const char *pat, size_t i)
{
    i++;
    if (pat[i] == '^')
        i++;
    if (pat[i] == ']')
        i++;
    while (pat[i] && pat[i] != ']') {
        if (pat[i] == '\\' && pat[i + 1])
            i++;
        else if (pat[i] == '[' && pat[i + 1] == ':' && strstr(pat + i + 2, ":]"))
            i = (size_t)(strstr(pat + i + 2, ":]") - pat) + 1;
        i++;
    }
    return pat[i] ? i + 1 : i;
}

static int rx_check_size(const char *pat, char *err, size_t errlen)
{
    size_t len = strlen(pat), depth = 0, i = 0;
    struct rx_frame *g = calloc(len + 2, sizeof(*g)); /* per open group */
    struct rx_unit last = {0, 1, false};              /* the unit a repetition applies to */
    size_t after_rep = 0; /* where the last repetition operator began, +1 */
    int rc = 0;

    if (!g) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g[0].counted = 1;
    while (pat[i] && rc == 0) {
        char ch = pat[i];
        size_t n = 0, m = 0, used = 1;
        bool has_max = false, counted = ch == '{' && rx_counted(pat + i, &n, &m, &has_max, &used);
        if (ch == '*' || ch == '+' || ch == '?' || counted) {
            if (after_rep && ch != '?') { /* "+?" is a lazy one: the translation says so */
                snprintf(err, errlen,
                         "error parsing regexp: invalid nested repetition operator: `%.*s`",
                         (int)(i + used - (after_rep - 1)), pat + after_rep - 1);
                rc = -1;
                break;
            }
            struct rx_unit u = last;
            if (u.anchor && ch != '?') {
                /* glibc's compile time explodes on anchors in repeated
                 * alternations ("((|$|...)+a)+": 40 s); Go's does not */
                snprintf(err, errlen,
                         "error parsing regexp: kubesim does not support ^ or $ inside a "
                         "repetition: `%.*s`",
                         (int)(i + used), pat);
                rc = -1;
                break;
            }
            if (counted) {
                size_t k = has_max ? m : n + 1;
                if (n > RX_MAX_REPEAT || (has_max && m > RX_MAX_REPEAT) ||
                    (k >= 2 && u.counted * k > RX_MAX_REPEAT)) {
                    snprintf(err, errlen, "error parsing regexp: invalid repeat count: `%.*s`",
                             (int)used, pat + i);
                    rc = -1;
                    break;
                }
                u.counted *= k ? k : 1;
                u.nodes = u.nodes * (k ? k : 1) + 1;
            } else {
                u.nodes = u.nodes * (ch == '+' ? 2 : 1) + 1;
            }
            g[depth].nodes = g[depth].nodes - last.nodes + u.nodes;
            if (u.counted > g[depth].counted)
                g[depth].counted = u.counted;
            last = u;
            if (!after_rep)
                after_rep = i + 1;
            i += used;
        } else {
            after_rep = 0;
            last = (struct rx_unit){1, 1, ch == '^' || ch == '$'};
            g[depth].anchor |= last.anchor;
            if (ch == '\\') {
                i += pat[i + 1] ? 2 : 1;
            } else if (ch == '[') {
                i = rx_skip_bracket(pat, i);
            } else if (ch == '(') {
                depth++;
                g[depth] = (struct rx_frame){0, 1, false};
                last = (struct rx_unit){0, 1, false};
                i += pat[i + 1] == '?' ? (pat[i + 2] == ':' ? 3 : 2) : 1;
                continue;
            } else if (ch == ')' && depth > 0) {
                last = (struct rx_unit){g[depth].nodes + 2, g[depth].counted, g[depth].anchor};
                depth--;
                g[depth].anchor |= last.anchor;
                if (last.counted > g[depth].counted)
                    g[depth].counted = last.counted;
                i++;
            } else if (ch == '|') {
                last = (struct rx_unit){0, 1, false};
                g[depth].nodes++;
                i++;
                continue;
            } else {
                i++;
            }
            g[depth].nodes += last.nodes;
        }
        if (g[depth].nodes > RX_MAX_NODES) {
            snprintf(err, errlen,
                     "error parsing regexp: expression too large (kubesim allows %u nodes, "
                     "counting each repetition's copies)",
                     RX_MAX_NODES);
            rc = -1;
        }
    }
    free(g);
    return rc;
}

int ks_cel_regcomp(regex_t *re, const char *pat, bool nosub, char *err, size_t errlen)
{
    struct rx r = {0};
    size_t i = 0;
    int rc;

    if (rx_check_size(pat, err, errlen) != 0)
        return -1;

    while (pat[i]) {
        char ch = pat[i];
        if (ch == '\\') {
            char e = pat[i + 1];
            i += 2;
            switch (e) {
            case 'd':
                rx_add(&r, "[0-9]");
                break;
            case 'D':
                rx_add(&r, "[^0-9]");
                break;
            case 'w':
                rx_add(&r, "[A-Za-z0-9_]");
                break;
            case 'W':
                rx_add(&r, "[^A-Za-z0-9_]");
                break;
            case 's':
                rx_add(&r, "[[:space:]]");
                break;
            case 'S':
                rx_add(&r, "[^[:space:]]");
                break;
            case 'n':
                rx_add(&r, "\n");
                break;
            case 't':
                rx_add(&r, "\t");
                break;
            case 'r':
                rx_add(&r, "\r");
                break;
            case 'b':
            case 'B':
            case 'A':
            case 'z':
            case 'Z':
            case 'p':
            case 'P':
            case '\0':
                snprintf(err, errlen, "unsupported escape \\%c in pattern", e ? e : ' ');
                free(r.p);
                return -1;
            default:
                if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) {
                    snprintf(err, errlen, "unsupported escape \\%c in pattern", e);
                    free(r.p);
                    return -1;
                }
                if (strchr(".[]{}()*+?|^$\\", e)) {
                    rx_addc(&r, '\\');
                    rx_addc(&r, e);
                } else {
                    rx_addc(&r, e); /* \/ \- \" ... are the character itself */
                }
                break;
            }
            continue;
        }
        if (ch == '[') {
            i++;
            if (!rx_bracket(pat, &i, &r)) {
                snprintf(err, errlen, "missing closing ] or bad class in pattern");
                free(r.p);
                return -1;
            }
            continue;
        }
        if (ch == '(' && pat[i + 1] == '?') {
            if (pat[i + 2] == ':') {
                rx_addc(&r, '(');
                i += 3;
                continue;
            }
            snprintf(err, errlen, "unsupported group flag (?%c in pattern", pat[i + 2]);
            free(r.p);
            return -1;
        }
        if ((ch == '*' || ch == '+' || ch == '?' || ch == '}') && pat[i + 1] == '?') {
            snprintf(err, errlen, "lazy quantifiers are not supported");
            free(r.p);
            return -1;
        }
        if (ch == '{') {
            size_t n, m, used;
            bool has_max;
            if (!rx_counted(pat + i, &n, &m, &has_max, &used)) {
                /* Go: a '{' that does not start {n}, {n,} or {n,m} is
                 * itself; glibc would read "{,5}" as a repetition */
                rx_add(&r, "\\{");
                i++;
                continue;
            }
        }
        rx_addc(&r, ch);
        i++;
    }
    if (r.oom) {
        free(r.p);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    rc = regcomp(re, r.p ? r.p : "", REG_EXTENDED | (nosub ? REG_NOSUB : 0));
    free(r.p);
    if (rc != 0) {
        char msg[128];
        regerror(rc, re, msg, sizeof(msg));
        snprintf(err, errlen, "error parsing regexp: %s", msg);
        return -1;
    }
    return 0;
}
