"""Printing expressions as text (Python syntax) and as LaTeX.

The printers read nodes by their attributes only (`op`, `args`, `params`, `name`, `value`),
so this module imports nothing from the rest of `ad.symbolic`.  Both print the *tree* form:
a subexpression shared in the DAG is written out wherever it is used.  Parentheses follow
the evaluation order exactly (`a*(b*c)` stays bracketed: floating-point products are not
associative), and the text is valid Python that recomputes the expression with NumPy
functions of the same names.  Traversal is iterative.
"""

from __future__ import annotations

import math
import re

from .graph import topological

__all__ = ["text", "latex"]

# Binding strength: comparisons 0 < sums 1 < products 2 < negation 3 < powers 4 < atoms 5.
_INFIX = {"add": (" + ", 1), "sub": (" - ", 1), "mul": ("*", 2), "div": ("/", 2), "pow": ("**", 4),
          "greater": (" > ", 0), "greater_equal": (" >= ", 0), "less": (" < ", 0), "less_equal": (" <= ", 0),
          "equal": (" == ", 0), "not_equal": (" != ", 0)}
_ATOM, _NEG = 5, 3

_GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
          "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega",
          "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
_LATEX_FUNCTIONS = {"log": r"\ln", "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "sinh": r"\sinh",
                    "cosh": r"\cosh", "tanh": r"\tanh", "arcsin": r"\arcsin", "arccos": r"\arccos",
                    "arctan": r"\arctan", "log10": r"\log_{10}", "log2": r"\log_{2}"}


def _number(value) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _is_negative(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (value < 0 or math.copysign(1, value) < 0)


def _render(roots, leaf, combine) -> dict:
    """{id(node): (text, strength)} for every node under `roots`, arguments first."""
    done: dict = {}
    for node in topological(roots):
        if node.op is None:
            done[id(node)] = leaf(node)
        else:
            done[id(node)] = combine(node, [done[id(a)] for a in node.args])
    return done


# -- text ---------------------------------------------------------------------------------

def _text_leaf(node):
    if hasattr(node, "name"):
        return node.name, _ATOM
    value = node.value
    if isinstance(value, (bool, int, float, complex)):
        return _number(value), _NEG if _is_negative(value) else _ATOM
    return f"np.array({value.tolist()!r})", _ATOM


def _wrap(part, weaker_than) -> str:
    text, strength = part
    return f"({text})" if strength < weaker_than else text


def _text_node(node, parts):
    name = node.op.name
    if name in _INFIX and len(parts) == 2 and not node.params:
        symbol, strength = _INFIX[name]
        left, right = parts
        if name == "pow":  # right-associative; a negative base needs brackets: (-x)**2
            return f"{_wrap(left, strength + 1)}{symbol}{_wrap(right, strength)}", strength
        right_needs = strength + 1 if right[1] != _NEG else _ATOM + 1
        return f"{_wrap(left, strength)}{symbol}{_wrap(right, right_needs)}", strength
    if name == "neg":
        return f"-{_wrap(parts[0], 2)}", _NEG
    arguments = [p[0] for p in parts] + [f"{k}={v!r}" for k, v in node.params.items()]
    return f"{name}({', '.join(arguments)})", _ATOM


def text(expr) -> str:
    """The expression as Python text; a tuple (a gradient, a Hessian) as a tuple of texts.

    >>> from ad.symbolic import symbols
    >>> x, y = symbols("x y")
    >>> text((x - y) * -x), text((x, y * y))
    ('-(x - y)*x', '(x, y*y)')
    """
    if isinstance(expr, (tuple, list)):
        inner = ", ".join(text(e) for e in expr)
        return f"({inner},)" if len(expr) == 1 else f"({inner})"
    return _render([expr], _text_leaf, _text_node)[id(expr)][0]


# -- LaTeX ----------------------------------------------------------------------------------

def _latex_name(name: str) -> str:
    match = re.fullmatch(r"([A-Za-z]+?)_?(\d+)", name) or re.fullmatch(r"([A-Za-z]+)_(\w+)", name)
    base, index = (match.group(1), match.group(2)) if match else (name, "")
    if base in _GREEK:
        base = "\\" + base
    elif len(base) > 1:
        base = rf"\mathrm{{{base}}}"
    return f"{base}_{{{index}}}" if index else base


def _latex_leaf(node):
    if hasattr(node, "name"):
        return _latex_name(node.name), _ATOM
    value = node.value
    if isinstance(value, (bool, int, float)):
        return (_number(value) if not isinstance(value, bool) else rf"\mathrm{{{value}}}"), \
            _NEG if _is_negative(value) else _ATOM
    return rf"\mathrm{{{_text_leaf(node)[0]}}}", _ATOM


def _brackets(part, weaker_than) -> str:
    body, strength = part
    return rf"\left({body}\right)" if strength < weaker_than else body


_LATEX_INFIX = {"add": " + ", "sub": " - ", "greater": " > ", "greater_equal": r" \geq ", "less": " < ",
                "less_equal": r" \leq ", "equal": " = ", "not_equal": r" \neq "}


def _latex_node(node, parts):
    name = node.op.name
    if node.params:
        arguments = [p[0] for p in parts] + [f"{k}={v!r}" for k, v in node.params.items()]
        return rf"\operatorname{{{name}}}\left({', '.join(arguments)}\right)", _ATOM
    if name in _LATEX_INFIX:
        strength = _INFIX[name][1]
        left, right = parts
        right_needs = strength + 1 if right[1] != _NEG else _ATOM + 1
        return f"{_brackets(left, strength)}{_LATEX_INFIX[name]}{_brackets(right, right_needs)}", strength
    if name == "mul":
        left, right = parts
        joint = r" \cdot " if node.args[1].op is None and not hasattr(node.args[1], "name") else " "
        return f"{_brackets(left, 2)}{joint}{_brackets(right, 3 if right[1] != _NEG else _ATOM + 1)}", 2
    if name == "div":
        return rf"\frac{{{parts[0][0]}}}{{{parts[1][0]}}}", _ATOM
    if name == "pow":
        return f"{{{_brackets(parts[0], _ATOM)}}}^{{{parts[1][0]}}}", 4
    if name == "square":
        return f"{{{_brackets(parts[0], _ATOM)}}}^{{2}}", 4
    if name == "neg":
        return f"-{_brackets(parts[0], 2)}", _NEG
    if name == "sqrt":
        return rf"\sqrt{{{parts[0][0]}}}", _ATOM
    if name == "exp":
        return f"e^{{{parts[0][0]}}}", 4
    if name == "abs":
        return rf"\left|{parts[0][0]}\right|", _ATOM
    function = _LATEX_FUNCTIONS.get(name, rf"\operatorname{{{name}}}")
    return rf"{function}\left({', '.join(p[0] for p in parts)}\right)", _ATOM


def latex(expr) -> str:
    """The expression in LaTeX; a tuple as a row vector, a tuple of tuples (a Hessian) as a matrix.

    >>> from ad.symbolic import symbols
    >>> x1, x2 = symbols("x1 x2")
    >>> latex(x1 / x2), latex((x1, x2))
    ('\\\\frac{x_{1}}{x_{2}}', '\\\\left(x_{1},\\\\ x_{2}\\\\right)')
    """
    if isinstance(expr, (tuple, list)):
        if expr and all(isinstance(row, (tuple, list)) for row in expr):
            rows = r" \\ ".join(" & ".join(latex(e) for e in row) for row in expr)
            return rf"\begin{{pmatrix}} {rows} \end{{pmatrix}}"
        items = r",\ ".join(latex(e) for e in expr)
        return rf"\left({items}\right)"
    return _render([expr], _latex_leaf, _latex_node)[id(expr)][0]
