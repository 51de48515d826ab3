"""adsct's `checkpoints=k` (issue 16, part 3): loops differentiated with binomial checkpointing.

The gradients equal those of the unchecked code and finite differences, for loops written as
NumPy users write them; the schedule keeps at most k states and recomputes exactly as many
steps as Griewank's binomial formula says; bad values of k are refused clearly."""

from functools import lru_cache

import numpy as np
import pytest

import ad
from ad import adsct, numeric
from ad.adsct import emit, revolve
from adsct_corpus import CALLS, CORPUS, LIST_CORPUS, LOOPS, WRITES
from trees import assert_trees_close

KS = (1, 2, 3, 7)
COUNTS = (0, 1, 2, 5, 10)  # (10 is no multiple of 3 or 7)


# -- loops as NumPy users write them ---------------------------------------------------------------

def repeated_map(x, w, n):
    for i in range(n):
        x = np.sin(x) * w + 0.1 * x
    return np.sum(x * x)


def over_rows(X, w):
    s = 0.0
    for row in X:
        s = s + np.sum(np.tanh(row * w))
    return s


def enumerated(x, w):
    total = 0.0
    for i, v in enumerate(x):
        total = total + (i + 1.0) * np.sin(v * w[i % 2])
    return total


def counted_while(x, n):
    k = 0
    while k < n:
        x = np.cos(x) * 0.9 + 0.2 * x
        k += 1
    return np.sum(x ** 2)


def while_until_large(x, n):
    k = 0
    while np.sum(x * x) < 50.0 and k < n:
        x = x * 1.3 + 0.05
        k = k + 1
    return np.sum(np.sin(x))


def nested(x, A, n):
    for i in range(n):
        for j in range(2):
            x = np.tanh(A @ x) + 0.1 * x
    return np.sum(x)


def break_and_continue(x, n):
    for i in range(n):
        if i % 3 == 1:
            continue
        x = 0.9 * x + np.sin(x)
        if np.sum(x) > 4.0:
            break
    return np.sum(x * x)


def several_carried(x, y, a, n):
    s = 0.0
    for i in range(n):
        x, y = x * np.cos(y), y + 0.1 * np.sin(x)
        s = s * a + np.sum(x * y)
    return s + np.sum(x) * a


def six_steps(x, w):
    return repeated_map(x, w, 6)


def _normal(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


CASES = {  # name: (f, argnums, arguments for a count n)
    "repeated_map": (repeated_map, (0, 1), lambda n: (_normal(3), _normal(3, seed=1), n)),
    "over_rows": (over_rows, (0, 1), lambda n: (_normal(n, 3), _normal(3, seed=1))),
    "enumerated": (enumerated, (0, 1), lambda n: (_normal(n), _normal(2, seed=1))),
    "counted_while": (counted_while, 0, lambda n: (_normal(3), n)),
    "while_until_large": (while_until_large, 0, lambda n: (0.5 + 0.1 * _normal(2), n)),
    "nested": (nested, (0, 1), lambda n: (_normal(3), 0.5 * _normal(3, 3, seed=1), n)),
    "break_and_continue": (break_and_continue, 0, lambda n: (0.3 * _normal(3), n)),
    "several_carried": (several_carried, (0, 1, 2), lambda n: (_normal(2), _normal(2, seed=1), 0.8, n)),
}


@pytest.mark.parametrize("n", COUNTS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_checkpointed_gradients_equal_the_unchecked_ones_and_finite_differences(name, n):
    f, argnums, arguments = CASES[name]
    args = arguments(n)
    value, want = adsct.value_and_grad(f, argnums=argnums)(*args)
    assert_trees_close(want, numeric.grad(f, *args, argnums=argnums), rtol=1e-5, atol=1e-6)
    for k in KS:
        got_value, got = adsct.value_and_grad(f, argnums=argnums, checkpoints=k)(*args)
        assert got_value == value
        assert_trees_close(got, want, err_msg=f"checkpoints={k}", rtol=1e-12, atol=1e-14)
    got = adsct.grad(f, argnums=argnums, checkpoints=3)(*args)
    assert_trees_close(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("n", (0, 1, 4))
def test_scalar_arguments_use_the_float_code_with_checkpoints_too(n):
    want = adsct.grad(repeated_map, argnums=(0, 1))(0.3, 1.1, n)
    got = adsct.grad(repeated_map, argnums=(0, 1), checkpoints=2)(0.3, 1.1, n)
    assert type(got[0]) is float and got == pytest.approx(want, rel=1e-12, abs=1e-14)


def test_the_corpus_loops_branches_and_writes_agree_with_checkpoints():
    """Every program of the adsct corpus with loops (lists, writes into arrays, early returns,
    break in nested loops, while loops, loops in called functions), with one and two kept states."""
    tried = 0
    for f, args, *argnums in CORPUS + LOOPS + WRITES + CALLS + LIST_CORPUS:
        argnums = argnums[0] if argnums else 0
        if "for " not in adsct.source(f, argnums=argnums, args=args) and "while" not in adsct.source(
                f, argnums=argnums, args=args):
            continue
        want = adsct.grad(f, argnums=argnums)(*args)
        for k in (1, 2):
            assert_trees_close(adsct.grad(f, argnums=argnums, checkpoints=k)(*args), want, err_msg=f.__name__,
                               rtol=1e-12, atol=1e-14)
        tried += 1
    assert tried >= 50


def test_ten_thousand_steps_and_a_long_while_loop():
    x = np.linspace(-1.0, 1.0, 4)
    want = adsct.grad(repeated_map)(x, 0.9, 10_000)
    np.testing.assert_allclose(adsct.grad(repeated_map, checkpoints=4)(x, 0.9, 10_000), want, rtol=1e-12, atol=1e-14)
    want = adsct.grad(counted_while)(x, 10_000)
    np.testing.assert_allclose(adsct.grad(counted_while, checkpoints=10)(x, 10_000), want, rtol=1e-12, atol=1e-14)


def test_vjp_and_the_dispatching_transforms_pass_checkpoints_on():
    x, w = _normal(3), _normal(3, seed=1)
    want = adsct.grad(repeated_map, argnums=(0, 1))(x, w, 6)
    got = ad.grad(repeated_map, argnums=(0, 1), strategy="adsct", checkpoints=2)(x, w, 6)
    assert_trees_close(got, want, rtol=1e-12, atol=1e-14)
    value, got = ad.value_and_grad(repeated_map, argnums=(0, 1), checkpoints=2)(x, w, 6)
    assert value == repeated_map(x, w, 6)
    assert_trees_close(got, want, rtol=1e-12, atol=1e-14)
    value, vjp_fn = ad.vjp(six_steps, x, w, checkpoints=3)  # (vjp differentiates every argument)
    assert_trees_close(vjp_fn(1.0), want, rtol=1e-12, atol=1e-14)

    def pair(x):  # a tuple output: vjp through the output wrapper, which inlines pair
        for i in range(5):
            x = np.sin(x) * 1.2
        return x, np.sum(x)

    value, vjp_fn = adsct.vjp(pair, x, checkpoints=2)
    u = (np.ones(3), 2.0)
    assert_trees_close(vjp_fn(u), adsct.vjp(pair, x)[1](u), rtol=1e-12, atol=1e-14)


# -- the schedule: at most k states, the binomial number of recomputed steps -----------------------

@lru_cache(maxsize=None)
def _fewest_advances(steps: int, free: int) -> int:
    """By brute force over every first checkpoint: the fewest forward steps (records aside)
    that reverse `steps` steps from a kept state with `free` more slots."""
    if steps <= 1:
        return 0
    if free == 0:
        return steps * (steps - 1) // 2
    return min(m + _fewest_advances(steps - m, free - 1) + _fewest_advances(m, free) for m in range(1, steps))


class _Counted(revolve.CheckpointedLoop):
    """The schedule helper, counting the step functions' calls and the states alive at once."""

    def __init__(self, slots, state, restore, advance, record, test=None):
        self.calls = {"advance": 0, "record": 0, "alive": 0}

        def counted(kind, function):
            def step(k):
                self.calls[kind] += 1
                return function(k)
            return step

        super().__init__(slots, state, restore, counted("advance", advance), counted("record", record), test)

    def _keep(self, step):
        super()._keep(step)
        self.calls["alive"] = max(self.calls["alive"], len(self.kept))


def test_at_most_k_states_and_the_binomial_count_of_recomputed_steps(monkeypatch):
    monkeypatch.setitem(emit.HELPERS, "checkpointed_loop", _Counted)

    def chain(x, n):
        for i in range(n):
            x = np.sin(x) + 0.5 * x
        return np.sum(x)

    def chain_while(x, n):
        k = 0
        while k < n:
            x = np.sin(x) + 0.5 * x
            k = k + 1
        return np.sum(x)

    x = _normal(4)
    for n in (1, 2, 3, 10, 33, 100):
        for k in (1, 2, 3, 5, 40):
            with revolve.recording() as loops:
                adsct.grad(chain, checkpoints=k)(x, n)
                adsct.grad(chain_while, checkpoints=k)(x, n)
            (loop, loop_while) = loops
            fewest = revolve.advances(n, k)
            assert fewest == _fewest_advances(n, k - 1) or n > 33  # (the formula is the brute-force optimum)
            alive = min(k, max(n - 1, 1))  # (never a state before the last step: that one is recorded at once)
            assert loop.calls == {"advance": fewest, "record": n, "alive": alive}, (n, k)
            assert loop_while.calls == {"advance": n + fewest, "record": n, "alive": alive}, (n, k)
            assert loop.held_most <= k and loop.kept == []  # (all let go at the end)
    assert revolve.advances(10_000, 10) == 7 * 10_000 - 12_376  # r = 7 repetitions: C(17, 10) >= 10,000


def test_the_formula_matches_brute_force_and_grows_like_n_log_n():
    for k in range(1, 7):
        for n in range(0, 60):
            assert revolve.advances(n, k) == _fewest_advances(n, k - 1), (n, k)
    assert revolve.advances(1000, 1) == 1000 * 999 // 2  # one state: everything from the start
    assert revolve.advances(1000, 1000) == 999  # a state per step: each step run once more at most
    assert revolve.advances(10_000, 14) < 10_000 * np.log2(10_000)


def test_a_print_in_the_loop_runs_once_per_step(capsys):
    def noisy(x, n):
        for i in range(n):
            print("step", i)
            x = np.sin(x)
        return np.sum(x)

    adsct.grad(noisy, checkpoints=2)(_normal(2), 6)
    assert capsys.readouterr().out == "".join(f"step {i}\n" for i in range(6))


# -- the code: unchanged without checkpoints, readable with them ------------------------------------

def test_default_code_is_unchanged_and_checkpointed_code_reads_as_step_functions():
    plain = adsct.source(repeated_map, argnums=(0, 1))
    assert "checkpointed_loop" not in plain and "nonlocal" not in plain
    assert adsct.source(repeated_map, argnums=(0, 1), checkpoints=None) == plain
    text = adsct.source(repeated_map, argnums=(0, 1), checkpoints=3)
    for line in ("def loop_advance(step):", "def loop_record(step):", "def loop_reverse(step):",
                 "loop = checkpointed_loop(3, loop_state, loop_restore, loop_advance,", "loop.run(len(items))",
                 "saved.pop().reverse(loop_reverse)", "nonlocal i, t2, t3, t4, x"):
        assert line in text, line
    while_text = adsct.source(counted_while, checkpoints=2)
    assert "def loop_test():" in while_text and "loop.run()" in while_text


def test_names_of_the_users_code_are_kept_apart_from_the_step_functions():
    def uses_the_same_names(x, step, state):
        loop = 0.5
        for i in range(3):
            x = np.sin(x) * step + state * loop
        return np.sum(x)

    args = (_normal(2), 0.7, 0.2)
    want = adsct.grad(uses_the_same_names, argnums=(0, 1, 2))(*args)
    assert_trees_close(adsct.grad(uses_the_same_names, argnums=(0, 1, 2), checkpoints=2)(*args), want,
                       rtol=1e-12, atol=1e-14)


# -- errors ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("k,error", [(0, ValueError), (-2, ValueError), (2.5, TypeError), ("3", TypeError),
                                     (True, TypeError)])
def test_bad_numbers_of_checkpoints_are_refused(k, error):
    for transform in (adsct.grad, adsct.value_and_grad):
        with pytest.raises(error, match="checkpoints must be"):
            transform(repeated_map, checkpoints=k)
    with pytest.raises(error, match="checkpoints must be"):
        adsct.vjp(repeated_map, _normal(3), 1.0, 2, checkpoints=k)
    with pytest.raises(error, match="checkpoints must be"):
        ad.grad(repeated_map, strategy="adsct", checkpoints=k)


@pytest.mark.parametrize("strategy", ["adoo", "adlib"])
def test_strategies_without_checkpoints_refuse_them(strategy):
    for transform in (ad.grad, ad.value_and_grad):
        with pytest.raises(ValueError, match="checkpoints= .* is adsct's; strategy '" + strategy):
            transform(repeated_map, strategy=strategy, checkpoints=2)
    with pytest.raises(ValueError, match="is adsct's"):
        ad.vjp(repeated_map, _normal(3), 1.0, 2, strategy=strategy, checkpoints=2)


def test_forward_mode_and_transforms_of_gradients_refuse_checkpoints():
    with pytest.raises(ValueError, match="reverse mode"):
        adsct.source(repeated_map, mode="forward", checkpoints=2)
    with pytest.raises(ValueError, match="inner transform"):
        adsct.grad(adsct.grad(repeated_map), checkpoints=2)


RNG = np.random.default_rng(0)


def noisy_steps(x, n):
    for i in range(n):
        x = np.sin(x) + 0.01 * RNG.normal(size=3)
    return np.sum(x)


def noisy_steps_legacy(x, n):
    k = 0
    while k < n:
        x = np.sin(x) * np.random.uniform(0.9, 1.1, size=x.shape)
        k = k + 1
    return np.sum(x)


def noise_drawn_first(x, n):
    noise = RNG.normal(size=(n, 3))
    for i in range(n):
        x = np.sin(x) + 0.01 * noise[i]
    return np.sum(x)


@pytest.mark.parametrize("f,call", [(noisy_steps, "RNG.normal"), (noisy_steps_legacy, "np.random.uniform")])
def test_random_numbers_drawn_in_a_checkpointed_loop_are_refused_at_the_users_line(f, call):
    with pytest.raises(adsct.UnsupportedSyntaxError, match=f"`{call}\\(...\\)` in a loop differentiated with "
                                                        "checkpoints=2") as caught:
        adsct.grad(f, checkpoints=2)(_normal(3), 4)
    assert caught.value.filename == __file__ and "draw them before the loop" in str(caught.value)
    adsct.grad(f)(_normal(3), 4)  # (without checkpoints each step runs once: accepted)
    assert adsct.grad(noise_drawn_first, checkpoints=2)(_normal(3), 4).shape == (3,)
