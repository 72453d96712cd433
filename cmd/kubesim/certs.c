/*
 * kubesim: its certificate authority, serving and client certificates,
 * bearer tokens, and the kubeconfig files that point kubectl, helm and
 * ebb at it.
 *
 * Everything is generated at start (EC P-256 keys: fast to make) and
 * written to cfg.dir:
 *   ca.crt                     the CA every client trusts
 *   admin.crt, admin.key       a client certificate, CN kubesim-admin,
 *                              O system:masters
 *   token-admin|reader|nobody  bearer tokens, one per identity
 *   admin.kubeconfig           token auth, full rights (also "kubeconfig")
 *   admin-cert.kubeconfig      client-certificate auth, full rights
 *   reader.kubeconfig          may get/list/watch, every write is 403
 *   nobody.kubeconfig          authenticated, no grants: 403 everywhere
 *                              but discovery and /version
 */
#include "certs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

static bool add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    bool ok;

    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    if (!ext)
        return false;
    ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

X509 *ks_cert_make(EVP_PKEY *key, const char *cn, const char *orgs, X509 *issuer,
                   EVP_PKEY *issuer_key, enum ks_cert_kind kind, const char *san, long serial)
{
    X509 *cert = X509_new();
    X509_NAME *name;
    bool ok = cert != NULL;

    ok = ok && X509_set_version(cert, 2) == 1;
    ok = ok && ASN1_INTEGER_set(X509_get_serialNumber(cert), serial) == 1;
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(cert), -3600) != NULL;
    ok = ok && X509_gmtime_adj(X509_getm_notAfter(cert), 365L * 86400L) != NULL;
    ok = ok && X509_set_pubkey(cert, key) == 1;
    name = ok ? X509_get_subject_name(cert) : NULL;
    if (ok && orgs) {
        char buf[256];
        snprintf(buf, sizeof(buf), "%s", orgs);
        for (char *save = NULL, *o = strtok_r(buf, ",", &save); o && ok;
             o = strtok_r(NULL, ",", &save))
            ok = X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)o, -1,
                                            -1, 0) == 1;
    }
    ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                          -1, 0) == 1;
    ok = ok && X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name) == 1;
    X509 *iss = issuer ? issuer : cert;
    ok = ok && add_ext(cert, iss, NID_subject_key_identifier, "hash");
    ok = ok && add_ext(cert, iss, NID_authority_key_identifier, "keyid:always");
    if (kind == KS_CERT_CA) {
        ok = ok && add_ext(cert, iss, NID_basic_constraints, "critical,CA:TRUE");
        ok = ok && add_ext(cert, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ok = ok && add_ext(cert, iss, NID_basic_constraints, "critical,CA:FALSE");
        ok = ok && add_ext(cert, iss, NID_key_usage, "critical,digitalSignature");
        ok = ok && add_ext(cert, iss, NID_ext_key_usage,
                           kind == KS_CERT_SERVER ? "serverAuth" : "clientAuth");
        if (san)
            ok = ok && add_ext(cert, iss, NID_subject_alt_name, san);
    }
    ok = ok && X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(cert);
        cert = NULL;
    }
    return cert;
}

char *ks_cert_pem(X509 *cert, EVP_PKEY *key)
{
    char *out = NULL, *data = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    long n;
    int ok;

    if (!bio)
        return NULL;
    ok = cert ? PEM_write_bio_X509(bio, cert)
              : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    if (ok == 1 && (n = BIO_get_mem_data(bio, &data)) > 0 && (out = malloc((size_t)n + 1))) {
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
    }
    BIO_free(bio);
    return out;
}

/* Writes text to dir/name with the given mode, replacing it atomically
 * (a rename), so a reader never sees half a token. */
static int write_file(const char *dir, const char *name, const char *text, mode_t mode, char *err,
                      size_t errlen)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    size_t len = strlen(text);
    int fd;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return KS_EIO;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        return KS_EIO;
    }
    return KS_OK;
}

int ks_certs_generate(ks_sim *s, char *err, size_t errlen)
{
    EVP_PKEY *ca_key = EVP_EC_gen("P-256");
    EVP_PKEY *srv_key = EVP_EC_gen("P-256");
    EVP_PKEY *cli_key = EVP_EC_gen("P-256");
    X509 *ca = NULL, *srv = NULL, *cli = NULL;
    char *cli_pem = NULL, *cli_key_pem = NULL;
    int rc = KS_EIO;

    if (!ca_key || !srv_key || !cli_key) {
        snprintf(err, errlen, "cannot generate keys");
        goto out;
    }
    ca = ks_cert_make(ca_key, "kubesim-ca", NULL, NULL, NULL, KS_CERT_CA, NULL, 1);
    srv = ca ? ks_cert_make(srv_key, "kubesim", NULL, ca, ca_key, KS_CERT_SERVER,
                            "DNS:localhost,DNS:kubesim,DNS:kubernetes.default.svc,IP:127.0.0.1", 2)
             : NULL;
    cli = ca ? ks_cert_make(cli_key, "kubesim-admin", "system:masters", ca, ca_key, KS_CERT_CLIENT,
                            NULL, 3)
             : NULL;
    if (!ca || !srv || !cli) {
        snprintf(err, errlen, "cannot make certificates");
        goto out;
    }
    s->ca_pem = ks_cert_pem(ca, NULL);
    s->ca_key_pem = ks_cert_pem(NULL, ca_key);
    s->server_cert_pem = ks_cert_pem(srv, NULL);
    s->server_key_pem = ks_cert_pem(NULL, srv_key);
    cli_pem = ks_cert_pem(cli, NULL);
    cli_key_pem = ks_cert_pem(NULL, cli_key);
    if (!s->ca_pem || !s->ca_key_pem || !s->server_cert_pem || !s->server_key_pem || !cli_pem ||
        !cli_key_pem) {
        snprintf(err, errlen, "out of memory writing certificates");
        goto out;
    }
    if ((rc = write_file(s->cfg.dir, "ca.crt", s->ca_pem, 0644, err, errlen)) ||
        (rc = write_file(s->cfg.dir, "admin.crt", cli_pem, 0644, err, errlen)) ||
        (rc = write_file(s->cfg.dir, "admin.key", cli_key_pem, 0600, err, errlen)))
        goto out;
    rc = KS_OK;
out:
    X509_free(ca);
    X509_free(srv);
    X509_free(cli);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(srv_key);
    EVP_PKEY_free(cli_key);
    free(cli_pem);
    free(cli_key_pem);
    return rc;
}

int ks_certs_write_token(ks_sim *s, size_t i, char *err, size_t errlen)
{
    char line[512];

    snprintf(line, sizeof(line), "%s\n", s->tokens[i].token);
    return write_file(s->cfg.dir, s->tokens[i].file, line, 0600, err, errlen);
}

static int write_kubeconfig(const ks_sim *s, const char *file, const char *user, int port,
                            const char *auth, char *err, size_t errlen)
{
    struct ebb_strbuf sb = EBB_STRBUF_INIT;
    int rc;

    ebb_strbuf_addf(&sb,
                    "# Written by kubesim: points at https://127.0.0.1:%d as %s.\n"
                    "apiVersion: v1\n"
                    "kind: Config\n"
                    "clusters:\n"
                    "- name: kubesim\n"
                    "  cluster:\n"
                    "    server: https://127.0.0.1:%d\n"
                    "    certificate-authority: %s/ca.crt\n"
                    "contexts:\n"
                    "- name: kubesim\n"
                    "  context:\n"
                    "    cluster: kubesim\n"
                    "    user: %s\n"
                    "    namespace: default\n"
                    "current-context: kubesim\n"
                    "users:\n"
                    "- name: %s\n"
                    "  user:\n"
                    "%s",
                    port, user, port, s->cfg.dir, user, user, auth);
    rc = write_file(s->cfg.dir, file, sb.buf, 0600, err, errlen);
    ebb_strbuf_release(&sb);
    return rc;
}

int ks_certs_write_kubeconfigs(ks_sim *s, int port, char *err, size_t errlen)
{
    static const char *const names[] = {"admin", "reader", "nobody"};
    char auth[PATH_MAX + 64], file[64];
    int rc;

    for (size_t i = 0; i < s->n_tokens && i < 3; i++) {
        if ((rc = ks_certs_write_token(s, i, err, errlen)))
            return rc;
        snprintf(auth, sizeof(auth), "    tokenFile: %s/%s\n", s->cfg.dir, s->tokens[i].file);
        snprintf(file, sizeof(file), "%s.kubeconfig", names[i]);
        if ((rc = write_kubeconfig(s, file, s->tokens[i].user, port, auth, err, errlen)))
            return rc;
        if (i == 0 &&
            (rc = write_kubeconfig(s, "kubeconfig", s->tokens[i].user, port, auth, err, errlen)))
            return rc;
    }
    snprintf(auth, sizeof(auth),
             "    client-certificate: %s/admin.crt\n    client-key: %s/admin.key\n", s->cfg.dir,
             s->cfg.dir);
    return write_kubeconfig(s, "admin-cert.kubeconfig", "kubesim-admin-cert", port, auth, err,
                            errlen);
}
