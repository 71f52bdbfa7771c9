"""gluon.data.vision.transforms as Blocks, side by side with MXNet 1.9.1
(tests/data/make_gluon_transforms.py): Resize and CenterCrop outputs, printed forms and
Block kinds, the random flips, NumPy inputs and misuse."""
import json
import os
import pickle
import sys

import numpy as np
import pytest

import mxgrad as mx

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "data"))
import make_gluon_transforms as ref  # noqa: E402

T = mx.gluon.data.vision.transforms
OUTPUTS = mx.nd.load(ref.OUTPUTS)
with open(ref.STRINGS) as _f:
    STRINGS = json.load(_f)
CASES = {case[0]: case for case in ref.CASES}


def _run(name, image):
    _, _, cls, args, kwargs = CASES[name]
    return getattr(T, cls)(*args, **kwargs)(image)


def _check_output(name, got):
    want = OUTPUTS[name].asnumpy()
    assert got.shape == want.shape and got.dtype == want.dtype, name
    if want.dtype == np.uint8:
        # OpenCV's fixed-point bilinear: exact except, when enlarging the height, a few
        # pixels off by one (docs/migration.md)
        diff = np.abs(got.astype(int) - want.astype(int))
        assert diff.max() <= 1 and (diff == 0).mean() > 0.9, (name, diff.max())
        if "up" not in name and "tall" not in name:
            assert diff.max() == 0, name
    else:
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("name", list(CASES))
def test_resize_and_center_crop_match_mxnet(ctx, name):
    image = ref.images()[CASES[name][1]]
    out = _run(name, mx.nd.array(image, ctx=ctx, dtype=image.dtype))
    assert isinstance(out, mx.nd.NDArray) and out.context == ctx
    _check_output(name, out.asnumpy())
    numpy_out = _run(name, image)                  # as in a DataLoader worker
    assert isinstance(numpy_out, np.ndarray)
    np.testing.assert_array_equal(numpy_out, out.asnumpy())


@pytest.mark.parametrize("name", sorted(STRINGS["composed"]))
def test_compose_groups_hybrid_blocks_as_mxnet(name):
    got = ref.describe(ref.composed(mx)[name])
    assert got == STRINGS["composed"][name]


def test_printed_forms_and_block_kinds():
    for name, text in STRINGS["singles"].items():
        args = (3,) if name in ("Resize", "CenterCrop") else ()
        assert repr(getattr(T, name)(*args)) == text
    bases = {"Block": mx.gluon.Block, "HybridBlock": mx.gluon.HybridBlock,
             "Sequential": mx.gluon.nn.Sequential}
    for name, kinds in STRINGS["kinds"].items():
        cls = getattr(T, name)
        for kind, base in bases.items():
            assert issubclass(cls, base) == (kind in kinds), (name, kind)
    assert T.ToTensor().prefix.startswith("totensor") and T.Compose([]).name.startswith(
        "compose")


def test_compose_runs_on_ndarrays_and_numpy(ctx):
    image = ref.images()["u8"]
    chain = T.Compose([T.Resize(4), T.CenterCrop(3), T.ToTensor(), T.Normalize(0.5, 0.25)])
    out = chain(mx.nd.array(image, ctx=ctx, dtype="uint8"))
    assert out.shape == (3, 3, 3) and out.context == ctx
    step = T.CenterCrop(3)(T.Resize(4)(mx.nd.array(image, dtype="uint8"))).asnumpy()
    expected = (step.transpose(2, 0, 1).astype(np.float32) / 255 - 0.5) / 0.25
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(chain(image), expected, rtol=1e-5, atol=1e-6)
    transforms = [T.Cast(), T.ToTensor()]
    T.Compose(transforms)
    assert len(transforms) == 2                     # MXNet appends None to the caller's list


def test_transforms_pickle_without_opencl_state():
    chain = T.Compose([T.Resize(3), T.RandomFlipLeftRight(), T.ToTensor()])
    again = pickle.loads(pickle.dumps(chain))
    assert repr(again) == repr(chain)
    assert again(np.zeros((5, 5, 3), dtype=np.uint8)).shape == (3, 3, 3)


@pytest.mark.parametrize("cls, axis", [("RandomFlipLeftRight", 1), ("RandomFlipTopBottom", 0)])
def test_random_flips(ctx, cls, axis):
    image = np.arange(2 * 3 * 2).reshape(2, 3, 2).astype(np.uint8)
    flip = getattr(T, cls)()
    seen = set()
    mx.random.seed(11)
    first = [flip(mx.nd.array(image, ctx=ctx, dtype="uint8")).asnumpy() for _ in range(24)]
    for out in first:
        assert out.dtype == np.uint8
        if (out == image).all():
            seen.add("same")
        else:
            np.testing.assert_array_equal(out, np.flip(image, axis))
            seen.add("flipped")
    assert seen == {"same", "flipped"}
    mx.random.seed(11)                                # mx.random.seed repeats the draws
    again = [flip(mx.nd.array(image, ctx=ctx, dtype="uint8")).asnumpy() for _ in range(24)]
    assert all((a == b).all() for a, b in zip(first, again))
    np.random.seed(0)
    outs = {flip(image).tobytes() for _ in range(24)}
    assert outs == {image.tobytes(), np.flip(image, axis).tobytes()}
    with pytest.raises(mx.MXNetError, match=r"3-d \(height, width, channels\)"):
        flip(mx.nd.ones((1, 2, 3, 3), ctx=ctx))


def test_misuse_errors(ctx):
    image = mx.nd.ones((4, 4, 3), ctx=ctx)
    for size, match in [(0, "greater than 0"), ((2, -1), "greater than 0"),
                        ((1, 2, 3), "int or \\(width, height\\)")]:
        with pytest.raises(mx.MXNetError, match=match):
            T.Resize(size)(image)
    with pytest.raises(mx.MXNetError, match="interpolation 2 is not available"):
        T.Resize(3, interpolation=2)(image)
    with pytest.raises(mx.MXNetError, match="uint8, float32 and float64.*int32"):
        T.Resize(3)(image.astype("int32"))
    with pytest.raises(mx.MXNetError, match="3-d or 4-d"):
        T.Resize(3)(mx.nd.ones((4, 4), ctx=ctx))
    with pytest.raises(mx.MXNetError, match="3-d \\(height"):
        T.CenterCrop(2)(mx.nd.ones((1, 4, 4, 3), ctx=ctx))
    with pytest.raises(mx.MXNetError, match="NDArray or a NumPy array"):
        T.Resize(3)([[1, 2]])
    with pytest.raises(mx.MXNetError, match="NDArray or a NumPy array"):
        T.Cast()("x")


def test_docstring_examples():
    from doctest_runner import run_module_doctests
    run_module_doctests(mx.gluon.data.vision.transforms, min_examples=11)
