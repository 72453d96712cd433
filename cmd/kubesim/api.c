/*
 * kubesim: the handler of every request -- routing, authentication,
 * authorization, faults, /version and the health endpoints (fixtures 00,
 * 28, 29, 30).
 */
#include "api_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SEGS 10

struct ident {
    char user[256];
    char groups[512]; /* comma-separated */
};

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static void send_text(ks_resp *resp, int code, const char *text)
{
    resp->status = code;
    snprintf(resp->content_type, sizeof(resp->content_type), "text/plain; charset=utf-8");
    ebb_strbuf_reset(&resp->body);
    ebb_strbuf_adds(&resp->body, text);
}

static void page_not_found(ks_resp *resp)
{
    send_text(resp, 404, "404 page not found\n");
}

static void resource_not_found(ks_resp *resp)
{
    cJSON *d = cJSON_CreateObject();

    ks_status_fail(resp, 404, "NotFound", "the server could not find the requested resource", d);
    cJSON_Delete(d);
}

static const char version_body[] =
    "{\n"
    "  \"major\": \"1\",\n"
    "  \"minor\": \"26\",\n"
    "  \"gitVersion\": \"v1.26.4+636f2be\",\n"
    "  \"gitCommit\": \"636f2be6157d45217eb99744b72cc51e5e9c7e10\",\n"
    "  \"gitTreeState\": \"clean\",\n"
    "  \"buildDate\": \"1970-01-01T00:00:00Z\",\n"
    "  \"goVersion\": \"go1.19.8\",\n"
    "  \"compiler\": \"gc\",\n"
    "  \"platform\": \"linux/amd64\"\n"
    "}";

static const char *const health_checks[] = {
    "ping",
    "log",
    "etcd",
    "poststarthook/start-kube-apiserver-admission-initializer",
    "poststarthook/generic-apiserver-start-informers",
    "poststarthook/start-apiextensions-informers",
    "poststarthook/start-apiextensions-controllers",
    "poststarthook/crd-informer-synced",
    "poststarthook/bootstrap-controller",
    "autoregister-completion",
};

/* /version, /healthz, /livez, /readyz (and their sub-checks). */
static bool handle_open(const ks_req *req, ks_resp *resp, const char *path)
{
    static const char *const kinds[] = {"healthz", "livez", "readyz"};

    if (strcmp(path, "/version") == 0 || strcmp(path, "/version/") == 0) {
        resp->status = 200;
        snprintf(resp->content_type, sizeof(resp->content_type), "application/json");
        ebb_strbuf_reset(&resp->body);
        ebb_strbuf_adds(&resp->body, version_body);
        return true;
    }
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        size_t n = strlen(kinds[k]);
        if (path[0] != '/' || strncmp(path + 1, kinds[k], n) != 0 ||
            (path[n + 1] != '\0' && path[n + 1] != '/'))
            continue;
        if (path[n + 1] == '/' && path[n + 2]) {
            send_text(resp, 200, "ok");
            return true;
        }
        if (!ks_req_query(req, "verbose")) {
            send_text(resp, 200, "ok");
            return true;
        }
        struct ebb_strbuf b = EBB_STRBUF_INIT;
        for (size_t i = 0; i < sizeof(health_checks) / sizeof(health_checks[0]); i++)
            ebb_strbuf_addf(&b, "[+]%s ok\n", health_checks[i]);
        if (k == 2)
            ebb_strbuf_adds(&b, "[+]shutdown ok\n");
        ebb_strbuf_addf(&b, "%s check passed\n", kinds[k]);
        send_text(resp, 200, b.buf);
        ebb_strbuf_release(&b);
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Authentication and authorization                                    */

static bool authenticate(const ks_sim *s, const ks_req *req, struct ident *id)
{
    const char *auth = ks_req_header(req, "Authorization");

    memset(id, 0, sizeof(*id));
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        const char *tok = auth + 7;
        while (*tok == ' ')
            tok++;
        for (size_t i = 0; i < s->n_tokens && i < sizeof(s->tokens) / sizeof(s->tokens[0]); i++) {
            if (s->tokens[i].token && *s->tokens[i].token && strcmp(s->tokens[i].token, tok) == 0) {
                snprintf(id->user, sizeof(id->user), "%s",
                         s->tokens[i].user ? s->tokens[i].user : "");
                snprintf(id->groups, sizeof(id->groups), "%s",
                         s->tokens[i].groups ? s->tokens[i].groups : "");
                return true;
            }
        }
    }
    if (req->cert_user && *req->cert_user) {
        size_t len = 0;
        snprintf(id->user, sizeof(id->user), "%s", req->cert_user);
        for (size_t i = 0; i < req->n_cert_groups; i++) {
            int w = snprintf(id->groups + len, sizeof(id->groups) - len, "%s%s", i ? "," : "",
                             req->cert_groups[i] ? req->cert_groups[i] : "");
            if (w < 0 || (size_t)w >= sizeof(id->groups) - len)
                break;
            len += (size_t)w;
        }
        return true;
    }
    return false;
}

static bool in_group(const struct ident *id, const char *group)
{
    size_t n = strlen(group);
    const char *p = id->groups;

    while (*p) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, group, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

static bool authorized(const struct ident *id, const char *verb)
{
    if (in_group(id, "system:masters"))
        return true;
    if (in_group(id, "kubesim:readers"))
        return strcmp(verb, "get") == 0 || strcmp(verb, "list") == 0 || strcmp(verb, "watch") == 0;
    return false;
}

static void forbidden(ks_resp *resp, const ks_rtype *rt, const char *group, const char *resource,
                      const char *name, const char *sub, const char *ns, const char *user,
                      const char *verb)
{
    char res[160], what[300], gr[200];
    struct ebb_strbuf m = EBB_STRBUF_INIT;
    cJSON *d = cJSON_CreateObject();

    snprintf(res, sizeof(res), "%s%s%s", resource, sub && *sub ? "/" : "", sub ? sub : "");
    if (group[0])
        snprintf(gr, sizeof(gr), "%s.%s", resource, group);
    else
        snprintf(gr, sizeof(gr), "%s", resource);
    if (name && *name)
        snprintf(what, sizeof(what), "%s \"%s\"", gr, name);
    else
        snprintf(what, sizeof(what), "%s", gr);
    ebb_strbuf_addf(&m,
                    "%s is forbidden: User \"%s\" cannot %s resource \"%s\" in API group \"%s\"",
                    what, user, verb, res, group);
    if (ns && *ns)
        ebb_strbuf_addf(&m, " in the namespace \"%s\"", ns);
    else
        ebb_strbuf_adds(&m, " at the cluster scope");
    if (d) {
        if (name && *name)
            cJSON_AddStringToObject(d, "name", name);
        if (group[0])
            cJSON_AddStringToObject(d, "group", group);
        cJSON_AddStringToObject(d, "kind", resource);
    }
    (void)rt;
    ks_status_fail(resp, 403, "Forbidden", m.buf, d);
    cJSON_Delete(d);
    ebb_strbuf_release(&m);
}

/* Fault injection: 500s and 429s on resource requests. */
static bool inject_fault(ks_sim *s, ks_resp *resp)
{
    if (s->faults.p500 > 0 && ks_rand01(s) < s->faults.p500) {
        struct api_err e = {0};
        api_err_internal(&e, "kubesim: injected fault");
        api_err_send(&e, resp);
        api_err_clear(&e);
        return true;
    }
    if (s->faults.p429 > 0 && ks_rand01(s) < s->faults.p429) {
        int ra = s->faults.retry_after_s > 0 ? s->faults.retry_after_s : 1;
        cJSON *d = cJSON_CreateObject();
        if (d)
            cJSON_AddNumberToObject(d, "retryAfterSeconds", ra);
        ks_status_fail(resp, 429, "TooManyRequests", "Too many requests, please try again later.",
                       d);
        cJSON_Delete(d);
        ks_resp_header(resp, "Retry-After", "%d", ra);
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Splits the path into percent-decoded segments; false when too long or
 * malformed. Empty segments (double or trailing slashes) are dropped. */
static bool split_path(const char *path, char segs[MAX_SEGS][256], int *n)
{
    *n = 0;
    while (*path) {
        while (*path == '/')
            path++;
        if (!*path)
            break;
        if (*n == MAX_SEGS)
            return false;
        size_t len = 0;
        while (*path && *path != '/') {
            char c = *path++;
            if (c == '%' && hexval(path[0]) >= 0 && hexval(path[1]) >= 0) {
                c = (char)(hexval(path[0]) * 16 + hexval(path[1]));
                path += 2;
            }
            if (c == '\0' || len + 1 >= 256)
                return false;
            segs[*n][len++] = c;
        }
        segs[*n][len] = '\0';
        (*n)++;
    }
    return true;
}

static bool group_version_known(const ks_registry *reg, const char *group, const char *version)
{
    for (size_t i = 0; i < ks_registry_count(reg); i++) {
        const ks_rtype *rt = ks_registry_at(reg, i);
        if (rt && strcmp(rt->group, group) == 0 && strcmp(rt->version, version) == 0)
            return true;
    }
    return false;
}

static bool is_metrics_group(const char *g)
{
    return strcmp(g, "metrics.k8s.io") == 0 || strcmp(g, "custom.metrics.k8s.io") == 0 ||
           strcmp(g, "external.metrics.k8s.io") == 0;
}

static const char *verb_of(const ks_req *req, bool has_name)
{
    const char *m = req->method;

    if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0) {
        const char *w = ks_req_query(req, "watch");
        if (w && (strcmp(w, "1") == 0 || strcasecmp(w, "true") == 0))
            return "watch";
        return has_name ? "get" : "list";
    }
    if (strcmp(m, "POST") == 0)
        return "create";
    if (strcmp(m, "PUT") == 0)
        return "update";
    if (strcmp(m, "PATCH") == 0)
        return "patch";
    if (strcmp(m, "DELETE") == 0)
        return has_name ? "delete" : "deletecollection";
    return NULL;
}

static void method_not_allowed(ks_resp *resp)
{
    cJSON *d = cJSON_CreateObject();

    ks_status_fail(resp, 405, "MethodNotAllowed",
                   "the server does not allow this method on the requested resource", d);
    cJSON_Delete(d);
}

/* Resource requests under /api/v1 and /apis/<g>/<v>. */
static void handle_resource_path(ks_sim *s, const ks_req *req, ks_resp *resp,
                                 char segs[MAX_SEGS][256], int n, const struct ident *id)
{
    const char *group = "", *version;
    int i;

    if (strcmp(segs[0], "api") == 0) {
        version = segs[1];
        i = 2;
    } else {
        group = segs[1];
        version = segs[2];
        i = 3;
    }
    if (!group_version_known(s->reg, group, version) && !is_metrics_group(group)) {
        page_not_found(resp);
        return;
    }
    const char *ns = "", *resource, *name = "", *sub = "";
    int rest = n - i;
    if (rest >= 2 && strcmp(segs[i], "namespaces") == 0 && rest >= 3 &&
        strcmp(segs[i + 2], "status") != 0 && strcmp(segs[i + 2], "finalize") != 0) {
        ns = segs[i + 1];
        resource = segs[i + 2];
        if (rest >= 4)
            name = segs[i + 3];
        if (rest >= 5)
            sub = segs[i + 4];
        if (rest > 5) {
            resource_not_found(resp);
            return;
        }
    } else {
        resource = segs[i];
        if (rest >= 2)
            name = segs[i + 1];
        if (rest >= 3)
            sub = segs[i + 2];
        if (rest > 3) {
            resource_not_found(resp);
            return;
        }
    }
    const char *verb = verb_of(req, name[0] != '\0');
    if (!verb) {
        method_not_allowed(resp);
        return;
    }
    /* A Namespace's own namespace attribute is its name. */
    const char *authz_ns = ns;
    if (!group[0] && strcmp(resource, "namespaces") == 0 && !ns[0])
        authz_ns = name;
    if (!authorized(id, verb)) {
        forbidden(resp, NULL, group, resource, name, sub, authz_ns, id->user, verb);
        return;
    }
    if (inject_fault(s, resp))
        return;
    if (is_metrics_group(group)) {
        if (!ks_metrics_handle(s, req, resp))
            resource_not_found(resp);
        return;
    }
    const ks_rtype *rt = ks_registry_find(s->reg, group, version, resource);
    if (!rt || rt->origin == KS_RT_VIRTUAL || (rt->namespaced && !ns[0] && name[0]) ||
        (!rt->namespaced && ns[0])) {
        resource_not_found(resp);
        return;
    }
    if (sub[0] && !((strcmp(sub, "status") == 0 && rt->has_status) ||
                    (strcmp(sub, "scale") == 0 && rt->has_scale))) {
        resource_not_found(resp);
        return;
    }
    struct api_req r;
    memset(&r, 0, sizeof(r));
    r.s = s;
    r.req = req;
    r.resp = resp;
    r.rt = rt;
    snprintf(r.ns, sizeof(r.ns), "%s", ns);
    snprintf(r.name, sizeof(r.name), "%s", name);
    snprintf(r.sub, sizeof(r.sub), "%s", sub);
    r.verb = verb;
    snprintf(r.user, sizeof(r.user), "%s", id->user);
    api_manager_name(ks_req_query(req, "fieldManager"), ks_req_header(req, "User-Agent"), r.manager,
                     sizeof(r.manager));
    if (strcmp(sub, "scale") == 0)
        api_handle_scale(&r);
    else if (strcmp(req->method, "PATCH") == 0)
        api_handle_patch(&r);
    else
        api_handle_resource(&r);
}

static bool is_discovery(char segs[MAX_SEGS][256], int n)
{
    if (n == 0)
        return false;
    if (strcmp(segs[0], "api") == 0)
        return n <= 2;
    if (strcmp(segs[0], "apis") == 0)
        return n <= 3;
    return false;
}

void ks_api_handle(void *ud, const ks_req *req, ks_resp *resp)
{
    ks_sim *s = ud;
    const char *path = req && req->path ? req->path : "/";
    char(*segs)[256] = NULL;
    struct ident id;
    int n = 0;

    if (!s || !req || !resp)
        return;
    if (has_prefix(path, "/kubesim/") || strcmp(path, "/kubesim") == 0) {
        if (!ks_control_handle(s, req, resp))
            page_not_found(resp);
        return;
    }
    if (handle_open(req, resp, path))
        return;
    if (!authenticate(s, req, &id)) {
        ks_status_fail(resp, 401, "Unauthorized", "Unauthorized", NULL);
        return;
    }
    segs = malloc(MAX_SEGS * sizeof(*segs));
    if (!segs) {
        ks_status_fail(resp, 500, "InternalError", "Internal error occurred: out of memory", NULL);
        return;
    }
    if (!split_path(path, segs, &n) || n == 0) {
        page_not_found(resp);
    } else if (strcmp(segs[0], "openapi") == 0) {
        if (!ks_openapi_handle(s, req, resp))
            page_not_found(resp);
    } else if (is_discovery(segs, n)) {
        if (!ks_discovery_handle(s, req, resp))
            page_not_found(resp);
    } else if (n == 1 && strcmp(segs[0], "metrics") == 0) {
        if (!ks_metrics_handle(s, req, resp))
            page_not_found(resp);
    } else if ((strcmp(segs[0], "api") == 0 && n >= 3) ||
               (strcmp(segs[0], "apis") == 0 && n >= 4)) {
        handle_resource_path(s, req, resp, segs, n, &id);
    } else {
        page_not_found(resp);
    }
    free(segs);
}
