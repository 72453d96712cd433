/*
 * kubesim: making certificates (certs.c), for its own CA and for tests
 * that need a CA, a server and clients of their own.
 */
#ifndef KUBESIM_CERTS_H
#define KUBESIM_CERTS_H

#include "ks.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

enum ks_cert_kind { KS_CERT_CA, KS_CERT_SERVER, KS_CERT_CLIENT };

/* A certificate for key, valid from an hour ago for a year: subject CN
 * cn and one O per comma-separated entry of orgs (may be NULL), signed by
 * issuer with issuer_key (self-signed when NULL); san (may be NULL) the
 * subjectAltName of a server ("DNS:localhost,IP:127.0.0.1"). NULL on
 * failure. */
X509 *ks_cert_make(EVP_PKEY *key, const char *cn, const char *orgs, X509 *issuer,
                   EVP_PKEY *issuer_key, enum ks_cert_kind kind, const char *san, long serial);
/* PEM text of a certificate or (cert NULL) a private key; NULL on failure. */
char *ks_cert_pem(X509 *cert, EVP_PKEY *key);

#endif
