"""Sphinx configuration of mxgrad's documentation site.

The guides are Markdown read by MyST; the API reference (``docs/api/``) is reST whose
entries autodoc takes from the docstrings of the imported package, so build from a checkout
whose Cython extensions are compiled (``bash .ci/setup``)::

    .venv/bin/python -m sphinx -W --keep-going -b html docs /tmp/mxgrad-docs

The code blocks of the guides are executed by ``tests/test_docs.py``.
"""
import os
import sys

from docutils import nodes
from docutils.parsers.rst import Directive

# mxgrad from this checkout (compiled in place), installed or not.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mxgrad  # noqa: E402
from mxgrad._ndarray import ElemwiseOp  # noqa: E402

project = "mxgrad"
author = "the mxgrad authors"
copyright = "the mxgrad authors, Apache-2.0"
release = version = mxgrad.__version__

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Code fences without a language (the layer diagram in design.md) are plain text.
highlight_language = "none"
# Anchors for headings down to ### so pages can link to sections (quickstart.md#install).
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "none"       # signatures as written; there are no annotations

html_theme = "alabaster"
html_title = f"mxgrad {release}"
html_theme_options = {
    "description": "MXNet's NDArray and autograd on OpenCL",
    "fixed_sidebar": True,
}
html_static_path = []
html_show_sourcelink = False


class ElementwiseTableDirective(Directive):
    """``.. mxgrad-elementwise-table::``: a table of the elementwise functions of ``mx.nd``
    that are instances of the Cython class ``ElemwiseOp`` (``exp``, ``relu``, ``elu``, ...).

    autodoc cannot show them: an instance has no signature, and its docstring, where it has
    one of its own, belongs in a row rather than a page section. The table is built from
    the ops themselves, so it always lists exactly what ``mx.nd`` has: the call, the first
    paragraph of the op's own docstring if it has one, and the OpenCL expression it
    computes for each element.
    """

    has_content = False

    def run(self):
        ops = sorted((name, op) for name, op in vars(mxgrad.nd).items()
                     if isinstance(op, ElemwiseOp))
        table = nodes.table(classes=["mxgrad-elementwise"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (2, 3, 3):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += self._row([nodes.Text("function")], [nodes.Text("computes")],
                          [nodes.Text("OpenCL expression per element")])
        group += head
        body = nodes.tbody()
        messages = []
        for name, op in ops:
            args = ", ".join(f"x{i}" for i in range(op.nin))
            summary, problems = self.state.inline_text(self._summary(op), self.lineno)
            messages += problems
            body += self._row([nodes.literal(text=f"mx.nd.{name}({args}, out=None)")], summary,
                              [nodes.literal(text=op.snippet)])
        group += body
        return [table] + messages

    @staticmethod
    def _summary(op):
        """The first paragraph of the op's own docstring ('' when it has none)."""
        own = getattr(op, "__dict__", {}).get("__doc__") or ""
        return " ".join(own.strip().split("\n\n")[0].split())

    @staticmethod
    def _row(*cells):
        row = nodes.row()
        for content in cells:
            entry = nodes.entry()
            para = nodes.paragraph()
            para.extend(content)
            entry += para
            row += entry
        return row


def setup(app):
    app.add_directive("mxgrad-elementwise-table", ElementwiseTableDirective)
    return {"parallel_read_safe": True}
