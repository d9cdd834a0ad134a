"""PyTorch's dtype names and aliases, as a table (the grader runs in the parent, which never imports torch).

Every alias maps to the name ``str(dtype)`` prints, e.g. ``long`` -> ``torch.int64``. The short Python-ish
aliases follow PyTorch, not Python: ``torch.float`` is float32 and ``torch.int`` is int32.
"""

from __future__ import annotations

# canonical name (without "torch.") -> its aliases (without "torch.")
_ALIASES: dict[str, tuple[str, ...]] = {
    "float32": ("float",),
    "float64": ("double",),
    "float16": ("half",),
    "bfloat16": (),
    "complex32": ("chalf",),
    "complex64": ("cfloat",),
    "complex128": ("cdouble",),
    "uint8": (),
    "uint16": (),
    "uint32": (),
    "uint64": (),
    "int8": (),
    "int16": ("short",),
    "int32": ("int",),
    "int64": ("long",),
    "bool": (),
    "qint8": (),
    "quint8": (),
    "qint32": (),
    "quint4x2": (),
    "quint2x4": (),
    "float8_e4m3fn": (),
    "float8_e4m3fnuz": (),
    "float8_e5m2": (),
    "float8_e5m2fnuz": (),
    "float8_e8m0fnu": (),
    "float4_e2m1fn_x2": (),
    "bits8": (),
    "bits16": (),
    "bits1x8": (),
    "bits2x4": (),
    "bits4x2": (),
    **{f"uint{n}": () for n in range(1, 8)},
    **{f"int{n}": () for n in range(1, 8)},
}

DTYPES: dict[str, str] = {}
for _canonical, _aliases in _ALIASES.items():
    for _name in (_canonical, *_aliases):
        DTYPES[_name] = f"torch.{_canonical}"
        DTYPES[f"torch.{_name}"] = f"torch.{_canonical}"


def canonical_dtype(name: str) -> str | None:
    """``"long"``, ``"torch.long"`` or ``"torch.int64"`` -> ``"torch.int64"``; None for anything else."""
    return DTYPES.get("".join(name.split()))


def family(dtype: str) -> str:
    """What a tensor of this dtype holds: "bool", "int", "float" or "complex" (from the canonical name)."""
    name = dtype.removeprefix("torch.")
    if name == "bool":
        return "bool"
    if name.startswith("complex"):
        return "complex"
    if name.startswith(("float", "bfloat")):
        return "float"
    return "int"


def aliases_of(dtype: str) -> list[str]:
    """Every name that means ``dtype``, e.g. for a message: ["torch.int64", "torch.long"]."""
    return [name for name, canonical in DTYPES.items() if canonical == dtype and name.startswith("torch.")]


# How far a printed value of each float dtype may be from the stored one, relative to its size (about a
# few units in the last place), on top of the precision the answer was written to.
RELATIVE_SLACK = {
    "torch.float16": 1e-3,
    "torch.bfloat16": 8e-3,
    "torch.float32": 1e-6,
    "torch.complex32": 1e-3,
    "torch.complex64": 1e-6,
}
PYTHON_FLOAT_SLACK = 1e-12  # float64 tensors and Python floats
