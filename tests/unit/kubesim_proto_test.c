/* kubesim_proto_test.c -- Kubernetes protobuf request bodies
 * (cmd/kubesim/proto.c): bodies built here with a tiny encoder the way
 * kubectl's typed clients (gogo-protobuf) marshal them -- every
 * non-pointer field present, zero values included -- decoded to the
 * object's JSON form; errors; truncated and bit-flipped bodies; and the
 * API hook end to end through ks_api_handle. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/ks.h"
#include "../../cmd/kubesim/proto.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a tiny protobuf encoder ------------------------------------------------------------- */

struct pb {
    unsigned char *p;
    size_t n, cap;
};

static void pb_raw(struct pb *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void pb_varint(struct pb *b, uint64_t v)
{
    unsigned char c;
    do {
        c = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            c |= 0x80;
        pb_raw(b, &c, 1);
    } while (v);
}

static void pb_tag(struct pb *b, uint32_t no, unsigned wt)
{
    pb_varint(b, ((uint64_t)no << 3) | wt);
}

static void pb_bytes(struct pb *b, uint32_t no, const void *d, size_t n)
{
    pb_tag(b, no, 2);
    pb_varint(b, n);
    pb_raw(b, d, n);
}

static void pb_str(struct pb *b, uint32_t no, const char *s)
{
    pb_bytes(b, no, s, strlen(s));
}

static void pb_int(struct pb *b, uint32_t no, int64_t v)
{
    pb_tag(b, no, 0);
    pb_varint(b, (uint64_t)v);
}

/* Appends m as field no and frees it. */
static void pb_msg(struct pb *b, uint32_t no, struct pb *m)
{
    pb_bytes(b, no, m->p, m->n);
    free(m->p);
    memset(m, 0, sizeof(*m));
}

static void pb_map(struct pb *b, uint32_t no, const char *k, const void *v, size_t vn)
{
    struct pb e = {0};
    pb_str(&e, 1, k);
    pb_bytes(&e, 2, v, vn);
    pb_msg(b, no, &e);
}

static void pb_map_s(struct pb *b, uint32_t no, const char *k, const char *v)
{
    pb_map(b, no, k, v, strlen(v));
}

static void pb_map_q(struct pb *b, uint32_t no, const char *k, const char *q)
{
    struct pb e = {0}, qm = {0};
    pb_str(&e, 1, k);
    pb_str(&qm, 1, q);
    pb_msg(&e, 2, &qm);
    pb_msg(b, no, &e);
}

/* IntOrString {1: type, 2: intVal, 3: strVal}: all three, as gogo does. */
static void pb_ios(struct pb *b, uint32_t no, int type, int32_t iv, const char *sv)
{
    struct pb m = {0};
    pb_int(&m, 1, type);
    pb_int(&m, 2, iv);
    pb_str(&m, 3, sv);
    pb_msg(b, no, &m);
}

/* "k8s\0" + runtime.Unknown{typeMeta, raw, contentEncoding, contentType}. */
static struct pb envelope(const char *api_version, const char *kind, struct pb *raw)
{
    struct pb b = {0}, tm = {0};
    pb_raw(&b, "k8s\0", 4);
    pb_str(&tm, 1, api_version);
    pb_str(&tm, 2, kind);
    pb_msg(&b, 1, &tm);
    pb_msg(&b, 2, raw);
    pb_str(&b, 3, "");
    pb_str(&b, 4, "");
    return b;
}

/* ObjectMeta as gogo marshals a client-side object: every non-pointer
 * field, the zero creationTimestamp as an empty message. */
static void pb_meta(struct pb *b, uint32_t no, const char *name, const char *ns,
                    const char *label_key, const char *label_val)
{
    struct pb m = {0}, ts = {0};
    pb_str(&m, 1, name);
    pb_str(&m, 2, "");
    pb_str(&m, 3, ns);
    pb_str(&m, 4, "");
    pb_str(&m, 5, "");
    pb_str(&m, 6, "");
    pb_int(&m, 7, 0);
    pb_msg(&m, 8, &ts);
    if (label_key)
        pb_map_s(&m, 11, label_key, label_val);
    pb_str(&m, 15, ""); /* clusterName in older versions: unknown here */
    pb_msg(b, no, &m);
}

/* Container{name, image} with the zero fields gogo writes. */
static void pb_container(struct pb *b, uint32_t no, const char *name, const char *image)
{
    struct pb c = {0}, res = {0};
    pb_str(&c, 1, name);
    pb_str(&c, 2, image);
    pb_str(&c, 5, "");
    pb_msg(&c, 8, &res);
    pb_str(&c, 13, "");
    pb_str(&c, 14, "");
    pb_int(&c, 16, 0);
    pb_int(&c, 17, 0);
    pb_int(&c, 18, 0);
    pb_str(&c, 20, "");
    pb_msg(b, no, &c);
}

/* PodSpec zero scalars gogo writes around the containers. */
static void pb_podspec_zeros(struct pb *s)
{
    pb_str(s, 6, "");
    pb_str(s, 8, "");
    pb_str(s, 9, "");
    pb_str(s, 10, "");
    pb_int(s, 11, 0);
    pb_int(s, 12, 0);
    pb_int(s, 13, 0);
    pb_str(s, 16, "");
    pb_str(s, 17, "");
    pb_str(s, 19, "");
    pb_str(s, 24, "");
}

/* ---- the bodies kubectl sends ------------------------------------------------------------ */

/* kubectl create deployment web --image=nginx --replicas=2 */
static struct pb body_deployment(void)
{
    struct pb d = {0}, spec = {0}, sel = {0}, tmpl = {0}, ps = {0}, strat = {0}, st = {0};

    pb_meta(&d, 1, "web", "", "app", "web");
    pb_int(&spec, 1, 2);
    pb_map_s(&sel, 1, "app", "web");
    pb_msg(&spec, 2, &sel);
    pb_meta(&tmpl, 1, "", "", "app", "web");
    pb_container(&ps, 2, "nginx", "nginx");
    pb_str(&ps, 3, "");
    pb_podspec_zeros(&ps);
    pb_msg(&tmpl, 2, &ps);
    pb_msg(&spec, 3, &tmpl);
    pb_str(&strat, 1, "");
    pb_msg(&spec, 4, &strat);
    pb_int(&spec, 5, 0);
    pb_int(&spec, 7, 0);
    pb_msg(&d, 2, &spec);
    for (uint32_t i = 1; i <= 5; i++)
        pb_int(&st, i, 0);
    pb_int(&st, 7, 0);
    pb_msg(&d, 3, &st);
    return envelope("apps/v1", "Deployment", &d);
}

static const char deployment_json[] =
    "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"web\","
    "\"creationTimestamp\":null,\"labels\":{\"app\":\"web\"}},\"spec\":{\"replicas\":2,"
    "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{"
    "\"creationTimestamp\":null,\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{"
    "\"name\":\"nginx\",\"image\":\"nginx\",\"resources\":{}}]}},\"strategy\":{}},"
    "\"status\":{}}";

/* kubectl create namespace x */
static struct pb body_namespace(const char *name)
{
    struct pb n = {0}, spec = {0}, st = {0};
    pb_meta(&n, 1, name, "", NULL, NULL);
    pb_msg(&n, 2, &spec);
    pb_str(&st, 1, "");
    pb_msg(&n, 3, &st);
    return envelope("v1", "Namespace", &n);
}

/* A ConfigMap with data (keys out of order) and binaryData. */
static struct pb body_configmap(void)
{
    struct pb c = {0};
    static const unsigned char bin[] = {0, 1, 2, 0xff};
    pb_meta(&c, 1, "c", "", NULL, NULL);
    pb_map_s(&c, 2, "z", "last");
    pb_map_s(&c, 2, "a", "b");
    pb_map_s(&c, 2, "z", "y"); /* a repeated key: the last one wins */
    pb_map(&c, 3, "bin", bin, sizeof(bin));
    return envelope("v1", "ConfigMap", &c);
}

/* kubectl create secret generic s --from-literal=a=b */
static struct pb body_secret(void)
{
    struct pb s = {0};
    pb_meta(&s, 1, "s", "", NULL, NULL);
    pb_map_s(&s, 2, "a", "b");
    pb_str(&s, 3, "Opaque");
    return envelope("v1", "Secret", &s);
}

/* kubectl create service clusterip svc --tcp=80:8080, plus a port with a
 * named target and one without any. */
static struct pb body_service(void)
{
    struct pb s = {0}, spec = {0}, p = {0}, st = {0}, lb = {0};
    pb_meta(&s, 1, "svc", "", "app", "svc");
    pb_str(&p, 1, "80-8080");
    pb_str(&p, 2, "TCP");
    pb_int(&p, 3, 80);
    pb_ios(&p, 4, 0, 8080, "");
    pb_int(&p, 5, 0);
    pb_msg(&spec, 1, &p);
    pb_str(&p, 1, "web");
    pb_str(&p, 2, "TCP");
    pb_int(&p, 3, 443);
    pb_ios(&p, 4, 1, 0, "https");
    pb_int(&p, 5, 0);
    pb_msg(&spec, 1, &p);
    pb_str(&p, 1, "");
    pb_str(&p, 2, "UDP");
    pb_int(&p, 3, 53);
    pb_ios(&p, 4, 0, 0, ""); /* no targetPort: left out */
    pb_int(&p, 5, 0);
    pb_msg(&spec, 1, &p);
    pb_map_s(&spec, 2, "app", "svc");
    pb_str(&spec, 3, "");
    pb_str(&spec, 4, "ClusterIP");
    pb_str(&spec, 7, "");
    pb_str(&spec, 8, "");
    pb_str(&spec, 10, "");
    pb_str(&spec, 11, "");
    pb_int(&spec, 12, 0);
    pb_int(&spec, 13, 0);
    pb_msg(&s, 2, &spec);
    pb_msg(&st, 1, &lb);
    pb_msg(&s, 3, &st);
    return envelope("v1", "Service", &s);
}

/* kubectl create job j --image=busybox */
static struct pb body_job(void)
{
    struct pb j = {0}, spec = {0}, tmpl = {0}, ps = {0}, st = {0};
    pb_meta(&j, 1, "j", "", NULL, NULL);
    pb_meta(&tmpl, 1, "", "", NULL, NULL);
    pb_container(&ps, 2, "j", "busybox");
    pb_str(&ps, 3, "Never");
    pb_podspec_zeros(&ps);
    pb_msg(&tmpl, 2, &ps);
    pb_msg(&spec, 6, &tmpl);
    pb_msg(&j, 2, &spec);
    pb_int(&st, 4, 0);
    pb_int(&st, 5, 0);
    pb_int(&st, 6, 0);
    pb_str(&st, 7, "");
    pb_msg(&j, 3, &st);
    return envelope("batch/v1", "Job", &j);
}

/* A Pod exercising the rest of the tables: env sources (inlined
 * references), envFrom, ports, resources, probes (inlined handler,
 * IntOrString ports), volume mounts and sources (inlined), security
 * contexts (pointer zeros kept, packed and plain repeated int64),
 * owner references, finalizers, annotations, times, unknown fields. */
static struct pb body_pod(void)
{
    struct pb pod = {0}, md = {0}, own = {0}, ts = {0}, spec = {0}, c = {0}, e = {0}, vf = {0},
              ref = {0}, lref = {0}, ef = {0}, port = {0}, res = {0}, probe = {0}, hg = {0},
              vm = {0}, vol = {0}, vs = {0}, psc = {0}, packed = {0}, sc = {0}, ed = {0}, qty = {0},
              fr = {0}, dapi = {0}, dfile = {0};

    /* metadata */
    pb_str(&md, 2, "worker-");
    pb_str(&md, 3, "demo");
    pb_int(&ts, 1, 1700000000);
    pb_msg(&md, 9, &ts); /* deletionTimestamp */
    pb_int(&md, 10, 0);  /* deletionGracePeriodSeconds 0: a pointer, kept */
    pb_map_s(&md, 12, "note", "caf\xc3\xa9 \xff!");
    pb_str(&own, 5, "apps/v1");
    pb_str(&own, 1, "ReplicaSet");
    pb_str(&own, 3, "rs");
    pb_str(&own, 4, "u-1");
    pb_int(&own, 6, 1);
    pb_msg(&md, 13, &own);
    pb_str(&md, 14, "example.com/a");
    pb_str(&md, 14, "example.com/b");
    pb_int(&md, 99, 7); /* unknown varint */
    pb_tag(&md, 98, 1); /* unknown fixed64 */
    pb_raw(&md, "12345678", 8);
    pb_tag(&md, 97, 5); /* unknown fixed32 */
    pb_raw(&md, "1234", 4);
    pb_msg(&pod, 1, &md);

    /* a container */
    pb_str(&c, 1, "app");
    pb_str(&c, 2, "busybox:1");
    pb_str(&c, 3, "sh");
    pb_str(&c, 3, "-c");
    pb_str(&c, 4, "");
    pb_str(&e, 1, "A");
    pb_str(&e, 2, "1");
    pb_msg(&c, 7, &e);
    pb_str(&e, 1, "B");
    pb_str(&lref, 1, "cm");
    pb_msg(&ref, 1, &lref);
    pb_str(&ref, 2, "k");
    pb_msg(&vf, 3, &ref);
    pb_msg(&e, 3, &vf);
    pb_msg(&c, 7, &e);
    pb_str(&e, 1, "POD");
    pb_str(&fr, 2, "metadata.name");
    pb_msg(&vf, 1, &fr);
    pb_msg(&e, 3, &vf);
    pb_msg(&c, 7, &e);
    pb_str(&lref, 1, "sec");
    pb_msg(&ref, 1, &lref);
    pb_msg(&ef, 3, &ref);
    pb_msg(&c, 19, &ef);
    pb_int(&port, 3, 8080);
    pb_str(&port, 4, "TCP");
    pb_msg(&c, 6, &port);
    pb_map_q(&res, 1, "memory", "128Mi");
    pb_map_q(&res, 1, "cpu", "500m");
    pb_map_q(&res, 2, "cpu", "100m");
    pb_msg(&c, 8, &res);
    pb_str(&vm, 1, "data");
    pb_int(&vm, 2, 1);
    pb_str(&vm, 3, "/data");
    pb_msg(&c, 9, &vm);
    pb_str(&hg, 1, "/healthz");
    pb_ios(&hg, 2, 1, 0, "http");
    pb_msg(&probe, 2, &hg);
    pb_msg(&ef, 1, &probe); /* inlined handler, reusing ef as a scratch */
    pb_int(&ef, 2, 0);
    pb_int(&ef, 4, 10);
    pb_msg(&c, 11, &ef);
    pb_int(&sc, 4, 0); /* runAsUser 0: a pointer, kept */
    pb_int(&sc, 7, 0); /* allowPrivilegeEscalation false: kept */
    pb_msg(&c, 15, &sc);
    pb_msg(&spec, 2, &c);

    /* volumes */
    pb_str(&vol, 1, "data");
    pb_str(&ed, 1, "");
    pb_str(&qty, 1, "1Gi");
    pb_msg(&ed, 2, &qty);
    pb_msg(&vs, 2, &ed);
    pb_msg(&vol, 2, &vs);
    pb_msg(&spec, 1, &vol);
    pb_str(&vol, 1, "info");
    pb_str(&dfile, 1, "labels");
    pb_str(&fr, 2, "metadata.labels");
    pb_msg(&dfile, 2, &fr);
    pb_msg(&dapi, 1, &dfile);
    pb_msg(&vs, 16, &dapi);
    pb_msg(&vol, 2, &vs);
    pb_msg(&spec, 1, &vol);
    pb_str(&vol, 1, "claim");
    pb_str(&ref, 1, "pvc-1");
    pb_msg(&vs, 10, &ref);
    pb_msg(&vol, 2, &vs);
    pb_msg(&spec, 1, &vol);

    pb_str(&spec, 3, "Always");
    pb_int(&spec, 4, 30);
    pb_map_s(&spec, 7, "disk", "ssd");
    pb_int(&psc, 2, 1000);
    pb_varint(&packed, 5);
    pb_varint(&packed, 6);
    pb_bytes(&psc, 4, packed.p, packed.n); /* packed repeated int64 */
    free(packed.p);
    pb_int(&psc, 4, 7); /* and a plain one after it */
    pb_msg(&spec, 14, &psc);
    pb_str(&spec, 19, "default-scheduler");
    pb_msg(&pod, 2, &spec);
    return envelope("v1", "Pod", &pod);
}

/* ---- helpers ----------------------------------------------------------------------------- */

static char *decode_json(const struct pb *b)
{
    char err[256];
    cJSON *j = ks_proto_decode((const char *)b->p, b->n, err, sizeof(err));
    char *s;

    if (!j)
        fprintf(stderr, "decode: %s\n", err);
    assert_non_null(j);
    s = cJSON_PrintUnformatted(j);
    assert_non_null(s);
    cJSON_Delete(j);
    return s;
}

static void expect_json(struct pb b, const char *want)
{
    char *got = decode_json(&b);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "got:  %s\nwant: %s\n", got, want);
    assert_string_equal(got, want);
    free(got);
    free(b.p);
}

static int decode_rc(const struct pb *b, char *err, size_t errlen)
{
    cJSON *j = NULL;
    int rc = ks_proto_decode_rc((const char *)b->p, b->n, &j, err, errlen);
    if (rc == KS_PROTO_OK)
        assert_non_null(j);
    else
        assert_null(j);
    cJSON_Delete(j);
    return rc;
}

/* ---- decoding ------------------------------------------------------------------------------ */

static void test_deployment(void **state)
{
    (void)state;
    expect_json(body_deployment(), deployment_json);
}

static void test_namespace(void **state)
{
    (void)state;
    expect_json(body_namespace("x"), "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{"
                                     "\"name\":\"x\",\"creationTimestamp\":null},\"spec\":{},"
                                     "\"status\":{}}");
}

static void test_configmap(void **state)
{
    (void)state;
    expect_json(body_configmap(),
                "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"c\","
                "\"creationTimestamp\":null},\"data\":{\"a\":\"b\",\"z\":\"y\"},"
                "\"binaryData\":{\"bin\":\"AAEC/w==\"}}");
}

static void test_secret(void **state)
{
    (void)state;
    expect_json(body_secret(), "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{"
                               "\"name\":\"s\",\"creationTimestamp\":null},\"data\":{\"a\":"
                               "\"Yg==\"},\"type\":\"Opaque\"}");
}

static void test_service(void **state)
{
    (void)state;
    expect_json(body_service(),
                "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"svc\","
                "\"creationTimestamp\":null,\"labels\":{\"app\":\"svc\"}},\"spec\":{\"ports\":["
                "{\"name\":\"80-8080\",\"protocol\":\"TCP\",\"port\":80,\"targetPort\":8080},"
                "{\"name\":\"web\",\"protocol\":\"TCP\",\"port\":443,\"targetPort\":\"https\"},"
                "{\"protocol\":\"UDP\",\"port\":53}],\"selector\":{\"app\":\"svc\"},"
                "\"type\":\"ClusterIP\"},\"status\":{\"loadBalancer\":{}}}");
}

static void test_job(void **state)
{
    (void)state;
    expect_json(body_job(),
                "{\"kind\":\"Job\",\"apiVersion\":\"batch/v1\",\"metadata\":{\"name\":\"j\","
                "\"creationTimestamp\":null},\"spec\":{\"template\":{\"metadata\":{"
                "\"creationTimestamp\":null},\"spec\":{\"containers\":[{\"name\":\"j\","
                "\"image\":\"busybox\",\"resources\":{}}],\"restartPolicy\":\"Never\"}}},"
                "\"status\":{}}");
}

static void test_pod(void **state)
{
    (void)state;
    expect_json(
        body_pod(),
        "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"generateName\":\"worker-\","
        "\"namespace\":\"demo\",\"deletionTimestamp\":\"2023-11-14T22:13:20Z\","
        "\"deletionGracePeriodSeconds\":0,\"annotations\":{\"note\":\"caf\xc3\xa9 "
        "\xef\xbf\xbd!\"},\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":"
        "\"ReplicaSet\",\"name\":\"rs\",\"uid\":\"u-1\",\"controller\":true}],\"finalizers\":["
        "\"example.com/a\",\"example.com/b\"]},\"spec\":{\"volumes\":[{\"name\":\"data\","
        "\"emptyDir\":{\"sizeLimit\":\"1Gi\"}},{\"name\":\"info\",\"downwardAPI\":{\"items\":[{"
        "\"path\":\"labels\",\"fieldRef\":{\"fieldPath\":\"metadata.labels\"}}]}},{\"name\":"
        "\"claim\",\"persistentVolumeClaim\":{\"claimName\":\"pvc-1\"}}],\"containers\":[{"
        "\"name\":\"app\",\"image\":\"busybox:1\",\"command\":[\"sh\",\"-c\"],\"args\":[\"\"],"
        "\"ports\":[{\"containerPort\":8080,\"protocol\":\"TCP\"}],\"envFrom\":[{\"secretRef\":"
        "{\"name\":\"sec\"}}],\"env\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\","
        "\"valueFrom\":{\"configMapKeyRef\":{\"name\":\"cm\",\"key\":\"k\"}}},{\"name\":\"POD\","
        "\"valueFrom\":{\"fieldRef\":{\"fieldPath\":\"metadata.name\"}}}],\"resources\":{"
        "\"limits\":{\"cpu\":\"500m\",\"memory\":\"128Mi\"},\"requests\":{\"cpu\":\"100m\"}},"
        "\"volumeMounts\":[{\"name\":\"data\",\"readOnly\":true,\"mountPath\":\"/data\"}],"
        "\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\",\"port\":\"http\"},"
        "\"periodSeconds\":10},\"securityContext\":{\"runAsUser\":0,"
        "\"allowPrivilegeEscalation\":false}}],\"restartPolicy\":\"Always\","
        "\"terminationGracePeriodSeconds\":30,\"nodeSelector\":{\"disk\":\"ssd\"},"
        "\"securityContext\":{\"runAsUser\":1000,\"supplementalGroups\":[5,6,7]},"
        "\"schedulerName\":\"default-scheduler\"}}");
}

/* Deployment strategy, label selector expressions, StatefulSet claims,
 * CronJob, ints beyond 32 bits and negative int32. */
static void test_more_kinds(void **state)
{
    struct pb d = {0}, spec = {0}, strat = {0}, ru = {0}, sel = {0}, req = {0};
    struct pb s = {0}, sspec = {0}, pvc = {0}, pspec = {0}, res = {0};
    struct pb cj = {0}, cspec = {0}, jt = {0}, jspec = {0};
    (void)state;

    pb_int(&spec, 1, 0); /* replicas 0: a pointer, kept */
    pb_str(&req, 1, "tier");
    pb_str(&req, 2, "In");
    pb_str(&req, 3, "a");
    pb_str(&req, 3, "b");
    pb_msg(&sel, 2, &req);
    pb_msg(&spec, 2, &sel);
    pb_str(&strat, 1, "RollingUpdate");
    pb_ios(&ru, 1, 0, 0, "");
    pb_ios(&ru, 2, 1, 0, "25%");
    pb_msg(&strat, 2, &ru);
    pb_msg(&spec, 4, &strat);
    pb_int(&spec, 6, (int64_t)-1); /* a negative int32: 10-byte varint */
    pb_msg(&d, 2, &spec);
    expect_json(envelope("apps/v1", "Deployment", &d),
                "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"spec\":{\"replicas\":0,"
                "\"selector\":{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"In\","
                "\"values\":[\"a\",\"b\"]}]},\"strategy\":{\"type\":\"RollingUpdate\","
                "\"rollingUpdate\":{\"maxUnavailable\":0,\"maxSurge\":\"25%\"}},"
                "\"revisionHistoryLimit\":-1}}");

    pb_int(&sspec, 1, 3);
    pb_str(&pspec, 1, "ReadWriteOnce");
    pb_map_q(&res, 2, "storage", "1Gi");
    pb_msg(&pspec, 2, &res);
    pb_meta(&pvc, 1, "data", "", NULL, NULL);
    pb_msg(&pvc, 2, &pspec);
    pb_msg(&sspec, 4, &pvc);
    pb_str(&sspec, 5, "web");
    pb_msg(&s, 2, &sspec);
    expect_json(envelope("apps/v1", "StatefulSet", &s),
                "{\"kind\":\"StatefulSet\",\"apiVersion\":\"apps/v1\",\"spec\":{\"replicas\":3,"
                "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"data\","
                "\"creationTimestamp\":null},\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],"
                "\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}],\"serviceName\":\"web\"}}");

    pb_str(&cspec, 1, "*/5 * * * *");
    pb_int(&cspec, 2, 5000000000LL);
    pb_int(&jspec, 7, 4);
    pb_msg(&jt, 2, &jspec);
    pb_msg(&cspec, 5, &jt);
    pb_msg(&cj, 2, &cspec);
    expect_json(envelope("batch/v1", "CronJob", &cj),
                "{\"kind\":\"CronJob\",\"apiVersion\":\"batch/v1\",\"spec\":{\"schedule\":"
                "\"*/5 * * * *\",\"startingDeadlineSeconds\":5000000000,\"jobTemplate\":{"
                "\"spec\":{\"backoffLimit\":4}}}}");
}

/* Occurrences of a non-repeated message merge; of a scalar, the last
 * wins; an empty body of a known kind is an empty object. */
static void test_merge_and_last_wins(void **state)
{
    struct pb d = {0}, a = {0}, b = {0};
    (void)state;

    pb_int(&a, 1, 1);
    pb_msg(&d, 2, &a);
    pb_int(&b, 5, 9);
    pb_int(&b, 1, 4);
    pb_msg(&d, 2, &b);
    expect_json(envelope("apps/v1", "Deployment", &d),
                "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"spec\":{\"replicas\":4,"
                "\"minReadySeconds\":9}}");
    expect_json(envelope("v1", "ConfigMap", &a), "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\"}");
}

static void test_errors(void **state)
{
    char err[256];
    struct pb b = {0}, raw = {0}, m = {0};
    (void)state;

    /* not the magic prefix (a JSON body sent as protobuf) */
    pb_raw(&b, "{\"kind\":\"Pod\"}", 14);
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_MALFORMED);
    assert_string_equal(err, "provided data does not appear to be a protobuf message, expected "
                             "prefix [107 56 115 0]");
    assert_null(ks_proto_decode(NULL, 0, err, sizeof(err)));
    free(b.p);

    /* a kind without protobuf support */
    pb_meta(&raw, 1, "d", "", NULL, NULL);
    b = envelope("apps/v1", "DaemonSet", &raw);
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_UNKNOWN_KIND);
    assert_non_null(strstr(err, "DaemonSet"));
    free(b.p);
    b = envelope("extensions/v1beta1", "Deployment", &raw);
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_UNKNOWN_KIND);
    free(b.p);

    /* no kind */
    b = envelope("v1", "", &raw);
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_MALFORMED);
    assert_string_equal(err, "Object 'Kind' is missing in protobuf body");
    free(b.p);

    /* wrong wire type for a known field: spec.replicas as a string */
    pb_str(&m, 1, "two");
    pb_msg(&raw, 2, &m);
    b = envelope("apps/v1", "Deployment", &raw);
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_MALFORMED);
    assert_string_equal(err, "proto: wrong wireType = 2 for field DeploymentSpec.replicas");
    free(b.p);

    /* a group (wire type 3), a zero tag, a truncated length */
    pb_tag(&raw, 7, 3);
    b = envelope("v1", "Secret", &raw);
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_MALFORMED);
    assert_string_equal(err, "proto: Secret: illegal wireType 3 for field 7");
    free(b.p);
    pb_varint(&raw, 0);
    b = envelope("v1", "Secret", &raw);
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_MALFORMED);
    assert_string_equal(err, "proto: Secret: illegal tag 0 (wire type 0)");
    free(b.p);
    pb_tag(&raw, 1, 2);
    pb_varint(&raw, 50);
    pb_raw(&raw, "abc", 3);
    b = envelope("v1", "Secret", &raw);
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_MALFORMED);
    assert_string_equal(err, "unexpected EOF");
    free(b.p);

    /* an overlong varint */
    pb_tag(&raw, 7, 0);
    for (int i = 0; i < 11; i++)
        pb_raw(&raw, "\xff", 1);
    b = envelope("v1", "Secret", &raw);
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_MALFORMED);
    assert_string_equal(err, "proto: integer overflow");
    free(b.p);

    /* a time outside Go's range */
    {
        struct pb md = {0}, ts = {0};
        pb_int(&ts, 1, INT64_MAX);
        pb_msg(&md, 9, &ts);
        pb_msg(&raw, 1, &md);
        b = envelope("v1", "Secret", &raw);
        assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_MALFORMED);
        assert_non_null(strstr(err, "year outside of range"));
        free(b.p);
    }

    /* content encoding */
    b = (struct pb){0};
    pb_raw(&b, "k8s\0", 4);
    pb_str(&m, 2, "Secret");
    pb_msg(&b, 1, &m);
    pb_str(&b, 3, "gzip");
    assert_int_equal(decode_rc(&b, err, sizeof(err)), KS_PROTO_MALFORMED);
    assert_non_null(strstr(err, "gzip"));
    free(b.p);
}

/* Every body: every truncation and every byte with flipped bits must give
 * an object or an error with a message, never a crash (ASan/UBSan). */
static void test_truncate_and_flip(void **state)
{
    struct pb (*makers[])(void) = {body_deployment, body_configmap, body_secret,
                                   body_service,    body_job,       body_pod};
    static const unsigned char flips[] = {0x01, 0x80, 0xff, 0x7f, 0x08};
    size_t ok = 0, bad = 0;
    (void)state;

    for (size_t k = 0; k < N(makers); k++) {
        struct pb b = makers[k]();
        char err[256];
        for (size_t cut = 0; cut < b.n; cut++) {
            int rc = decode_rc(&(struct pb){b.p, cut, cut}, err, sizeof(err));
            if (rc == KS_PROTO_OK) {
                ok++;
            } else {
                assert_true(err[0] != '\0');
                bad++;
            }
        }
        for (size_t i = 0; i < b.n; i++) {
            for (size_t f = 0; f < N(flips); f++) {
                b.p[i] ^= flips[f];
                int rc = decode_rc(&b, err, sizeof(err));
                assert_true(rc == KS_PROTO_OK || err[0] != '\0');
                rc == KS_PROTO_OK ? ok++ : bad++;
                b.p[i] ^= flips[f];
            }
        }
        free(b.p);
    }
    assert_true(ok > 0);
    assert_true(bad > 0);
}

static void test_duration_and_content_type(void **state)
{
    static const struct {
        int64_t ns;
        const char *want;
    } cases[] = {
        {0, "0s"},
        {1, "1ns"},
        {1500, "1.5\xc2\xb5s"},
        {150000000, "150ms"},
        {1000000000, "1s"},
        {90000000000LL, "1m30s"},
        {3600000000000LL, "1h0m0s"},
        {3723500000000LL, "1h2m3.5s"},
        {-2000000000LL, "-2s"},
        {INT64_MIN, "-2562047h47m16.854775808s"},
    };
    char buf[64];
    (void)state;

    for (size_t i = 0; i < N(cases); i++) {
        ks_proto_duration_string(cases[i].ns, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].want);
    }
    assert_true(ks_proto_is_content_type("application/vnd.kubernetes.protobuf"));
    assert_true(ks_proto_is_content_type(" Application/VND.Kubernetes.Protobuf ; charset=x"));
    assert_true(ks_proto_is_content_type("application/vnd.kubernetes.protobuf;stream=watch"));
    assert_false(ks_proto_is_content_type("application/vnd.kubernetes.protobufx"));
    assert_false(ks_proto_is_content_type("application/json"));
    assert_false(ks_proto_is_content_type(NULL));
}

/* ---- through the API ----------------------------------------------------------------------- */

struct res {
    int status;
    cJSON *body;
};

static struct res call(ks_sim *s, const char *method, const char *path, const char *ctype,
                       const void *body, size_t len)
{
    struct ks_header hdrs[3];
    char auth[160];
    size_t nh = 0;
    ks_req req;
    ks_resp resp;
    struct res out;

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    ebb_strbuf_init(&resp.body);
    snprintf(req.method, sizeof(req.method), "%s", method);
    req.path = strdup(path);
    req.query = strdup("");
    assert_int_equal(ks_req_parse_query(&req), 0);
    snprintf(auth, sizeof(auth), "Bearer %s", s->tokens[0].token);
    hdrs[nh].name = strdup("Authorization");
    hdrs[nh++].value = strdup(auth);
    hdrs[nh].name = strdup("User-Agent");
    hdrs[nh++].value = strdup("kubectl/v1.32.4 (linux/amd64) kubernetes/test");
    if (ctype) {
        hdrs[nh].name = strdup("Content-Type");
        hdrs[nh++].value = strdup(ctype);
    }
    req.headers = hdrs;
    req.n_headers = nh;
    if (body) {
        req.body = malloc(len + 1);
        assert_non_null(req.body);
        memcpy(req.body, body, len);
        req.body[len] = '\0';
        req.body_len = len;
    }
    ks_api_handle(s, &req, &resp);
    out.status = resp.status;
    out.body = resp.body.buf ? cJSON_Parse(resp.body.buf) : NULL;
    for (size_t i = 0; i < resp.n_extra; i++) {
        free(resp.extra[i].name);
        free(resp.extra[i].value);
    }
    ebb_strbuf_release(&resp.body);
    for (size_t i = 0; i < nh; i++) {
        free(hdrs[i].name);
        free(hdrs[i].value);
    }
    free(req.path);
    ks_req_release_query(&req);
    free(req.query);
    free(req.body);
    return out;
}

static struct res post_pb(ks_sim *s, const char *path, struct pb b)
{
    struct res r = call(s, "POST", path, KS_PROTO_CONTENT_TYPE, b.p, b.n);
    free(b.p);
    return r;
}

static void expect_status(struct res *r, int code, const char *reason, const char *msg)
{
    if (r->status != code) {
        char *t = r->body ? cJSON_PrintUnformatted(r->body) : NULL;
        fprintf(stderr, "unexpected %d: %s\n", r->status, t ? t : "");
        free(t);
    }
    assert_int_equal(r->status, code);
    if (reason) {
        assert_string_equal(ks_json_str(r->body, "reason"), reason);
        if (msg)
            assert_string_equal(ks_json_str(r->body, "message"), msg);
    }
    cJSON_Delete(r->body);
    r->body = NULL;
}

static const char media_builtin[] =
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json, application/yaml, application/vnd.kubernetes.protobuf";

static void test_api_end_to_end(void **state)
{
    struct ks_config cfg;
    char err[256];
    ks_sim *s = calloc(1, sizeof(*s));
    struct res r;
    const cJSON *c;
    (void)state;

    assert_non_null(s);
    ks_config_defaults(&cfg);
    cfg.seed = 7;
    assert_int_equal(ks_sim_init(s, &cfg, false, err, sizeof(err)), 0);

    r = post_pb(s, "/api/v1/namespaces", body_namespace("demo"));
    expect_status(&r, 201, NULL, NULL);
    r = post_pb(s, "/apis/apps/v1/namespaces/demo/deployments", body_deployment());
    expect_status(&r, 201, NULL, NULL);
    r = post_pb(s, "/api/v1/namespaces/demo/configmaps", body_configmap());
    expect_status(&r, 201, NULL, NULL);
    r = post_pb(s, "/api/v1/namespaces/demo/secrets", body_secret());
    expect_status(&r, 201, NULL, NULL);
    r = post_pb(s, "/api/v1/namespaces/demo/services", body_service());
    expect_status(&r, 201, NULL, NULL);

    r = call(s, "GET", "/apis/apps/v1/namespaces/demo/deployments/web", NULL, NULL, 0);
    assert_int_equal(r.status, 200);
    assert_true(cJSON_IsNumber(ks_json_path(r.body, "spec.replicas")));
    assert_int_equal(ks_json_path(r.body, "spec.replicas")->valueint, 2);
    c = cJSON_GetArrayItem(ks_json_path(r.body, "spec.template.spec.containers"), 0);
    assert_string_equal(ks_json_str(c, "image"), "nginx");
    assert_string_equal(ks_json_str(r.body, "metadata.namespace"), "demo");
    assert_non_null(ks_json_str(r.body, "metadata.uid"));
    expect_status(&r, 200, NULL, NULL);

    r = call(s, "GET", "/api/v1/namespaces/demo/configmaps/c", NULL, NULL, 0);
    assert_string_equal(ks_json_str(r.body, "data.a"), "b");
    assert_string_equal(ks_json_str(r.body, "binaryData.bin"), "AAEC/w==");
    expect_status(&r, 200, NULL, NULL);
    r = call(s, "GET", "/api/v1/namespaces/demo/secrets/s", NULL, NULL, 0);
    assert_string_equal(ks_json_str(r.body, "data.a"), "Yg==");
    assert_string_equal(ks_json_str(r.body, "type"), "Opaque");
    expect_status(&r, 200, NULL, NULL);

    /* PUT with protobuf too */
    {
        struct pb d = {0}, md = {0}, spec = {0};
        pb_str(&md, 1, "c");
        pb_msg(&d, 1, &md);
        pb_map_s(&d, 2, "a", "changed");
        (void)spec;
        r = call(s, "PUT", "/api/v1/namespaces/demo/configmaps/c", KS_PROTO_CONTENT_TYPE, NULL, 0);
        expect_status(&r, 400, "BadRequest", NULL);
        struct pb b = envelope("v1", "ConfigMap", &d);
        r = call(s, "PUT", "/api/v1/namespaces/demo/configmaps/c", KS_PROTO_CONTENT_TYPE, b.p, b.n);
        free(b.p);
        expect_status(&r, 200, NULL, NULL);
        r = call(s, "GET", "/api/v1/namespaces/demo/configmaps/c", NULL, NULL, 0);
        assert_string_equal(ks_json_str(r.body, "data.a"), "changed");
        expect_status(&r, 200, NULL, NULL);
    }

    /* errors: bad bytes 400, a kind without protobuf 415 */
    r = call(s, "POST", "/api/v1/namespaces/demo/configmaps", "application/vnd.kubernetes.protobuf",
             "{\"kind\":\"ConfigMap\"}", 20);
    expect_status(&r, 400, "BadRequest",
                  "provided data does not appear to be a protobuf message, expected prefix "
                  "[107 56 115 0]");
    {
        struct pb raw = {0};
        pb_meta(&raw, 1, "ds", "", NULL, NULL);
        r = post_pb(s, "/apis/apps/v1/namespaces/demo/daemonsets",
                    envelope("apps/v1", "DaemonSet", &raw));
        expect_status(&r, 415, "UnsupportedMediaType", media_builtin);
    }
    ks_sim_destroy(s);
    free(s);
}

static void test_request_object_custom(void **state)
{
    ks_rtype rt;
    ks_req req;
    ks_resp resp;
    struct pb b = body_secret();
    cJSON *j;
    (void)state;

    memset(&rt, 0, sizeof(rt));
    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    ebb_strbuf_init(&resp.body);
    rt.origin = KS_RT_CUSTOM;
    req.body = (char *)b.p;
    req.body_len = b.n;
    assert_null(ks_proto_request_object(&rt, &req, &resp));
    assert_int_equal(resp.status, 415);
    j = cJSON_Parse(resp.body.buf);
    assert_string_equal(ks_json_str(j, "message"),
                        "the body of the request was in an unknown format - accepted media "
                        "types include: application/json, application/yaml");
    assert_string_equal(ks_json_str(j, "reason"), "UnsupportedMediaType");
    cJSON_Delete(j);
    ebb_strbuf_reset(&resp.body);
    rt.origin = KS_RT_BUILTIN;
    j = ks_proto_request_object(&rt, &req, &resp);
    assert_non_null(j);
    assert_string_equal(ks_json_str(j, "type"), "Opaque");
    cJSON_Delete(j);
    ebb_strbuf_release(&resp.body);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deployment),
        cmocka_unit_test(test_namespace),
        cmocka_unit_test(test_configmap),
        cmocka_unit_test(test_secret),
        cmocka_unit_test(test_service),
        cmocka_unit_test(test_job),
        cmocka_unit_test(test_pod),
        cmocka_unit_test(test_more_kinds),
        cmocka_unit_test(test_merge_and_last_wins),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_truncate_and_flip),
        cmocka_unit_test(test_duration_and_content_type),
        cmocka_unit_test(test_api_end_to_end),
        cmocka_unit_test(test_request_object_custom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
