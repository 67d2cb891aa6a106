"""The notebooks in `notebooks/` run top to bottom and use only the public API.

The large test executes each notebook with nbclient at its smoke size
(`TFK_TOKFRAG_NOTEBOOK_SMOKE=1`: one epoch on a few batches) in a temporary working
folder, so their `runs/` and `saved_models/` land there; the committed notebook (with
the outputs of its full-size run) is never written to.
"""

import ast
import pathlib
import re

import nbformat
import pytest

NOTEBOOKS_DIR = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
PUBLIC_MODULES = {
    "tfk_tokfrag",
    "tfk_tokfrag.data",
    "tfk_tokfrag.export",
    "tfk_tokfrag.layers",
    "tfk_tokfrag.models",
    "tfk_tokfrag.monitoring",
    "tfk_tokfrag.training",
}
CELL_TIMEOUT_SECONDS = 300


def _code(notebook) -> str:
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


def test_the_three_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_pixel_tokens_convnet.ipynb",
        "02_temporal_fragments_lstm.ipynb",
        "03_fused_multimodal.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_imports_only_the_public_api(path):
    tree = ast.parse(_code(nbformat.read(path, as_version=4)))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    ours = {name for name in imported if name.split(".")[0] == "tfk_tokfrag"}
    assert ours, "the notebook does not use tfk_tokfrag"
    assert ours <= PUBLIC_MODULES, f"private imports: {sorted(ours - PUBLIC_MODULES)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_is_executed_in_order_without_errors(path):
    notebook = nbformat.read(path, as_version=4)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), "run it top to bottom before committing"
    outputs = [output for cell in cells for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no figure was saved"
    text = str(outputs)
    assert "smoke run: True" not in text, "commit the full-size run, not the smoke run"
    assert not re.search(r"/(home|root|tmp|work|Users)/", text), "absolute path in outputs"


@pytest.mark.large
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_at_smoke_size(path, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("TFK_TOKFRAG_NOTEBOOK_SMOKE", "1")  # inherited by the kernel
    notebook = nbformat.read(path, as_version=4)  # a copy in memory: never written back
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # runs/, saved_models/ go here
    )
    client.execute()  # raises CellExecutionError, with the cell's traceback, on failure
    assert any(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert list((tmp_path / "saved_models").iterdir())
