"""Compares the text outputs of two notebooks (committed vs freshly executed) cell by cell.

Used by scripts/notebooks. Images are not compared (PNG bytes depend on the machine's fonts); stream text,
text/plain and text/markdown results and errors are, except in cells tagged "calibrated" (their numbers depend on the
calibrated cost model, e.g. collective times; they must still run without error). Prints one line per differing
cell; exit 1 if any.
"""
import json
import sys


def texts(cell):
    out = []
    for o in cell.get("outputs", []):
        kind = o["output_type"]
        if kind == "stream":
            out.append((o["name"], "".join(o["text"]) if isinstance(o["text"], list) else o["text"]))
        elif kind in ("execute_result", "display_data"):
            for mime in ("text/plain", "text/markdown"):
                if mime in o.get("data", {}):
                    v = o["data"][mime]
                    out.append((mime, "".join(v) if isinstance(v, list) else v))
        elif kind == "error":
            out.append(("error", o["ename"] + ": " + o["evalue"]))
    # Consecutive stream pieces of one name are one text (Jupyter may split them differently).
    merged = []
    for name, text in out:
        if merged and merged[-1][0] == name and name in ("stdout", "stderr"):
            merged[-1] = (name, merged[-1][1] + text)
        else:
            merged.append((name, text))
    return merged


def main(committed_path, executed_path):
    committed = json.load(open(committed_path, encoding="utf-8"))
    executed = json.load(open(executed_path, encoding="utf-8"))
    a = [c for c in committed["cells"] if c["cell_type"] == "code"]
    b = [c for c in executed["cells"] if c["cell_type"] == "code"]
    bad = 0
    for i, (x, y) in enumerate(zip(a, b)):
        if "calibrated" in x.get("metadata", {}).get("tags", []):
            if any(o["output_type"] == "error" for o in y.get("outputs", [])):
                bad += 1
                print(f"{committed_path}: code cell {i + 1} failed")
            continue
        if texts(x) != texts(y):
            bad += 1
            print(f"{committed_path}: code cell {i + 1}: output differs from the committed one")
            print("  committed: " + repr(texts(x))[:400])
            print("  executed:  " + repr(texts(y))[:400])
    if len(a) != len(b):
        bad += 1
        print(f"{committed_path}: {len(a)} code cells committed, {len(b)} executed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
