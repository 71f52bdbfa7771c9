"""Write the MXNet 1.9.1 fixtures of tests/test_gluon_transforms.py.

Run with MXNet's Python from the repository root:
``/tmp/mxref/bin/python tests/data/make_gluon_transforms.py``. It runs ``CASES`` (Resize and
CenterCrop on the images of ``images``) and saves the outputs (gluon_transforms.nd, by
mx.nd.save), and records the printed forms of ``composed`` (gluon_transforms.json). The test
imports ``images``, ``run_cases`` and ``composed`` so both libraries do the very same.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUTS = os.path.join(HERE, "gluon_transforms.nd")
STRINGS = os.path.join(HERE, "gluon_transforms.json")


def images():
    """Fixed images: HWC uint8 and float32 ones, and an NHWC uint8 batch."""
    rng = np.random.RandomState(3)
    return {
        "u8": rng.randint(0, 256, (10, 7, 3)).astype(np.uint8),
        "f32": rng.uniform(0, 255, (9, 12, 1)).astype(np.float32),
        "f64": rng.uniform(-1, 1, (6, 5, 3)),
        "batch": rng.randint(0, 256, (2, 8, 6, 3)).astype(np.uint8),
    }


# (name, image, transform class, args, kwargs)
CASES = [
    ("resize_down_u8", "u8", "Resize", [(4, 5)], {}),
    ("resize_square_u8", "u8", "Resize", [3], {}),
    ("resize_up_u8", "u8", "Resize", [(13, 11)], {}),
    ("resize_wide_u8", "u8", "Resize", [(20, 6)], {}),
    ("resize_keep_u8", "u8", "Resize", [4], dict(keep_ratio=True)),
    ("resize_keep_tuple_u8", "u8", "Resize", [(5, 4)], dict(keep_ratio=True)),
    ("resize_nearest_u8", "u8", "Resize", [(5, 13)], dict(interpolation=0)),
    ("resize_down_f32", "f32", "Resize", [(5, 4)], {}),
    ("resize_up_f32", "f32", "Resize", [(17, 20)], {}),
    ("resize_keep_f32", "f32", "Resize", [18], dict(keep_ratio=True)),
    ("resize_nearest_f32", "f32", "Resize", [(7, 5)], dict(interpolation=0)),
    ("resize_f64", "f64", "Resize", [(3, 8)], {}),
    ("resize_batch", "batch", "Resize", [(4, 3)], {}),
    ("center_crop", "u8", "CenterCrop", [(3, 4)], {}),
    ("center_crop_square", "f32", "CenterCrop", [5], {}),
    ("center_crop_whole", "u8", "CenterCrop", [(7, 10)], {}),
    ("center_crop_up_wide", "u8", "CenterCrop", [(12, 4)], {}),
    ("center_crop_up_tall", "f32", "CenterCrop", [(3, 12)], {}),
    ("center_crop_up_nearest", "u8", "CenterCrop", [(14, 20)], dict(interpolation=0)),
]


def run_cases(mx):
    """The outputs of CASES, by name."""
    t = mx.gluon.data.vision.transforms
    imgs = {k: mx.nd.array(v, dtype=v.dtype) for k, v in images().items()}
    return {name: getattr(t, cls)(*args, **kwargs)(imgs[img])
            for name, img, cls, args, kwargs in CASES}


def composed(mx):
    """Compositions whose printed forms (and child types) are compared."""
    t = mx.gluon.data.vision.transforms
    return {
        "one": t.Compose([t.ToTensor()]),
        "hybrids": t.Compose([t.Cast(), t.ToTensor(), t.Normalize(0.5, 0.2)]),
        "mixed": t.Compose([t.Resize(4), t.CenterCrop(3), t.RandomFlipLeftRight(),
                            t.RandomFlipTopBottom(), t.ToTensor()]),
        "block_first": t.Compose([t.CenterCrop(3), t.ToTensor()]),
    }


def describe(block):
    """A Block's printed form and the class names of its children, recursively."""
    children = list(getattr(block, "_children", {}).values())
    return {"repr": repr(block), "type": type(block).__name__,
            "children": [describe(c) for c in children]}


def main():
    import mxnet as mx
    mx.nd.save(OUTPUTS, run_cases(mx))
    t = mx.gluon.data.vision.transforms
    singles = {name: repr(getattr(t, name)(*args))
               for name, args in [("ToTensor", ()), ("Normalize", ()), ("Cast", ()),
                                  ("Resize", (3,)), ("CenterCrop", (3,)),
                                  ("RandomFlipLeftRight", ()), ("RandomFlipTopBottom", ())]}
    kinds = {name: [c.__name__ for c in getattr(t, name).__mro__
                    if c.__name__ in ("Block", "HybridBlock", "Sequential")]
             for name in singles}
    kinds["Compose"] = [c.__name__ for c in t.Compose.__mro__
                        if c.__name__ in ("Block", "HybridBlock", "Sequential")]
    with open(STRINGS, "w") as f:
        json.dump({"composed": {k: describe(v) for k, v in composed(mx).items()},
                   "singles": singles, "kinds": kinds}, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
