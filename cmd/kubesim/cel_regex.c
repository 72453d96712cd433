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

/* Go's regexp/syntax limits, which also keep glibc's regcomp from
 * growing without bound (it copies a repeated subexpression once per
 * counted repetition and doubles it per '+'): no repetition operator
 * right after another ("a++"), counts up to 1000, a product of nested
 * counted repetitions up to 1000 ("(a{100}){100}"); and, for glibc, at
 * most RX_MAX_COPIES copies in all, '+' counting twice. A pre-pass over
 * the source pattern; what it lets through the translation checks. */
#define RX_MAX_REPEAT 1000u
#define RX_MAX_COPIES 100000u

struct rx_cost {
    size_t counted; /* product of the counted repetitions */
    size_t copies;  /* copies glibc makes */
};

static bool rx_counted(const char *p, size_t *n, size_t *m, bool *has_max, size_t *used)
{
    size_t i = 1;
    *n = *m = 0;
    *has_max = false;
    if (p[i] < '0' || p[i] > '9')
        return false;
    while (p[i] >= '0' && p[i] <= '9' && *n <= RX_MAX_REPEAT)
        *n = *n * 10 + (size_t)(p[i++] - '0');
    if (p[i] == ',') {
        i++;
        if (p[i] >= '0' && p[i] <= '9') {
            *has_max = true;
            while (p[i] >= '0' && p[i] <= '9' && *m <= RX_MAX_REPEAT)
                *m = *m * 10 + (size_t)(p[i++] - '0');
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

static int rx_check_repeats(const char *pat, char *err, size_t errlen)
{
    size_t len = strlen(pat), depth = 0, i = 0;
    struct rx_cost *inner =
        calloc(len + 2, sizeof(*inner)); /* per open group: the largest inside */
    struct rx_cost last = {1, 1};        /* of the last atom */
    size_t after_rep = 0;                /* where the last repetition operator began, +1 */

    if (!inner) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    inner[0] = last;
    while (pat[i]) {
        char ch = pat[i];
        size_t n = 0, m = 0, used = 1;
        bool has_max = false, counted = ch == '{' && rx_counted(pat + i, &n, &m, &has_max, &used);
        if (ch == '*' || ch == '+' || ch == '?' || counted) {
            if (after_rep && ch != '?') { /* "+?" is a lazy one: the translation says so */
                snprintf(err, errlen,
                         "error parsing regexp: invalid nested repetition operator: `%.*s`",
                         (int)(i + used - (after_rep - 1)), pat + after_rep - 1);
                free(inner);
                return -1;
            }
            struct rx_cost c = last;
            if (ch == '+')
                c.copies *= 2;
            if (counted) {
                size_t k = has_max ? m : n + 1;
                if (n > RX_MAX_REPEAT || (has_max && m > RX_MAX_REPEAT) ||
                    (k >= 2 && c.counted * k > RX_MAX_REPEAT) ||
                    c.copies * (k ? k : 1) > RX_MAX_COPIES) {
                    snprintf(err, errlen, "error parsing regexp: invalid repeat count: `%.*s`",
                             (int)used, pat + i);
                    free(inner);
                    return -1;
                }
                c.counted *= k ? k : 1;
                c.copies *= k ? k : 1;
            }
            if (c.copies > RX_MAX_COPIES) {
                snprintf(err, errlen, "error parsing regexp: expression too large");
                free(inner);
                return -1;
            }
            if (c.counted > inner[depth].counted)
                inner[depth].counted = c.counted;
            if (c.copies > inner[depth].copies)
                inner[depth].copies = c.copies;
            last = c;
            if (!after_rep)
                after_rep = i + 1;
            i += used;
            continue;
        }
        after_rep = 0;
        last = (struct rx_cost){1, 1};
        if (ch == '\\') {
            i += pat[i + 1] ? 2 : 1;
        } else if (ch == '[') {
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
            if (pat[i])
                i++;
        } else if (ch == '(') {
            depth++;
            inner[depth] = last;
            i += pat[i + 1] == '?' ? (pat[i + 2] == ':' ? 3 : 2) : 1;
        } else if (ch == ')' && depth > 0) {
            last = inner[depth--];
            if (last.counted > inner[depth].counted)
                inner[depth].counted = last.counted;
            if (last.copies > inner[depth].copies)
                inner[depth].copies = last.copies;
            i++;
        } else {
            i++;
        }
    }
    free(inner);
    return 0;
}

int ks_cel_regcomp(regex_t *re, const char *pat, bool nosub, char *err, size_t errlen)
{
    struct rx r = {0};
    size_t i = 0;
    int rc;

    if (rx_check_repeats(pat, err, errlen) != 0)
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
