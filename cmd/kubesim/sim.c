/*
 * kubesim: assembling the simulator -- config defaults, tokens,
 * certificates, registry, store, the starting objects, and the loop turn
 * that ticks everything on the simulated clock. main.c adds flags and
 * signals; tests build a whole ks_sim in-process with ks_sim_init.
 */
#include "ks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

double ks_real_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void ks_config_defaults(struct ks_config *c)
{
    memset(c, 0, sizeof(*c));
    c->bind_addr = "127.0.0.1";
    c->port = 0;
    c->dir = NULL;
    c->speed = 1.0;
    c->metrics_resolution = 15.0;
    c->pod_startup = 5.0;
    c->pod_grace = 30.0;
    c->noise = 0.0;
    c->history = 10000;
    c->seed = 0;
}

static int add_token(ks_sim *s, const char *user, const char *groups, const char *file)
{
    struct ks_token *t = &s->tokens[s->n_tokens];
    char hex[40];

    snprintf(hex, sizeof(hex), "%016llx%016llx", (unsigned long long)ks_rand64(s),
             (unsigned long long)ks_rand64(s));
    t->token = strdup(hex);
    t->user = strdup(user);
    t->groups = strdup(groups);
    t->file = strdup(file);
    if (!t->token || !t->user || !t->groups || !t->file)
        return KS_ENOMEM;
    s->n_tokens++;
    return KS_OK;
}

/* The objects a fresh cluster has: its namespaces and one node. */
static int seed_objects(ks_sim *s, char *err, size_t errlen)
{
    static const char *const namespaces[] = {"default", "kube-system", "kube-public",
                                             "kube-node-lease"};
    const ks_rtype *ns_rt = ks_registry_find(s->reg, "", "v1", "namespaces");
    const ks_rtype *node_rt = ks_registry_find(s->reg, "", "v1", "nodes");

    if (!ns_rt) {
        snprintf(err, errlen, "built-in type namespaces is missing");
        return KS_EINVALID;
    }
    for (size_t i = 0; i < sizeof(namespaces) / sizeof(namespaces[0]); i++) {
        cJSON *ns = cJSON_CreateObject();
        cJSON *meta = cJSON_AddObjectToObject(ns, "metadata");
        cJSON_AddStringToObject(ns, "apiVersion", "v1");
        cJSON_AddStringToObject(ns, "kind", "Namespace");
        cJSON_AddStringToObject(meta, "name", namespaces[i]);
        int rc = ks_api_create(s, ns_rt, ns, "kube-apiserver", NULL);
        cJSON_Delete(ns);
        if (rc) {
            snprintf(err, errlen, "cannot create namespace %s (%d)", namespaces[i], rc);
            return rc;
        }
    }
    if (node_rt) {
        cJSON *node = cJSON_Parse(
            "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"kubesim-node\","
            "\"labels\":{\"kubernetes.io/hostname\":\"kubesim-node\",\"kubernetes.io/os\":"
            "\"linux\",\"kubernetes.io/arch\":\"amd64\"}},\"spec\":{},\"status\":{\"capacity\":"
            "{\"cpu\":\"64\",\"memory\":\"256Gi\",\"pods\":\"10000\"},\"allocatable\":{\"cpu\":"
            "\"64\",\"memory\":\"256Gi\",\"pods\":\"10000\"},\"conditions\":[{\"type\":\"Ready\","
            "\"status\":\"True\",\"reason\":\"KubeletReady\",\"message\":\"kubesim node is "
            "ready\"}],\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"}]}}");
        int rc = node ? ks_api_create(s, node_rt, node, "kubelet", NULL) : KS_ENOMEM;
        /* The kubelet reports the node's status after registering it. */
        if (rc == KS_OK) {
            char now[32];
            ks_time_format(ks_now(s), now);
            cJSON *st = cJSON_GetObjectItemCaseSensitive(node, "status");
            cJSON *info = cJSON_AddObjectToObject(st, "nodeInfo");
            cJSON_AddStringToObject(info, "kubeletVersion", "v1.26.4"); /* as /version */
            cJSON_AddStringToObject(info, "containerRuntimeVersion", "kubesim://1");
            cJSON_AddStringToObject(info, "operatingSystem", "linux");
            cJSON_AddStringToObject(info, "architecture", "amd64");
            cJSON *cond = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(st, "conditions"), 0);
            cJSON_AddStringToObject(cond, "lastHeartbeatTime", now);
            cJSON_AddStringToObject(cond, "lastTransitionTime", now);
            rc = ks_api_update(s, node_rt, node, true, "kubelet", NULL);
        }
        cJSON_Delete(node);
        if (rc) {
            snprintf(err, errlen, "cannot create node kubesim-node (%d)", rc);
            return rc;
        }
    }
    return KS_OK;
}

int ks_sim_init(ks_sim *s, const struct ks_config *cfg, bool serve, char *err, size_t errlen)
{
    struct ks_store_opts so = {.history = cfg->history, .bookmark_every = 60.0};
    int rc;

    memset(s, 0, sizeof(*s));
    s->cfg = *cfg;
    s->now_real = s->start_real = ks_real_now();
    s->start_sim = s->start_real;
    s->rng[0] = cfg->seed ? cfg->seed : (uint64_t)(s->start_real * 1e6) ^ 0x9e3779b97f4a7c15ull;
    s->rng[1] = 0xbf58476d1ce4e5b9ull ^ (s->rng[0] << 1);
    for (int i = 0; i < 8; i++)
        (void)ks_rand64(s);
    s->faults.retry_after_s = 1;

    if ((rc = add_token(s, "kubesim-admin", "system:masters", "token-admin")) ||
        (rc = add_token(s, "kubesim-reader", "kubesim:readers", "token-reader")) ||
        (rc = add_token(s, "kubesim-nobody", "", "token-nobody"))) {
        snprintf(err, errlen, "out of memory");
        return rc;
    }
    s->reg = ks_registry_new();
    s->store = ks_store_new(&so);
    s->load = ks_load_new();
    if (!s->reg || !s->store || !s->load) {
        snprintf(err, errlen, "out of memory");
        return KS_ENOMEM;
    }
    if ((rc = ks_builtins_register(s->reg)) || (rc = ks_metrics_register(s->reg))) {
        snprintf(err, errlen, "cannot register the built-in types (%d)", rc);
        return rc;
    }
    s->work = ks_workload_new(s);
    s->metrics = ks_metrics_new(s);
    if (!s->work || !s->metrics) {
        snprintf(err, errlen, "out of memory");
        return KS_ENOMEM;
    }
    if ((rc = seed_objects(s, err, errlen)))
        return rc;
    if (!serve)
        return KS_OK;

    if (!s->cfg.dir) {
        snprintf(err, errlen, "no state directory: pass --dir");
        return KS_EINVALID;
    }
    if (mkdir(s->cfg.dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", s->cfg.dir, strerror(errno));
        return KS_EIO;
    }
    if ((rc = ks_certs_generate(s, err, errlen)))
        return rc;
    struct ks_http_opts ho = {
        .bind_addr = s->cfg.bind_addr,
        .port = s->cfg.port,
        .cert_pem = s->server_cert_pem,
        .key_pem = s->server_key_pem,
        .ca_pem = s->ca_pem,
        .max_body = 3u << 20,
        .handler = ks_api_handle,
        .ud = s,
    };
    s->http = ks_http_new(&ho, err, errlen);
    if (!s->http)
        return KS_EIO;
    return ks_certs_write_kubeconfigs(s, ks_http_port(s->http), err, errlen);
}

void ks_sim_tick(ks_sim *s)
{
    double now = ks_now(s);

    ks_store_tick(s->store, s->now_real); /* watch timeouts: wall clock */
    ks_workload_tick(s, now);
    ks_metrics_tick(s, now);
}

void ks_sim_destroy(ks_sim *s)
{
    ks_http_free(s->http);
    ks_metrics_free(s->metrics);
    ks_workload_free(s->work);
    ks_store_free(s->store);
    ks_load_free(s->load);
    ks_registry_free(s->reg);
    for (size_t i = 0; i < s->n_tokens; i++) {
        free(s->tokens[i].token);
        free(s->tokens[i].user);
        free(s->tokens[i].groups);
        free(s->tokens[i].file);
    }
    free(s->ca_pem);
    free(s->ca_key_pem);
    free(s->server_cert_pem);
    free(s->server_key_pem);
    memset(s, 0, sizeof(*s));
}
