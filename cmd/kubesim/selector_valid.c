/*
 * kubesim: the words of apimachinery's validation (IsQualifiedName,
 * IsValidLabelValue, field.Invalid's %q) for label selector errors.
 */
#include "store_internal.h"

#include <ctype.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Go's validation messages                                            */

/* Go's %q for the ASCII a selector can hold. */
void ks_sel_go_quote(struct ebb_strbuf *sb, const char *s, size_t len)
{
    ebb_strbuf_addch(sb, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            ebb_strbuf_adds(sb, "\\\"");
            break;
        case '\\':
            ebb_strbuf_adds(sb, "\\\\");
            break;
        case '\n':
            ebb_strbuf_adds(sb, "\\n");
            break;
        case '\t':
            ebb_strbuf_adds(sb, "\\t");
            break;
        case '\r':
            ebb_strbuf_adds(sb, "\\r");
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                ebb_strbuf_addf(sb, "\\x%02x", c);
            else
                ebb_strbuf_addch(sb, (char)c);
        }
    }
    ebb_strbuf_addch(sb, '"');
}

static bool is_alnum(char c)
{
    return isascii((unsigned char)c) && isalnum((unsigned char)c);
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static bool qualified_name_ok(const char *s, size_t len)
{
    if (len == 0 || !is_alnum(s[0]) || !is_alnum(s[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return true;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)* */
static bool dns1123_subdomain_ok(const char *s, size_t len)
{
    size_t start = 0;

    if (len == 0)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.') {
            char c = s[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                return false;
            continue;
        }
        if (i == start || s[start] == '-' || s[i - 1] == '-')
            return false;
        start = i + 1;
    }
    return true;
}

#define QN_MSG                                                                                     \
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "    \
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "         \
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

/* IsQualifiedName's messages joined with "; "; "" when valid. */
void ks_sel_key_errors(const char *k, size_t len, struct ebb_strbuf *out)
{
    const char *slash = memchr(k, '/', len);
    const char *name = k;
    size_t nlen = len;
    bool first = true;

    if (slash) {
        const char *prefix = k;
        size_t plen = (size_t)(slash - k);
        if (memchr(slash + 1, '/', len - plen - 1)) {
            ebb_strbuf_adds(out, "a qualified name " QN_MSG
                                 " with an optional DNS subdomain prefix and '/' (e.g. "
                                 "'example.com/MyName')");
            return;
        }
        name = slash + 1;
        nlen = len - plen - 1;
        if (plen == 0) {
            ebb_strbuf_adds(out, "prefix part must be non-empty");
            first = false;
        } else {
            if (plen > 253) {
                ebb_strbuf_adds(out, "prefix part must be no more than 253 characters");
                first = false;
            }
            if (!dns1123_subdomain_ok(prefix, plen)) {
                ebb_strbuf_adds(out, first ? "" : "; ");
                ebb_strbuf_adds(out, "prefix part a lowercase RFC 1123 subdomain must consist of "
                                     "lower case alphanumeric characters, '-' or '.', and must "
                                     "start and end with an alphanumeric character (e.g. "
                                     "'example.com', regex used for validation is "
                                     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-"
                                     "9])?)*')");
                first = false;
            }
        }
    }
    if (nlen == 0) {
        ebb_strbuf_adds(out, first ? "" : "; ");
        ebb_strbuf_adds(out, "name part must be non-empty");
        first = false;
    } else if (nlen > 63) {
        ebb_strbuf_adds(out, first ? "" : "; ");
        ebb_strbuf_adds(out, "name part must be no more than 63 characters");
        first = false;
    }
    if (!qualified_name_ok(name, nlen)) {
        ebb_strbuf_adds(out, first ? "" : "; ");
        ebb_strbuf_adds(out, "name part " QN_MSG);
    }
}

/* IsValidLabelValue's messages; "" when valid. */
void ks_sel_value_errors(const char *v, size_t len, struct ebb_strbuf *out)
{
    bool first = true;

    if (len > 63) {
        ebb_strbuf_adds(out, "must be no more than 63 characters");
        first = false;
    }
    if (len > 0 && !qualified_name_ok(v, len)) {
        ebb_strbuf_adds(out, first ? "" : "; ");
        ebb_strbuf_adds(out, "a valid label must be an empty string or consist of alphanumeric "
                             "characters, '-', '_' or '.', and must start and end with an "
                             "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                             "'12345', regex used for validation is "
                             "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
    }
}
