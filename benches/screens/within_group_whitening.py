#!/usr/bin/env python3
"""Screen (issue 20): does whitening away what varies *within* a soundtrack improve "sounds like"?

Within-class covariance normalisation (WCCN, as in speaker verification): the scatter of the
tracks of the tuning half's groups around their own group's mean, shrunk towards the identity
(lambda x its mean variance), is whitened away — from the index's vectors and/or from every
stored passage — and the lists are judged on the other half's groups, then the halves swap
(docs/benchmarks.md's protocol). lambda is chosen on the tuning half alone, leaving one of its
groups out at a time (its scatter fitted on the other three, P@5 on the one left out).

The lists are built as `segue similar` builds them: cosine over the whole library, the 50
nearest rescored by cosine + 2 x passage match (the symmetric Chamfer match of the standardised
patches, both models) and read on the cosine's scale through the library's pairs (the
calibration's quantile map). A screen, not the engine: reimplemented here in numpy.

Needs: python3 -m venv v && v/bin/pip install numpy faiss-cpu
Usage: v/bin/python within_group_whitening.py DATA_DIR MANIFEST.tsv
(DATA_DIR: a library analysed by Segue, its index Flat; MANIFEST: path -> group, the shared
corpus's real_manifest.tsv; tracks are matched to it by file name.)
"""
import csv
import os
import sqlite3
import sys

import faiss
import numpy as np

HALVES = {"A": ["blobwars", "hedgewars", "singularity", "warzone2100"],
          "B": ["drascula", "nexuiz", "supertux", "widelands"]}
LAMBDAS = [0.03, 0.1, 0.3, 1, 3, 10]
WEIGHT, CANDIDATES, LIST = 2.0, 50, 30

data, manifest = sys.argv[1], sys.argv[2]
db = sqlite3.connect(os.path.join(data, "library.sqlite3"))
manifest_rows = list(csv.DictReader(open(manifest), delimiter="\t"))
index = faiss.read_index(os.path.join(data, "index", "vectors.faiss"))
ids = faiss.vector_to_array(index.id_map).astype(np.int64)
X = np.stack([index.index.reconstruct(i) for i in range(index.ntotal)]).astype(np.float64)
path = dict(db.execute("select id, path from tracks"))


def group(file):
    """The manifest's group of a library file: its path ends with the manifest's path, or it is
    a numbered copy (NNN_name, NNN the manifest's row)."""
    name = os.path.basename(file)
    if name[:3].isdigit() and name[3:4] == "_":
        return manifest_rows[int(name[:3]) - 1]["group"]
    return next(r["group"] for r in manifest_rows if file.endswith(r["path"]))


grp = np.array([group(path[int(i)]) for i in ids])
N = len(ids)


def passages(blob):
    """src/passages.rs's stored form: format, n, then per model and patch a scale + 200 i8."""
    n, body, size = blob[1], np.frombuffer(blob[2:], dtype=np.uint8), 4 + 200
    out = []
    for m in range(2):
        rows = []
        for p in range(n):
            o = (m * n + p) * size
            scale = np.frombuffer(body[o:o + 4].tobytes(), dtype="<f4")[0]
            rows.append(body[o + 4:o + size].view(np.int8).astype(np.float64) * scale)
        out.append(np.array(rows))
    return out


stored = dict((t, passages(b)) for t, b in db.execute("select track_id, data from passages"))
raw = [[stored[int(t)][m] for t in ids] for m in range(2)]


def unit(Y):
    return Y / np.maximum(np.linalg.norm(Y, axis=-1, keepdims=True), 1e-12)


def whitener(rows, owners, groups, lam):
    """(S_w + lam * mean variance * I)^(-1/2), S_w the scatter of `rows` of `groups` around
    their group's mean."""
    keep = np.isin(owners, groups)
    resid = rows[keep].copy()
    for g in groups:
        resid[owners[keep] == g] -= rows[owners == g].mean(0)
    sw = resid.T @ resid / len(resid)
    sw += lam * np.trace(sw) / sw.shape[0] * np.eye(sw.shape[0])
    w, v = np.linalg.eigh(sw)
    return v @ np.diag(w ** -0.5) @ v.T


def passage_matches(groups=None, lam=None):
    total = np.zeros((N, N))
    for m in range(2):
        flat = np.vstack(raw[m])
        z = (flat - flat.mean(0)) / np.maximum(flat.std(0), 1e-6)
        owners = np.repeat(grp, [len(p) for p in raw[m]])
        if groups is not None:
            z = z @ whitener(z, owners, groups, lam)
        z = unit(z)
        offsets = np.cumsum([0] + [len(p) for p in raw[m]])
        s = z @ z.T
        best = np.zeros((N, N))
        for a in range(N):
            rows = s[offsets[a]:offsets[a + 1]]
            for b in range(N):
                best[a, b] = rows[:, offsets[b]:offsets[b + 1]].max(1).mean()
        total += (best + best.T) / 4  # symmetric, and the mean of the two models
    return total


upper = np.triu_indices(N, 1)


def lists(cos, match):
    pairs, combined = np.sort(cos[upper]), np.sort((cos + WEIGHT * match)[upper])
    out = []
    for q in range(N):
        s = cos[q].copy()
        s[q] = -9
        near = np.argsort(-s, kind="stable")[:CANDIDATES]
        share = np.searchsorted(combined, cos[q, near] + WEIGHT * match[q, near]) / len(combined)
        s[near] = np.quantile(pairs, np.clip(share, 0, 1))
        order = np.argsort(-s, kind="stable")
        out.append(order[order != q][:LIST])
    return out


def judged(ls, queries):
    p5, p10, rp = [], [], []
    for q in queries:
        same = grp[ls[q]] == grp[q]
        r = (grp == grp[q]).sum() - 1
        # As `segue bench quality`: hits among the first k of the list, over k.
        p5.append(same[:5].sum() / 5), p10.append(same[:10].sum() / 10), rp.append(same[:r].sum() / r)
    f = lambda v: "%.3f ± %.3f" % (np.mean(v), np.std(v, ddof=1) / np.sqrt(len(v)))
    return "P@5 %s  P@10 %s  R-prec %s" % (f(p5), f(p10), f(rp))


def vectors(groups=None, lam=None):
    centred = X - X.mean(0)
    return unit(centred @ whitener(centred, grp, groups, lam)) if groups else X


queries = {h: np.where(np.isin(grp, g))[0] for h, g in HALVES.items()}
plain = passage_matches()
no_passages = np.zeros((N, N))
print("today (vectors + passages):", {h: judged(lists(X @ X.T, plain), q) for h, q in queries.items()})
variants = {
    "vectors whitened, no passages": lambda g, lam: (vectors(g, lam), no_passages),
    "vectors whitened + passages": lambda g, lam: (vectors(g, lam), plain),
    "passages whitened": lambda g, lam: (X, passage_matches(g, lam)),
}
for name, make in variants.items():
    for tune, report in (("A", "B"), ("B", "A")):
        groups = HALVES[tune]
        score = {}
        for lam in LAMBDAS:
            hits = []
            for left_out in groups:
                v, match = make([g for g in groups if g != left_out], lam)
                ls = lists(v @ v.T, match)
                hits += [(grp[ls[q][:5]] == left_out).mean() for q in np.where(grp == left_out)[0]]
            score[lam] = np.mean(hits)
        lam = max(LAMBDAS, key=score.get)
        v, match = make(groups, lam)
        print(f"{name}, lambda {lam} (chosen on {tune}), reported on {report}:",
              judged(lists(v @ v.T, match), queries[report]))
