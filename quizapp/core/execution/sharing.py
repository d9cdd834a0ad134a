"""Which jobs may share a child process with the next card of their deck (read in the worker, no torch).

``deck check`` marks the jobs of one deck with a group; the worker gives a child several of them in
a row when each passes :func:`may_share`, a screen of its code for what the runtime check after the
card (``state_guard.py``) cannot see cheaply: imports, ``global``, assignments to or deletions of
anything the snippet did not make itself (``torch.x = ...``, ``F.relu = ...``), the built-ins that
reach outside a snippet (``setattr``, ``exec``, ``open``, ``__import__``...), dunder attributes that
lead to other objects' internals (``__dict__``, ``__class__``, ``__globals__``...), and the parts of
torch with process-wide caches or registries (``torch.compile``, ``torch.jit``, ``torch.library``,
``torch.fx``, ``torch._dynamo``, ``torch.ops``, saving and loading files). A snippet that does any of
these simply runs in a fresh child, as every card in a study session does. Code that does not parse
is not shared either (it raises at once, in a fresh child).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

# Built-ins whose effects outlive the snippet or that reach objects it was not given.
_CALLS = frozenset({
    "setattr", "delattr", "exec", "eval", "compile", "open", "__import__", "globals", "vars", "input",
    "breakpoint", "exit", "quit", "help", "memoryview", "getattr",
})
# Attributes that lead to another object's internals (or to other objects entirely).
_DUNDERS = frozenset({
    "__dict__", "__class__", "__globals__", "__builtins__", "__subclasses__", "__code__", "__defaults__",
    "__kwdefaults__", "__closure__", "__bases__", "__base__", "__mro__", "__setattr__", "__delattr__",
    "__getattribute__", "__import__", "__loader__", "__spec__", "__self__", "__func__", "__module__",
    "__wrapped__", "__reduce__", "__reduce_ex__", "__setstate__", "__getstate__", "__init_subclass__",
    "__set_name__", "__class_getitem__",
})
# Parts of torch (and of Python) with process-wide caches, registries or files.
_ATTRIBUTES = frozenset({
    "compile", "jit", "library", "fx", "_dynamo", "_inductor", "_C", "_ops", "ops", "export", "hub",
    "save", "load", "backends", "cuda", "mps", "xpu", "distributed", "multiprocessing", "profiler",
    "set_default_dtype", "set_default_tensor_type", "set_default_device", "set_printoptions",
    "use_deterministic_algorithms", "set_num_threads", "set_num_interop_threads", "set_flush_denormal",
    "set_float32_matmul_precision", "set_anomaly_enabled", "set_warn_always", "register_module_forward_hook",
    "register_module_forward_pre_hook", "register_module_full_backward_hook", "register_module_backward_hook",
    "register_module_full_backward_pre_hook", "register_module_buffer_registration_hook",
    "register_module_module_registration_hook", "register_module_parameter_registration_hook",
    "_set_grad_enabled", "manual_seed_all", "_jit_internal", "overrides", "_refs", "_prims", "_subclasses",
    "_functorch", "func", "_guards", "_logging", "_lazy", "utils", "serialization", "storage",
    "untyped_storage", "share_memory_", "from_file", "_weakref",
    # Modules that torch (and numpy) happen to hold as attributes: torch.os, torch.sys, np.ctypeslib...
    "os", "sys", "builtins", "importlib", "ctypes", "ctypeslib", "gc", "signal", "threading", "inspect",
    "subprocess", "io", "warnings", "weakref", "pickle", "shutil", "tempfile", "socket", "functools",
    "typing", "types", "platform", "math", "logging", "contextlib", "copyreg", "collections",
})
# Names a snippet could reach the interpreter through.
_NAMES = frozenset({"__builtins__", "__import__", "__loader__", "__spec__", "__name__", "__file__"})


def may_share(job: dict[str, Any]) -> bool:
    """Whether ``job`` (as the worker runs it: ``encoders.runnable_job``) may run in a child that ran
    another card of its deck before it, and may then hand the child on to the next one."""
    code = [job.get("setup") or "", job.get("ask") or ""]
    try:
        trees = [ast.parse(code[0], mode="exec"), ast.parse(code[1], mode="eval")]
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    try:
        return all(_clean(tree, _bound(trees)) for tree in trees)
    except RecursionError:  # absurdly deep code: a fresh child, which reports what happens
        return False


def _bound(trees: Sequence[ast.AST]) -> set[str]:
    """Names the snippet itself binds (assignment, loop, with, comprehension, function, class,
    parameter, except): an attribute assigned on one of these is on an object it made or was given."""
    names: set[str] = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                names.add(node.name)
    return names


def _root(node: ast.AST) -> ast.AST:
    """The object an attribute or subscript chain starts from (``torch`` in ``torch.nn.x[0].y``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node


def _clean(tree: ast.AST, bound: set[str]) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.Await, ast.AsyncFunctionDef,
                             ast.AsyncFor, ast.AsyncWith)):
            return False
        if isinstance(node, ast.Name) and (node.id in _NAMES or (node.id in _CALLS and isinstance(node.ctx, ast.Load))):
            return False
        if isinstance(node, ast.Attribute) and (node.attr in _DUNDERS or node.attr in _ATTRIBUTES):
            return False
        if isinstance(node, ast.FunctionDef) and node.name == "__del__":
            return False  # a finaliser may run during a later card (when the garbage collector gets to it)
        targets: list[ast.AST] = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.comprehension)):
            targets = [node.target]
        elif isinstance(node, ast.With):
            targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
        elif isinstance(node, ast.NamedExpr):
            targets = [node.target]
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, (ast.Attribute, ast.Subscript)):
                    root = _root(part)
                    # Setting an attribute or item of something the snippet did not bind itself (a
                    # module, a class of torch's, a name it never assigned) may outlive the card.
                    if not isinstance(root, ast.Name) or root.id not in bound:
                        return False
    return True
