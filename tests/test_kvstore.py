"""mx.kvstore ('local', 'device') in one process: sums across contexts, the optimizer in the
store, MXNet 1.9.1's API and numbers, misuse refused before any change; the launcher's
checks. The multi-process store is tested with real processes in test_kvstore_dist.py."""
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import mxgrad as mx
from mxgrad import _devices
from mxgrad.kvstore import _allreduce
from mxgrad import launch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _second(ctx):
    """A second context for ``ctx``: cpu(i+1) (another name of the same CPU device, as in
    MXNet), else cpu(0) when there is an OpenCL CPU device, else ``ctx`` itself."""
    if ctx.device_type == "cpu":
        return mx.cpu(ctx.device_id + 1)
    return mx.cpu(0) if _devices.devices_of("cpu") else ctx


def _rand(shape, seed):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)


def test_module_and_alias():
    assert mx.kv is mx.kvstore
    assert mx.kv.create is mx.kvstore.create
    for name in ("local", "device"):
        kv = mx.kv.create(name)
        assert (kv.type, kv.rank, kv.num_workers) == (name, 0, 1)
        assert isinstance(kv, mx.kv.KVStore) and isinstance(kv, mx.kv.KVStoreBase)
    assert repr(mx.kv.create()) == "<KVStore 'local': rank 0 of 1, 0 keys>"


def test_import_mxgrad_does_not_import_mpi4py():
    code = "import sys, mxgrad; mxgrad.kv.create('local'); print('mpi4py' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_api_names_and_signatures_match_mxnet():
    # Parameter names of MXNet 1.9.1's mxnet.kvstore.KVStore (inspect.signature there).
    mxnet = {"init": ["key", "value"], "push": ["key", "value", "priority"],
             "pull": ["key", "out", "priority", "ignore_sparse"],
             "pushpull": ["key", "value", "out", "priority"],
             "broadcast": ["key", "value", "out", "priority"],
             "row_sparse_pull": ["key", "out", "priority", "row_ids"],
             "set_optimizer": ["optimizer"], "set_gradient_compression": ["compression_params"],
             "save_optimizer_states": ["fname", "dump_optimizer"],
             "load_optimizer_states": ["fname"], "is_capable": ["capability"],
             "_barrier": [], "_set_updater": ["updater"]}
    for name, params in mxnet.items():
        sig = inspect.signature(getattr(mx.kv.KVStore, name))
        assert list(sig.parameters)[1:] == params, name
    assert list(inspect.signature(mx.kv.create).parameters)[:1] == ["name"]
    assert mx.kv.KVStore.OPTIMIZER == "optimizer"


@pytest.mark.parametrize("kvtype", ["local", "device"])
def test_push_sums_over_contexts_and_pull_copies_to_each(ctx, kvtype):
    other = _second(ctx)
    kv = mx.kv.create(kvtype)
    init = _rand((3, 4), 0)
    kv.init(7, mx.nd.array(init, ctx=ctx))
    home = mx.cpu(0) if kvtype == "local" and _devices.devices_of("cpu") else ctx
    assert kv._store[7].context == home
    a, b = _rand((3, 4), 1), _rand((3, 4), 2)
    kv.push(7, [mx.nd.array(a, ctx=ctx), mx.nd.array(b, ctx=other)])
    outs = [mx.nd.zeros((3, 4), ctx=ctx), mx.nd.zeros((3, 4), ctx=other)]
    kv.pull(7, out=outs)
    for o in outs:
        np.testing.assert_allclose(o.asnumpy(), a + b, rtol=1e-6)
    kv.push(7, mx.nd.array(b, ctx=other))                # one value: stored as it is
    kv.pull(7, out=outs[0])
    np.testing.assert_array_equal(outs[0].asnumpy(), b)


def test_pushpull_in_place_and_into_out(ctx):
    other = _second(ctx)
    kv = mx.kv.create("device")
    kv.init("g", mx.nd.zeros(5, ctx=ctx))
    a, b, c = _rand(5, 3), _rand(5, 4), _rand(5, 5)
    grads = [mx.nd.array(a, ctx=ctx), mx.nd.array(b, ctx=other), mx.nd.array(c, ctx=ctx)]
    kv.pushpull("g", grads)
    for g in grads:
        np.testing.assert_allclose(g.asnumpy(), a + b + c, rtol=1e-6)
    stored = mx.nd.zeros(5, ctx=other)
    kv.pull("g", out=stored)                              # the store has the sum too
    np.testing.assert_allclose(stored.asnumpy(), a + b + c, rtol=1e-6)
    single = mx.nd.array(c, ctx=other)
    kv.pushpull("g", single)                              # one value: summed where it is
    np.testing.assert_array_equal(single.asnumpy(), c)
    kv.pull("g", out=stored)
    np.testing.assert_array_equal(stored.asnumpy(), c)
    out = mx.nd.zeros(5, ctx=other)
    value = mx.nd.array(a, ctx=ctx)
    kv.pushpull("g", value, out=out)
    np.testing.assert_array_equal(out.asnumpy(), a)
    np.testing.assert_array_equal(value.asnumpy(), a)     # the pushed value is left alone
    check = mx.nd.zeros(5, ctx=ctx)
    kv.pull("g", out=check)                               # and the store holds the sum
    np.testing.assert_array_equal(check.asnumpy(), a)


def test_lists_of_keys_a_repeated_key_sums_and_str_keys(ctx):
    kv = mx.kv.create("local")
    kv.init(["w", "b"], [mx.nd.zeros((2, 2), ctx=ctx), mx.nd.zeros(3, ctx=ctx)])
    x, y, z = _rand((2, 2), 6), _rand((2, 2), 7), _rand(3, 8)
    kv.push(["w", "b", "w"], [mx.nd.array(x, ctx=ctx), mx.nd.array(z, ctx=ctx),
                              mx.nd.array(y, ctx=ctx)])
    w, b = mx.nd.zeros((2, 2), ctx=ctx), mx.nd.zeros(3, ctx=ctx)
    kv.pull(["w", "b"], out=[w, b])
    np.testing.assert_allclose(w.asnumpy(), x + y, rtol=1e-6)
    np.testing.assert_array_equal(b.asnumpy(), z)
    kv2 = mx.kv.create("local")
    kv2.init(np.int64(3), mx.nd.ones(1, ctx=ctx))        # numpy ints are int keys
    kv2.pull(3, out=b[:1])
    assert b[:1].asnumpy().tolist() == [1.0]


def test_broadcast_initializes_and_copies(ctx):
    other = _second(ctx)
    kv = mx.kv.create("device")
    v = _rand((2, 3), 9)
    outs = [mx.nd.zeros((2, 3), ctx=ctx), mx.nd.zeros((2, 3), ctx=other)]
    kv.broadcast("p", mx.nd.array(v, ctx=ctx), out=outs)
    for o in outs:
        np.testing.assert_array_equal(o.asnumpy(), v)
    with pytest.raises(mx.MXNetError, match="already initialized"):
        kv.broadcast("p", mx.nd.array(v, ctx=ctx), out=outs)


def test_values_of_another_dtype_are_cast_to_the_stored_one(ctx, fp64):
    kv = mx.kv.create("device")
    kv.init(0, mx.nd.zeros(3, ctx=ctx))
    kv.push(0, [mx.nd.array([1, 2, 3], dtype="float64", ctx=ctx), mx.nd.ones(3, ctx=ctx)])
    out = mx.nd.zeros(3, dtype="float64", ctx=ctx)
    kv.pull(0, out=out)
    assert out.dtype == np.float64
    assert out.asnumpy().tolist() == [2.0, 3.0, 4.0]


# Weights after three pushes of MXNet 1.9.1's kvstore with set_optimizer (printed there).
MXNET_OPTIMIZER_RESULTS = {
    "sgd": ([[0.6751447319984436, -1.9327375888824463], [0.49719738960266113, 2.6809964179992676]],
            [-0.3119214177131653, -0.4655359983444214, 1.3941172361373901]),
    "adam": ([[0.9699703454971313, -1.9700000286102295], [0.5, 2.970219373703003]],
             [0.21999980509281158, -0.7199998497962952, 1.484272837638855]),
}


@pytest.mark.parametrize("name, kwargs", [("sgd", dict(learning_rate=0.1, momentum=0.9, wd=0.01)),
                                          ("adam", dict(learning_rate=0.01))])
def test_set_optimizer_updates_once_per_key_as_mxnet(ctx, name, kwargs):
    other = _second(ctx)
    kv = mx.kv.create("local")
    kv.init([0, 1], [mx.nd.array([[1.0, -2.0], [0.5, 3.0]], ctx=ctx),
                     mx.nd.array([0.25, -0.75, 1.5], ctx=ctx)])
    kv.set_optimizer(mx.optimizer.create(name, **kwargs))
    for step in range(3):
        g0 = [mx.nd.array([[0.1 * step, -0.2], [0.3, 0.4]], ctx=ctx),
              mx.nd.array([[0.5, 0.1], [-0.3, 0.2 * step]], ctx=other)]
        g1 = [mx.nd.array([1.0, -0.5, 0.25 * step], ctx=other)]
        kv.push([0, 1], [g0, g1])
    o0, o1 = mx.nd.zeros((2, 2), ctx=ctx), mx.nd.zeros(3, ctx=other)
    kv.pull([0, 1], out=[o0, o1])
    want0, want1 = MXNET_OPTIMIZER_RESULTS[name]
    np.testing.assert_allclose(o0.asnumpy(), want0, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(o1.asnumpy(), want1, rtol=1e-6, atol=1e-7)
    assert sorted(kv._updater.states) == [0, 1]           # one state per key, not per context


def test_pushpull_with_optimizer_returns_the_updated_weight(ctx):
    kv = mx.kv.create("local")
    kv.init("w", mx.nd.array([3.0, 3.0, 3.0], ctx=ctx))
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.1))
    out = mx.nd.zeros(3, ctx=ctx)
    kv.pushpull("w", mx.nd.ones(3, ctx=ctx), out=out)
    kv.pushpull("w", mx.nd.ones(3, ctx=ctx), out=out)
    np.testing.assert_allclose(out.asnumpy(), [2.8] * 3, rtol=1e-6)   # MXNet: 2.8000002


def test_optimizer_states_save_and_load_resume_the_same_run(ctx, tmp_path):
    def store():
        kv = mx.kv.create("local")
        kv.init(0, mx.nd.array([1.0, -1.0], ctx=ctx))
        kv.set_optimizer(mx.optimizer.Adam(learning_rate=0.05))
        return kv

    grads = [mx.nd.array([0.5 * i, -0.25], ctx=ctx) for i in range(1, 5)]
    kv = store()
    for g in grads[:2]:
        kv.push(0, g)
    path = str(tmp_path / "states")
    kv.save_optimizer_states(path, dump_optimizer=True)
    weight = mx.nd.zeros(2, ctx=ctx)
    kv.pull(0, out=weight)
    for g in grads[2:]:
        kv.push(0, g)
    straight = mx.nd.zeros(2, ctx=ctx)
    kv.pull(0, out=straight)

    resumed = store()
    resumed._store[0][:] = weight
    resumed.load_optimizer_states(path)
    for g in grads[2:]:
        resumed.push(0, g)
    again = mx.nd.zeros(2, ctx=ctx)
    resumed.pull(0, out=again)
    np.testing.assert_array_equal(again.asnumpy(), straight.asnumpy())
    (tmp_path / "junk").write_bytes(b"not a pickle")
    with pytest.raises(mx.MXNetError, match="holds no optimizer states"):
        resumed.load_optimizer_states(str(tmp_path / "junk"))


def _misuse_cases(ctx):
    z23 = mx.nd.zeros((2, 3), ctx=ctx)
    return [
        ("init twice", lambda kv: kv.init(0, z23), "already initialized"),
        ("push uninitialized", lambda kv: kv.push(9, z23), "9 has not been initialized"),
        ("pull uninitialized", lambda kv: kv.pull(9, out=z23), "9 has not been initialized"),
        ("push shape", lambda kv: kv.push(0, mx.nd.ones((3, 2), ctx=ctx)),
         r"value of shape \(3, 2\) for key 0, whose stored value has shape \(2, 3\)"),
        ("push shape in a list", lambda kv: kv.push([0, 1], [mx.nd.ones((2, 3), ctx=ctx),
                                                             mx.nd.ones(4, ctx=ctx)]),
         r"shape \(4,\) for key 1"),
        ("pull shape", lambda kv: kv.pull(0, out=mx.nd.zeros(6, ctx=ctx)), r"out of shape \(6,\)"),
        ("pushpull out shape", lambda kv: kv.pushpull(0, mx.nd.ones((2, 3), ctx=ctx),
                                                      out=mx.nd.zeros(5, ctx=ctx)),
         r"out of shape \(5,\)"),
        ("pull without out", lambda kv: kv.pull(0), "out is required"),
        ("mixed key types", lambda kv: kv.init("a", z23), "mixed key types"),
        ("mixed in one call", lambda kv: kv.push([0, "a"], [z23, z23]), "mixed key types"),
        ("float key", lambda kv: kv.push(1.5, z23), "a key is an int or a str, got float"),
        ("bool key", lambda kv: kv.push(True, z23), "a key is an int or a str, got bool"),
        ("list lengths", lambda kv: kv.push([0, 1], [z23]), "2 keys but 1 values"),
        ("not an NDArray", lambda kv: kv.push(0, np.zeros((2, 3))), "must be an NDArray"),
        ("empty value list", lambda kv: kv.push(0, []), "non-empty list"),
        ("row_sparse_pull", lambda kv: kv.row_sparse_pull(0, out=z23), "not supported"),
        ("gradient compression", lambda kv: kv.set_gradient_compression({"type": "2bit"}),
         "not supported"),
        ("set_optimizer not an optimizer", lambda kv: kv.set_optimizer("sgd"),
         "expects an mx.optimizer.Optimizer"),
        ("states without an optimizer", lambda kv: kv.save_optimizer_states("x"),
         "no optimizer set"),
        ("unknown capability", lambda kv: kv.is_capable("sparse"), "unknown kvstore capability"),
    ]


@pytest.mark.parametrize("case", range(20))
def test_misuse_raises_before_any_change(ctx, case):
    label, call, message = _misuse_cases(ctx)[case]
    kv = mx.kv.create("local")
    kv.init([0, 1], [mx.nd.ones((2, 3), ctx=ctx), mx.nd.ones(5, ctx=ctx)])
    before = {k: v.asnumpy() for k, v in kv._store.items()}
    with pytest.raises(mx.MXNetError, match=message):
        call(kv)
    assert sorted(kv._store) == [0, 1], label
    for k, v in kv._store.items():
        np.testing.assert_array_equal(v.asnumpy(), before[k], err_msg=label)


def test_create_misuse():
    with pytest.raises(mx.MXNetError, match="unknown kvstore type 'foo'"):
        mx.kv.create("foo")
    with pytest.raises(mx.MXNetError, match="name must be a str"):
        mx.kv.create(3)
    with pytest.raises(mx.MXNetError, match="asynchronous training is not supported"):
        mx.kv.create("dist_async")
    with pytest.raises(mx.MXNetError, match="comm is for the dist types"):
        mx.kv.create("local", comm=object())


def test_dist_without_mpi4py_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)     # import mpi4py now fails
    with pytest.raises(mx.MXNetError, match=r"needs mpi4py.*pip install 'mxgrad\[dist\]'"):
        mx.kv.create("dist_sync")


def test_register_makes_create_find_the_class():
    @mx.kv.KVStoreBase.register
    class TestingStore(mx.kv.KVStore):
        pass
    try:
        assert type(mx.kv.create("TestingStore")) is TestingStore
        with pytest.warns(UserWarning, match="registered again"):
            mx.kv.KVStoreBase.register(TestingStore)
    finally:
        del mx.kv.KVStoreBase.kv_registry["testingstore"]


def test_barrier_and_updater_hook(ctx):
    kv = mx.kv.create("local")
    kv._barrier()
    kv.barrier()
    seen = []
    kv.init(0, mx.nd.zeros(2, ctx=ctx))
    kv._set_updater(lambda key, grad, weight: seen.append((key, grad.asnumpy().tolist())))
    kv.push(0, [mx.nd.ones(2, ctx=ctx), mx.nd.ones(2, ctx=_second(ctx))])
    assert seen == [(0, [2.0, 2.0])]


def test_bucket_plan_and_env_settings(monkeypatch):
    arrays = [mx.nd.zeros(10), mx.nd.zeros(10, dtype="int32"), mx.nd.zeros(10),
              mx.nd.zeros(200), mx.nd.zeros(20), mx.nd.zeros(20), mx.nd.zeros(20)]
    plan = _allreduce.plan_buckets(arrays, bucket_bytes=200)
    assert [[(a.size, np.dtype(a.dtype).name) for a in b] for b in plan] == [
        [(10, "float32")], [(10, "int32")], [(10, "float32")], [(200, "float32")],
        [(20, "float32"), (20, "float32")], [(20, "float32")]]
    monkeypatch.setenv("MXGRAD_KVSTORE_BUCKET_MB", "0.5")
    monkeypatch.setenv("MXGRAD_KVSTORE_TIMEOUT", "2.5")
    assert _allreduce.bucket_bytes_from_env() == 2**19
    assert _allreduce.timeout_from_env() == 2.5
    monkeypatch.delenv("MXGRAD_KVSTORE_BUCKET_MB")
    monkeypatch.delenv("MXGRAD_KVSTORE_TIMEOUT")
    assert _allreduce.bucket_bytes_from_env() == 2**20
    assert _allreduce.timeout_from_env() == 60.0
    for bad in ("0", "-1", "lots"):
        monkeypatch.setenv("MXGRAD_KVSTORE_TIMEOUT", bad)
        with pytest.raises(mx.MXNetError, match="MXGRAD_KVSTORE_TIMEOUT"):
            _allreduce.timeout_from_env()


def test_docstring_examples():
    from test_metric import run_doctests
    import mxgrad.kvstore.kvstore
    for module in (mx.kvstore, mxgrad.kvstore.kvstore, launch):
        run_doctests(module)
    import doctest
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    with mx.cpu(0):
        for test in doctest.DocTestFinder().find(_allreduce.plan_buckets, "plan_buckets",
                                                 globs={"mx": mx, "np": np}):
            runner.run(test)
    assert runner.failures == 0


def test_launch_refuses_before_starting_anything(monkeypatch, capsys):
    assert launch.main(["-n", "0", "train.py"]) == 2
    assert "-n must be at least 1, got 0" in capsys.readouterr().err
    assert launch.main(["-n", "2"]) == 2
    assert "no script given" in capsys.readouterr().err
    monkeypatch.setattr(launch.importlib.util, "find_spec", lambda name: None)
    assert launch.main(["-n", "2", "train.py"]) == 2
    assert "mpi4py is not installed: pip install 'mxgrad[dist]'" in capsys.readouterr().err


def test_launch_finds_no_mpiexec_clearly(monkeypatch, tmp_path):
    monkeypatch.setattr(launch.sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(launch.LaunchError, match="no mpiexec found"):
        launch.find_mpiexec()
    with pytest.raises(launch.LaunchError, match="no such executable"):
        launch.find_mpiexec(str(tmp_path / "mpiexec"))
    env = launch.worker_env(3, env={"POCL_MAX_PTHREAD_COUNT": "2"}, cores=7)
    assert (env["OMP_NUM_THREADS"], env["OPENBLAS_NUM_THREADS"],
            env["POCL_MAX_PTHREAD_COUNT"]) == ("2", "2", "2")
