#!/bin/bash
# The GPU check behind bench/RESULTS-H100.md, as run on a lent machine with an NVIDIA GPU and
# no network: install wheels carried in .whl/ (pyopencl and its needs, scipy-openblas32,
# for that machine's Python), register NVIDIA's OpenCL ICD, build in place, run the tests
# on gpu(0), the benchmark against PyTorch CUDA, and the training example. Results go to
# $OUT. Knobs: TEST_S/BENCH_S (time limits), TESTS (default: tests), BENCH_ARGS, NO_BENCH=1.
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=$PWD:/tmp/site
lib=$(ldconfig -p | grep -m1 'libnvidia-opencl.so' | awk '{print $NF}')
[ -z "$lib" ] && lib=$(find / -xdev -name 'libnvidia-opencl.so*' 2>/dev/null | head -1)
[ -z "$lib" ] && lib=$(find /usr/local/nvidia /usr/lib* -name 'libnvidia-opencl.so*' 2>/dev/null | head -1)
echo "ICD lib: $lib"; ls /etc/OpenCL/vendors 2>/dev/null
mkdir -p /etc/OpenCL/vendors; [ -n "$lib" ] && echo "$lib" > /etc/OpenCL/vendors/nvidia.icd
nvidia-smi -L; python3 -c "import Cython, numpy; print('cython', Cython.__version__, 'numpy', numpy.__version__)"
python3 -c "import pyopencl as cl; print([(p.name, [d.name for d in p.get_devices()]) for p in cl.get_platforms()])" || exit 1
(time python3 setup.py build_ext --inplace) > $OUT/build.log 2>&1 || { tail -30 $OUT/build.log; exit 1; }
tail -3 $OUT/build.log
python3 -m mxgrad devices 2>&1 | tee $OUT/devices.txt
MXGRAD_CTX='gpu(0)' timeout 60 python3 -m mxgrad check 2>&1 | tail -15
MXGRAD_TEST_DEVICES='gpu(0)' timeout ${TEST_S:-240} python3 -m pytest -q -m "not slow" -p no:cacheprovider --maxfail=40 ${TESTS:-tests} > $OUT/tests.log 2>&1
echo "pytest rc $?"; grep -E "passed|failed|error" $OUT/tests.log | tail -3; grep -E "^(FAILED|ERROR)" $OUT/tests.log | head -40
[ -n "$NO_BENCH" ] && exit 0
MXGRAD_CTX='gpu(0)' timeout ${BENCH_S:-200} python3 bench/run.py --peers mxgrad,torch-cuda,opencl --rounds 1 --repeats 3 --target 0.2 --timeout 60 ${BENCH_ARGS} > $OUT/bench.md 2> $OUT/bench.err
echo "bench rc $?"; cat $OUT/bench.md; tail -5 $OUT/bench.err
MXGRAD_CTX='gpu(0)' timeout 90 python3 -m mxgrad train --ctx 'gpu(0)' --quiet --plot $OUT/curves.png 2>&1 | tail -8
