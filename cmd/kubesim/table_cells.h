/*
 * kubesim: cell helpers shared by the table printers (table_cols*.c).
 * A failed allocation sets oom; the printer returns KS_ENOMEM then.
 */
#ifndef KUBESIM_TABLE_CELLS_H
#define KUBESIM_TABLE_CELLS_H

#include "table.h"

struct ks_tcells {
    cJSON *cells;
    bool oom;
};

/* A string cell; NULL is "". */
void ks_tc_str(struct ks_tcells *r, const char *s);
/* A string cell; NULL or "" is dflt. */
void ks_tc_str_or(struct ks_tcells *r, const char *s, const char *dflt);
/* An integer cell (a JSON number). */
void ks_tc_num(struct ks_tcells *r, long long v);
/* The Age of obj's metadata.creationTimestamp at now. */
void ks_tc_age(struct ks_tcells *r, const cJSON *obj, double now);
/* Two cells: the containers' names and images, comma separated. */
void ks_tc_containers(struct ks_tcells *r, const cJSON *containers);
/* A LabelSelector as labels.Selector.String() prints it; empty when it
 * selects everything or nothing. */
void ks_tc_selector(struct ks_tcells *r, const cJSON *sel, const char *empty);
/* A label map as labels.FormatLabels prints it ("<none>" when empty). */
void ks_tc_labels(struct ks_tcells *r, const cJSON *map);
/* Integer at a dotted path, def when absent or not a number. */
long long ks_tc_int(const cJSON *o, const char *path, long long def);

#endif
