"""Random programs with branches, loops, break/continue and early returns, written as source
text: the code adsct generates must give the same derivatives as adoo running the same program."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ad import adoo, adsct

UNARY = ["np.sin({})", "np.cos({})", "np.tanh({})", "np.arctan({})", "ops.sigmoid({})", "({} * 0.5)"]
BINARY = ["{} + {}", "{} - {}", "{} * {}", "{} / (1.0 + {} * {})"]


@st.composite
def expressions(draw, names):
    a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
    if draw(st.booleans()):
        return draw(st.sampled_from(UNARY)).format(a)
    template = draw(st.sampled_from(BINARY))
    return template.format(a, b, b) if template.count("{}") == 3 else template.format(a, b)


@st.composite
def statements(draw, names, depth, lines, indent):
    """Append statements to `lines`; returns the names defined so far."""
    kind = draw(st.sampled_from(["assign", "assign", "if", "for", "while"] if depth < 2 else ["assign"]))
    pad = "    " * indent
    if kind == "assign":
        target = draw(st.sampled_from(names + [f"v{len(names)}"]))
        lines.append(f"{pad}{target} = {draw(expressions(names))}")
        return names if target in names else names + [target]
    if kind == "if":
        test = draw(st.sampled_from(names))
        target = draw(st.sampled_from(names))  # assigned in both branches: defined afterwards
        lines.append(f"{pad}if np.sum({test}) > {draw(st.floats(-0.5, 0.5)):.3f}:")
        lines.append(f"{pad}    {target} = {draw(expressions(names))}")
        draw(statements(names, depth + 1, lines, indent + 1))
        if draw(st.booleans()):  # an early return
            lines.append(f"{pad}    return np.sum({draw(expressions(names))})")
        lines.append(f"{pad}else:")
        lines.append(f"{pad}    {target} = {draw(expressions(names))}")
        return names
    target = draw(st.sampled_from(names))
    count = draw(st.integers(0, 3))
    counter = f"k{indent}"  # one counter per nesting level: an inner loop must not reset the outer one
    if kind == "for":
        lines.append(f"{pad}for i{indent} in range({count}):")
        lines.append(f"{pad}    {target} = {target} * 0.5 + {draw(expressions(names))}")
    else:
        lines.append(f"{pad}{counter} = 0")
        lines.append(f"{pad}while {counter} < {count}:")
        lines.append(f"{pad}    {target} = {target} * 0.5 + {draw(expressions(names))}")
        lines.append(f"{pad}    {counter} = {counter} + 1")
    draw(statements(names, depth + 1, lines, indent + 1))
    if draw(st.booleans()):  # leave the loop or the iteration early, on a value-dependent test
        lines.append(f"{pad}    if np.sum({draw(st.sampled_from(names))}) > {draw(st.floats(-1.0, 1.0)):.3f}:")
        lines.append(f"{pad}        {draw(st.sampled_from(['break', 'continue']))}")
    return names


@st.composite
def programs(draw):
    lines, names = ["def program(v0, v1):"], ["v0", "v1"]
    for _ in range(draw(st.integers(1, 5))):
        names = draw(statements(names, 0, lines, 1))
    lines.append(f"    return np.sum({' + '.join(names)})")
    return "\n".join(lines) + "\n"


def _compile(text):
    from ad import ops
    namespace = {"np": np, "ops": ops}
    exec(compile(text, "<program>", "exec"), namespace)
    return namespace["program"]


@pytest.mark.parametrize("shape", [(), (3,)])
@given(text=programs(), seed=st.integers(0, 2**16))
def test_random_programs_agree_with_adoo(text, shape, seed):
    f = _compile(text)
    rng = np.random.default_rng(seed)
    args = tuple(rng.uniform(-1.0, 1.0, shape) if shape else float(rng.uniform(-1.0, 1.0)) for _ in range(2))
    adsct.source(f, argnums=(0, 1), source=text)  # the text has no file: give it once
    value, got = adsct.value_and_grad(f, argnums=(0, 1))(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12, err_msg=text)  # the value too, not only the gradient
    want = adoo.grad(f, argnums=(0, 1))(*args)
    # (a program that overflows, squaring in a loop, has no derivative to compare: inf - inf is
    # nan in one summation order and inf in another)
    assume(all(np.all(np.isfinite(w)) for w in want))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12, err_msg=text)
    forward = adsct.jacobian(f, argnums=(0, 1), mode="forward")(*args)
    for g, w in zip(forward, want):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12, err_msg=text)
