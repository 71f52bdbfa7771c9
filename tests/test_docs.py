"""The guides of the documentation site run as written (docs/*.md).

Each page runs like a notebook in a fresh interpreter: its ```python blocks in order, in one
namespace. A ```text block right after a ```python block (only blank lines between) is the
output that block prints, compared exactly, trailing spaces aside. Other languages (sh, text
after a shell command, ...) are shown, not run. A fresh interpreter per page matters: the
embedding guide must give mxgrad its OpenCL queue before mxgrad first uses the device.

Printed arrays name their context, and the outputs were written on ``cpu(0)``, mxgrad's
default wherever an OpenCL CPU device exists (the CI's PoCL).

To see what each block of a page prints: ``python tests/test_docs.py docs/autograd.md``.
"""
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import traceback

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
FENCE = re.compile(r"^( *)(```+|~~~+)\s*([\w+-]*)")   # indented: inside a list item


def code_blocks(markdown):
    """The fenced blocks of a Markdown text: dicts of lang, code, line (1-based, of the first
    code line) and follows_python (only blank lines since the previous block, a python one)."""
    lines = markdown.split("\n")
    blocks, i, prose_since_block = [], 0, True
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if lines[i].strip():
                prose_since_block = True
            i += 1
            continue
        indent, fence, lang, start = m.group(1), m.group(2), m.group(3).lower(), i + 1
        i += 1
        while i < len(lines) and not lines[i].startswith(indent + fence):
            i += 1
        follows_python = (not prose_since_block and bool(blocks)
                          and blocks[-1]["lang"] == "python")
        code = "\n".join(line[len(indent):] for line in lines[start:i])
        blocks.append({"lang": lang, "code": code, "line": start + 1,
                       "follows_python": follows_python})
        prose_since_block = False
        i += 1
    return blocks


def examples(markdown):
    """(code, line, expected output or None) for each python block, in order."""
    blocks = code_blocks(markdown)
    out = []
    for k, b in enumerate(blocks):
        if b["lang"] != "python":
            continue
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        expected = nxt["code"] if nxt and nxt["lang"] == "text" and nxt["follows_python"] else None
        out.append((b["code"], b["line"], expected))
    return out


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


PAGES = sorted(f for f in os.listdir(DOCS)
               if f.endswith(".md") and examples(_read(os.path.join(DOCS, f))))


def _normalise(text):
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def run_page(path):
    """Run a page's python blocks in one namespace; a list of problems (empty when every
    block ran and printed what the page shows), plus each block's output."""
    namespace = {"__name__": "__main__"}
    problems, outputs = [], []
    name = os.path.relpath(path, ROOT)
    for code, line, expected in examples(_read(path)):
        printed = io.StringIO()
        # Leading newlines make tracebacks name the page's own line numbers.
        compiled = compile("\n" * (line - 1) + code, name, "exec")
        try:
            with contextlib.redirect_stdout(printed):
                exec(compiled, namespace)
        except Exception:
            problems.append(f"{name}:{line}: the block raised\n{traceback.format_exc()}")
            break                       # later blocks depend on this one
        outputs.append((line, printed.getvalue()))
        if expected is not None and _normalise(printed.getvalue()) != _normalise(expected):
            problems.append(f"{name}:{line}: the block printed\n{printed.getvalue()}\n"
                            f"but the page shows\n{expected}")
    return problems, outputs


def _run_in_fresh_interpreter(page):
    env = dict(os.environ)
    env.pop("MXGRAD_CTX", None)         # the pages describe the default context
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--json",
                           os.path.join(DOCS, page)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_and_prints_what_it_shows(page):
    from mxgrad import _devices
    if not _devices.devices_of("cpu"):
        pytest.skip("the pages' outputs were written on cpu(0); there is no OpenCL CPU device")
    problems = _run_in_fresh_interpreter(page)
    assert not problems, "\n\n".join(problems)


def test_output_blocks_pair_with_the_python_block_just_before():
    page = "\n".join([
        "# A page", "", "```python", "print(1)", "```", "", "```text", "1", "```",
        "Prose.", "```python", "x = 2", "```", "Prose: an output shown elsewhere.",
        "```text", "2", "```", "```sh", "ls", "```", "```text", "a b", "```",
        "* In a list item:", "", "  ```python", "  print(3)", "  ```", "",
        "  ```text", "  3", "  ```"])
    assert examples(page) == [("print(1)", 4, "1"), ("x = 2", 12, None), ("print(3)", 27, "3")]


def test_api_reference_lists_every_nd_function():
    # Functions are listed by hand (grouped by family); the ElemwiseOp instances are the
    # generated table of docs/api/nd.rst and need no entry.
    import mxgrad as mx
    from mxgrad._ndarray import ElemwiseOp
    api = os.path.join(DOCS, "api")
    listed = set()
    for f in os.listdir(api):
        if f.endswith(".rst"):
            listed.update(re.findall(r"^\.\. autofunction:: (?:[\w.]+\.)?(\w+)$",
                                     _read(os.path.join(api, f)), re.M))
    public = {name for name, obj in vars(mx.nd).items()
              if not name.startswith("_") and callable(obj)
              and not isinstance(obj, (type, ElemwiseOp))
              and getattr(obj, "__module__", "").startswith("mxgrad.ndarray")}
    assert "zeros" in public
    assert sorted(public - listed) == []


def test_every_environment_variable_is_documented():
    # The performance guide's tables list every variable mxgrad reads.
    read = re.compile(r"os\.(?:environ\.get\(|getenv\(|environ\[)\s*\"(\w+)\"")
    names = set()
    for folder, _, files in os.walk(os.path.join(ROOT, "mxgrad")):
        for f in files:
            if f.endswith((".py", ".pyx", ".pxi")):
                names.update(read.findall(_read(os.path.join(folder, f))))
    guide = _read(os.path.join(DOCS, "performance.md"))
    assert "MXGRAD_CTX" in names
    assert sorted(n for n in names if f"`{n}`" not in guide) == []


if __name__ == "__main__":
    as_json = "--json" in sys.argv[1:-1]
    page_path = sys.argv[-1]
    found, printed_by_block = run_page(page_path)
    if as_json:
        print(json.dumps(found))
    else:
        for line_no, text in printed_by_block:
            print(f"--- {page_path}:{line_no}\n{text}", end="" if text.endswith("\n") else "\n")
        print("\n\n".join(found) or "ok")
