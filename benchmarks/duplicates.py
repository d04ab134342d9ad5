"""Near-duplicate groups of one user's library through the real engine (own vectors, grouping, hydration in
Postgres): the first page, the next page (the grouping kept in memory), and the recall of planted copies.

    .venv/bin/python benchmarks/duplicates.py [--sizes 10000 100000] [--copies 500]

Vectors as in index_kinds.py (clustered: a library has themes); `--copies` of them get a near-copy (cosine
0.95-0.97 to its original, the hard end: re-encodes and resizes are nearer). Recall counts planted pairs found
at s_min 0.95; at 10k the exact search's groups are compared too. Prints figures next to the issue's target.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from bench_env import fresh_database
from index_kinds import DIM, OneIndex, clustered, plant_rows, verdict

from imagedrive.indexing.search_index import build_index
from imagedrive.search.duplicates import find_groups
from imagedrive.search.engine import SearchEngine
from imagedrive.search.models import DuplicateSearch
from imagedrive.settings import get_settings
from localcloud import bootstrap, server

os.environ["IMAGEDRIVE_PG_DATABASE"] = "imagedrive_bench_duplicates"
get_settings.cache_clear()


class NoEncoder:
    model_version = "bench"

    def embed_text(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def embed_image(self, image: bytes) -> np.ndarray:
        raise NotImplementedError


def run(n: int, copies: int) -> None:
    rng = np.random.default_rng(n)
    vectors = clustered(rng, n)
    originals = rng.choice(n - copies, copies, replace=False)
    near = vectors[originals] + 0.012 * rng.standard_normal((copies, DIM)).astype(np.float32)
    vectors[n - copies:] = near / np.linalg.norm(near, axis=1, keepdims=True)
    user_id = fresh_database()
    ids = plant_rows(user_id, n)
    engine = SearchEngine(NoEncoder(), spaces=OneIndex(build_index(vectors, ids, DIM)))
    settings = get_settings()

    started = time.perf_counter()
    first = engine.duplicates(user_id, DuplicateSearch(s_min=0.95, max_groups=50))
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    engine.duplicates(user_id, DuplicateSearch(s_min=0.95, max_groups=50, offset=first.next_offset or 0))
    second_ms = (time.perf_counter() - started) * 1000
    grouping = next(iter(engine._groupings._entries.values()))
    together = {frozenset(int(grouping.ids[r]) for r in group) for group in grouping.groups}
    member_of = {image: group for group in together for image in group}
    found = sum(1 for o, c in zip(originals, range(n - copies, n), strict=True)
                if ids[c] in member_of.get(int(ids[o]), ()))
    print(f"\n== {n:,} own images, {copies} planted near-copies ==")
    print(f"first page (grouping + hydration)    {first_s:8.2f} s   ({first.group_count} groups; steps ms: "
          f"search {first.timing.search_ms:.0f}, hydrate {first.timing.hydrate_ms:.0f})")
    print(f"next page (grouping kept)            {second_ms:8.1f} ms")
    print(f"planted copies grouped               {found / copies:8.3f}   ({found}/{copies})")
    recall, exact_pairs, sampled = pairs_recall(vectors, ids, member_of, rng)
    print(f"pairs >= 0.95 grouped vs exact search {recall:8.3f}   ({exact_pairs} exact pairs from {sampled:,} "
          f"query rows)   target >= 0.99   {verdict(recall >= 0.99)}")
    if n <= settings.search_duplicates_exact_max * 4:
        exact = find_groups(grouping.ids, vectors, 0.95, exact_max=n, max_pairs=settings.search_duplicates_max_pairs)
        same = {frozenset(int(exact.ids[r]) for r in g) for g in exact.groups} == together
        print(f"same groups as the exact search      {same}")
    if n == 100_000:
        print(f"  target at 100k: groups <= 2 s               {first_s:5.2f}   {verdict(first_s <= 2)}")
        print(f"  target: paginated (next page from memory)   {second_ms:5.1f} ms   {verdict(second_ms < 500)}")


def pairs_recall(vectors: np.ndarray, ids: np.ndarray, member_of: dict[int, frozenset[int]],
                 rng: np.random.Generator, sample: int = 2000) -> tuple[float, int, int]:
    """Of the pairs an exact search finds at 0.95 from `sample` query rows (every row when the library is
    smaller), the share that ended up in one group."""
    rows = np.arange(len(vectors)) if len(vectors) <= sample else rng.choice(len(vectors), sample, replace=False)
    found = total = 0
    for start in range(0, len(rows), 1000):
        queries = rows[start:start + 1000]
        asking, other = np.nonzero(vectors[queries] @ vectors.T >= np.float32(0.95))
        for query, row in zip(queries[asking].tolist(), other.tolist(), strict=True):
            if query != row:
                total += 1
                found += int(ids[row]) in member_of.get(int(ids[query]), ())
    return (found / total if total else 1.0), total, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--copies", type=int, default=500)
    args = parser.parse_args()
    settings = get_settings()
    server.start(settings)
    bootstrap.bootstrap(settings)
    print(f"duplicates benchmark: {os.cpu_count()} cores, exact up to {settings.search_duplicates_exact_max:,} "
          f"images, cells above")
    for n in args.sizes:
        run(n, args.copies)


if __name__ == "__main__":
    main()
