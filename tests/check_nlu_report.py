"""Gate on Rasa's cross-validated intent report: print the table, fail under the F1 threshold."""
from __future__ import annotations

import json
import sys
from pathlib import Path


def main(report_path: str, threshold: str) -> int:
    report = json.loads(Path(report_path).read_text())
    rows = {k: v for k, v in report.items() if isinstance(v, dict) and "f1-score" in v}
    print(f"{'intent':24} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for name, row in sorted(rows.items(), key=lambda kv: kv[1]["f1-score"]):
        print(f"{name:24} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1-score']:6.3f} {row['support']:4}")
    weighted = report["weighted avg"]["f1-score"]
    macro = report["macro avg"]["f1-score"]
    print(f"intent F1 (5-fold cross-validation): weighted {weighted:.3f}, macro {macro:.3f}; required {threshold}")
    return 0 if weighted >= float(threshold) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
