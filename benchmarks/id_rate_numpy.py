#!/usr/bin/python3
"""The identification rate written the straightforward numpy way: the peer of
//benchmarks:id_rate_benchmark. Same sizes: 1,222 queries of 51 identities
(the real identity sizes), 2,001 distractors, 256-d random embeddings.

    /usr/bin/python3 benchmarks/id_rate_numpy.py [--repetitions 5]
"""
import argparse
import csv
import os
import statistics
import time

import numpy as np

FPRS = [0.5, 0.2, 0.1, 0.05, 0.01, 0.001]


def identification_rate(q, ids, d):
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    d = d / np.linalg.norm(d, axis=1, keepdims=True)
    qq = q @ q.T
    i, j = np.triu_indices(len(q), k=1)
    scores = qq[i, j]
    same = ids[i] == ids[j]
    positives = scores[same]
    false = np.concatenate([scores[~same], (q @ d.T).ravel()])
    false = np.sort(false)[::-1]
    result = []
    for fpr in FPRS:
        k = int(np.floor(fpr * len(false) + 1e-9))
        threshold = false[k] if k < len(false) else -np.inf
        result.append((fpr, float(np.mean(positives > threshold))))
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--data_root", default=os.environ.get("FACEREC_DATA", "../shared/data"))
    args = parser.parse_args()
    with open(os.path.join(args.data_root, "celeba500/celebA_ir/celebA_anno_query.csv")) as f:
        ids = np.array([int(row["id"]) for row in csv.DictReader(f)])
    rng = np.random.default_rng(0)
    q = rng.standard_normal((len(ids), 256), dtype=np.float32)
    d = rng.standard_normal((2001, 256), dtype=np.float32)
    identification_rate(q, ids, d)  # Warm-up.
    times = []
    for _ in range(args.repetitions):
        start = time.perf_counter()
        identification_rate(q, ids, d)
        times.append(time.perf_counter() - start)
    print(f"numpy identification rate: median {statistics.median(times) * 1000:.1f} ms "
          f"over {args.repetitions} repetitions (numpy {np.__version__})")


if __name__ == "__main__":
    main()
