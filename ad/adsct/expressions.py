"""Step 2b: expressions into three-address statements (a part of the Normaliser).

Accepts an expression of the user's function as written (after comprehensions and desugaring).
Guarantees to the statement level (anf.py): its value as a name, a constant, a `Structured`
pytree or a local function, every op it needs appended to the body as one `Stmt`; values from
outside the function stay as written (an inlined callee's globals passed in by name).
"""

from __future__ import annotations

import ast

from .. import ops
from . import lists, local_functions
from .astutil import clone
from .ir import DELETED, If, Stmt, Structured, _index_expr
from .local_functions import is_function_value
from .statements import lower_expression
from .words import unsupported_expression

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow", ast.MatMult: "matmul"}
_COMPARE = {ast.Gt: "greater", ast.GtE: "greater_equal", ast.Lt: "less", ast.LtE: "less_equal",
            ast.Eq: "equal", ast.NotEq: "not_equal"}
_PARTS = {"real": "real", "imag": "imag"}  # attributes that are ops: x.real is np.real(x)
_STRUCTURE = {"shape", "ndim", "size", "dtype"}


class ExpressionLowering:
    """The expression methods of anf.Normaliser (which supplies `call`, `value_block` and the names)."""

    # -- expressions --------------------------------------------------------------------------
    def expr(self, node: ast.expr, top: bool = False) -> ast.expr:
        """Normalise an expression; returns a Name (or a constant / plain expression)."""
        if isinstance(node, ast.Constant):
            return node
        if isinstance(node, ast.Name):
            if node.id in self.versions:
                version = self.versions[node.id]
                if version is DELETED:
                    raise self.parsed.error(node, f"{node.id!r} is read after `del {node.id}` (Python raises "
                                            f"UnboundLocalError here)", f"assign {node.id} again before reading it")
                return version if isinstance(version, (Structured,) + local_functions.FUNCTION_VALUES) \
                    else ast.Name(version, ast.Load())
            return self.outside(node)  # a global or closure value: a constant here
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.emit(ops.get(_BINARY[type(node.op)]), [self.expr(node.left), self.expr(node.right)], {}, node)
        # (floor_divide, not floor(x / y): ints stay ints, as (m - 1) // 2 must to be a slice bound)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.FloorDiv):
            return self.emit(ops.get("floor_divide"), [self.expr(node.left), self.expr(node.right)], {}, node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):  # x % y = x - y * (x // y)
            left, right = self.expr(node.left), self.expr(node.right)
            quotient = self.emit(ops.get("floor_divide"), [left, right], {}, node)
            return self.emit(ops.get("sub"), [left, self.emit(ops.get("mul"), [right, quotient], {}, node)], {}, node)
        if isinstance(node, (ast.Tuple, ast.List, ast.Dict)):
            return self.structure(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):  # a truth value: no derivative
            return self.plain(ast.UnaryOp(ast.Not(), self.expr(node.operand)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self.emit(ops.get("neg"), [self.expr(node.operand)], {}, node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
            return self.expr(node.operand)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            op = ops.get(_COMPARE[type(node.ops[0])])
            return self.emit(op, [self.expr(node.left), self.expr(node.comparators[0])], {}, node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        if isinstance(node, ast.Subscript):
            value = self.expr(node.value)
            if isinstance(value, ast.Name) and value.id in self.root.plain_names:  # x.shape[0]: a plain int
                return self.plain(ast.Subscript(value, self.static(_index_expr(node.slice)), ast.Load()))
            listed = lists.subscript(self, value, node)  # ys[i] of a list, params[i] (lists.py)
            if listed is not None:
                return listed
            if isinstance(value, Structured):
                key = node.slice
                part = value.select(key.value) if isinstance(key, ast.Constant) else None
                if part is None:
                    raise self.parsed.error(node, "a pytree argument is indexed here with something other than "
                                            "one of its constant keys", "use constant keys: p['w'], params[0]")
                return part
            return self.emit(ops.get("getitem"), [value], {"index": self.static(_index_expr(node.slice))}, node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Lambda):
            return local_functions.from_lambda(self, node)
        if isinstance(node, ast.BoolOp):  # a and b is `b if a else a`; a or b is `a if a else b`
            left, rest = self.expr(node.values[0]), node.values[1:]  # the left side is evaluated once
            right = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
            if isinstance(node.op, ast.And):
                return self.expr(ast.IfExp(left, right, left))
            return self.expr(ast.IfExp(left, left, right))
        if isinstance(node, ast.IfExp):  # a if test else b: a branch that assigns a temporary
            test = self.expr(node.test)
            target = self.fresh()
            branches = [self.value_block(value, target) for value in (node.body, node.orelse)]
            self.body.append(If(test, branches[0], branches[1], self.origin, self.parsed))
            return ast.Name(target, ast.Load())
        if isinstance(node, (ast.Tuple, ast.List)) and not self.mentions_locals(node):
            return self.outside(node)  # a constant tuple (axes, shapes)
        lowered = lower_expression(self, node)  # statements.py: chained comparisons, f-strings, ...
        if lowered is not None:
            return lowered
        raise unsupported_expression(self.parsed, node)

    def structure(self, node: ast.expr) -> Structured:
        """A tuple, list or dict literal: a pytree whose leaves are names (for tuple outputs)."""
        def leaf(element):
            value = self.expr(element)
            if isinstance(value, Structured):
                return value.value
            return value if isinstance(value, ast.Name) else self.plain(value)
        if isinstance(node, ast.Dict):
            if not all(isinstance(k, ast.Constant) for k in node.keys):
                raise self.parsed.error(node, "dict keys must be constants here", "write {'w': w, 'b': b}")
            return Structured({k.value: leaf(v) for k, v in zip(node.keys, node.values)})
        if any(isinstance(e, ast.Starred) for e in node.elts):
            raise self.parsed.error(node, "*unpacking in a tuple or list is not supported")
        items = [leaf(e) for e in node.elts]
        return Structured(tuple(items) if isinstance(node, ast.Tuple) else items)

    def static(self, node: ast.expr) -> ast.expr:
        """A static parameter: normalised, and later checked to be inactive."""
        if isinstance(node, (ast.Tuple, ast.List)):
            return type(node)([self.static(e) for e in node.elts], ast.Load())
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "slice":
            return node
        return self.expr(node)

    def mentions_locals(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and n.id in self.versions for n in ast.walk(node))

    def emit(self, op, inputs, params, node) -> ast.Name:
        for value in list(inputs) + list(params.values()):
            if is_function_value(value):
                local_functions.refuse_as_value(self, value, node)
        if any(isinstance(x, Structured) for x in list(inputs) + list(params.values())):
            raise self.parsed.error(node, f"a tuple, list or dict value is passed to {op.name}, which needs arrays",
                                    "select its arrays first: p['w'], params[0], or W, b = params")
        target = self.fresh()
        self.body.append(Stmt(target, op, inputs, params, origin=self.origin, source=self.parsed))
        return ast.Name(target, ast.Load())

    def plain(self, expr: ast.expr) -> ast.Name:
        if is_function_value(expr):
            local_functions.refuse_as_value(self, expr, self.origin)
        target = self.fresh()
        self.body.append(Stmt(target, None, expr=expr, origin=self.origin, source=self.parsed))
        if not isinstance(expr, ast.Name):  # (a copy carries the derivative of what it copies)
            self.root.plain_names.add(target)
        return ast.Name(target, ast.Load())

    def attribute(self, node: ast.Attribute) -> ast.expr:
        if self.mentions_locals(node.value):
            value = self.expr(node.value)
            if node.attr == "T":
                return self.emit(ops.get("transpose"), [value], {}, node)
            if node.attr in _PARTS:
                return self.emit(ops.get(_PARTS[node.attr]), [value], {}, node)
            if node.attr in _STRUCTURE:
                return self.plain(ast.Attribute(value, node.attr, ast.Load()))
            if isinstance(value, Structured) and node.attr in getattr(value.value, "_fields", ()):
                part = getattr(value.value, node.attr)  # a named result: np.linalg.eigh(a).eigenvalues
                return part if isinstance(part, ast.Name) else Structured(part)
            raise self.parsed.error(node, f"attribute .{node.attr} of a value is not supported",
                                    "supported: .T, .real, .imag, .shape, .ndim, .size, .dtype")
        return self.outside(node)  # a module attribute such as np.pi: a constant

    def outside(self, node: ast.expr) -> ast.expr:
        """An expression of values from outside the function.  The generated code runs in the
        outermost function's namespace, so an inlined callee's globals are passed into it."""
        if self.root is self:
            for name in ast.walk(node):
                if isinstance(name, ast.Name) and name.id not in self.versions:
                    _ = name.id in self.namespace  # recorded: the generated code reads it (scope.py)
            return node
        node = clone(node)
        for name in ast.walk(node):
            if isinstance(name, ast.Name) and name.id not in self.versions and name.id in self.namespace:
                name.id = self.root.inject(name.id, self.namespace[name.id])
        return node

    def inject(self, name: str, value) -> str:
        """A name under which `value` is in the generated code's namespace."""
        candidate, k = name, 1
        while (candidate in self.namespace and self.namespace[candidate] is not value) or \
                (candidate in self.injected and self.injected[candidate] is not value):
            candidate, k = f"{name}_{k}", k + 1
        self.injected[candidate] = value
        return candidate

