/* codec_encode.c -- ScalingPolicy -> compact JSON, driven by the field
 * tables of codec_tables.c. Unset fields are left out; quantities, durations
 * and times are written in their canonical text form.
 */
#include "codec.h"

#include <inttypes.h>
#include <stdbool.h>

#include "../../base/rfc3339.h"
#include "codec_internal.h"
#include "duration.h"
#include "quantity.h"

static void enc_string(struct ebb_strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    ebb_strbuf_addch(sb, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        switch (*p) {
        case '"':
            ebb_strbuf_adds(sb, "\\\"");
            break;
        case '\\':
            ebb_strbuf_adds(sb, "\\\\");
            break;
        case '\n':
            ebb_strbuf_adds(sb, "\\n");
            break;
        case '\r':
            ebb_strbuf_adds(sb, "\\r");
            break;
        case '\t':
            ebb_strbuf_adds(sb, "\\t");
            break;
        default:
            if (*p < 0x20) {
                char esc[7] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15], '\0'};
                ebb_strbuf_adds(sb, esc);
            } else {
                ebb_strbuf_addch(sb, (char)*p);
            }
        }
    }
    ebb_strbuf_addch(sb, '"');
}

static bool field_present(const struct ebb__field *f, const void *base)
{
    switch (f->kind) {
    case EBB_CODEC_STRING:
    case EBB_CODEC_TIMESTR:
        return ebb__ptr_at(base, f->off) != NULL;
    case EBB_CODEC_INT32:
        return *EBB__CAT(int32_t, base, f->off) != EBB_UNSET;
    case EBB_CODEC_INT64:
    case EBB_CODEC_DURATION:
        return *EBB__CAT(int64_t, base, f->off) != EBB_UNSET;
    case EBB_CODEC_TIME:
        return *EBB__CAT(int64_t, base, f->off) != EBB_TIME_UNSET;
    case EBB_CODEC_BOOL:
        return *EBB__CAT(bool, base, f->off);
    case EBB_CODEC_QUANTITY:
        return EBB__CAT(struct ebb_quantity, base, f->off)->set;
    case EBB_CODEC_ENUM:
        return (f->flags & EBB_CODEC_ALWAYS) || *EBB__CAT(unsigned, base, f->off) != 0;
    case EBB_CODEC_OBJECT: /* without its flag, still written when not empty */
        return true;
    case EBB_CODEC_LIST:
        return *EBB__CAT(size_t, base, f->cnt) > 0 ||
               (f->set != EBB_CODEC_NO_OFF && *EBB__CAT(bool, base, f->set));
    case EBB_CODEC_STRLIST:
    case EBB_CODEC_MAP:
        return *EBB__CAT(size_t, base, f->cnt) > 0;
    case EBB_CODEC_RANGE:
        return *EBB__CAT(int32_t, base, f->off) != EBB_UNSET;
    case EBB_CODEC_SECONDS: /* the duration spelling is written instead */
    case EBB_CODEC_IGNORE:
        return false;
    }
    return false;
}

static void encode_object(struct ebb_strbuf *sb, const struct ebb__table *t, const void *base);

static void encode_value(struct ebb_strbuf *sb, const struct ebb__field *f, const void *base)
{
    char buf[48];
    size_t n;

    switch (f->kind) {
    case EBB_CODEC_STRING:
    case EBB_CODEC_TIMESTR:
        enc_string(sb, ebb__ptr_at(base, f->off));
        break;
    case EBB_CODEC_INT32:
        ebb_strbuf_addf(sb, "%" PRId32, *EBB__CAT(int32_t, base, f->off));
        break;
    case EBB_CODEC_INT64:
        ebb_strbuf_addf(sb, "%" PRId64, *EBB__CAT(int64_t, base, f->off));
        break;
    case EBB_CODEC_BOOL:
        ebb_strbuf_adds(sb, *EBB__CAT(bool, base, f->off) ? "true" : "false");
        break;
    case EBB_CODEC_QUANTITY:
        ebb_quantity_format(EBB__CAT(struct ebb_quantity, base, f->off)->milli, buf, sizeof(buf));
        enc_string(sb, buf);
        break;
    case EBB_CODEC_DURATION:
        ebb_duration_format(*EBB__CAT(int64_t, base, f->off), buf, sizeof(buf));
        enc_string(sb, buf);
        break;
    case EBB_CODEC_TIME:
        ebb_rfc3339_format(*EBB__CAT(int64_t, base, f->off), buf, sizeof(buf));
        enc_string(sb, buf);
        break;
    case EBB_CODEC_ENUM:
        enc_string(sb, f->en->name(*EBB__CAT(unsigned, base, f->off)));
        break;
    case EBB_CODEC_OBJECT:
        encode_object(sb, f->sub, (const char *)base + f->off);
        break;
    case EBB_CODEC_LIST: {
        const char *arr = ebb__ptr_at(base, f->off);
        n = *EBB__CAT(size_t, base, f->cnt);
        ebb_strbuf_addch(sb, '[');
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                ebb_strbuf_addch(sb, ',');
            encode_object(sb, f->sub, arr + i * f->sub->size);
        }
        ebb_strbuf_addch(sb, ']');
        break;
    }
    case EBB_CODEC_STRLIST: {
        char **arr = ebb__ptr_at(base, f->off);
        n = *EBB__CAT(size_t, base, f->cnt);
        ebb_strbuf_addch(sb, '[');
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                ebb_strbuf_addch(sb, ',');
            enc_string(sb, arr[i] != NULL ? arr[i] : "");
        }
        ebb_strbuf_addch(sb, ']');
        break;
    }
    case EBB_CODEC_MAP: {
        const struct ebb_kv *kv = ebb__ptr_at(base, f->off);
        n = *EBB__CAT(size_t, base, f->cnt);
        ebb_strbuf_addch(sb, '{');
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                ebb_strbuf_addch(sb, ',');
            enc_string(sb, kv[i].key != NULL ? kv[i].key : "");
            ebb_strbuf_addch(sb, ':');
            enc_string(sb, kv[i].value != NULL ? kv[i].value : "");
        }
        ebb_strbuf_addch(sb, '}');
        break;
    }
    case EBB_CODEC_RANGE:
        ebb_strbuf_addf(sb, "\"%" PRId32 "-%" PRId32 "\"", *EBB__CAT(int32_t, base, f->off),
                        *EBB__CAT(int32_t, base, f->cnt));
        break;
    case EBB_CODEC_SECONDS:
    case EBB_CODEC_IGNORE:
        break;
    }
}

static void encode_object(struct ebb_strbuf *sb, const struct ebb__table *t, const void *base)
{
    bool first = true;
    ebb_strbuf_addch(sb, '{');
    for (size_t i = 0; i < t->n; i++) {
        const struct ebb__field *f = &t->fields[i];
        if (!field_present(f, base))
            continue;
        size_t mark = sb->len;
        if (!first)
            ebb_strbuf_addch(sb, ',');
        enc_string(sb, f->name);
        ebb_strbuf_addch(sb, ':');
        size_t start = sb->len;
        encode_value(sb, f, base);
        bool omit_empty = (f->flags & EBB_CODEC_OMIT_EMPTY) ||
                          (f->kind == EBB_CODEC_OBJECT && f->set != EBB_CODEC_NO_OFF &&
                           !*EBB__CAT(bool, base, f->set));
        if (omit_empty && !sb->failed && sb->len == start + 2) {
            sb->len = mark; /* "{}": drop the field */
            sb->buf[mark] = '\0';
            continue;
        }
        first = false;
    }
    ebb_strbuf_addch(sb, '}');
}

enum ebb_rc ebb_policy_to_json(const struct ebb_policy *p, struct ebb_strbuf *out)
{
    encode_object(out, &ebb__top_table, p);
    return ebb_strbuf_rc(out);
}

enum ebb_rc ebb_policy_status_to_json(const struct ebb_policy_status *st, struct ebb_strbuf *out)
{
    encode_object(out, &ebb__status_table, st);
    return ebb_strbuf_rc(out);
}
