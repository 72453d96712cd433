#!/usr/bin/env python3
"""Replays every recorded kube-apiserver exchange against a running kubesim.

Usage: kubesim_fixtures.py PORT STATE_DIR [FIXTURE_DIR]

The fixtures (tests/fixtures/kube-api/NN-name.txt, copied from ../shared) are real HTTP/1.1
exchanges with a kube-apiserver 1.26. Each one is replayed IN NUMBER ORDER
against a fresh kubesim, after the setup the recording had (objects the
fixture needs, fresh or stale resourceVersions, continue tokens, the
compaction, changes during watches), and kubesim's answer is compared with
the recorded one: status code, Content-Type, framing, Status bodies
(reason, code, details keys, causes, message), objects and lists (kind,
apiVersion, keys, metadata, spec, list metadata, items), watch events.
Prints one TAP line per fixture. Python 3 standard library only.
"""
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import urllib.parse

UA = "demo-operator/0.1 (fixture-recorder)"
# Go's net/http sends Content-Length when the handler's whole body fits in
# its 2048-byte buffer, chunked otherwise (every recorded reply obeys it).
GO_CHUNK_LIMIT = 2048
# Annotations and managers written by controllers: their values and the
# moment they appear depend on controller timing, not on the request.
CTRL_ANNOTATIONS = {"deployment.kubernetes.io/revision"}
REQ_MANAGERS = {"demo-operator", "kubectl-create", "kubectl-annotate", "kubectl-patch"}


# --------------------------------------------------------------------------
# Fixture parsing


class Fixture:
    def __init__(self, path):
        self.path = path
        self.file = os.path.basename(path)
        self.name = self.file[:-4]
        self.num = int(self.file[:2])
        text = open(path, encoding="utf-8").read()
        req, rest = text.split("=== REQUEST ===\n", 1)[1].split("\n=== RESPONSE ===\n", 1)
        rest = re.split(r"\n=== (?:RESPONSE BODY|EVENT SUMMARY)", rest)[0]
        head, _, body = req.partition("\n\n")
        lines = head.split("\n")
        self.method, target, _ = lines[0].split(" ")
        self.target = target
        self.req_headers = dict(_hdr(l) for l in lines[1:] if l)
        cl = int(self.req_headers.get("content-length", "0"))
        self.req_body = body.encode()[:cl] if cl else None
        if cl and len(self.req_body) != cl:
            raise ValueError("%s: request body shorter than Content-Length" % self.file)
        head, _, body = rest.partition("\n\n")
        lines = head.split("\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = dict(_hdr(l) for l in lines[1:] if l)
        self.chunked = self.headers.get("transfer-encoding") == "chunked"
        body = body.rstrip("\n")
        self.chunks = None
        if re.match(r"^[0-9a-f]+\n", body):  # curl --raw: the chunk framing is shown
            self.chunks, body = _unchunk(body)
        self.raw = body
        cl = self.headers.get("content-length")
        if body and not self.chunks and (cl is None or int(cl) == len(body.encode()) + 1):
            self.raw = body + "\n"  # the apiserver's JSON encoder ends its bodies with \n
        self.query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        self.watch = self.query.get("watch") == ["1"]
        if self.watch:
            self.events = [json.loads(l) for l in body.split("\n") if l.strip()]
            self.json = None
        else:
            self.events = None
            self.json = json.loads(body) if body else None
            if not self.chunked:
                n = int(self.headers["content-length"])
                if n != len(self.raw.encode()):
                    raise ValueError("%s: body is %d bytes, Content-Length %d" % (self.file, len(self.raw.encode()), n))
            if _go_framing(len(self.raw.encode())) != ("chunked" if self.chunked else "length"):
                raise ValueError("%s: recorded framing breaks the 2048-byte rule" % self.file)

    def req_json(self):
        return json.loads(self.req_body)


def _hdr(line):
    k, _, v = line.partition(":")
    return k.strip().lower(), v.strip()


def _unchunk(body):
    chunks, out, rest = [], [], body
    while True:
        size, _, rest = rest.partition("\n")
        n = int(size, 16)
        if n == 0:
            return chunks, "".join(out)
        data, rest = rest[:n], rest[n + 1:]
        chunks.append(data)
        out.append(data)


def _go_framing(n):
    return "length" if n < GO_CHUNK_LIMIT else "chunked"


# --------------------------------------------------------------------------
# A raw HTTP/1.1 client (keeps the framing http.client hides)


class Resp:
    status = 0
    headers = None
    body = b""
    framing = None
    chunks = None
    times = None
    elapsed = 0.0

    def json(self):
        return json.loads(self.body)

    def text(self):
        return self.body.decode("utf-8", "replace")


class Client:
    def __init__(self, port, state):
        self.port = port
        self.tokens = {}
        for who in ("admin", "nobody"):
            with open(os.path.join(state, "token-" + who)) as f:
                self.tokens[who] = f.read().strip()
        self.tokens["bogus"] = "not-a-token-kubesim-knows"
        self.ctx = ssl.create_default_context(cafile=os.path.join(state, "ca.crt"))

    def do(self, method, target, body=None, ctype=None, who="admin", timeout=30.0):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            ctype = ctype or "application/json"
        elif isinstance(body, str):
            body = body.encode()
        t0 = time.monotonic()
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        try:
            s = self.ctx.wrap_socket(sock, server_hostname="127.0.0.1")
            head = ["%s %s HTTP/1.1" % (method, target), "Host: 127.0.0.1:%d" % self.port,
                    "User-Agent: " + UA, "Authorization: Bearer " + self.tokens[who],
                    "Accept: application/json"]
            if ctype:
                head.append("Content-Type: " + ctype)
            if body is not None:
                head.append("Content-Length: %d" % len(body))
            s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
            f = s.makefile("rb")
            r = Resp()
            line = f.readline().decode()
            if not line:
                raise IOError("connection closed before a status line")
            r.status = int(line.split(" ")[1])
            r.headers = {}
            while True:
                line = f.readline().decode()
                if line in ("\r\n", "\n", ""):
                    break
                k, v = _hdr(line.rstrip("\r\n"))
                r.headers[k] = v
            if r.headers.get("transfer-encoding", "").lower() == "chunked":
                r.framing, r.chunks, r.times = "chunked", [], []
                while True:
                    size = f.readline().decode().strip()
                    if not size:
                        raise IOError("stream cut inside the chunked body")
                    n = int(size.split(";")[0], 16)
                    if n == 0:
                        while f.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        break
                    data = f.read(n)
                    f.read(2)
                    r.chunks.append(data)
                    r.times.append(time.monotonic() - t0)
                r.body = b"".join(r.chunks)
            elif "content-length" in r.headers:
                r.framing = "length"
                r.body = f.read(int(r.headers["content-length"]))
            else:
                r.framing = "close"
                r.body = f.read()
            r.elapsed = time.monotonic() - t0
            return r
        finally:
            sock.close()


# --------------------------------------------------------------------------
# Comparison


def _short(v, n=160):
    s = json.dumps(v, sort_keys=True) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + "..."


def cmp_headers(fx, r, d):
    ct = r.headers.get("content-type")
    if ct != fx.headers.get("content-type"):
        d.append("Content-Type: recorded %r, kubesim %r" % (fx.headers.get("content-type"), ct))
    if fx.watch:
        if r.framing != "chunked":
            d.append("framing: watch recorded chunked, kubesim %s" % r.framing)
        return
    if r.body and fx.raw.endswith("\n") and not r.body.endswith(b"\n"):
        d.append("body does not end with \\n (the real server's JSON bodies do)")
    want = _go_framing(len(r.body))
    if r.framing != want:
        d.append("framing: kubesim %s for a %d-byte body (recorded %s for %d bytes; the real "
                 "server uses Content-Length below 2048 bytes, chunked from 2048)" %
                 (r.framing, len(r.body), "chunked" if fx.chunked else "Content-Length", len(fx.raw.encode())))


def subst_msg(msg, cx, numbers=False):
    for a, b in cx.get("msg_subst", []):
        msg = msg.replace(a, b)
    if numbers:
        msg = re.sub(r"\d+", "N", msg)
    return msg


def cmp_status(rec, got, d, cx, where=""):
    """Status bodies: keys and their order, kind/apiVersion/status/reason/code,
    metadata keys, details keys (in order), causes, message."""
    if not isinstance(got, dict):
        d.append("%sStatus expected, kubesim sent %s" % (where, _short(got)))
        return
    if list(rec) != list(got):
        d.append("%sStatus keys: recorded %s, kubesim %s" % (where, list(rec), list(got)))
    for k in ("kind", "apiVersion", "status", "reason", "code"):
        if rec.get(k) != got.get(k):
            d.append("%s%s: recorded %s, kubesim %s" % (where, k, _short(rec.get(k)), _short(got.get(k))))
    rm, gm = rec.get("metadata", {}), got.get("metadata", {})
    if isinstance(gm, dict) and sorted(rm) != sorted(gm):
        d.append("%smetadata keys: recorded %s, kubesim %s" % (where, sorted(rm), sorted(gm)))
    rd, gd = rec.get("details"), got.get("details")
    if rd is not None and isinstance(gd, dict):
        if list(rd) != list(gd):
            d.append("%sdetails keys: recorded %s, kubesim %s" % (where, list(rd), list(gd)))
        for k in ("name", "group", "kind"):
            if k in rd and rd[k] != gd.get(k):
                d.append("%sdetails.%s: recorded %s, kubesim %s" % (where, k, _short(rd[k]), _short(gd.get(k))))
        rc = [(c.get("reason"), c.get("field")) for c in rd.get("causes", [])]
        gc = [(c.get("reason"), c.get("field")) for c in (gd.get("causes") or [])]
        if rc != gc:
            d.append("%sdetails.causes (reason, field): recorded %s, kubesim %s" % (where, rc, gc))
        else:
            for i, (a, b) in enumerate(zip(rd.get("causes", []), gd.get("causes") or [])):
                if subst_msg(a.get("message", ""), cx) != b.get("message", ""):
                    d.append("%sdetails.causes[%d].message: recorded %r, kubesim %r" %
                             (where, i, a.get("message"), b.get("message")))
                if list(a) != list(b):
                    d.append("%sdetails.causes[%d] keys: recorded %s, kubesim %s" % (where, i, list(a), list(b)))
    num = cx.get("msg_numbers", False)
    if "message" in rec and subst_msg(rec["message"], cx, num) != subst_msg(got.get("message", ""), {}, num):
        d.append("%smessage: recorded %r, kubesim %r" % (where, subst_msg(rec["message"], cx), got.get("message")))


def _mf_map(meta):
    out = {}
    for e in meta.get("managedFields") or []:
        if e.get("manager") in REQ_MANAGERS:
            out[(e.get("manager"), e.get("operation"), e.get("subresource"))] = e
    return out


def cmp_meta(rec, got, d, cx, where):
    if not isinstance(got, dict):
        d.append("%smetadata missing (kubesim %s)" % (where, _short(got)))
        return
    skip = set(cx.get("meta_skip", ()))
    ra = {k: v for k, v in (rec.get("annotations") or {}).items() if k not in CTRL_ANNOTATIONS}
    ga = {k: v for k, v in (got.get("annotations") or {}).items() if k not in CTRL_ANNOTATIONS}
    rk = set(rec) - {"annotations"} - skip
    gk = set(got) - {"annotations"} - skip
    if ra:
        rk.add("annotations")
    if ga:
        gk.add("annotations")
    if rk != gk:
        d.append("%smetadata keys: recorded-only %s, kubesim-only %s" % (where, sorted(rk - gk), sorted(gk - rk)))
    if "annotations" not in skip and ra != ga:
        d.append("%smetadata.annotations (controller ones aside): recorded %s, kubesim %s" %
                 (where, _short(ra), _short(ga)))
    for k in ("name", "namespace", "labels", "finalizers", "deletionGracePeriodSeconds", "generation"):
        if k in skip or (k == "generation" and not cx.get("gen", True)):
            continue
        if k in rec and rec[k] != got.get(k):
            d.append("%smetadata.%s: recorded %s, kubesim %s" % (where, k, _short(rec[k]), _short(got.get(k))))
    if cx.get("mf", True) and "managedFields" not in skip:
        rm, gm = _mf_map(rec), _mf_map(got)
        for key, e in rm.items():
            g = gm.get(key)
            label = "%s/%s%s" % (key[0], key[1], "/" + key[2] if key[2] else "")
            if g is None:
                d.append("%smetadata.managedFields: no entry %s (kubesim has %s)" %
                         (where, label, sorted("%s/%s%s" % (k[0], k[1], "/" + k[2] if k[2] else "") for k in gm)))
                continue
            if sorted(e) != sorted(g):
                d.append("%smanagedFields[%s] keys: recorded %s, kubesim %s" % (where, label, sorted(e), sorted(g)))
            for k in ("apiVersion", "fieldsType", "fieldsV1"):
                if e.get(k) != g.get(k):
                    d.append("%smanagedFields[%s].%s: recorded %s, kubesim %s" %
                             (where, label, k, _short(e.get(k), 400), _short(g.get(k), 400)))
        extra = set(gm) - set(rm)
        if extra and cx.get("mf_extra", True):
            d.append("%smetadata.managedFields: entries the real server does not have: %s" %
                     (where, sorted("%s/%s%s" % (k[0], k[1], "/" + k[2] if k[2] else "") for k in extra)))


def _diff_tree(a, b, path, d, limit=4):
    if len(d) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                d.append("%s.%s: recorded %s, kubesim absent" % (path, k, _short(a[k])))
            else:
                _diff_tree(a[k], b[k], "%s.%s" % (path, k), d, limit)
        for k in b:
            if k not in a:
                d.append("%s.%s: kubesim %s, recorded absent" % (path, k, _short(b[k])))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            _diff_tree(x, y, "%s[%d]" % (path, i), d, limit)
    elif a != b or type(a) != type(b):
        d.append("%s: recorded %s, kubesim %s" % (path, _short(a), _short(b)))


def cmp_object(rec, got, d, cx, where=""):
    if not isinstance(got, dict):
        d.append("%sobject expected, kubesim sent %s" % (where, _short(got)))
        return
    for k in ("kind", "apiVersion"):
        if rec.get(k) != got.get(k):
            d.append("%s%s: recorded %s, kubesim %s" % (where, k, _short(rec.get(k)), _short(got.get(k))))
    rk, gk = set(rec), set(got)
    if rk != gk:
        d.append("%stop-level keys: recorded-only %s, kubesim-only %s" % (where, sorted(rk - gk), sorted(gk - rk)))
    if "metadata" in rec:
        cmp_meta(rec["metadata"], got.get("metadata"), d, cx, where)
    if cx.get("spec", True) and "spec" in rec and "spec" in got:
        _diff_tree(rec["spec"], got["spec"], where + "spec", d, len(d) + 4)
    st = cx.get("status")
    if st == "exact" and "status" in rec:
        _diff_tree(rec["status"], got.get("status"), where + "status", d, len(d) + 4)
    elif st == "keys" and isinstance(rec.get("status"), dict) and isinstance(got.get("status"), dict):
        if sorted(rec["status"]) != sorted(got["status"]):
            d.append("%sstatus keys: recorded %s, kubesim %s" % (where, sorted(rec["status"]), sorted(got["status"])))
    if cx.get("rest", False):  # every other top-level field, values too
        for k in rec:
            if k not in ("kind", "apiVersion", "metadata", "spec", "status") and k in got:
                _diff_tree(rec[k], got[k], where + k, d, len(d) + 4)


def _name(o):
    return (o.get("metadata") or {}).get("name")


def cmp_list(rec, got, d, cx):
    if not isinstance(got, dict):
        d.append("list expected, kubesim sent %s" % _short(got))
        return
    for k in ("kind", "apiVersion"):
        if rec.get(k) != got.get(k):
            d.append("%s: recorded %s, kubesim %s" % (k, _short(rec.get(k)), _short(got.get(k))))
    if list(rec) != list(got):
        d.append("list keys (in order): recorded %s, kubesim %s" % (list(rec), list(got)))
    rm, gm = rec.get("metadata", {}), got.get("metadata") or {}
    if list(rm) != list(gm):
        d.append("list metadata keys: recorded %s, kubesim %s" % (list(rm), list(gm)))
    if "continue" in rm and rm["continue"] == "" and gm.get("continue") != "":
        d.append("list metadata.continue: recorded \"\", kubesim %s" % _short(gm.get("continue")))
    if cx.get("remaining") and rm.get("remainingItemCount") != gm.get("remainingItemCount"):
        d.append("remainingItemCount: recorded %s, kubesim %s" % (rm.get("remainingItemCount"), gm.get("remainingItemCount")))
    ri, gi = rec.get("items") or [], got.get("items")
    if not isinstance(gi, list):
        d.append("items: recorded a list, kubesim %s" % _short(gi))
        return
    mode = cx.get("items", "names")
    rn, gn = [_name(o) for o in ri], [_name(o) for o in gi]
    if mode == "names" and rn != gn:
        d.append("items (names, in order): recorded %s, kubesim %s" % (rn, gn))
    elif mode == "nameset" and sorted(rn) != sorted(gn):
        d.append("items (names): recorded %s, kubesim %s" % (sorted(rn), sorted(gn)))
    elif mode == "count" and len(rn) != len(gn):
        d.append("item count: recorded %d, kubesim %d" % (len(rn), len(gn)))
    byname = {_name(o): o for o in gi}
    for o in ri:
        g = byname.get(_name(o)) if mode != "count" else (gi[ri.index(o)] if ri.index(o) < len(gi) else None)
        if g is not None:
            icx = dict(cx.get("item_cx", {}))
            if mode == "count":
                rk, gk = set(o), set(g)
                if rk != gk:
                    d.append("items[%s] keys: recorded %s, kubesim %s" % (_name(o), sorted(rk), sorted(gk)))
                continue
            cmp_object(o, g, d, icx, "items[%s]." % _name(o))


# --------------------------------------------------------------------------
# The replay


class Replay:
    def __init__(self, client, fixtures):
        self.c = client
        self.fx = {f.num: f for f in fixtures}
        self.fixtures = fixtures
        self.st = {}  # values learnt on the way (rvs, tokens, uids)
        self.notes = []

    # -- small helpers
    def get(self, path, who="admin"):
        return self.c.do("GET", path, who=who)

    def must(self, r, what, codes=(200, 201)):
        if r.status not in codes:
            raise RuntimeError("setup: %s: HTTP %d %s" % (what, r.status, r.text()[:300]))
        return r.json() if r.body else None

    def obj_rv(self, path):
        return self.must(self.get(path), "GET " + path)["metadata"]["resourceVersion"]

    def list_rv(self, path):
        return self.must(self.get(path), "LIST " + path)["metadata"]["resourceVersion"]

    def create(self, path, obj, manager):
        r = self.c.do("POST", path + "?fieldManager=" + manager, obj)
        return self.must(r, "create %s %s" % (obj.get("kind"), _name(obj)))

    def patch(self, path, patch, manager, ctype="application/merge-patch+json"):
        r = self.c.do("PATCH", path + "?fieldManager=" + manager, patch, ctype)
        return self.must(r, "patch " + path)

    def wait(self, what, fn, secs=20.0):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            if fn():
                return
            time.sleep(0.1)
        raise RuntimeError("setup: timed out waiting for " + what)

    def seed(self, num, name=None, event=None):
        """An object as the recording had it, from a fixture body, ready to POST."""
        fx = self.fx[num]
        if event is not None:
            o = json.loads(json.dumps(fx.events[event]["object"]))
        elif name is not None:
            o = json.loads(json.dumps(next(i for i in fx.json["items"] if _name(i) == name)))
        else:
            o = json.loads(json.dumps(fx.json))
        md = o["metadata"]
        for k in ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"):
            md.pop(k, None)
        ann = {k: v for k, v in (md.get("annotations") or {}).items() if k not in CTRL_ANNOTATIONS}
        md.pop("annotations", None)
        if ann:
            md["annotations"] = ann
        o.pop("status", None)
        return o

    # -- setups (run before the fixture of the same number)
    def start(self):
        r = self.c.do("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                     "metadata": {"name": "demo"}})
        self.must(r, "create namespace demo", (201, 409))

    def ensure_crd(self):
        fx40 = self.fx[40]
        r = self.c.do("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", fx40.req_body,
                      "application/json")
        self.must(r, "create CRD widgets.example.dev", (201, 409))
        self.wait_established()

    def wait_established(self):
        def est():
            r = self.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.dev")
            if r.status != 200:
                return False
            conds = (r.json().get("status") or {}).get("conditions") or []
            return any(c.get("type") == "Established" and c.get("status") == "True" for c in conds)
        self.wait("CRD widgets.example.dev Established", est)

    def setup_02(self):
        # The recording created the CRD (40) before discovery (02, 04).
        self.ensure_crd()

    def setup_14(self):
        self.st["web_rv"] = self.obj_rv("/apis/apps/v1/namespaces/demo/deployments/web")

    def setup_21(self):
        self.st["web_rv"] = self.obj_rv("/apis/apps/v1/namespaces/demo/deployments/web")

    def setup_40(self):
        # 04 needed the CRD already: delete it so that 40 creates it anew.
        path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.dev"
        r = self.c.do("DELETE", path)
        self.must(r, "delete CRD", (200, 202, 404))
        self.wait("CRD gone", lambda: self.get(path).status == 404)

    def setup_41(self):
        self.wait_established()

    def setup_44(self):
        self.st["widget_rv"] = self.obj_rv("/apis/example.dev/v1/namespaces/demo/widgets/widget-a")

    def setup_50(self):
        # alpha, beta, gamma as the recording had them (kubectl create).
        dep = "/apis/apps/v1/namespaces/demo/deployments"
        for name in ("alpha", "beta", "gamma"):
            o = dict(kind="Deployment", apiVersion="apps/v1", **self.seed(52, name))
            self.create(dep, o, "kubectl-create")
        time.sleep(1.5)  # the controllers settle, as they had in the recording

    def setup_57(self):
        dep = "/apis/apps/v1/namespaces/demo/deployments"
        page = self.must(self.get(dep + "?limit=2"), "LIST limit=2")
        self.st["old_continue"] = page["metadata"].get("continue")
        self.st["old_rv"] = page["metadata"]["resourceVersion"]
        # changes after that snapshot (the recording's beta got example.dev/n=1..3), then compaction
        for n in ("1", "2", "3"):
            self.patch(dep + "/beta", {"metadata": {"annotations": {"example.dev/n": n}}}, "kubectl-annotate")
        r = self.c.do("POST", "/kubesim/v1/faults", {"compact": True})
        self.must(r, "POST /kubesim/v1/faults compact", (200, 201, 204))
        self.st["compact_rv"] = self.list_rv(dep)
        if not self.st["old_continue"]:
            raise RuntimeError("setup: LIST limit=2 gave no continue token")

    def setup_60(self):
        self.st["list_rv"] = self.list_rv("/apis/apps/v1/namespaces/demo/deployments")
        dep = "/apis/apps/v1/namespaces/demo/deployments"
        watched = self.seed(60, event=0)

        def changes():
            time.sleep(0.5)
            self.create(dep, watched, "kubectl-create")
            time.sleep(3.0)
            self.patch(dep + "/watched", {"metadata": {"labels": {"phase": "two"}}}, "kubectl-patch")
            time.sleep(1.0)
            self.must(self.c.do("DELETE", dep + "/watched"), "delete watched")
        self.bg = changes

    def setup_61(self):
        cm = "/api/v1/namespaces/demo/configmaps"
        self.st["list_rv"] = self.list_rv(cm)
        first = self.seed(61, event=0)
        data2 = self.fx[61].events[1]["object"]["data"]

        def changes():
            time.sleep(0.5)
            self.create(cm, first, "kubectl-create")
            time.sleep(0.5)
            self.patch(cm + "/watched-cm", {"data": data2}, "kubectl-patch")
            time.sleep(0.5)
            self.must(self.c.do("DELETE", cm + "/watched-cm"), "delete watched-cm")
        self.bg = changes

    def setup_62(self):
        dep = "/apis/apps/v1/namespaces/demo/deployments"
        self.patch(dep + "/alpha", {"metadata": {"annotations": {"example.dev/touch": "1"}}}, "kubectl-annotate")
        time.sleep(1.0)
        self.st["list_rv"] = self.list_rv(dep)

        def changes():
            time.sleep(1.0)
            self.patch(dep + "/alpha", {"metadata": {"annotations": {"example.dev/touch": "2"}}},
                       "kubectl-annotate")
        self.bg = changes

    # -- request rewriting: the values that mean the same thing here
    def request(self, fx):
        path, body, who = fx.target, fx.req_body, "admin"
        q = None
        n = fx.num
        if n in (28, 29):
            who = "nobody"
        elif n == 30:
            who = "bogus"
        if n == 14:
            o = fx.req_json()
            o["metadata"]["resourceVersion"] = self.st["web_rv"]
            body = json.dumps(o).encode()
        elif n in (21, 22):
            o = fx.req_json()
            o["metadata"]["uid"] = self.st["web_uid"]
            o["metadata"]["resourceVersion"] = self.st["web_rv0"] if n == 21 else self.st["web_rv"]
            body = json.dumps(o, indent=2).encode()
        elif n in (44, 46):
            o = fx.req_json()
            o["metadata"]["uid"] = self.st["widget_uid"]
            o["metadata"]["resourceVersion"] = self.st["widget_rv"] if n == 44 else self.st["widget_rv0"]
            o["metadata"]["creationTimestamp"] = self.st["widget_ts"]
            body = json.dumps(o, indent=2).encode()
        elif n in (71, 72):
            o = fx.req_json()
            o["metadata"]["uid"] = self.st["lease_uid"]
            # 71 renews with the current rv (70's); 72, the other candidate,
            # still holds that same rv after the renew: stale
            o["metadata"]["resourceVersion"] = self.st["lease_rv0"]
            o["metadata"]["creationTimestamp"] = self.st["lease_ts"]
            body = json.dumps(o, indent=2).encode()
        if n == 51:
            q = {"continue": self.st["continue"]}
        elif n in (53, 54):
            q = {"resourceVersion": self.st["page1_rv"]}
        elif n == 57:
            q = {"continue": self.st["old_continue"]}
        elif n == 58:
            q = {"resourceVersion": self.st["old_rv"]}
        elif n in (60, 61, 62):
            q = {"resourceVersion": self.st["list_rv"]}
        elif n == 64:
            q = {"resourceVersion": self.st["compact_rv"]}
        elif n in (65, 66, 67):
            q = {"resourceVersion": self.st["old_rv"]}
        if q:
            path = set_query(path, q)
        return path, body, who

    # -- values learnt from the answers
    def learn(self, fx, r):
        try:
            o = r.json() if r.body and not fx.watch else None
        except ValueError:
            return
        if not isinstance(o, dict):
            return
        md = o.get("metadata") or {}
        if fx.num == 10 and r.status == 201:
            self.st["web_uid"], self.st["web_rv0"] = md.get("uid"), md.get("resourceVersion")
        elif fx.num == 20:
            self.st["web_rv"] = md.get("resourceVersion")
        elif fx.num == 42 and r.status == 201:
            self.st["widget_uid"], self.st["widget_rv0"] = md.get("uid"), md.get("resourceVersion")
            self.st["widget_ts"] = md.get("creationTimestamp")
        elif fx.num == 50:
            self.st["continue"], self.st["page1_rv"] = md.get("continue"), md.get("resourceVersion")
        elif fx.num == 70 and r.status == 201:
            self.st["lease_uid"], self.st["lease_rv0"] = md.get("uid"), md.get("resourceVersion")
            self.st["lease_ts"] = md.get("creationTimestamp")

    def run_one(self, fx):
        setup = getattr(self, "setup_%02d" % fx.num, None)
        self.bg = None
        if setup:
            setup()
        path, body, who = self.request(fx)
        th = None
        if self.bg:
            th = threading.Thread(target=self._bg_run, daemon=True)
            th.start()
        timeout = float(fx.query.get("timeoutSeconds", ["0"])[0]) + 15 if fx.watch else 30
        r = self.c.do(fx.method, path, body, fx.req_headers.get("content-type"), who, timeout)
        if th:
            th.join(30)
            if self.bg_err:
                raise RuntimeError("changes during the watch: %s" % self.bg_err)
        self.learn(fx, r)
        if os.environ.get("KS_FIXTURE_DUMP"):
            with open(os.path.join(os.environ["KS_FIXTURE_DUMP"], fx.name + ".out"), "wb") as f:
                f.write(("%s %s\n%d %s %s\n" % (fx.method, path, r.status, r.framing, r.headers)).encode())
                f.write(b"\n".join(r.chunks) if r.chunks and fx.watch else r.body)
        d = []
        if r.status != fx.status:
            d.append("HTTP status: recorded %d, kubesim %d (%s)" % (fx.status, r.status, r.text()[:300]))
        cmp_headers(fx, r, d)
        if r.status == fx.status:
            check = getattr(self, "check_%02d" % fx.num, None)
            try:
                if check:
                    check(fx, r, d)
                else:
                    self.check_default(fx, r, d, CX.get(fx.num, {}))
            except ValueError as e:
                d.append("kubesim sent bad JSON: %s: %s" % (e, r.text()[:200]))
        return d

    def _bg_run(self):
        self.bg_err = None
        try:
            self.bg()
        except Exception as e:  # reported by run_one
            self.bg_err = e

    bg_err = None

    # -- checks
    def check_default(self, fx, r, d, cx):
        rec, got = fx.json, r.json()
        if rec.get("kind") == "Status":
            cmp_status(rec, got, d, cx)
        elif "items" in rec:
            cmp_list(rec, got, d, cx)
        else:
            cmp_object(rec, got, d, cx)

    def check_00(self, fx, r, d):
        rec, got = fx.json, r.json()
        if list(rec) != list(got):
            d.append("/version keys: recorded %s, kubesim %s" % (list(rec), list(got)))
        for k in ("major", "minor"):
            if rec[k] != got.get(k):
                d.append("/version %s: recorded %s, kubesim %s" % (k, rec[k], got.get(k)))
        if r.text() != json.dumps(got, indent=2) and fx.raw == json.dumps(rec, indent=2):
            d.append("/version body: the real server pretty-prints it (2-space indent); kubesim sent %r" % r.text()[:80])

    def check_01(self, fx, r, d):
        rec, got = fx.json, r.json()
        if list(rec) != list(got) or rec["kind"] != got.get("kind") or rec["versions"] != got.get("versions"):
            d.append("/api: recorded %s, kubesim %s" % (_short(rec, 300), _short(got, 300)))
        elif sorted(rec["serverAddressByClientCIDRs"][0]) != sorted(got["serverAddressByClientCIDRs"][0]):
            d.append("/api serverAddressByClientCIDRs keys differ: %s" % _short(got["serverAddressByClientCIDRs"]))

    # groups kubesim serves (docs/kubesim.md); the others are noted, not failed
    SERVED_GROUPS = {"apps", "events.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io", "autoscaling",
                     "example.dev"}

    def check_02(self, fx, r, d):
        rec, got = fx.json, r.json()
        for k in ("kind", "apiVersion"):
            if rec[k] != got.get(k):
                d.append("%s: recorded %s, kubesim %s" % (k, rec[k], got.get(k)))
        if list(rec) != list(got):
            d.append("keys: recorded %s, kubesim %s" % (list(rec), list(got)))
        gg = {g["name"]: g for g in got.get("groups", [])}
        missing = []
        for g in rec["groups"]:
            h = gg.get(g["name"])
            if h is None:
                if g["name"] in self.SERVED_GROUPS:
                    d.append("group %s missing" % g["name"])
                else:
                    missing.append(g["name"])
                continue
            if h != g:
                d.append("group %s: recorded %s, kubesim %s" % (g["name"], _short(g, 300), _short(h, 300)))
        if missing:
            self.notes.append("02: groups of the real server kubesim does not serve (documented limits): %s" %
                              ", ".join(missing))
        rn = [g["name"] for g in rec["groups"] if g["name"] in gg]
        gn = [n for n in gg if n in set(rn)]
        if rn != gn:
            d.append("group order: recorded %s, kubesim %s" % (rn, gn))

    def cmp_resources(self, fx, r, d, served=None):
        rec, got = fx.json, r.json()
        for k in ("kind", "apiVersion", "groupVersion"):
            if rec[k] != got.get(k):
                d.append("%s: recorded %s, kubesim %s" % (k, rec[k], got.get(k)))
        if list(rec) != list(got):
            d.append("keys: recorded %s, kubesim %s" % (list(rec), list(got)))
        gr = {x["name"]: x for x in got.get("resources", [])}
        missing = []
        for x in rec["resources"]:
            y = gr.get(x["name"])
            if y is None:
                if served is None or x["name"].split("/")[0] in served:
                    d.append("resource %s missing" % x["name"])
                else:
                    missing.append(x["name"])
                continue
            if list(x) != list(y):
                d.append("resource %s keys: recorded %s, kubesim %s" % (x["name"], list(x), list(y)))
            for k in x:
                if k != "storageVersionHash" and x[k] != y.get(k):
                    d.append("resource %s %s: recorded %s, kubesim %s" % (x["name"], k, _short(x[k]), _short(y.get(k))))
        if missing:
            self.notes.append("%02d: resources kubesim does not serve (documented limits): %s" %
                              (fx.num, ", ".join(missing)))

    def check_03(self, fx, r, d):
        self.cmp_resources(fx, r, d, {"deployments", "statefulsets", "replicasets", "daemonsets"})

    def check_04(self, fx, r, d):
        self.cmp_resources(fx, r, d)

    def check_05(self, fx, r, d):
        self.cmp_resources(fx, r, d)

    def check_17(self, fx, r, d):
        self.check_default(fx, r, d, CX[17])
        got = self.must(self.get("/apis/apps/v1/namespaces/demo/deployments/web"), "GET web")
        ports = got["spec"]["template"]["spec"]["containers"][0].get("ports")
        if not ports or got["spec"]["template"]["spec"]["containers"][0]["image"] != "nginx:1.26":
            d.append("dryRun=All stored the patch: GET web afterwards has %s" %
                     _short(got["spec"]["template"]["spec"]["containers"][0]))

    def check_48(self, fx, r, d):
        self.check_default(fx, r, d, CX.get(48, {}))
        got = self.must(self.get("/apis/example.dev/v1/namespaces/demo/widgets/widget-a"), "GET widget-a")
        if got["metadata"].get("generation") != 2 or got["spec"].get("replicas") != 3:
            d.append("after PATCH /scale the Widget has generation %s, spec.replicas %s (real server: 2, 3)" %
                     (got["metadata"].get("generation"), got["spec"].get("replicas")))

    def check_57(self, fx, r, d):
        cmp_status(fx.json, r.json(), d, {})
        c = (r.json().get("metadata") or {}).get("continue")
        if c:
            # the fresh token must continue (inconsistently) after the same key
            r2 = self.get(set_query("/apis/apps/v1/namespaces/demo/deployments?limit=2&continue=",
                                    {"continue": c}))
            if r2.status != 200:
                d.append("the continue token in the 410 Status does not work: HTTP %d %s" % (r2.status, r2.text()[:200]))
            else:
                names = [_name(i) for i in r2.json().get("items", [])]
                if names != ["gamma", "web"]:
                    d.append("the continue token in the 410 Status lists %s (after beta: gamma, web)" % names)

    # -- watches
    def events(self, fx, r, d):
        ev = []
        for i, ch in enumerate(r.chunks or []):
            if not ch.endswith(b"\n") or ch.count(b"\n") != 1:
                d.append("chunk %d is not exactly one JSON event + \\n: %r" % (i, ch[:120]))
            for line in ch.split(b"\n"):
                if line.strip():
                    try:
                        ev.append((json.loads(line), r.times[i]))
                    except ValueError:
                        d.append("chunk %d: bad JSON %r" % (i, line[:120]))
        for e, _ in ev:
            if list(e) != ["type", "object"]:
                d.append("event keys: recorded [type, object], kubesim %s" % list(e))
                break
        return ev

    def ended_at_timeout(self, fx, r, d):
        t = float(fx.query["timeoutSeconds"][0])
        if not (t - 1.0 <= r.elapsed <= t + 2.5):
            d.append("stream ended after %.1fs; timeoutSeconds=%g" % (r.elapsed, t))

    def check_60(self, fx, r, d):
        ev = self.events(fx, r, d)
        types = [(e["type"], e["object"].get("kind")) for e, _ in ev]
        want = [(e["type"], e["object"]["kind"]) for e in fx.events]
        # Controllers' status updates add MODIFIED events (3 in the recording):
        # their number is timing, so runs of MODIFIED compare as one.
        if _runs(types) != _runs(want):
            d.append("events (type, kind), MODIFIED runs collapsed: recorded %s, kubesim %s" % (_runs(want), _runs(types)))
        names = {_name(e["object"]) for e, _ in ev}
        if names - {"watched"}:
            d.append("fieldSelector metadata.name=watched let through %s" % sorted(names - {"watched"}))
        if not any(e["type"] == "MODIFIED" and (e["object"]["metadata"].get("labels") or {}).get("phase") == "two"
                   for e, _ in ev):
            d.append("no MODIFIED event carries the label phase=two")
        if ev:
            cmp_object(fx.events[0]["object"], ev[0][0]["object"], d, {"mf_extra": False}, "ADDED object: ")
        self.ended_at_timeout(fx, r, d)

    def check_61(self, fx, r, d):
        ev = self.events(fx, r, d)
        types = [(e["type"], e["object"].get("kind")) for e, _ in ev]
        want = [(e["type"], e["object"]["kind"]) for e in fx.events]
        if types != want:
            d.append("events (type, kind): recorded %s, kubesim %s" % (want, types))
        for (e, _), w in zip(ev, fx.events):
            cmp_object(w["object"], e["object"], d, {"spec": False, "rest": True}, "%s object: " % w["type"])
        self.ended_at_timeout(fx, r, d)

    def check_62(self, fx, r, d):
        ev = self.events(fx, r, d)
        types = [(e["type"], e["object"].get("kind")) for e, _ in ev]
        want = [(e["type"], e["object"]["kind"]) for e in fx.events]
        if _runs(types) != _runs(want):
            d.append("events (type, kind), MODIFIED runs collapsed: recorded %s, kubesim %s" % (_runs(want), _runs(types)))
        touched = [e for e, _ in ev if e["type"] == "MODIFIED" and
                   (e["object"]["metadata"].get("annotations") or {}).get("example.dev/touch") == "2"]
        if not touched:
            d.append("no MODIFIED event for alpha's example.dev/touch=2")
        elif touched[0]["object"]["metadata"].get("generation") != 3:
            d.append("alpha after create + 2 annotation changes: generation recorded 3 (1, +1 per annotation "
                     "change), kubesim %s" % touched[0]["object"]["metadata"].get("generation"))
        bm = [(e, t) for e, t in ev if e["type"] == "BOOKMARK"]
        if bm:
            e, t = bm[-1]
            rec = next(x for x in fx.events if x["type"] == "BOOKMARK")["object"]
            want_o = json.loads(json.dumps(rec))
            want_o["metadata"]["resourceVersion"] = e["object"].get("metadata", {}).get("resourceVersion")
            if e["object"] != want_o:
                sub = []
                _diff_tree(want_o, e["object"], "BOOKMARK object", sub, 6)
                d.extend(sub)
            if json.dumps(e["object"], separators=(",", ":")) != json.dumps(want_o, separators=(",", ":")):
                if e["object"] == want_o:
                    d.append("BOOKMARK object field order: recorded %s, kubesim %s" %
                             (json.dumps(rec, separators=(",", ":")), json.dumps(e["object"], separators=(",", ":"))))
            tmo = float(fx.query["timeoutSeconds"][0])
            if not (tmo - 4.0 <= t <= tmo):
                d.append("BOOKMARK came %.1fs into a %gs watch (real server: ~2s before the end)" % (t, tmo))
            cur = self.list_rv("/apis/apps/v1/namespaces/demo/deployments")
            if int(e["object"]["metadata"].get("resourceVersion") or 0) > int(cur):
                d.append("BOOKMARK resourceVersion %s is ahead of the list's %s" % (e["object"]["metadata"].get("resourceVersion"), cur))
        self.ended_at_timeout(fx, r, d)

    def check_63(self, fx, r, d):
        ev = self.events(fx, r, d)
        got = sorted((e["type"], e["object"].get("kind"), _name(e["object"])) for e, _ in ev)
        want = sorted((e["type"], e["object"]["kind"], _name(e["object"])) for e in fx.events)
        if got != want:
            d.append("events (type, kind, name): recorded %s, kubesim %s" % (want, got))
        self.ended_at_timeout(fx, r, d)

    def check_64(self, fx, r, d):
        # The recording watched from rv=2 and got alpha's whole history
        # (ADDED + 6 MODIFIED). Replayed in number order, kubesim was
        # compacted at 57, so the oldest rv inside its window is the
        # compaction point: alpha's later changes (touch=1, touch=2 and the
        # controllers' updates) are replayed, its creation cannot be.
        ev = self.events(fx, r, d)
        types = [(e["type"], e["object"].get("kind")) for e, _ in ev]
        if not ev or any(t != ("MODIFIED", "Deployment") for t in types):
            d.append("replay from an rv inside the window: want MODIFIED Deployment events, kubesim %s" % types)
        names = {_name(e["object"]) for e, _ in ev}
        if names - {"alpha"}:
            d.append("fieldSelector metadata.name=alpha let through %s" % sorted(names - {"alpha"}))
        rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e, _ in ev if e["type"] != "ERROR"]
        if rvs != sorted(rvs) or (rvs and rvs[0] <= int(self.st["compact_rv"])):
            d.append("replayed rvs %s not ascending after %s" % (rvs, self.st["compact_rv"]))
        touches = [(e["object"]["metadata"].get("annotations") or {}).get("example.dev/touch") for e, _ in ev]
        if "2" not in touches:
            d.append("the replay misses alpha's touch=2 change: %s" % touches)
        self.ended_at_timeout(fx, r, d)

    def check_error_watch(self, fx, r, d, numbers):
        ev = self.events(fx, r, d)
        if len(ev) != 1 or ev[0][0].get("type") != "ERROR":
            d.append("events: recorded one ERROR, kubesim %s" % [(e["type"], e["object"].get("kind")) for e, _ in ev])
        if ev:
            cmp_status(fx.events[0]["object"], ev[0][0]["object"], d, {"msg_numbers": numbers}, "ERROR object: ")
            if r.elapsed > 2.0:
                d.append("the stream stayed open %.1fs after the ERROR event (real server: ends at once)" % r.elapsed)

    def check_65(self, fx, r, d):
        self.check_error_watch(fx, r, d, False)

    def check_66(self, fx, r, d):
        self.check_error_watch(fx, r, d, True)

    def check_67(self, fx, r, d):
        self.check_error_watch(fx, r, d, True)

    def check_74(self, fx, r, d):
        self.check_default(fx, r, d, CX[74])
        got = r.json().get("items")
        if isinstance(got, list) and len(got) != len(fx.json["items"]):
            self.notes.append("74: kube-system leases: recorded %s, kubesim %s (not compared: the real one is the "
                              "apiserver's own identity lease)" % ([_name(i) for i in fx.json["items"]],
                                                                   [_name(i) for i in got]))


def _runs(seq):
    out = []
    for x in seq:
        if not out or out[-1] != x or x[0] != "MODIFIED":
            out.append(x)
    return out


def set_query(target, repl):
    u = urllib.parse.urlsplit(target)
    pairs = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
    pairs = [(k, repl.get(k, v)) for k, v in pairs]
    return u.path + "?" + urllib.parse.urlencode(pairs, safe="")


# Per-fixture comparison settings (see cmp_object/cmp_list).
#   spec: compare spec values; gen: compare generation; status: None|keys|exact
#   items: names|nameset|count; item_cx: settings for the items
NOBODY = [("operator-test", "kubesim-nobody")]
DEP_ITEM = {"status": None}
CX = {
    10: {"status": "exact"},
    11: {"status": None},
    12: {"status": "keys"},
    13: {"status": "keys"},
    14: {"status": "keys"},
    28: {"msg_subst": NOBODY},
    29: {"msg_subst": NOBODY},
    31: {"status": "exact"},
    32: {"status": "keys"},
    33: {"status": "keys"},
    40: {"status": "keys"},
    41: {"status": "keys"},
    42: {},
    43: {},
    44: {"status": "exact"},
    45: {"status": "exact"},
    47: {"status": "exact"},
    48: {"status": "exact"},
    50: {"remaining": True, "item_cx": DEP_ITEM},
    51: {"item_cx": DEP_ITEM},
    52: {"items": "nameset", "item_cx": DEP_ITEM},
    53: {"remaining": True, "item_cx": DEP_ITEM},
    54: {"items": "nameset", "item_cx": DEP_ITEM},
    55: {"item_cx": dict(DEP_ITEM, gen=True)},
    56: {"items": "count"},
    59: {"item_cx": {"status": "exact"}},
    70: {"rest": True},
    71: {},
    73: {},
    74: {"items": None},  # the apiserver's own lease: not made by the setup
    81: {"gen": False, "status": None},
    90: {"rest": True},
    91: {"rest": True},
    93: {"item_cx": {"rest": True}},
    94: {"item_cx": {"rest": True}},
}
# alpha/beta/gamma: created by the setup with the recording's specs; the
# generation of alpha counts annotation changes made between fixtures.
for _n in (50, 51, 52, 53, 54):
    CX[_n]["item_cx"] = dict(CX[_n]["item_cx"], gen=False)
# 11/15-18/20/22: the controller's revision annotation and status aside,
# everything is determined by the requests.
for _n in (11, 15, 16, 17, 18, 20, 22, 34):
    CX.setdefault(_n, {})["status"] = None


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    port, state = int(sys.argv[1]), sys.argv[2]
    fixdir = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "fixtures", "kube-api")
    names = sorted(f for f in os.listdir(fixdir) if re.match(r"^\d\d-.*\.txt$", f))
    fixtures = []
    print("1..%d" % len(names))
    sys.stdout.flush()
    bad, n = 0, 0
    for f in names:
        try:
            fixtures.append(Fixture(os.path.join(fixdir, f)))
        except Exception as e:  # a fixture we cannot read fails its own line
            n += 1
            bad += 1
            print("not ok %d - %s: cannot parse the fixture: %s" % (n, f[:-4], e))
    rp = Replay(Client(port, state), fixtures)
    try:
        rp.start()
    except Exception as e:
        print("Bail out! %s" % e)
        return 1
    for fx in sorted(fixtures, key=lambda x: x.num):
        n += 1
        try:
            d = rp.run_one(fx)
        except Exception as e:
            d = ["%s: %s" % (type(e).__name__, e)]
        if d:
            bad += 1
            print("not ok %d - %s: %s" % (n, fx.name, " | ".join(d)))
        else:
            print("ok %d - %s" % (n, fx.name))
        for note in rp.notes:
            print("# " + note)
        rp.notes = []
        sys.stdout.flush()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
