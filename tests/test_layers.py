"""The package's layers import one way: no import cycles between mxgrad's modules (imports
inside functions count too), and the autograd engine imports no op family."""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_IMPORT = re.compile(r"^\s*(?:from\s+(mxgrad[\w.]*)\s+(?:c?import)\s+(.+)|c?import\s+(mxgrad[\w.]*))")
_PACKAGES = ("mxgrad", "mxgrad.ndarray")     # their __init__ only gathers the modules


def _modules():
    mods = {}
    for folder, _, files in os.walk(os.path.join(ROOT, "mxgrad")):
        for f in files:
            base, ext = os.path.splitext(f)
            if ext in (".py", ".pyx") and base != "__init__":
                rel = os.path.relpath(os.path.join(folder, base), ROOT)
                mods[rel.replace(os.sep, ".")] = os.path.join(folder, f)
    return mods


def _imports(path, mods):
    """The mxgrad modules ``path`` imports (a .pyx with the .pxi files it includes)."""
    text = open(path).read()
    for inc in re.findall(r'^include\s+"([\w.]+)"', text, re.M):
        text += open(os.path.join(os.path.dirname(path), inc)).read()
    found = set()
    for line in text.splitlines():
        m = _IMPORT.match(line)
        if not m:
            continue
        base = m.group(1) or m.group(3)
        found.add(base)
        for name in re.split(r"[\s,()]+", m.group(2) or ""):
            found.add(f"{base}.{name}")
    return {t for t in found if t in mods and t not in _PACKAGES}


@pytest.fixture(scope="module")
def graph():
    mods = _modules()
    return {m: _imports(p, mods) - {m} for m, p in mods.items()}


def _reaches(graph, start, goal):
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        for t in graph[m]:
            if t == goal:
                return True
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return False


def test_no_import_cycles(graph):
    cycles = sorted(m for m in graph if _reaches(graph, m, m))
    assert cycles == [], f"modules on an import cycle: {cycles}"


def test_the_autograd_engine_imports_no_op_family(graph):
    for engine in ("mxgrad.autograd", "mxgrad._tape"):
        families = sorted(t for t in graph[engine] if t.startswith("mxgrad.ndarray."))
        assert families == [], f"{engine} imports {families}"


def test_the_checker_sees_cycles():
    # the same reading on a made-up graph: a -> b -> c -> a is a cycle, d is not on one
    made_up = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert sorted(m for m in made_up if _reaches(made_up, m, m)) == ["a", "b", "c"]
