"""Small helpers for building generated code: fresh names, and fast copies of syntax trees."""

import ast


def fresh_name(base: str, taken: set) -> str:
    """`base`, or `base_1`, `base_2`, ...: the first one not in `taken` (which then records it).

    >>> taken = {"x", "x_1"}
    >>> fresh_name("x", taken), fresh_name("y", taken)
    ('x_2', 'y')
    """
    name, k = base, 1
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def clone(node):
    """A deep copy of a syntax tree (several times faster than copy.deepcopy, which keeps a
    memo of every object; rule templates are copied for every use).

    >>> tree = ast.parse("y = f(x) + 1").body[0]
    >>> copy = clone(tree)
    >>> copy is not tree and ast.dump(copy) == ast.dump(tree)
    True
    """
    if isinstance(node, ast.AST):
        kind = type(node)
        new = kind.__new__(kind)
        for field in node._fields:
            if hasattr(node, field):
                setattr(new, field, clone(getattr(node, field)))
        for attribute in node._attributes:
            if hasattr(node, attribute):
                setattr(new, attribute, getattr(node, attribute))
        return new
    if isinstance(node, list):
        return [clone(item) for item in node]
    return node  # names, numbers, strings: immutable


# Generated code calls helpers (ops, unbroadcast, list, ...) and keeps a stack (saved).  The
# user's function may use any of those names for something else, so the generators write a
# helper's name with this marker, and emit.py gives each helper, per program, its own name
# where free (`ops`), or a variant (`ops_1`) where the user's code means something else by it.
HELPER = "__ad_helper__"

# The file names of generated code start with this (emit.generated_filename).
GENERATED = "<ad.adsct "


def helper(name: str) -> ast.Name:
    """A reference to the helper `name` in generated code (its final name is chosen later).

    >>> helper("ops").id
    '__ad_helper__ops'
    """
    return ast.Name(HELPER + name, ast.Load())


def is_helper(node, name: str) -> bool:
    """Whether `node` refers to the helper `name`.

    >>> is_helper(helper("ops"), "ops"), is_helper(ast.Name("ops", ast.Load()), "ops")
    (True, False)
    """
    return isinstance(node, ast.Name) and node.id == HELPER + name
