"""Running a module's docstring examples on cpu(0), where their printed outputs were made."""
import doctest
import warnings

import numpy as np

import mxgrad as mx


def run_module_doctests(module, min_examples=1):
    """Every example in ``module``'s docstrings shows what it says (warnings silenced: some
    examples show MXNet's deprecated calls); at least ``min_examples`` examples ran."""
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(module, globs={"mx": mx, "np": np})
    assert sum(len(t.examples) for t in tests) >= min_examples, module.__name__
    with mx.cpu(0), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for test in tests:
            runner.run(test)
    assert runner.summarize(verbose=False).failed == 0, module.__name__
