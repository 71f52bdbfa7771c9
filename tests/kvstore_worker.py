"""One rank of the multi-process kvstore tests (tests/test_kvstore_dist.py starts it under
mpiexec): ``python tests/kvstore_worker.py SCENARIO``. Each check raises on failure; a
rank that passes them all prints ``OK rank R of N``."""
import hashlib
import sys
import time

import numpy as np

import mxgrad as mx
from mxgrad import nd

SHAPES = {"fc1_weight": (6, 5), "fc1_bias": (6,), "fc2_weight": (3, 6), "fc2_bias": (3,)}
KEYS = list(SHAPES)


def make_params(seed=0):
    rng = np.random.RandomState(seed)
    params = {}
    for k, shape in SHAPES.items():
        p = nd.array(rng.normal(0, 0.5, shape).astype(np.float32))
        p.attach_grad()
        params[k] = p
    return params


def batch(step, size=11):
    rng = np.random.RandomState(100 + step)
    return (rng.normal(0, 1, (size, 5)).astype(np.float32),
            rng.randint(0, 3, size).astype(np.float32))


def loss_of(params, x, y, global_size):
    h = nd.relu(nd.FullyConnected(x, params["fc1_weight"], params["fc1_bias"], num_hidden=6))
    z = nd.FullyConnected(h, params["fc2_weight"], params["fc2_bias"], num_hidden=3)
    return -nd.sum(nd.pick(nd.log_softmax(z, axis=-1), y, axis=-1)) / global_size


def grads_of(params, x, y, global_size):
    with mx.autograd.record():
        loss = loss_of(params, nd.array(x), nd.array(y), global_size)
    loss.backward()
    return [params[k].grad for k in KEYS]


def digest(arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(a.asnumpy().tobytes())
    return h.hexdigest()


def same_on_every_rank(kv, arrays, what):
    every = kv.comm.allgather(digest(arrays))
    assert len(set(every)) == 1, f"{what}: ranks differ: {every}"


def expect_error(kv, call, *parts):
    try:
        call()
    except mx.MXNetError as e:
        for p in parts:
            assert p in str(e), (p, str(e))
    else:
        raise AssertionError(f"no MXNetError (expected {parts})")
    kv._barrier()                       # the store is still usable afterwards


def check(kv):
    rank, n = kv.rank, kv.num_workers
    # Data-parallel steps: the shards' summed gradients are the whole batch's, and the
    # parameters stay bit-identical on every rank.
    params = make_params()
    reference = make_params()                   # one process on the concatenated batch
    kv.broadcast(KEYS, [params[k] for k in KEYS], out=[params[k] for k in KEYS])
    same_on_every_rank(kv, [params[k] for k in KEYS], "initial parameters")
    moms = {k: nd.zeros(SHAPES[k]) for k in KEYS}
    ref_moms = {k: nd.zeros(SHAPES[k]) for k in KEYS}
    for step in range(3):
        x, y = batch(step)
        mine = np.array_split(np.arange(len(x)), n)[rank]
        grads = grads_of(params, x[mine], y[mine], len(x))
        kv.pushpull(KEYS, grads)
        want = grads_of(reference, x, y, len(x))
        for k, g, w in zip(KEYS, grads, want):
            np.testing.assert_allclose(g.asnumpy(), w.asnumpy(), rtol=2e-5, atol=1e-6,
                                       err_msg=f"step {step} {k}")
        for k in KEYS:
            nd.sgd_mom_update(params[k], params[k].grad, moms[k], lr=0.5, momentum=0.9,
                              out=params[k])
            nd.sgd_mom_update(reference[k], reference[k].grad, ref_moms[k], lr=0.5,
                              momentum=0.9, out=reference[k])
        same_on_every_rank(kv, [params[k] for k in KEYS], f"parameters after step {step}")
        for k in KEYS:
            np.testing.assert_allclose(params[k].asnumpy(), reference[k].asnumpy(),
                                       rtol=1e-4, atol=1e-5)

    # set_optimizer: the update runs once per key, on the sum over ranks and contexts.
    opt_kv = mx.kv.create("dist_sync")
    local = mx.kv.create("local")                 # the same pushes, summed in one process
    init = [nd.array(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)), nd.ones(7)]
    opt_kv.init(["w", "b"], init)
    local.init(["w", "b"], init)
    opt_kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.01))
    local.set_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.01))

    def grad(r, step, shape, ctx):
        return nd.array(np.full(shape, 0.25 * (r + 1) - 0.1 * step, np.float32), ctx=ctx)

    for step in range(2):
        mine = [[grad(rank, step, (3, 4), mx.cpu(0)), grad(rank, step, (3, 4), mx.cpu(1))],
                [grad(rank, step, 7, mx.cpu(1))]]
        opt_kv.push(["w", "b"], mine)
        local.push(["w", "b"], [[grad(r, step, (3, 4), c) for r in range(n)
                                 for c in (mx.cpu(0), mx.cpu(1))],
                                [grad(r, step, 7, mx.cpu(1)) for r in range(n)]])
    got = [nd.zeros((3, 4)), nd.zeros(7, ctx=mx.cpu(1))]
    want = [nd.zeros((3, 4)), nd.zeros(7)]
    opt_kv.pull(["w", "b"], out=got)
    local.pull(["w", "b"], out=want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.asnumpy(), w.asnumpy(), rtol=1e-6, atol=1e-7)
    same_on_every_rank(kv, got, "set_optimizer weights")
    assert sorted(opt_kv._updater.states) == ["b", "w"]

    # Buckets (several, one array mapped in place, mixed dtypes): exact sums of integers.
    big = nd.array(np.arange(3000, dtype=np.float32) * (rank + 1))        # 12 kB: mapped
    small = [nd.array(np.arange(50, dtype=np.float32) + rank) for _ in range(4)]
    ints = nd.array(np.arange(10, dtype=np.int32) * (rank + 1), dtype="int32")
    keys = ["big", "s0", "s1", "ints", "s2", "s3"]
    values = [big, small[0], small[1], ints, small[2], small[3]]
    kv.init(keys, [nd.zeros_like(v) for v in values])
    before = kv.stats
    kv.pushpull(keys, values)
    total = n * (n + 1) // 2
    np.testing.assert_array_equal(big.asnumpy(), np.arange(3000) * total)
    for s in small:
        np.testing.assert_array_equal(s.asnumpy(), np.arange(50) * n + n * (n - 1) // 2)
    np.testing.assert_array_equal(ints.asnumpy(), np.arange(10) * total)
    assert ints.dtype == np.int32
    stats = kv.stats
    assert stats["buckets"] - before["buckets"] >= 4, stats
    # Mapped in place: big, and ints (alone in its bucket, the only int32 array).
    assert stats["mapped_bytes"] - before["mapped_bytes"] == 12000 + 40, stats

    # init gives every rank rank 0's value.
    kv.init("r", nd.array([float(rank)] * 3))
    out = nd.zeros(3)
    kv.pull("r", out=out)
    assert out.asnumpy().tolist() == [0.0] * 3

    # Mismatches between ranks: a clear error on every rank, and nothing reduced.
    kv.init(["m1", "m2"], [nd.zeros(4), nd.zeros(5)])
    expect_error(kv, lambda: kv.push("m1" if rank == 0 else "m2",
                                     nd.ones(4) if rank == 0 else nd.ones(5)),
                 "the ranks disagree", "'m1' (4,) float32", "'m2' (5,) float32")
    expect_error(kv, lambda: kv.init("late" if rank else "early", nd.zeros(2)),
                 "the ranks disagree", "init:")
    expect_error(kv, lambda: kv.pushpull(["m1", "m2"] if rank else ["m1"],
                                         [nd.ones(4), nd.ones(5)] if rank else [nd.ones(4)]),
                 "the ranks disagree")
    check_m = nd.zeros(4)
    kv.pull("m1", out=check_m)
    assert check_m.asnumpy().tolist() == [0.0] * 4       # no push went through

    # The embedding case: the application's own communicator (here: ranks reversed).
    from mpi4py import MPI
    world = MPI.COMM_WORLD
    app = world.Split(color=0, key=n - 1 - world.Get_rank())
    emb = mx.kv.create("dist_sync", comm=app)
    assert (emb.rank, emb.num_workers) == (app.Get_rank(), n)
    emb.init(0, nd.array([float(emb.rank)]))
    val = nd.array([1.0 + emb.rank])
    emb.pushpull(0, val)
    assert val.asnumpy().tolist() == [float(n * (n + 1) // 2)]
    try:
        mx.kv.create("dist_sync", comm="world")
    except mx.MXNetError as e:
        assert "comm must be an mpi4py communicator" in str(e)
    else:
        raise AssertionError("comm='world' accepted")
    kv._barrier()
    print(f"OK rank {rank} of {n}", flush=True)


def gluon_net(seed):
    """A small Gluon net initialized from ``seed`` (different per rank: the Trainer must
    broadcast rank 0's values)."""
    mx.random.seed(seed)
    net = mx.gluon.nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(mx.gluon.nn.Dense(6, activation="relu", in_units=5),
                mx.gluon.nn.Dense(3, in_units=6))
    net.initialize(mx.init.Xavier())
    return net


def trainer(kv):
    """gluon.Trainer(kvstore='dist_sync'): each rank's shard, the same parameters on every
    rank after each step, equal to one process's Trainer on the whole batch."""
    rank, n = kv.rank, kv.num_workers
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    for on_store in (None, False):
        net, ref = gluon_net(seed=rank), gluon_net(seed=0)
        opts = {"learning_rate": 0.5, "momentum": 0.9, "wd": 0.01}
        dist = mx.gluon.Trainer(net.collect_params(), "sgd", opts, kvstore="dist_sync",
                                update_on_kvstore=on_store)
        one = mx.gluon.Trainer(ref.collect_params(), "sgd", opts, kvstore=None)
        assert dist._distributed and dist._update_on_kvstore is (on_store is None)
        for step in range(3):
            x, y = batch(step)
            mine = np.array_split(np.arange(len(x)), n)[rank]
            with mx.autograd.record():
                loss = loss_fn(net(nd.array(x[mine])), nd.array(y[mine]))
            loss.backward()
            if on_store is False:
                dist.allreduce_grads()
                dist.update(len(x))
            else:
                dist.step(len(x))
            with mx.autograd.record():
                loss = loss_fn(ref(nd.array(x)), nd.array(y))
            loss.backward()
            one.step(len(x))
            weights = [p.data() for p in net.collect_params().values()]
            same_on_every_rank(kv, weights, f"Trainer weights after step {step}")
            for w, r in zip(weights, [p.data() for p in ref.collect_params().values()]):
                np.testing.assert_allclose(w.asnumpy(), r.asnumpy(), rtol=1e-4, atol=1e-5)
    print(f"OK rank {rank} of {n}", flush=True)


def main():
    scenario = sys.argv[1]
    kv = mx.kv.create("dist_sync")
    if scenario == "check":
        check(kv)
        return
    if scenario == "trainer":
        trainer(kv)
        return
    kv.init(0, nd.zeros(100))
    if kv.rank == 1:
        if scenario == "exit":
            sys.exit(0)                 # leaves without a word
        time.sleep(120)                 # "hang": never pushes
    t0 = time.perf_counter()
    print(f"rank {kv.rank} pushing", flush=True)
    try:
        kv.push(0, nd.ones(100))
    finally:
        print(f"rank {kv.rank} gave up after {time.perf_counter() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
