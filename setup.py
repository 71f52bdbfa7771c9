"""Build script: the Cython extensions and the OpenCL kernel sources.

The kernel sources live in the top-level ``kernels_cl/`` folder of the checkout and are
installed inside the package as ``mxgrad/kernels_cl`` so an installed mxgrad finds them
without the checkout.
"""
import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

CYTHON_MODULES = ["_opencl", "_dispatch", "_ndarray", "_tape", "_gemm"]

extensions = [
    Extension(
        f"mxgrad.{name}",
        [f"mxgrad/{name}.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O2"],
        libraries=["dl"],
    )
    for name in CYTHON_MODULES
]

setup(
    packages=["mxgrad", "mxgrad.ndarray", "mxgrad.kernels_cl"],
    package_dir={"mxgrad.kernels_cl": "kernels_cl"},
    package_data={"mxgrad.kernels_cl": ["*.cl"], "mxgrad": ["*.pyi", "*.pxd"]},
    ext_modules=cythonize(
        extensions,
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
    ),
    zip_safe=False,
)
