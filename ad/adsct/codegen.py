"""Steps 4 and 5: derivative code from the three-address form.

Reverse mode: the forward sweep (the original statements), then the reverse sweep, one
statement per partial adjoint, built from the registry's VJP rules inlined as templates.
Forward mode: after each statement, its tangent from the JVP rules.  Only active values
(those that depend on the differentiated arguments) get adjoints or tangents, and adjoints
that merely pass a value on are not copied (bt3 = bt5 becomes a second name for bt5).
"""

from __future__ import annotations

import ast

from .ir import Program, Stmt, walk
from .astutil import fresh_name, helper, is_helper
from .listops import is_list_op, list_names, plus
from .recursion import forward_statement, is_recursive, reverse_terms
from .stacks import is_stack_op
from .templates import inject_helper, op_call, template

# Markers that emit.py turns into comments (astor prints no comments).
COMMENT = "__ad_comment__"


def _name(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _assign(target: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Name(target, ast.Store())], value, lineno=0)


def _comment(text: str) -> ast.Expr:
    return ast.Expr(ast.Name(f"{COMMENT}{text}", ast.Load()))


def _origin_key(stmt: Stmt):
    """Where a statement comes from: its function and source span (rewritten statements, like
    the flags of a `break`, share the span of the statement they replace)."""
    origin = stmt.origin
    if origin is None:
        return None
    return id(stmt.source), origin.lineno, origin.col_offset, origin.end_lineno, origin.end_col_offset


def _source_comment(program: Program, stmt: Stmt, last_origin):
    if stmt.origin is None or _origin_key(stmt) == last_origin:
        return None
    source = stmt.source or program.parsed
    line = source.first_line + stmt.origin.lineno - 1
    where = "" if source is program.parsed else f"{source.node.name}, "
    return _comment(f"{where}line {line}: {source.text_of(stmt.origin)}")


def primal_statement(stmt: Stmt, namespace: dict | None = None) -> ast.stmt:
    if stmt.effect:  # print(...), assert, raise: as written
        return stmt.expr
    if stmt.op is None or is_stack_op(stmt.op):  # (a pop: `t = S.pop()`, see stacks.py)
        return _assign(stmt.target, stmt.expr)
    return _assign(stmt.target, op_call(stmt.op, stmt.inputs, stmt.params, namespace))


class Generator:
    """Shared by both modes: naming and rule instantiation."""

    prefix = ""
    derivative = None  # (function, mode, argnums, n_args) -> its generated code, for recursive calls (pipeline.py)

    def __init__(self, program: Program, active: set, namespace: dict):
        self.program, self.active, self.namespace = program, active, namespace
        self.taken = {s.target for s in walk(program.body)} | set(program.args) | _all_names(program)
        self.derivative_names: dict = {}
        self.last_origin = None
        self.lists = list_names(walk(program.body))  # (their derivatives are lists: listops.py)

    def emit_primal(self, body: list, stmt: Stmt) -> None:
        """The original computation, after a comment quoting its source line (once per line)."""
        comment = _source_comment(self.program, stmt, self.last_origin)
        if comment is not None:
            body.append(comment)
        self.last_origin = _origin_key(stmt)
        body.append(primal_statement(stmt, self.namespace))

    def fresh(self, base: str) -> str:
        """A new name starting with `base`, unused anywhere in the function."""
        return fresh_name(base, self.taken)

    def derivative_name(self, name: str) -> str:
        """bx for the adjoint of x (dx for its tangent), made unique against every other name."""
        if name not in self.derivative_names:
            candidate = self.prefix + name
            while candidate in self.taken:
                candidate += "_"
            self.taken.add(candidate)
            self.derivative_names[name] = candidate
        return self.derivative_names[name]

    def rule_expr(self, rule_kind: str, stmt: Stmt, i: int, incoming: ast.expr, out_value=None) -> ast.expr:
        """One input's rule of `stmt`'s op, instantiated with the generated code's names
        (`out_value`: where the statement's result is found, by default its target)."""
        op = stmt.op
        out_value = _name(stmt.target) if out_value is None else out_value
        rule = getattr(op, f"{rule_kind}_rule")(i)
        if op.nin is None:  # a variadic op's rule takes its input's position: call through the registry
            args = [ast.Constant(op.name), ast.Constant(i), incoming, out_value] + list(stmt.inputs)
            return ast.Call(helper(f"{rule_kind}_rule"), args, [ast.keyword(k, v) for k, v in stmt.params.items()])
        t = template(rule)
        if t.body is None and t.variadic:  # rule(g, out, *inputs): a rule over the whole function (ad.custom)
            return t.called([incoming, out_value] + list(stmt.inputs), stmt.params, self.namespace,
                            f"{op.name}_{rule_kind}_{i}")
        values = {t.params[0]: incoming, t.params[1]: out_value}
        values.update(zip(t.params[2:2 + len(stmt.inputs)], stmt.inputs))
        values.update(stmt.params)
        return t.instantiate(values, self.namespace)

    def cotangent_terms(self, body: list, stmt: Stmt, g: ast.expr, out_value=None) -> list:
        """(x, partial adjoint of x) for each active input x of `stmt`, from its cotangent g.
        An op whose reverse rule gives every cotangent at once (ad.custom: a custom_vjp runs fwd
        and bwd, a checkpoint recomputes its function) is called once, before, into `body`; so is
        a recursive call's generated reverse code (recursion.py)."""
        if is_recursive(stmt.op):
            return reverse_terms(self, body, stmt, g)
        wanted = [i for i, x in enumerate(stmt.inputs) if isinstance(x, ast.Name) and x.id in self.active
                  and stmt.op.vjp_rule(i) is not None]
        joint = getattr(stmt.op, "joint_vjp", None) if len(wanted) > 1 else None
        if joint is None:
            return [(stmt.inputs[i], self.summed_back(stmt, self.rule_expr("vjp", stmt, i, g, out_value), stmt.inputs[i]))
                    for i in wanted]
        parts = self.fresh(f"{stmt.op.name}_cotangents")
        function = helper(inject_helper(self.namespace, f"{stmt.op.name}_vjp", joint))
        out = _name(stmt.target) if out_value is None else out_value
        body.append(_assign(parts, ast.Call(function, [g, out] + list(stmt.inputs), [])))
        return [(stmt.inputs[i], self.summed_back(stmt, ast.Subscript(_name(parts), ast.Constant(i), ast.Load()),
                                                  stmt.inputs[i])) for i in wanted]

    @staticmethod
    def summed_back(stmt: Stmt, term: ast.expr, x: ast.Name) -> ast.expr:
        """A partial adjoint of input x, summed back to x's shape where the op's inputs may
        broadcast (and not a second time where the rule itself did: unbroadcast's own VJP)."""
        if stmt.op.nin is None or stmt.op.nin < 2 or is_list_op(stmt.op):
            return term
        if isinstance(term, ast.Call) and len(term.args) == 2 and isinstance(term.args[1], ast.Name) \
                and term.args[1].id == x.id and (is_helper(term.func, "unbroadcast") or (
                    isinstance(term.func, ast.Attribute) and is_helper(term.func.value, "ops")
                    and term.func.attr == "unbroadcast")):
            return term
        return ast.Call(helper("unbroadcast"), [term, x], [])


def _all_names(program: Program) -> set:
    names = set()
    for stmt in walk(program.body):
        for node in [stmt.expr] + list(stmt.inputs) + list(stmt.params.values()):
            if node is not None:
                names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    names.update(n.id for n in ast.walk(program.parsed.node) if isinstance(n, ast.Name))
    return names


class Reverse(Generator):
    """`def f_vjp(*args, b_out): ...; return out, (b_arg, ...)`."""

    prefix = "b"

    def generate(self, argnums: tuple) -> ast.FunctionDef:
        program = self.program
        body = [_comment("forward sweep")]
        for stmt in program.body:
            self.emit_primal(body, stmt)
        result = program.result
        seed = self.derivative_name("_out" if not isinstance(result, ast.Name) else result.id)
        adjoints: dict = {}
        body.append(_comment("reverse sweep"))
        if isinstance(result, ast.Name) and result.id in self.active:
            # the cotangent must have the output's shape (a scalar for grad): a clear error if not
            body.append(_assign(seed, ast.Call(helper("cotangent_of"), [_name(seed), result], [])))
            adjoints[result.id] = _name(seed)
        for stmt in reversed(program.body):
            g = adjoints.get(stmt.target)
            if g is None or stmt.target not in self.active:
                continue
            if stmt.op is None:  # a copy: y = x
                self.accumulate(body, adjoints, stmt.expr.id, g)
                continue
            for x, term in self.cotangent_terms(body, stmt, g):
                self.accumulate(body, adjoints, x.id, term)
        wrt = _differentiated(program, argnums)
        grads = [adjoints.get(arg) or ast.Call(helper("zeros_like"), [_name(arg)], []) for arg in wrt]
        body.append(ast.Return(ast.Tuple([result, ast.Tuple(grads, ast.Load())], ast.Load())))
        args = [ast.arg(a) for a in program.args] + [ast.arg(seed)]
        return _function(f"{program.name}_vjp", args, body,
                         f"Reverse-mode derivative of {program.name} (generated by ad.adsct): "
                         f"its value and the adjoints of {', '.join(wrt)}.")

    def accumulate(self, body: list, adjoints: dict, name: str, contribution: ast.expr) -> None:
        current = adjoints.get(name)
        if current is None and isinstance(contribution, ast.Name):
            adjoints[name] = contribution  # an adjoint passed on unchanged: reuse its name
            return
        target = self.derivative_name(name)
        value = contribution if current is None else plus(current, contribution, name in self.lists)
        body.append(_assign(target, value))
        adjoints[name] = _name(target)


class Forward(Generator):
    """`def f_jvp(*args, *d_args): ...; return out, d_out`."""

    prefix = "d"

    def generate(self, argnums: tuple) -> ast.FunctionDef:
        program = self.program
        wrt = _differentiated(program, argnums)
        tangents = {arg: _name(self.derivative_name(arg)) for arg in wrt}
        body = []
        for stmt in program.body:
            self.emit_primal(body, stmt)
            if stmt.target not in self.active:
                continue
            if stmt.op is None:
                tangents[stmt.target] = tangents[stmt.expr.id]
                continue
            if is_recursive(stmt.op):  # `t5, dt5 = power_jvp(x, t4, dx)` in place of the plain call
                body[-1] = forward_statement(self, stmt, lambda name: tangents[name], stmt.target,
                                             self.derivative_name(stmt.target))
                tangents[stmt.target] = _name(self.derivative_name(stmt.target))
                continue
            terms = [self.rule_expr("jvp", stmt, i, tangents[x.id]) for i, x in enumerate(stmt.inputs)
                     if isinstance(x, ast.Name) and x.id in tangents and stmt.op.jvp_rule(i) is not None]
            if not terms:  # only non-differentiable inputs (a condition) are active
                continue
            total = terms[0]
            for term in terms[1:]:
                total = plus(total, term, stmt.target in self.lists)
            if stmt.op.nin is not None and stmt.op.nin > 1 and not is_list_op(stmt.op):  # a broadcast input's tangent spreads out
                total = ast.Call(helper("broadcast_like"), [total, _name(stmt.target)], [])
            if isinstance(total, ast.Name):
                tangents[stmt.target] = total
            else:
                body.append(_assign(self.derivative_name(stmt.target), total))
                tangents[stmt.target] = _name(self.derivative_name(stmt.target))
        result = program.result
        tangent = tangents.get(result.id) if isinstance(result, ast.Name) else None
        if tangent is None:
            tangent = ast.Call(helper("zeros_like"), [result], [])
        body.append(ast.Return(ast.Tuple([result, tangent], ast.Load())))
        args = [ast.arg(a) for a in program.args] + [ast.arg(self.derivative_name(arg)) for arg in wrt]
        return _function(f"{program.name}_jvp", args, body,
                         f"Forward-mode derivative of {program.name} (generated by ad.adsct): its value and "
                         f"its tangent along {', '.join(self.derivative_name(arg) for arg in wrt)}.")


def _differentiated(program: Program, argnums: tuple) -> list:
    """The parameters (array leaves) of the differentiated arguments, in order."""
    return [leaf for k in argnums for leaf in program.groups[k]]


def _function(name: str, args: list, body: list, doc: str) -> ast.FunctionDef:
    node = ast.FunctionDef(name=name, args=ast.arguments(posonlyargs=[], args=args, vararg=None, kwonlyargs=[],
                                                         kw_defaults=[], kwarg=None, defaults=[]),
                           body=[ast.Expr(ast.Constant(doc))] + body, decorator_list=[], returns=None)
    return node  # (printed to text, then compiled from the text: no source positions needed)
