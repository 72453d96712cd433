/*
 * ks_cel_funcs.c -- the table of CEL functions kubesim knows, and the
 * dispatch of a call: conversions, strings, quantities, durations, lists.
 */
#include "cel.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pkg/api/v1alpha1/quantity.h"
#include "../../pkg/base/rfc3339.h"

static const struct {
    const char *name;
    bool method;
    int min, max;
    int id;
} fns[] = {
    {"size", false, 1, 1, F_SIZE},
    {"size", true, 0, 0, F_SIZE},
    {"string", false, 1, 1, F_STRING},
    {"int", false, 1, 1, F_INT},
    {"uint", false, 1, 1, F_UINT},
    {"double", false, 1, 1, F_DOUBLE},
    {"bool", false, 1, 1, F_BOOL},
    {"bytes", false, 1, 1, F_BYTES},
    {"dyn", false, 1, 1, F_DYN},
    {"type", false, 1, 1, F_TYPE},
    {"duration", false, 1, 1, F_DURATION},
    {"timestamp", false, 1, 1, F_TIMESTAMP},
    {"quantity", false, 1, 1, F_QUANTITY},
    {"isQuantity", false, 1, 1, F_IS_QUANTITY},
    {"matches", false, 2, 2, F_MATCHES},
    {"matches", true, 1, 1, F_MATCHES},
    {"startsWith", true, 1, 1, F_STARTS},
    {"endsWith", true, 1, 1, F_ENDS},
    {"contains", true, 1, 1, F_CONTAINS},
    {"lowerAscii", true, 0, 0, F_LOWER},
    {"upperAscii", true, 0, 0, F_UPPER},
    {"trim", true, 0, 0, F_TRIM},
    {"split", true, 1, 2, F_SPLIT},
    {"join", true, 0, 1, F_JOIN},
    {"indexOf", true, 1, 1, F_INDEXOF},
    {"lastIndexOf", true, 1, 1, F_LASTINDEXOF},
    {"replace", true, 2, 3, F_REPLACE},
    {"substring", true, 1, 2, F_SUBSTRING},
    {"charAt", true, 1, 1, F_CHARAT},
    {"sign", true, 0, 0, F_SIGN},
    {"isGreaterThan", true, 1, 1, F_ISGT},
    {"isLessThan", true, 1, 1, F_ISLT},
    {"compareTo", true, 1, 1, F_CMPTO},
    {"asInteger", true, 0, 0, F_ASINT},
    {"asApproximateFloat", true, 0, 0, F_ASFLOAT},
    {"isInteger", true, 0, 0, F_ISINT},
    {"add", true, 1, 1, F_QADD},
    {"sub", true, 1, 1, F_QSUB},
    {"getHours", true, 0, 0, F_GETHOURS},
    {"getMinutes", true, 0, 0, F_GETMINUTES},
    {"getSeconds", true, 0, 0, F_GETSECONDS},
    {"getMilliseconds", true, 0, 0, F_GETMS},
    {"isSorted", true, 0, 0, F_ISSORTED},
    {"sum", true, 0, 0, F_SUM},
    {"min", true, 0, 0, F_MIN},
    {"max", true, 0, 0, F_MAX},
};

int ks_cel_fn_lookup(const char *name, bool method, size_t nargs)
{
    for (size_t i = 0; i < sizeof(fns) / sizeof(*fns); i++)
        if (fns[i].method == method && strcmp(fns[i].name, name) == 0 && (int)nargs >= fns[i].min &&
            (int)nargs <= fns[i].max)
            return fns[i].id;
    return -1;
}

const char *ks_cel_fn_name(int id)
{
    for (size_t i = 0; i < sizeof(fns) / sizeof(*fns); i++)
        if (fns[i].id == id)
            return fns[i].name;
    return "?";
}

struct ks_cel_val ks_cel_no_overload(struct ks_cel_ctx *c, int fn, struct ks_cel_val a)
{
    return ks_cel_error(c, "no such overload: %s(%s)", ks_cel_fn_name(fn), ks_cel_type_name(a.k));
}

static struct ks_cel_val quantity_arg(struct ks_cel_ctx *c, struct ks_cel_val a)
{
    if (a.k == CV_QUANTITY)
        return a;
    if (a.k == CV_INT) {
        struct ks_cel_val v = ks_cel_mk(CV_QUANTITY);
        if (__builtin_mul_overflow(a.i, (int64_t)1000, &v.i))
            return ks_cel_error(c, "quantity overflow");
        return v;
    }
    return ks_cel_error(c, "no such overload: quantity argument of type %s", ks_cel_type_name(a.k));
}

static struct ks_cel_val list_agg(struct ks_cel_ctx *c, int fn, struct ks_cel_val lst)
{
    size_t n = ks_cel_list_len(lst.l);
    struct ks_cel_val acc = ks_cel_mkint(0);

    if (n == 0) {
        if (fn == F_ISSORTED)
            return ks_cel_mkbool(true);
        if (fn == F_SUM)
            return acc;
        return ks_cel_error(c, "%s called on empty list", ks_cel_fn_name(fn));
    }
    acc = ks_cel_list_at(c, lst.l, 0);
    for (size_t i = 1; i < n; i++) {
        struct ks_cel_val e = ks_cel_list_at(c, lst.l, i);
        if (c->aborted || ++c->steps > c->limit) {
            c->aborted = true;
            c->abort_msg = "operation cancelled: actual cost limit exceeded";
            return ks_cel_error(c, "%s", c->abort_msg);
        }
        if (e.k != acc.k && !(fn == F_ISSORTED || fn == F_MIN || fn == F_MAX))
            return ks_cel_error(c, "%s: mixed element types", ks_cel_fn_name(fn));
        if (fn == F_SUM) {
            if (e.k == CV_INT || e.k == CV_DURATION) {
                if (__builtin_add_overflow(acc.i, e.i, &acc.i))
                    return ks_cel_error(c, "integer overflow");
            } else if (e.k == CV_UINT) {
                if (__builtin_add_overflow(acc.u, e.u, &acc.u))
                    return ks_cel_error(c, "unsigned integer overflow");
            } else if (e.k == CV_DOUBLE) {
                acc.d += e.d;
            } else {
                return ks_cel_error(c, "sum: unsupported element type %s", ks_cel_type_name(e.k));
            }
            continue;
        }
        int cmp;
        if (e.k != acc.k)
            return ks_cel_error(c, "%s: mixed element types", ks_cel_fn_name(fn));
        switch (e.k) {
        case CV_INT:
        case CV_DURATION:
        case CV_TIMESTAMP:
        case CV_QUANTITY:
            cmp = (e.i > acc.i) - (e.i < acc.i);
            break;
        case CV_UINT:
            cmp = (e.u > acc.u) - (e.u < acc.u);
            break;
        case CV_DOUBLE:
            cmp = (e.d > acc.d) - (e.d < acc.d);
            break;
        case CV_STRING:
        case CV_BYTES: {
            size_t m = e.s.n < acc.s.n ? e.s.n : acc.s.n;
            cmp = memcmp(e.s.p, acc.s.p, m);
            cmp = cmp ? (cmp > 0) - (cmp < 0) : (e.s.n > acc.s.n) - (e.s.n < acc.s.n);
            break;
        }
        case CV_BOOL:
            cmp = (e.b > acc.b) - (e.b < acc.b);
            break;
        default:
            return ks_cel_error(c, "%s: unsupported element type %s", ks_cel_fn_name(fn),
                                ks_cel_type_name(e.k));
        }
        if (fn == F_ISSORTED) {
            if (cmp < 0)
                return ks_cel_mkbool(false);
            acc = e;
        } else if ((fn == F_MIN && cmp < 0) || (fn == F_MAX && cmp > 0)) {
            acc = e;
        }
    }
    return fn == F_ISSORTED ? ks_cel_mkbool(true) : acc;
}

struct ks_cel_val ks_cel_call(struct ks_cel_ctx *c, const struct ks_cel_node *n, int fn,
                              struct ks_cel_val *recv, struct ks_cel_val *args, size_t nargs)
{
    struct ks_cel_val a = recv ? *recv : (nargs ? args[0] : ks_cel_mk(CV_NULL));
    struct ks_cel_val v;

    if (!recv) {
        /* global functions: a is the first argument */
        switch (fn) {
        case F_SIZE:
            break;
        case F_STRING:
            return ks_cel_to_string(c, a);
        case F_INT:
            return ks_cel_to_int(c, a);
        case F_UINT:
            return ks_cel_to_uint(c, a);
        case F_DOUBLE:
            return ks_cel_to_double(c, a);
        case F_BOOL:
            if (a.k == CV_BOOL)
                return a;
            if (a.k == CV_STRING) {
                static const char *const t[] = {"1", "t", "true", "TRUE", "True"};
                static const char *const f[] = {"0", "f", "false", "FALSE", "False"};
                for (size_t i = 0; i < 5; i++) {
                    if (a.s.n == strlen(t[i]) && memcmp(a.s.p, t[i], a.s.n) == 0)
                        return ks_cel_mkbool(true);
                    if (a.s.n == strlen(f[i]) && memcmp(a.s.p, f[i], a.s.n) == 0)
                        return ks_cel_mkbool(false);
                }
                return ks_cel_error(c, "type conversion error from 'string' to 'bool'");
            }
            return ks_cel_no_overload(c, fn, a);
        case F_BYTES:
            if (a.k == CV_STRING || a.k == CV_BYTES) {
                a.k = CV_BYTES;
                return a;
            }
            return ks_cel_no_overload(c, fn, a);
        case F_DYN:
            return a;
        case F_TYPE:
            v = ks_cel_mk(CV_TYPE);
            v.s.p = ks_cel_type_name(a.k);
            v.s.n = strlen(v.s.p);
            return v;
        case F_DURATION:
            if (a.k == CV_DURATION)
                return a;
            if (a.k != CV_STRING)
                return ks_cel_no_overload(c, fn, a);
            v = ks_cel_mk(CV_DURATION);
            if (!ks_cel_parse_duration(a.s.p, a.s.n, &v.i))
                return ks_cel_error(c, "type conversion error from 'string' to "
                                       "'google.protobuf.Duration'");
            return v;
        case F_TIMESTAMP: {
            int64_t ms;
            const char *s;
            if (a.k == CV_TIMESTAMP)
                return a;
            if (a.k != CV_STRING)
                return ks_cel_no_overload(c, fn, a);
            s = ks_cel_cstr(c, a);
            if (!s || ebb_rfc3339_parse(s, &ms) != EBB_OK || ms > INT64_MAX / 1000000 ||
                ms < INT64_MIN / 1000000)
                return ks_cel_error(c, "type conversion error from 'string' to "
                                       "'google.protobuf.Timestamp'");
            v = ks_cel_mk(CV_TIMESTAMP);
            v.i = ms * 1000000;
            return v;
        }
        case F_QUANTITY:
            return ks_cel_quantity_of(c, a, false);
        case F_IS_QUANTITY:
            return ks_cel_quantity_of(c, a, true);
        case F_MATCHES:
            return ks_cel_regex_match(c, n, args[0], args[1]);
        default:
            return ks_cel_error(c, "unknown function %s", ks_cel_fn_name(fn));
        }
    }
    if (fn == F_SIZE) {
        switch (a.k) {
        case CV_STRING:
            return ks_cel_mkint((int64_t)ks_cel_utf8_count(a.s.p, a.s.n));
        case CV_BYTES:
            return ks_cel_mkint((int64_t)a.s.n);
        case CV_LIST:
            return ks_cel_mkint((int64_t)ks_cel_list_len(a.l));
        case CV_MAP:
            return ks_cel_mkint((int64_t)ks_cel_map_len(a.m));
        default:
            return ks_cel_no_overload(c, fn, a);
        }
    }
    switch (a.k) {
    case CV_STRING:
        return ks_cel_string_method(c, n, fn, a, args, nargs);
    case CV_LIST:
        if (fn == F_JOIN) {
            struct ks_cel_val sep = ks_cel_mk(CV_STRING);
            sep.s.p = "";
            if (nargs) {
                if (args[0].k != CV_STRING)
                    return ks_cel_no_overload(c, fn, args[0]);
                sep = args[0];
            }
            return ks_cel_list_join(c, a, sep);
        }
        if (fn == F_ISSORTED || fn == F_SUM || fn == F_MIN || fn == F_MAX)
            return list_agg(c, fn, a);
        break;
    case CV_QUANTITY: {
        struct ks_cel_val b = nargs ? quantity_arg(c, args[0]) : a;
        if (b.k == CV_ERR)
            return b;
        switch (fn) {
        case F_SIGN:
            return ks_cel_mkint((a.i > 0) - (a.i < 0));
        case F_ISGT:
            return ks_cel_mkbool(a.i > b.i);
        case F_ISLT:
            return ks_cel_mkbool(a.i < b.i);
        case F_CMPTO:
            return ks_cel_mkint((a.i > b.i) - (a.i < b.i));
        case F_ISINT:
            return ks_cel_mkbool(a.i % 1000 == 0);
        case F_ASINT:
            if (a.i % 1000 != 0)
                return ks_cel_error(c, "cannot convert value to integer");
            return ks_cel_mkint(a.i / 1000);
        case F_ASFLOAT:
            v = ks_cel_mk(CV_DOUBLE);
            v.d = (double)a.i / 1000.0;
            return v;
        case F_QADD:
        case F_QSUB:
            v = ks_cel_mk(CV_QUANTITY);
            if (fn == F_QADD ? __builtin_add_overflow(a.i, b.i, &v.i)
                             : __builtin_sub_overflow(a.i, b.i, &v.i))
                return ks_cel_error(c, "quantity overflow");
            return v;
        default:
            break;
        }
        break;
    }
    case CV_DURATION:
        switch (fn) {
        case F_GETHOURS:
            return ks_cel_mkint(a.i / 3600000000000LL);
        case F_GETMINUTES:
            return ks_cel_mkint(a.i / 60000000000LL);
        case F_GETSECONDS:
            return ks_cel_mkint(a.i / 1000000000);
        case F_GETMS:
            return ks_cel_mkint(a.i / 1000000);
        default:
            break;
        }
        break;
    default:
        break;
    }
    return ks_cel_error(c, "no such overload: %s.%s", ks_cel_type_name(a.k), ks_cel_fn_name(fn));
}
