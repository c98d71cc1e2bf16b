"""`rasa test nlu --cross-validation` with the folds drawn from a fixed seed.

Rasa draws its stratified folds from numpy's global random state (`StratifiedKFold(shuffle=True)`
with no seed), so the same data and pipeline scored 0.903 to 0.912 weighted F1 from one run to the
next, against a gate of 0.90: CI passed or failed by the draw. Seeding numpy before Rasa starts
makes a run repeatable; the README reports the spread over several seeds, so the gate's seed is
one draw among them, not a chosen one.

    python tests/cross_validate.py --seed 0 [any other `rasa test nlu` options]
"""
from __future__ import annotations

import argparse
import sys

import numpy as np


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True, help="seed for the fold draw")
    args, rasa_args = parser.parse_known_args(argv)
    np.random.seed(args.seed)
    from rasa.__main__ import main as rasa_main  # after seeding, so a draw at import time is seeded too

    sys.argv = ["rasa", "test", "nlu", "--cross-validation", *rasa_args]
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
