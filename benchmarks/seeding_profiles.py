"""How fast the fixture profiles generate: the medium profile against the small one.

``generate_catalog`` builds every product, category and customer of a profile in memory before a
run seeds the store. The small profile (800 products) is the baseline measured in the same run;
the medium one (24,000 products, 30x) must scale linearly and stay well under 2 s on a quiet
2-core machine. Prints seconds per profile (best of ``--rounds``), the medium/small cost per
product (target <= 1.5: no super-linear step) and whether medium met 2 s.

    .venv/bin/python benchmarks/seeding_profiles.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from peakready.seeding import generate_catalog

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PER_PRODUCT_RATIO_TARGET = 1.5
MEDIUM_TARGET_S = 2.0


def best_seconds(profile: str, rounds: int) -> tuple[float, int]:
    times, products = [], 0
    for round_no in range(rounds):
        started = time.perf_counter()
        catalog = generate_catalog(profile, seed=9 + round_no, fixtures_dir=FIXTURES)
        times.append(time.perf_counter() - started)
        products = len(catalog.products)
    return min(times), products


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    generate_catalog("tiny", fixtures_dir=FIXTURES)   # imports and YAML parsing out of the way
    small_s, small_n = best_seconds("small", args.rounds)
    medium_s, medium_n = best_seconds("medium", args.rounds)
    ratio = (medium_s / medium_n) / (small_s / small_n)
    print(f"small   {small_n:>6,} products  {small_s:.3f} s")
    print(f"medium  {medium_n:>6,} products  {medium_s:.3f} s  (target < {MEDIUM_TARGET_S} s)")
    print(f"cost per product, medium / small: {ratio:.2f} (target <= {PER_PRODUCT_RATIO_TARGET})")
    return 0 if ratio <= PER_PRODUCT_RATIO_TARGET and medium_s < MEDIUM_TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
