/* path.c -- request paths of the Kubernetes API. PURE: libc only.
 *
 * The path is /api/v1 (core group) or /apis/GROUP/VERSION, then
 * /namespaces/NS for a namespaced request, the plural resource, the name and
 * the subresource. Every segment is percent-escaped.
 *
 * The query parameters always come in this order (each only when set), the
 * order in which the recorded requests of tests/fixtures/kube-api use them,
 * so that every recorded request line can be rebuilt byte for byte:
 *
 *   watch=1 allowWatchBookmarks=true resourceVersion resourceVersionMatch
 *   labelSelector fieldSelector limit continue timeoutSeconds
 *   fieldManager dryRun force=true propagationPolicy
 *
 * A string parameter that is NULL or "" is left out ("" means the same as
 * no value to the API server); limit and timeoutSeconds are left out at 0
 * and refused when negative.
 */
#include "path.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

void ebb_kube_escape(const char *s, struct ebb_strbuf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t run = 0; /* unreserved bytes not yet appended */
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            run++;
            continue;
        }
        ebb_strbuf_add(out, s + i - run, run);
        run = 0;
        char esc[3] = {'%', hex[c >> 4], hex[c & 0x0F]};
        ebb_strbuf_add(out, esc, sizeof(esc));
    }
    ebb_strbuf_add(out, s + i - run, run);
}

/* A path segment must be non-empty and must not be "." or "..", which a
 * server or proxy would resolve against the path before it. */
static bool segment_ok(const char *s)
{
    return s != NULL && s[0] != '\0' && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static void add_segment(struct ebb_strbuf *sb, const char *s)
{
    ebb_strbuf_addch(sb, '/');
    ebb_kube_escape(s, sb);
}

static void add_param(struct ebb_strbuf *sb, bool *first, const char *key, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return;
    ebb_strbuf_addch(sb, *first ? '?' : '&');
    *first = false;
    ebb_strbuf_adds(sb, key);
    ebb_strbuf_addch(sb, '=');
    ebb_kube_escape(value, sb);
}

static void add_int_param(struct ebb_strbuf *sb, bool *first, const char *key, int64_t value)
{
    char num[24];
    if (value == 0)
        return;
    snprintf(num, sizeof(num), "%" PRId64, value);
    add_param(sb, first, key, num);
}

static void add_query(struct ebb_strbuf *sb, const struct ebb_kube_query *q)
{
    bool first = true;

    if (q->watch)
        add_param(sb, &first, "watch", "1");
    if (q->allow_watch_bookmarks)
        add_param(sb, &first, "allowWatchBookmarks", "true");
    add_param(sb, &first, "resourceVersion", q->resource_version);
    add_param(sb, &first, "resourceVersionMatch", q->resource_version_match);
    add_param(sb, &first, "labelSelector", q->label_selector);
    add_param(sb, &first, "fieldSelector", q->field_selector);
    add_int_param(sb, &first, "limit", q->limit);
    add_param(sb, &first, "continue", q->continue_token);
    add_int_param(sb, &first, "timeoutSeconds", q->timeout_seconds);
    add_param(sb, &first, "fieldManager", q->field_manager);
    add_param(sb, &first, "dryRun", q->dry_run);
    if (q->force)
        add_param(sb, &first, "force", "true");
    add_param(sb, &first, "propagationPolicy", q->propagation_policy);
}

static bool request_ok(const struct ebb_kube_resource *r, const char *ns, const char *name,
                       const char *subresource, const struct ebb_kube_query *q)
{
    if (r == NULL || !segment_ok(r->version) || !segment_ok(r->resource))
        return false;
    if (r->group != NULL && r->group[0] != '\0' && !segment_ok(r->group))
        return false;
    if (ns != NULL && (!r->namespaced || !segment_ok(ns)))
        return false;
    if (name != NULL && (!segment_ok(name) || (r->namespaced && ns == NULL)))
        return false;
    if (subresource != NULL && (!segment_ok(subresource) || name == NULL))
        return false;
    if (q != NULL && (q->limit < 0 || q->timeout_seconds < 0))
        return false;
    return true;
}

enum ebb_rc ebb_kube_path(const struct ebb_kube_resource *r, const char *ns, const char *name,
                          const char *subresource, const struct ebb_kube_query *q,
                          struct ebb_strbuf *out)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    enum ebb_rc rc = EBB_OK;

    if (!request_ok(r, ns, name, subresource, q)) {
        rc = EBB_ERR_INVALID;
        goto out;
    }
    if (r->group == NULL || r->group[0] == '\0') {
        ebb_strbuf_adds(&sb, "/api");
    } else {
        ebb_strbuf_adds(&sb, "/apis");
        add_segment(&sb, r->group);
    }
    add_segment(&sb, r->version);
    if (ns != NULL) {
        add_segment(&sb, "namespaces");
        add_segment(&sb, ns);
    }
    add_segment(&sb, r->resource);
    if (name != NULL)
        add_segment(&sb, name);
    if (subresource != NULL)
        add_segment(&sb, subresource);
    if (q != NULL)
        add_query(&sb, q);

    /* Built aside and appended at once: on failure out is left as it was. */
    rc = ebb_strbuf_rc(&sb);
    if (rc != EBB_OK)
        goto out;
    ebb_strbuf_add(out, sb.buf, sb.len);
    rc = ebb_strbuf_rc(out);
out:
    ebb_strbuf_release(&sb);
    return rc;
}
