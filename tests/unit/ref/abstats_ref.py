#!/usr/bin/env python3
"""Reference values for tests/unit/test_abstats.c, computed independently of the C code:
brute-force enumeration of every split of the pooled sample (itertools), and scipy where it
applies (no ties). Run: python3 -m venv v && v/bin/pip install scipy && v/bin/python3 abstats_ref.py
"""
import itertools
import math

def midranks(vals):
    order = sorted(range(len(vals)), key=lambda i: vals[i])
    r = [0.0] * len(vals)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and vals[order[j + 1]] == vals[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j + 2) / 2
        i = j + 1
    return r

def mwu_brute(x, y):
    pooled = list(x) + list(y)
    r = midranks(pooled)
    n, N = len(x), len(pooled)
    w = sum(r[:n])
    e = n * (N + 1) / 2
    dev = abs(w - e)
    hit = tot = 0
    for c in itertools.combinations(range(N), n):
        s = sum(r[i] for i in c)
        tot += 1
        if abs(s - e) >= dev - 1e-9:
            hit += 1
    return hit / tot

cases = {
    "clear shift 5v5": ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
    "overlap 5v5": ([1.0, 2.5, 3.1, 4.2, 5.0], [1.5, 2.0, 3.5, 4.8, 6.0]),
    "ties 4v4": ([1, 2, 2, 3], [2, 3, 3, 4]),
    "ties 6v5": ([10, 10, 11, 12, 12, 12], [12, 13, 13, 10, 14]),
    "2v2": ([1, 2], [3, 4]),
    "3v3": ([1, 2, 3], [4, 5, 6]),
    "all equal 3v3": ([5, 5, 5], [5, 5, 5]),
}
for name, (x, y) in cases.items():
    print(f"{name}: brute {mwu_brute(x, y)!r}")

try:
    from scipy import stats
    for name in ("clear shift 5v5", "overlap 5v5", "2v2", "3v3"):
        x, y = cases[name]
        print(f"{name}: scipy exact {stats.mannwhitneyu(x, y, alternative='two-sided', method='exact').pvalue!r}")
    # A larger, untied case the C code must agree on: 12 v 14 interleaved.
    x = [0.5 + 1.1 * i for i in range(12)]
    y = [1.0 + 0.97 * i for i in range(14)]
    print(f"12v14: scipy exact {stats.mannwhitneyu(x, y, alternative='two-sided', method='exact').pvalue!r}")
except ImportError:
    print("scipy not installed")

# Holm: by hand-checkable formula, computed here the long way.
p = [0.01, 0.04, 0.03, 0.005]
order = sorted(range(len(p)), key=lambda i: p[i])
adj = [0] * len(p)
run = 0
for j, i in enumerate(order):
    run = max(run, min(1, (len(p) - j) * p[i]))
    adj[i] = run
print("holm", adj)

# Coverage of [x(k), x(n-k+1)] for the median: 1 - 2 P(Bin(n, 1/2) <= k-1).
for n in (5, 6, 10, 20, 30):
    best = None
    for k in range(1, (n + 1) // 2 + 1):
        c = 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n
        if k == 1 or c >= 0.95:
            if c >= 0.95 or best is None:
                best = (k, c)
    print(f"median ci n={n}: k={best[0]} coverage={best[1]!r}")
