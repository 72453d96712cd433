/*
 * kubesim: the private header of the OpenAPI module.
 *
 *   openapi.c          /openapi/v3 and the per group/version documents;
 *                      turns the rows below into schemas on request
 *   openapi_builtin.c  the schemas of the built-in kinds, as rows
 */
#ifndef KUBESIM_OPENAPI_INTERNAL_H
#define KUBESIM_OPENAPI_INTERNAL_H

#include <stddef.h>

/* One row of the table. A kind (K) or a definition (D) starts a schema;
 * the property rows (P) after it are its fields.
 *   K: name = short schema name ("apps.v1.Deployment"), type = its
 *      "group/version" ("v1" for core); apiVersion and kind fields and
 *      x-kubernetes-group-version-kind are added
 *   D: name = short schema name, type = NULL (an object) or the schema
 *      itself as JSON text (scalar types such as Quantity)
 *   P: name = field name, type = a type code:
 *        string boolean number integer (int32) int64 time (date-time)
 *        object (free-form) map (of strings) @Name (a schema) []T {}T
 *      with a leading '!' for a required field and a trailing "~key" for
 *      a list merged by key in strategic merge patches ("~" alone: merged
 *      as a set).
 * Short names get the real prefix: "meta." -> io.k8s.apimachinery.pkg.
 * apis.meta., "apiextensions." -> io.k8s.apiextensions-apiserver.pkg.
 * apis.apiextensions., "resource." and "intstr." -> io.k8s.apimachinery.
 * pkg.api(.util)..., anything else -> io.k8s.api. */
struct ks_openapi_row {
    char what; /* 'K', 'D' or 'P' */
    const char *name, *type, *desc;
};

extern const struct ks_openapi_row ks_openapi_rows[];
extern const size_t ks_openapi_n_rows;

#endif
