"""adsct on everyday loops and statements (issue 15, part B): `for` over arrays, tuples, dicts,
enumerate, zip, reversed and range with a step; pass, assert, raise, print, chained
comparisons, unpacking of shapes, dict(...), f-strings; errors named in a Python
programmer's words, at the user's file and line."""

import pathlib
import textwrap

import numpy as np
import pytest

import ad
from ad import adoo, adsct, numeric
from ad.errors import UnsupportedSyntaxError
from adsct_corpus_loops import LOOPS, checked_log, dot_by_hand, horner, shape_unpacked, sum_of_row_norms
from trees import assert_trees_close

GOLDEN = pathlib.Path(__file__).parent / "golden"
IDS = [f"{f.__name__}-{k}" for k, (f, _, _) in enumerate(LOOPS)]


@pytest.mark.parametrize("f,args,argnums", LOOPS, ids=IDS)
def test_reverse_mode_matches_adoo_and_finite_differences(f, args, argnums):
    value, got = adsct.value_and_grad(f, argnums=argnums)(*args)
    np.testing.assert_allclose(value, f(*args), rtol=1e-12)
    assert_trees_close(got, adoo.grad(f, argnums=argnums)(*args), rtol=1e-10, atol=1e-12)
    assert_trees_close(got, numeric.grad(f, *args, argnums=argnums, method="richardson"), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f,args,argnums", LOOPS, ids=IDS)
def test_forward_mode_matches_adoo(f, args, argnums):
    got = ad.jacobian(f, argnums=argnums, mode="forward", strategy="adsct")(*args)
    assert_trees_close(got, adoo.jacobian(f, argnums=argnums, mode="forward")(*args), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("f,args,argnums", LOOPS, ids=IDS)
def test_second_order_matches_adoo_and_finite_differences_of_the_gradient(f, args, argnums):
    got = ad.hessian(f, argnums=argnums, strategy="adsct")(*args)
    assert_trees_close(got, adoo.hessian(f, argnums=argnums)(*args), rtol=1e-9, atol=1e-10)
    # one diagonal block (of an array argument) against finite differences of adsct's gradient
    positions = [argnums] if isinstance(argnums, int) else list(argnums)
    k = next(k for k, n in enumerate(positions) if not isinstance(args[n], dict))
    block = got if isinstance(argnums, int) else got[k][k]
    gradient = adsct.grad(f, argnums=positions[k])
    np.testing.assert_allclose(block, numeric.jacobian(gradient, *args, argnums=positions[k]), rtol=1e-5, atol=1e-6)


# -- loops lower to loops over positions, keeping the user's names ---------------------------------

def test_loop_over_rows_reads_like_a_loop_over_positions():
    text = adsct.source(sum_of_row_norms)
    assert "for i in items:" in text and "row = X[i]" in text
    assert "t1 = len(X)" in text


def test_enumerate_uses_the_users_index_and_zip_stops_at_the_shortest():
    text = adsct.source(dot_by_hand, argnums=(0, 1))
    assert "min(" in text and "a = x[i]" in text and "b = y[i]" in text
    x, y = np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0])  # zip walks two pairs, as Python does
    value, (gx, gy) = adsct.value_and_grad(dot_by_hand, argnums=(0, 1))(x, y)
    assert value == dot_by_hand(x, y)
    np.testing.assert_array_equal(gx, [4.0, 5.0, 0.0])
    np.testing.assert_array_equal(gy, [1.0, 2.0])


def test_reversed_counts_down():
    text = adsct.source(horner, argnums=(0, 1))
    assert "range(t2, -1, -1)" in text.replace(" - 1", "") or "-1, -1)" in text
    coefficients = np.array([1.0, -2.0, 0.5])  # 1 - 2 t + 0.5 t^2
    assert adsct.grad(horner, argnums=1)(coefficients, 2.0) == pytest.approx(-2.0 + 2.0)


def test_a_loop_that_rebinds_its_sequence_walks_the_value_it_started_with():
    from adsct_corpus_loops import loop_rebinds_what_it_walks
    x = np.array([0.9, 1.1, 0.8])
    assert adsct.value_and_grad(loop_rebinds_what_it_walks)(x)[0] == pytest.approx(loop_rebinds_what_it_walks(x))


def test_generated_loop_code_matches_golden_file():
    path = GOLDEN / "sum_of_row_norms_reverse.py"
    text = adsct.source(sum_of_row_norms)
    if __import__("os").environ.get("AD_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), "generated code changed; review it and rerun with AD_UPDATE_GOLDEN=1"


# -- statements with no derivative run in the forward sweep as written ------------------------------

def test_shape_unpacking_keeps_plain_ints_and_checks_the_count():
    text = adsct.source(shape_unpacked)
    assert "check_unpack(" in text and "rows = t" in text and "[0]" in text
    with pytest.raises(AssertionError, match="need 3 columns, got 2"):
        adsct.grad(shape_unpacked)(np.ones((2, 2)))
    with pytest.raises(ValueError, match="too many values to unpack"):
        adsct.grad(shape_unpacked)(np.ones((2, 3, 1)))


def test_raise_with_an_fstring_runs_in_every_mode():
    bad = np.array([0.5, -1.0, 0.0])
    for transform in (adsct.grad(checked_log), ad.jacobian(checked_log, mode="forward", strategy="adsct"),
                      ad.hessian(checked_log, strategy="adsct")):
        with pytest.raises(ValueError, match="log of 2 non-positive values"):
            transform(bad)
    text = adsct.source(checked_log)
    assert "raise ValueError(f'log of {" in text
    assert "saved.append" not in text and "saved.pop" not in text, "a branch that raises records nothing"


def _printing(x):
    print(f"x has {x.size} entries")
    loss = np.sum(x ** 2)
    print("loss", loss)
    return loss


def test_print_runs_in_the_forward_sweep_with_the_values_of_the_function(capsys):
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(adsct.grad(_printing)(x), 2 * x)
    assert capsys.readouterr().out == "x has 2 entries\nloss 5.0\n"
    assert adsct.jvp(_printing, (x,), (np.array([1.0, 0.0]),)) == (5.0, 2.0)
    assert capsys.readouterr().out == "x has 2 entries\nloss 5.0\n"


def _print_in_a_loop(x):
    s = 0.0
    for v in x:
        s = s + v ** 2
        print("partial sum", s)
    return s


def _quiet_loop(x):
    s = 0.0
    for v in x:
        s = s + v ** 2
    return s


def test_print_in_a_loop_saves_nothing_on_the_stack(capsys):
    text = adsct.source(_print_in_a_loop)
    assert "print('partial sum', s)" in text
    assert text.count("saved.append") == adsct.source(_quiet_loop).count("saved.append")
    np.testing.assert_allclose(adsct.grad(_print_in_a_loop)(np.array([1.0, 2.0])), [2.0, 4.0])
    assert capsys.readouterr().out == "partial sum 1.0\npartial sum 5.0\n"


def _identity_checks(x, y):
    w = x * y
    if w is None or 2.0 in (w, y):
        return x
    return w


def test_is_and_in_comparisons_are_plain_tests():
    assert adsct.grad(_identity_checks)(3.0, 0.5) == 0.5
    assert adsct.grad(_identity_checks)(3.0, 2.0) == 1.0


def _in_range(x):
    if 0.0 < x < 1.0:
        return x ** 2
    return -x


def test_chained_comparison_is_each_link_in_turn():
    for x in (0.5, 1.5, -0.5):
        assert adsct.grad(_in_range)(x) == adoo.grad(_in_range)(x)
    assert adsct.jvp(_in_range, (0.5,), (1.0,))[1] == 1.0


# -- errors in the user's words --------------------------------------------------------------------

REFUSED = {
    "a with statement": "def f(x):\n    with open('f') as h:\n        y = x\n    return y\n",
    "a del statement": "def f(x):\n    y = [x]\n    del y[0]\n    return x\n",
    "'y' is read after `del y`": "def f(x):\n    y = x * 2.0\n    del y\n    return y\n",
    "a try statement": "def f(x):\n    try:\n        y = x\n    except ValueError:\n        y = x\n    return y\n",
    "a for loop with an else: clause": "def f(x):\n    for i in range(3):\n        x = x * 2.0\n    else:\n"
                                       "        x = -x\n    return x\n",
    "a set": "def f(x):\n    return len({x, 2.0}) * x\n",
    "a loop variable like `a.b`": "def f(x):\n    for a.b in x:\n        x = x * 2.0\n    return x\n",
    "a call whose result is not used (np.random.seed(...)": "def f(x):\n    np.random.seed(0)\n    return x\n",
}


@pytest.mark.parametrize("words", sorted(REFUSED))
def test_refusals_name_the_construct_in_python_words_at_the_users_line(words):
    text = REFUSED[words]
    namespace = {"np": np}
    exec(compile(text, "<refused>", "exec"), namespace)
    with pytest.raises(UnsupportedSyntaxError) as info:
        adsct.source(namespace["f"], source=text)
    message = str(info.value)
    assert words in message and message.startswith("<refused>:")
    assert info.value.lineno >= 2 and info.value.offset >= 1 and info.value.hint
    for ast_word in ("statements are", "expressions are", "With", "Delete", "Try", "Expr"):
        assert ast_word not in message


def test_loop_over_a_dict_view_of_a_value_that_is_not_a_dict_is_refused_clearly():
    text = "def f(x):\n    s = 0.0\n    for k, v in x.items():\n        s = s + v\n    return s\n"
    namespace = {}
    exec(compile(text, "<refused>", "exec"), namespace)
    with pytest.raises(UnsupportedSyntaxError, match=r"<refused>:3:17: a loop over .items\(\) of a value that is"):
        adsct.source(namespace["f"], source=textwrap.dedent(text))


def test_a_branch_without_else_has_no_else_pass():
    for mode in ("forward", "reverse"):
        assert "else:\n        pass" not in adsct.source(checked_log, mode=mode)


def _calls_a_function_without_a_rule(x):
    return np.sum(np.unwrap(x))


def test_a_call_without_a_rule_is_named_at_the_users_file_line_and_column():
    from ad.errors import NotDifferentiableError
    line = _calls_a_function_without_a_rule.__code__.co_firstlineno + 1
    with pytest.raises(NotDifferentiableError, match=rf"test_adsct_loops.py:{line}:5: numpy.unwrap has no "):
        adsct.grad(_calls_a_function_without_a_rule)(np.ones(3))


def _ends_without_return(x):
    y = x * 2.0
    print(y)


def test_a_function_without_a_final_return_gets_a_hint_that_works():
    with pytest.raises(UnsupportedSyntaxError, match="must end with `return") as info:
        adsct.grad(_ends_without_return)(1.0)
    assert "straight-line" not in info.value.hint and "return" in info.value.hint


def _tuple_chosen_by_a_test(x, y):
    a, b = (x, y) if x > 1.0 else (y, x)
    return a * b ** 2


def test_a_conditional_expression_between_tuples_is_refused_clearly():
    with pytest.raises(UnsupportedSyntaxError, match="a conditional expression that chooses between tuples"):
        adsct.grad(_tuple_chosen_by_a_test)(2.0, 3.0)


def test_an_error_without_a_line_never_shows_none():
    namespace = {}
    exec("def f(x):\n    return x * x\n", namespace)  # (no source file to read, as under python -c)
    with pytest.raises(UnsupportedSyntaxError) as info:
        adsct.grad(namespace["f"])(1.0)
    assert "None" not in str(info.value) and str(info.value).startswith("<string>: ")


def _mismatched_rows(X):
    s = 0.0
    for row in X:
        s = s + np.sum(row @ np.ones(4))
    return s


def _truth_of_an_array(x):
    if x > 0:
        return np.sum(x)
    return -np.sum(x)


def test_an_error_while_generated_code_runs_points_at_the_users_line():
    line = _mismatched_rows.__code__.co_firstlineno + 3
    with pytest.raises(ValueError) as info:
        adsct.grad(_mismatched_rows)(np.ones((2, 3)))
    assert f"test_adsct_loops.py, line {line}: s = s + np.sum(row @ np.ones(4))" in "\n".join(info.value.__notes__)
    line = _truth_of_an_array.__code__.co_firstlineno + 1
    with pytest.raises(ValueError, match="truth value") as info:
        ad.jacobian(_truth_of_an_array, mode="forward", strategy="adsct")(np.ones(2))
    assert f"test_adsct_loops.py, line {line}: if x > 0:" in "\n".join(info.value.__notes__)
