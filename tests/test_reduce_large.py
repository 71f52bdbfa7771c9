"""Whole-array sums and means of large arrays (the bench's ``sum`` workload path: rows
split into chunks reduced in parallel, then merged), on every device. Kept out of the
test_ops_* files, which also run on the slow Oclgrind simulator."""
import os

import numpy as np
import pytest

import mxgrad as mx

nd = mx.nd
rng = np.random.RandomState(5)


@pytest.mark.parametrize("n", [1, 33, 4095, 4096 * 2 + 1, 10 ** 5 + 7, 10 ** 6 + 3, 10 ** 7])
def test_float32_sum_and_mean_match_float64(ctx, n):
    x = rng.uniform(0, 1, size=n).astype(np.float32)
    a = nd.array(x, ctx=ctx)
    ref = x.astype(np.float64)
    s, m = nd.sum(a), nd.mean(a)
    assert s.shape == m.shape == (1,) and s.dtype == m.dtype == np.float32
    np.testing.assert_allclose(s.asscalar(), ref.sum(), rtol=1e-6)
    np.testing.assert_allclose(m.asscalar(), ref.mean(), rtol=1e-6)
    if n >= 10 ** 5:
        # 32 vector lanes per chunk keep each running sum short and the chunks' partial
        # sums are merged with compensated adds: within one float32 ulp of the exact sum
        # (a plain merge of the partials was 2-8 ulps off)
        assert abs(float(s.asscalar()) - ref.sum()) <= np.spacing(np.float32(ref.sum()))
        assert abs(float(m.asscalar()) - ref.mean()) <= np.spacing(np.float32(ref.mean()))


def test_infinities_and_nan_through_the_merge(ctx):
    # in different chunks, so they meet in the compensated merge of the partial sums
    n = 10 ** 5 + 7
    x = np.ones(n, dtype=np.float32)
    x[10] = np.inf
    assert nd.sum(nd.array(x, ctx=ctx)).asscalar() == np.inf
    x[n - 10] = -np.inf
    assert np.isnan(nd.sum(nd.array(x, ctx=ctx)).asscalar())
    x[n - 10] = np.nan
    assert np.isnan(nd.mean(nd.array(x, ctx=ctx)).asscalar())
    assert nd.nansum(nd.array(x, ctx=ctx)).asscalar() == np.inf
    big = np.full(n, 3e38, dtype=np.float32)      # the sum overflows to inf, not NaN
    assert nd.sum(nd.array(big, ctx=ctx)).asscalar() == np.inf
    assert nd.sum(nd.array(-big, ctx=ctx)).asscalar() == -np.inf


def test_float64_whole_array(ctx, fp64):
    d = rng.uniform(-1, 1, size=10 ** 6 + 3)
    a = nd.array(d, ctx=ctx, dtype="float64")
    np.testing.assert_allclose(nd.sum(a).asscalar(), d.sum(), rtol=1e-12)
    np.testing.assert_allclose(nd.mean(a).asscalar(), d.mean(), rtol=1e-12)


def test_int32_and_float16_whole_array(ctx):
    n = 10 ** 6 + 3
    i = rng.randint(-1000, 1000, size=n).astype(np.int32)
    ai = nd.array(i, ctx=ctx, dtype="int32")
    assert nd.sum(ai).asscalar() == i.astype(np.int64).sum()
    assert nd.mean(ai).asscalar() == int(np.fix(i.astype(np.int64).sum() / n))
    h = rng.uniform(0, 1, size=10 ** 5 + 3).astype(np.float16)   # a sum float16 can hold
    np.testing.assert_allclose(float(nd.sum(nd.array(h, ctx=ctx, dtype="float16")).asscalar()),
                               h.astype(np.float64).sum(), rtol=1e-3)


def test_whole_array_extremes_and_argmax(ctx):
    n = 10 ** 6 + 3
    x = rng.uniform(-1, 1, size=n).astype(np.float32)
    x[[n - 1, 12345, 700001]] = 2          # ties in different chunks: the first wins
    x[999999] = -2
    a = nd.array(x, ctx=ctx)
    assert nd.max(a).asscalar() == 2 and nd.min(a).asscalar() == -2
    assert nd.argmax(a).asscalar() == 12345 and nd.argmin(a).asscalar() == 999999
    np.testing.assert_allclose(nd.norm(a).asscalar(), np.sqrt((x.astype(np.float64) ** 2).sum()),
                               rtol=1e-6)


def _vm_flags(address):
    """The VmFlags of the mapping holding ``address`` in /proc/self/smaps, or None."""
    try:
        lines = open("/proc/self/smaps").read().splitlines()
    except OSError:
        return None
    inside = False
    for line in lines:
        head = line.split()[0]
        if "-" in head and not head.endswith(":"):
            lo, hi = (int(v, 16) for v in head.split("-"))
            inside = lo <= address < hi
        elif inside and head == "VmFlags:":
            return line.split()[1:]
    return None


def test_large_host_buffers_start_on_a_huge_page(ctx):
    # CPU devices' buffers of 4 MiB or more are host memory aligned to 2 MiB and advised
    # for transparent huge pages (_pool.pxi): summing 40 MB with 4 KiB pages was 1.75x
    # slower per core. Smaller buffers keep the plain alignment.
    big = nd.zeros((5 << 18,), ctx=ctx)            # 5 MiB of float32
    small = nd.zeros((1000,), ctx=ctx)
    host = big._buffer.host_ptr
    if host == 0:
        pytest.skip(f"{ctx}'s buffers are not host memory")
    assert host % (2 << 20) == 0
    assert small._buffer.host_ptr % 128 == 0
    flags = _vm_flags(host)
    if flags is not None and os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled"):
        assert "hg" in flags          # madvise(MADV_HUGEPAGE) took
    assert nd.sum(big + 1).asscalar() == 5 << 18   # and the memory works as before
