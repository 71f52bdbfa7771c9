"""Every public callable has a docstring example, and every example gives what it shows.

Covered: the public callables of ``mx``, ``mx.nd``, ``mx.nd.random``, ``mx.nd.contrib``,
``mx.autograd``, ``mx.random``, ``mx.operator`` and ``mx.interop`` (a module's ``__all__``
where it has one, else its public names), and ``NDArray``, ``Context`` and ``Symbol`` with
their public methods and properties.
Examples assume ``mx`` and ``np`` are imported and show what mxgrad prints on ``cpu(0)``, so
they run inside ``with mx.cpu(0):``.
"""
import doctest
import inspect

import numpy as np
import pytest

import mxgrad as mx
from mxgrad import _devices
from mxgrad.symbol import Symbol
from conftest import CONTEXTS

NAMESPACES = {"mx": mx, "mx.nd": mx.nd, "mx.nd.random": mx.nd.random,
              "mx.autograd": mx.autograd, "mx.random": mx.random, "mx.interop": mx.interop,
              "mx.gradients": mx.gradients, "mx.nd.contrib": mx.nd.contrib,
              "mx.operator": mx.operator, "mx.kvstore": mx.kvstore}
CLASSES = {"mx.nd.NDArray": mx.nd.NDArray, "mx.Context": mx.Context,
           "mxgrad.symbol.Symbol": Symbol, "mx.kvstore.KVStore": mx.kvstore.KVStore}

# Class attributes that are data, not callables: the class docstring's example shows them.
DATA_ATTRIBUTES = {"mx.Context.device_type", "mx.Context.device_id", "mx.Context.devtype2str",
                   "mx.Context.devstr2type", "mx.kvstore.KVStore.OPTIMIZER",
                   "mx.kvstore.KVStore.kv_registry"}



def _namespace_members(exported_only):
    """A module's ``__all__`` (when ``exported_only`` and it has one), else its public names."""
    for prefix, ns in NAMESPACES.items():
        names = getattr(ns, "__all__", None) if exported_only else None
        if names is None:
            names = [n for n in dir(ns) if not n.startswith("_")]
        for name in names:
            obj = getattr(ns, name)
            if callable(obj) and not inspect.ismodule(obj):
                yield f"{prefix}.{name}", obj


def _class_members():
    for prefix, cls in CLASSES.items():
        yield prefix, cls
        for name in dir(cls):
            if name.startswith("_"):
                continue
            raw = inspect.getattr_static(cls, name)
            if isinstance(raw, (property, type(mx.nd.NDArray.shape))):   # incl. Cython getsets
                yield f"{prefix}.{name}", raw
            elif callable(getattr(cls, name)):
                yield f"{prefix}.{name}", getattr(cls, name)
            else:
                yield f"{prefix}.{name}", None                             # a data attribute


# The public API, which must have examples.
MEMBERS = dict(_namespace_members(exported_only=True))
MEMBERS.update(_class_members())
# Everything reachable, whose examples (if any) run too: helpers a module imports for its own
# use (mx.interop.live_contexts, ...) are not in its __all__ but may show an example.
REACHABLE = dict(_namespace_members(exported_only=False))
REACHABLE.update(MEMBERS)


def _has_example(obj):
    return ">>>" in (inspect.getdoc(obj) or "")


def _documented():
    """(name, object) once per object with an example (aliases share one docstring)."""
    seen = set()
    for name, obj in sorted(REACHABLE.items()):
        if obj is not None and _has_example(obj) and id(obj) not in seen:
            seen.add(id(obj))
            yield name, obj


def test_every_public_callable_has_an_example():
    missing = sorted(name for name, obj in MEMBERS.items()
                     if obj is not None and not _has_example(obj))
    assert not missing, "public callables without a '>>>' example: " + ", ".join(missing)


def test_data_attributes_are_the_known_ones():
    data = {name for name, obj in MEMBERS.items() if obj is None}
    assert data == DATA_ATTRIBUTES, f"data attributes changed: {sorted(data ^ DATA_ATTRIBUTES)}"


@pytest.fixture
def on_cpu0():
    """cpu(0) as the current context, and the random generators left as they were."""
    if not _devices.devices_of("cpu") or "cpu(0)" not in [str(c) for c in CONTEXTS]:
        pytest.skip("the examples show cpu(0) output; no OpenCL CPU device is tested here")
    gens = mx.nd.random.generators
    saved = gens.default_seed, {ctx: list(state) for ctx, state in gens.states.items()}
    with mx.cpu(0):
        yield
    gens.default_seed = saved[0]
    gens.states.clear()
    gens.states.update(saved[1])


DOCUMENTED = list(_documented())


@pytest.mark.parametrize("name, obj", DOCUMENTED, ids=[name for name, _ in DOCUMENTED])
def test_example(name, obj, on_cpu0):
    test = doctest.DocTestParser().get_doctest(inspect.getdoc(obj), {"mx": mx, "np": np},
                                               name, None, None)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    report = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
