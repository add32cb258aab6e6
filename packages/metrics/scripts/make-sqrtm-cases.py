"""Writes src/testing/sqrtm-cases.json: reference values from scipy for the tests of the matrix square root,
tr sqrt(A B) and the Frechet distance of @gan/metrics.

    /usr/bin/python3 packages/metrics/scripts/make-sqrtm-cases.py

Needs numpy and scipy (Debian: apt-get install python3-scipy). Seeded, so it writes the same file every time.
"""
import json
import pathlib

import numpy as np
from scipy import linalg

rng = np.random.default_rng(20261125)


def random_psd(n, rank=None, scale=1.0):
    """A symmetric PSD matrix: X^T X / rank of a random X, full rank unless rank < n."""
    rank = rank or n + 3
    x = rng.normal(size=(rank, n)) * scale
    return (x.T @ x) / rank


def real_sqrtm(m):
    root = linalg.sqrtm(m)
    if np.iscomplexobj(root):
        root = root.real
    return root


cases = []
for n, rank in [(1, None), (2, None), (3, None), (5, None), (8, 4), (16, None), (32, None)]:
    a = random_psd(n, rank)
    b = random_psd(n, None, scale=1.5)
    mu1 = rng.normal(size=n)
    mu2 = mu1 + rng.normal(size=n) * 0.3
    # The Frechet distance the way pytorch-fid computes it: sqrtm of the (non-symmetric) product.
    cross = real_sqrtm(a @ b)
    fid = float(np.sum((mu1 - mu2) ** 2) + np.trace(a) + np.trace(b) - 2 * np.trace(cross))
    cases.append(
        {
            "n": n,
            "a": a.ravel().tolist(),
            "sqrtA": real_sqrtm(a).ravel().tolist(),
            "b": b.ravel().tolist(),
            "traceSqrtAB": float(np.trace(cross)),
            "mu1": mu1.tolist(),
            "mu2": mu2.tolist(),
            "frechetDistance": fid,
        }
    )

out = pathlib.Path(__file__).resolve().parent.parent / "src" / "testing" / "sqrtm-cases.json"
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps({"generatedBy": "scripts/make-sqrtm-cases.py", "scipy": __import__("scipy").__version__, "cases": cases}))
print(f"wrote {len(cases)} cases to {out}")
