"""Executes notebooks in place at full size, as committed: `python notebooks/execute.py [NB ...]`.

Runs each notebook top to bottom with nbclient (working folder: the repository root, so
`runs/` and `saved_models/` land there), then drops TensorFlow's C++ start-up lines from
the stderr outputs (TF 2.21 prints them whatever TF_CPP_MIN_LOG_LEVEL says) and the
per-cell timing metadata, and writes the notebook back with its outputs.
"""

from __future__ import annotations

import pathlib
import re
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOISE = re.compile(
    r"absl::InitializeLog|port\.cc:\d+\]|cudart_stub|cuda_platform|cuda_executor|"
    r"oneDNN supports|FeatureConnector.dtype|rebuild TensorFlow with|computation_placer|"
    r"TF-TRT|cuInit"
)


def execute(path: pathlib.Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    seconds = time.perf_counter() - start
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        kept = []
        for output in cell.outputs:
            if output.output_type == "stream" and output.name == "stderr":
                output.text = "".join(
                    line for line in output.text.splitlines(True) if not NOISE.search(line)
                )
                if not output.text.strip():
                    continue
            kept.append(output)
        cell.outputs = kept
    nbformat.write(notebook, path)
    return seconds


if __name__ == "__main__":
    paths = [pathlib.Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        print(f"{path.name}: {execute(path):.0f} s", flush=True)
