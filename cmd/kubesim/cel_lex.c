/*
 * ks_cel_lex.c -- the CEL lexer: tokens, literals with their escapes, and
 * the cel-go-like error messages with line:column.
 */
#include "cel.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reserved[] = {
    "as",  "break",  "const", "continue", "else",    "for",       "function",
    "if",  "import", "let",   "loop",     "package", "namespace", "return",
    "var", "void",   "while", "in",       "true",    "false",     "null",
};

bool ks_cel_is_reserved(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(reserved) / sizeof(*reserved); i++)
        if (strlen(reserved[i]) == n && memcmp(reserved[i], s, n) == 0)
            return true;
    return false;
}

static void line_col(const struct ks_cel_parser *p, size_t at, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at && p->src[i]; i++) {
        if (p->src[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)p->src[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

void ks_cel_lex_fail(struct ks_cel_parser *p, size_t at, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    int line, col;

    if (p->failed)
        return;
    p->failed = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    line_col(p, at, &line, &col);
    snprintf(p->err, p->errlen, "ERROR: <input>:%d:%d: %s", line, col, msg);
}

void ks_cel_lex_nomem(struct ks_cel_parser *p)
{
    ks_cel_lex_fail(p, p->tok_pos, "out of memory");
}

/* ---- lexer ---------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put_utf8(char *out, size_t *n, uint32_t cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xc0 | (cp >> 6));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out[(*n)++] = (char)(0xe0 | (cp >> 12));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        out[(*n)++] = (char)(0xf0 | (cp >> 18));
        out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[(*n)++] = (char)(0x80 | (cp & 0x3f));
    }
}

/* A string or bytes literal starting at p->pos (the quote). */
static void lex_string(struct ks_cel_parser *p, bool raw, bool bytes)
{
    const char *s = p->src;
    char q = s[p->pos];
    bool triple = s[p->pos + 1] == q && s[p->pos + 2] == q;
    size_t i = p->pos + (triple ? 3 : 1);
    size_t cap = strlen(s + i) * 4 + 1, n = 0;
    char *out = ebb_arena_alloc(&p->prog->arena, cap);

    if (!out) {
        ks_cel_lex_nomem(p);
        return;
    }
    for (;;) {
        char c = s[i];
        if (!c || (!triple && (c == '\n' || c == '\r'))) {
            ks_cel_lex_fail(p, p->tok_pos,
                            "Syntax error: token recognition error: unterminated string");
            p->tok = CT_BAD;
            return;
        }
        if (c == q && (!triple || (s[i + 1] == q && s[i + 2] == q))) {
            i += triple ? 3 : 1;
            break;
        }
        if (c != '\\' || raw) {
            out[n++] = c;
            i++;
            continue;
        }
        c = s[++i];
        int h1, h2;
        switch (c) {
        case 'a':
            out[n++] = '\a';
            i++;
            break;
        case 'b':
            out[n++] = '\b';
            i++;
            break;
        case 'f':
            out[n++] = '\f';
            i++;
            break;
        case 'n':
            out[n++] = '\n';
            i++;
            break;
        case 'r':
            out[n++] = '\r';
            i++;
            break;
        case 't':
            out[n++] = '\t';
            i++;
            break;
        case 'v':
            out[n++] = '\v';
            i++;
            break;
        case '\\':
        case '\'':
        case '"':
        case '`':
        case '?':
            out[n++] = c;
            i++;
            break;
        case 'x':
        case 'X':
            h1 = hexval(s[i + 1]);
            h2 = h1 < 0 ? -1 : hexval(s[i + 2]);
            if (h2 < 0)
                goto bad_escape;
            if (bytes)
                out[n++] = (char)(h1 * 16 + h2);
            else
                put_utf8(out, &n, (uint32_t)(h1 * 16 + h2));
            i += 3;
            break;
        case 'u':
        case 'U': {
            int len = c == 'u' ? 4 : 8;
            uint32_t cp = 0;
            if (bytes)
                goto bad_escape;
            for (int k = 1; k <= len; k++) {
                int h = hexval(s[i + k]);
                if (h < 0)
                    goto bad_escape;
                cp = cp * 16 + (uint32_t)h;
            }
            if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
                goto bad_escape;
            put_utf8(out, &n, cp);
            i += (size_t)len + 1;
            break;
        }
        case '0':
        case '1':
        case '2':
        case '3': {
            int v = 0;
            for (int k = 0; k < 3; k++) {
                if (s[i + k] < '0' || s[i + k] > '7')
                    goto bad_escape;
                v = v * 8 + (s[i + k] - '0');
            }
            if (bytes)
                out[n++] = (char)v;
            else
                put_utf8(out, &n, (uint32_t)v);
            i += 3;
            break;
        }
        default:
            goto bad_escape;
        }
    }
    out[n] = '\0';
    p->sval = out;
    p->slen = n;
    p->tok = bytes ? CT_BYTES : CT_STRING;
    p->pos = i;
    return;
bad_escape:
    ks_cel_lex_fail(p, p->tok_pos,
                    "Syntax error: token recognition error: invalid escape sequence");
    p->tok = CT_BAD;
}

static void lex_number(struct ks_cel_parser *p)
{
    const char *s = p->src + p->pos;
    char *end;
    size_t n = 0;
    bool is_double = false;

    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        errno = 0;
        unsigned long long v = strtoull(s + 2, &end, 16);
        if (end == s + 2 || errno) {
            ks_cel_lex_fail(p, p->tok_pos, "Syntax error: invalid int literal");
            p->tok = CT_BAD;
            return;
        }
        n = (size_t)(end - s);
        if (s[n] == 'u' || s[n] == 'U') {
            p->tok = CT_UINT;
            p->uval = v;
            n++;
        } else if (v > INT64_MAX) {
            ks_cel_lex_fail(p, p->tok_pos, "invalid int literal");
            p->tok = CT_BAD;
            return;
        } else {
            p->tok = CT_INT;
            p->ival = (int64_t)v;
        }
        p->pos += n;
        return;
    }
    while (isdigit((unsigned char)s[n]))
        n++;
    if (s[n] == '.' && isdigit((unsigned char)s[n + 1])) {
        is_double = true;
        n++;
        while (isdigit((unsigned char)s[n]))
            n++;
    }
    if (s[n] == 'e' || s[n] == 'E') {
        size_t k = n + 1;
        if (s[k] == '+' || s[k] == '-')
            k++;
        if (isdigit((unsigned char)s[k])) {
            is_double = true;
            n = k;
            while (isdigit((unsigned char)s[n]))
                n++;
        }
    }
    if (is_double) {
        p->dval = strtod(s, NULL);
        p->tok = CT_DOUBLE;
        p->pos += n;
        return;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) {
        ks_cel_lex_fail(p, p->tok_pos, "invalid int literal");
        p->tok = CT_BAD;
        return;
    }
    if (s[n] == 'u' || s[n] == 'U') {
        p->tok = CT_UINT;
        p->uval = v;
        n++;
    } else if (v > (unsigned long long)INT64_MAX + 1) {
        ks_cel_lex_fail(p, p->tok_pos, "invalid int literal");
        p->tok = CT_BAD;
        return;
    } else {
        /* INT64_MAX + 1 is only valid after a unary minus; the parser
         * checks (ival stays INT64_MIN as a marker). */
        p->tok = CT_INT;
        p->ival = v > (unsigned long long)INT64_MAX ? INT64_MIN : (int64_t)v;
    }
    p->pos += n;
}

void ks_cel_lex_next(struct ks_cel_parser *p)
{
    const char *s = p->src;

    if (p->failed) {
        p->tok = CT_EOF;
        return;
    }
    for (;;) {
        while (s[p->pos] == ' ' || s[p->pos] == '\t' || s[p->pos] == '\n' || s[p->pos] == '\r' ||
               s[p->pos] == '\f')
            p->pos++;
        if (s[p->pos] == '/' && s[p->pos + 1] == '/') {
            while (s[p->pos] && s[p->pos] != '\n')
                p->pos++;
            continue;
        }
        break;
    }
    p->tok_pos = p->pos;
    char c = s[p->pos];
    if (!c) {
        p->tok = CT_EOF;
        return;
    }
    if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)s[p->pos + 1]))) {
        lex_number(p);
        return;
    }
    if (c == '"' || c == '\'') {
        lex_string(p, false, false);
        return;
    }
    if ((c == 'r' || c == 'R' || c == 'b' || c == 'B') &&
        (s[p->pos + 1] == '"' || s[p->pos + 1] == '\'')) {
        p->pos++;
        lex_string(p, c == 'r' || c == 'R', c == 'b' || c == 'B');
        return;
    }
    if ((c == 'b' || c == 'B') && (s[p->pos + 1] == 'r' || s[p->pos + 1] == 'R') &&
        (s[p->pos + 2] == '"' || s[p->pos + 2] == '\'')) {
        p->pos += 2;
        lex_string(p, true, true);
        return;
    }
    if (isalpha((unsigned char)c) || c == '_') {
        size_t n = 0;
        while (isalnum((unsigned char)s[p->pos + n]) || s[p->pos + n] == '_')
            n++;
        p->sval = ebb_arena_strndup(&p->prog->arena, s + p->pos, n);
        if (!p->sval) {
            ks_cel_lex_nomem(p);
            p->tok = CT_BAD;
            return;
        }
        p->slen = n;
        p->pos += n;
        p->tok = CT_IDENT;
        return;
    }
    static const char *const two[] = {"<=", ">=", "==", "!=", "&&", "||"};
    for (size_t i = 0; i < sizeof(two) / sizeof(*two); i++) {
        if (c == two[i][0] && s[p->pos + 1] == two[i][1]) {
            memcpy(p->punct, two[i], 3);
            p->pos += 2;
            p->tok = CT_PUNCT;
            return;
        }
    }
    if (strchr("()[]{}.,:?!-+*/%<>", c)) {
        p->punct[0] = c;
        p->punct[1] = '\0';
        p->pos++;
        p->tok = CT_PUNCT;
        return;
    }
    ks_cel_lex_fail(p, p->pos, "Syntax error: token recognition error at: '%c'", c);
    p->tok = CT_BAD;
}

bool ks_cel_lex_is_punct(const struct ks_cel_parser *p, const char *s)
{
    return p->tok == CT_PUNCT && strcmp(p->punct, s) == 0;
}

bool ks_cel_lex_is_ident(const struct ks_cel_parser *p, const char *s)
{
    return p->tok == CT_IDENT && strcmp(p->sval, s) == 0;
}

void ks_cel_lex_describe(const struct ks_cel_parser *p, char *out, size_t n)
{
    switch (p->tok) {
    case CT_EOF:
        snprintf(out, n, "<EOF>");
        break;
    case CT_PUNCT:
        snprintf(out, n, "'%s'", p->punct);
        break;
    case CT_IDENT:
        snprintf(out, n, "'%s'", p->sval);
        break;
    default:
        snprintf(out, n, "'%.*s'", (int)(p->pos - p->tok_pos), p->src + p->tok_pos);
        break;
    }
}

bool ks_cel_lex_expect(struct ks_cel_parser *p, const char *punct)
{
    char got[64];

    if (ks_cel_lex_is_punct(p, punct)) {
        ks_cel_lex_next(p);
        return true;
    }
    ks_cel_lex_describe(p, got, sizeof(got));
    ks_cel_lex_fail(p, p->tok_pos, "Syntax error: mismatched input %s expecting '%s'", got, punct);
    return false;
}
