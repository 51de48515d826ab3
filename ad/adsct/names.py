"""Fresh names for generated code: readable, and clashing with nothing already taken."""


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
