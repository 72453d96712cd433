/* kubeconfig_base64.c -- the base64 of *-data fields and of the exec
 * plugin's certificate-authority-data. */
#include "kubeconfig_internal.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

enum ebb_rc ebb__kube_base64_decode(const char *in, size_t len, unsigned char *out, size_t *out_len,
                                    size_t *bad)
{
    unsigned quad[4];
    size_t nq = 0, n = 0, pad = 0, i;

    *out_len = 0;
    *bad = 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '\r' || c == '\n')
            continue;
        if (c == '=') {
            /* Padding only in the last two places of a quad, and only
             * padding (or line breaks) after it. */
            if (nq < 2 || pad + nq >= 4) {
                *bad = i;
                return EBB_ERR_PARSE;
            }
            pad++;
            if (nq + pad == 4) {
                nq = 4;
                break;
            }
            continue;
        }
        int v = sextet(c);
        if (v < 0 || pad > 0) {
            *bad = i;
            return EBB_ERR_PARSE;
        }
        quad[nq++] = (unsigned)v;
        if (nq == 4) {
            out[n++] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
            out[n++] = (unsigned char)((quad[1] & 0xf) << 4 | quad[2] >> 2);
            out[n++] = (unsigned char)((quad[2] & 0x3) << 6 | quad[3]);
            nq = 0;
        }
    }
    if (pad > 0 && nq != 4) {
        *bad = len; /* "QQ=": the padding is short */
        return EBB_ERR_PARSE;
    }
    if (pad > 0) {
        for (i++; i < len; i++) {
            if (in[i] != '\r' && in[i] != '\n') {
                *bad = i;
                return EBB_ERR_PARSE;
            }
        }
        out[n++] = (unsigned char)(quad[0] << 2 | quad[1] >> 4);
        if (pad == 1)
            out[n++] = (unsigned char)((quad[1] & 0xf) << 4 | quad[2] >> 2);
    } else if (nq != 0) {
        *bad = len; /* the input ends inside a quad: padding is missing */
        return EBB_ERR_PARSE;
    }
    *out_len = n;
    return EBB_OK;
}

void ebb__kube_base64_encode(const void *in, size_t len, char *out)
{
    const unsigned char *p = in;
    size_t i, o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        out[o++] = alphabet[p[i] >> 2];
        out[o++] = alphabet[(p[i] & 0x3) << 4 | p[i + 1] >> 4];
        out[o++] = alphabet[(p[i + 1] & 0xf) << 2 | p[i + 2] >> 6];
        out[o++] = alphabet[p[i + 2] & 0x3f];
    }
    if (len - i == 1) {
        out[o++] = alphabet[p[i] >> 2];
        out[o++] = alphabet[(p[i] & 0x3) << 4];
        out[o++] = '=';
        out[o++] = '=';
    } else if (len - i == 2) {
        out[o++] = alphabet[p[i] >> 2];
        out[o++] = alphabet[(p[i] & 0x3) << 4 | p[i + 1] >> 4];
        out[o++] = alphabet[(p[i + 1] & 0xf) << 2];
        out[o++] = '=';
    }
    out[o] = '\0';
}
