# The notebook section "Symbolic differentiation and expression swell", as cells to paste into
# demo.ipynb (percent format: each "# %%" starts a cell; "[markdown]" cells are text).  It runs
# as a script too: python benchmarks/symbolic_section.py (the figure then goes to a PNG file).

# %% [markdown]
# ## Symbolic differentiation and expression swell
#
# The course notes list four ways to get a derivative: by hand, numerically, symbolically and
# automatically.  `ad.symbolic` is the symbolic way: a function traced with symbols gives an
# *expression* whose nodes are registry ops, and the registry's own JVP rules, run on
# expressions, give the derivative *expression* (no rule is written twice).  Here is the running
# example's gradient, simplified as a reader would (x·1 = x, x + 0 = x, constants folded):

# %%
import numpy as np
from IPython.display import Math, display

from ad import symbolic
from ad.examples import RUNNING_POINT, running_example_numpy

gradient = symbolic.diff(running_example_numpy, argnums=(0, 1))
value, _ = symbolic.trace(running_example_numpy)
display(Math(r"f(x_1, x_2) = " + value.latex()))
display(Math(r"\nabla f = " + symbolic.latex(gradient)))
print("as text:", symbolic.text(gradient))
print("at", RUNNING_POINT, "->", [float(d.evaluate(x1=2.0, x2=5.0)) for d in gradient])

# %% [markdown]
# Second derivatives nest (`diff(diff(f))`), and `lambdify` compiles an expression to NumPy code
# with adsct's code emitter, one line per shared subexpression:

# %%
display(Math(r"\nabla^2 f = " + symbolic.latex(symbolic.hessian(running_example_numpy, argnums=(0, 1)))))
print(symbolic.lambdify(gradient).__source__)

# %% [markdown]
# **Why AD wins: expression swell.**  For f(θ) = θ₁θ₂…θₙ, ∂f/∂θₖ = ∏_{j≠k} θⱼ.  Written out as
# an expression *tree* the gradient has n(n−2) multiplications, since every component recomputes
# the partial products.  Sharing common subexpressions (the *DAG* form) and forward mode (n
# sweeps) save about half; reverse mode (one sweep) needs about 3n.  A second function,
# x ↦ x·sin x composed k times, shows the tree growing exponentially with k while the DAG grows
# linearly.  (SymPy's `diff`, and `diff` with `cse`, appear when sympy is installed.)

# %%
from ad.bench import swell

products = swell.product_rows(timing=False)
compositions = swell.composition_rows()
assert all(r["tree mul"] == r["n"] * (r["n"] - 2) for r in products)
print(swell.table([{k: r[k] for k in ("n", "notes n(n-2)", "tree mul", "dag mul", "forward mul", "reverse mul")}
                   for r in products], "multiplications in the gradient of θ1 θ2 ... θn"))
print()
print(swell.table(compositions, "ops in d/dx of x ↦ x sin x composed k times"))

# %%
from IPython.display import Image

swell.plot(products, compositions, "symbolic_swell.png")
display(Image("symbolic_swell.png"))

# %% [markdown]
# Times per gradient (the same counts, compiled, beside adoo and adsct) come from
# `python -m ad.bench` or `python benchmarks/bench_symbolic.py`.  A symbolic trace has no values,
# so a branch on a value (`if x > 0:`) is refused with the line named and an AD strategy
# suggested; `np.where(x > 0, a, b)` is followed.
