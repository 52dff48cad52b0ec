"""Execute the committed notebooks in place, so that GitHub shows their results.

Each notebook runs as it is: its ``parameters`` cell holds the parameters of the run
whose outputs are committed (its first markdown line says which data and parameters
those are). Usage, from the repository root::

    python notebooks/execute.py                      # every notebook
    python notebooks/execute.py modern_blocks        # one (name with or without .ipynb)

The kernel is the "python3" kernelspec started with this interpreter's directory first
on PATH and this checkout on PYTHONPATH, so it runs this checkout's code. Each notebook
runs in a fresh temporary directory (its run directories and result files are thrown
away). Outputs are made machine-independent: this checkout's path becomes ``<repo>``,
the interpreter's prefix ``<venv>``, the working directory is dropped, and no timing
metadata is recorded. TensorFlow's C++ log lines go to this command's stderr, not into
the notebook.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"


def _replacements(workdir: Path) -> list[tuple[str, str]]:
    pairs = [(f"{workdir.resolve()}{os.sep}", ""), (str(workdir.resolve()), "."),
             (f"{workdir}{os.sep}", ""), (str(workdir), "."),
             (str(REPO), "<repo>"), (sys.prefix, "<venv>")]
    return [(old, new) for old, new in pairs if old]


def _scrub(text, pairs):
    if isinstance(text, list):
        return [_scrub(t, pairs) for t in text]
    if not isinstance(text, str):
        return text
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def sanitize(nb, workdir: Path):
    """Drop machine-specific paths from text outputs and timing metadata."""
    pairs = _replacements(workdir)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            if "text" in output:
                output["text"] = _scrub(output["text"], pairs)
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in output.get("data", {}):
                    output["data"][mime] = _scrub(output["data"][mime], pairs)
            if output.get("output_type") == "error":
                output["traceback"] = _scrub(output["traceback"], pairs)
    return nb


def execute(path: Path, timeout: int, out: Path | None = None) -> float:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="notebook_") as workdir:
        workdir = Path(workdir)
        # capture_fd_output=False: what C/C++ code writes to file descriptors 1 and 2
        # (TensorFlow's start-up log lines, printed before absl is initialised and
        # whatever TF_CPP_MIN_LOG_LEVEL says) goes to this terminal, not into the cells.
        client = NotebookClient(nb, kernel_name="python3", timeout=timeout,
                                record_timing=False, allow_errors=False,
                                extra_arguments=["--IPKernelApp.capture_fd_output=False"],
                                resources={"metadata": {"path": str(workdir)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
        sanitize(nb, workdir)
    nbformat.validate(nb)
    nbformat.write(nb, out or path)
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="notebooks to run (default: all)")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help="write the executed notebooks there instead of in place")
    args = parser.parse_args(argv)
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{path}"
    os.environ["PYTHONPATH"] = str(REPO)
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend shows the figures
    names = [n if n.endswith(".ipynb") else f"{n}.ipynb" for n in args.names]
    paths = [NOTEBOOKS / n for n in names] if names else sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        if not path.is_file():
            parser.error(f"no notebook {path.name} in {NOTEBOOKS}")
    for path in paths:
        print(f"{path.name}: running ...", flush=True)
        out = None
        if args.output_dir:
            args.output_dir.mkdir(parents=True, exist_ok=True)
            out = args.output_dir / path.name
        seconds = execute(path, args.timeout, out)
        print(f"{path.name}: {seconds:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
