"""Build script: the Cython extensions and the OpenCL kernel sources.

The kernel sources live in the top-level ``kernels_cl/`` folder of the checkout and are
installed inside the package as ``mxgrad/kernels_cl`` so an installed mxgrad finds them
without the checkout. The C files Cython generates are build products: they are neither
committed nor shipped.

The extensions are compiled against NumPy 2 headers (see pyproject.toml) targeting the NumPy
1.23 C API, which gives binaries that import under every NumPy from 1.23 to 2.x.
"""
import os

import numpy
from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

CYTHON_MODULES = ["_opencl", "_dispatch", "_ndarray", "_tape", "_gemm", "_lapack", "_host_reduce"]

extensions = [
    Extension(
        f"mxgrad.{name}",
        [f"mxgrad/{name}.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[
            ("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION"),
            # The oldest NumPy the binaries must import under; the runtime floor in pyproject.
            ("NPY_TARGET_VERSION", "NPY_1_23_API_VERSION"),
        ],
        # -g0: debug info would triple the size of the wheel and slow the build.
        extra_compile_args=["-O2", "-g0"],
        libraries=["dl"],
    )
    for name in CYTHON_MODULES
]

setup(
    # every package under mxgrad/ (gluon, optimizer, metric, ...), and the kernels and
    # examples folders mapped into it
    packages=find_packages(include=["mxgrad", "mxgrad.*"]) + ["mxgrad.kernels_cl",
                                                               "mxgrad.examples"],
    package_dir={"mxgrad.kernels_cl": "kernels_cl", "mxgrad.examples": "examples"},
    # The Cython sources ship too: tracebacks through the extensions then show their lines.
    package_data={"mxgrad.kernels_cl": ["*.cl"], "mxgrad.examples": ["data/*.txt"],
                  "mxgrad": ["*.pyi", "*.pxd", "*.pyx", "*.pxi"]},
    exclude_package_data={"mxgrad": ["*.c"]},
    ext_modules=cythonize(
        extensions,
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
        nthreads=os.cpu_count() or 1,
    ),
    # Compile the extensions in parallel: the build is most of a fresh setup's time.
    options={"build_ext": {"parallel": os.cpu_count() or 1}},
    zip_safe=False,
)
