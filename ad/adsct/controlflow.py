"""Derivative code for functions with branches and loops.

Straight-line code gets one name per value (codegen.py).  Inside `if`, `for` and `while` a
variable keeps one name, so reverse mode saves what the forward sweep overwrites: before a
statement in a branch or loop assigns `y`, the old value of `y` goes on the `saved` stack;
a branch pushes which way it went, a loop pushes what it iterated over (or how often).  The
reverse sweep mirrors the structure and pops in the opposite order:

    forward                       reverse
    saved.append(y)               y_new = y; y = saved.pop()      (inputs as they were)
    y = y * x                     by_new = by; by = zeros_like(y)
                                  bx = bx + ...by_new...; by = by + ...by_new...

Every adjoint starts at 0.0 (a zero of the restored value's shape after a pop) and accumulates.  Forward mode keeps the structure as it is and
puts each tangent statement after its statement.
"""

from __future__ import annotations

import ast

from .. import ops
from . import checkpointing
from .ir import If, Loop, Stmt, assigned_in_control_flow, walk
from .astutil import HELPER, helper
from .codegen import Generator, _assign, _comment, _differentiated, _function, _name
from .listops import plus, zero_of
from .recursion import forward_statement, is_recursive
from . import stacks
from .stacks import is_pop, is_stack_op, stack_of

SAVED = "saved"  # (helpers: their names in the code are chosen per program, see astutil.HELPER)


def _append(value: ast.expr, stack: str = SAVED) -> ast.Expr:
    return ast.Expr(ast.Call(ast.Attribute(helper(stack), "append", ast.Load()), [value], []))


def _pop(stack: str = SAVED) -> ast.Call:
    return ast.Call(ast.Attribute(helper(stack), "pop", ast.Load()), [], [])


def _stack_of(name: str) -> str:
    """The stack of a variable's overwritten values, `saved_y` for y.  One stack per variable
    (and `saved` for the path taken) keeps what each pop gives apart from the others, so that
    adsct, transforming this code again, sees which pops carry derivatives (stacks.py)."""
    return f"{SAVED}_{name}"


def _stacks(body: list) -> list:
    """The helper stacks that `body` appends to, sorted by name."""
    return sorted({node.func.value.id for statement in body for node in ast.walk(statement)
                   if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append"
                   and isinstance(node.func.value, ast.Name) and node.func.value.id.startswith(HELPER)})


def _indexed(body: list) -> set:
    """The names written into in part or indexed (index_update, getitem), and the names
    copied into them (`by_new = by`: both share one tangent).

    >>> x, y = ast.Name("x", ast.Load()), ast.Name("y", ast.Load())
    >>> sorted(_indexed([Stmt("y", None, expr=x), Stmt("t", ops.get("getitem"), [y], {"index": ast.Constant(0)})]))
    ['x', 'y']
    """
    names = {s.inputs[0].id for s in walk(body) if s.op is not None and s.op.name in ("index_update", "getitem")
             and s.inputs and isinstance(s.inputs[0], ast.Name)}
    copies = [(s.target, s.expr.id) for s in walk(body) if s.op is None and isinstance(s.expr, ast.Name)]
    before = -1
    while len(names) != before:
        before = len(names)
        names |= {source for target, source in copies if target in names}
    return names


def _plus(left: ast.expr, right: ast.expr) -> ast.BinOp:
    return ast.BinOp(left, ast.Add(), right)


def _raises(block: list) -> bool:
    """Whether a branch ends by raising (`if x.ndim != 1: raise ValueError(...)`)."""
    return bool(block) and isinstance(block[-1], Stmt) and block[-1].effect and isinstance(block[-1].expr, ast.Raise)


def _or_pass(body: list) -> list:
    return body or [ast.Pass()]


class ReverseControlFlow(Generator):
    """`def f_vjp(*args, b_out)` for a function with branches and loops."""

    prefix = "b"
    checkpoints = None  # k: loops under binomial checkpointing with at most k kept states (checkpointing.py)

    def generate(self, argnums: tuple) -> ast.FunctionDef:
        program = self.program
        self.saved_names = assigned_in_control_flow(program.body)
        self.stacks = {stack_of(s) for s in walk(program.body) if is_stack_op(s.op)}  # (code adsct wrote: stacks.py)
        self.drivers, self.loop_drivers = [], {}  # (checkpointed loops: see checkpointing.py)
        result = program.result
        seed = self.fresh("b_out")  # the cotangent passed in; the result's adjoint starts from it
        body = []
        # Names first assigned in a loop or branch exist from the start, so they can be saved
        # (with checkpoints, so that the step functions share every name of a loop's state).
        initial = self.saved_names | (checkpointing.state_names(program.body) if self.checkpoints else set())
        for name in sorted(initial - set(program.args)):
            body.append(_assign(name, ast.Constant(None)))
        body.append(_comment("forward sweep"))
        body += self.forward_block(program.body)
        returned = result
        if isinstance(result, ast.Name) and result.id in self.saved_names:
            # the reverse sweep restores overwritten values, this one too: keep the result aside
            returned = _name(self.fresh(f"{result.id}_value"))
            body.append(_assign(returned.id, result))
        body.append(_comment("reverse sweep"))
        # (a name overwritten in a loop: a zero of its last value's shape; so is the result of a write
        # into part of an array, whose rules index its adjoint even where no adjoint reached it)
        shaped = self.saved_names | {s.target for s in walk(program.body) if s.op is not None and s.op.name == "index_update"}
        for name in sorted(self.active):
            body.append(stacks.start_of_reverse_sweep(self, name) or
                        _assign(self.derivative_name(name), zero_of(name, name in self.lists, name in shaped)))
        if isinstance(result, ast.Name) and result.id in self.active:
            seeded = ast.Call(helper("cotangent_of"), [_name(seed), result], [])
            body.append(_assign(self.derivative_name(result.id), _plus(_name(self.derivative_name(result.id)), seeded)))
        body += self.reverse_block(program.body)
        wrt = _differentiated(program, argnums)
        grads = [ast.Call(helper("broadcast_like"), [_name(self.derivative_name(a)), _name(a)], [])
                 if a in self.active else ast.Call(helper("zeros_like"), [_name(a)], []) for a in wrt]
        body.append(ast.Return(ast.Tuple([returned, ast.Tuple(grads, ast.Load())], ast.Load())))
        body[:0] = [ast.Assign([ast.Name(stack, ast.Store())], ast.List([], ast.Load()), lineno=0)
                    for stack in _stacks(body)]  # (each stack the code pushes onto, started empty)
        args = [ast.arg(a) for a in program.args] + [ast.arg(seed)]
        function = _function(f"{program.name}_vjp", args, body,
                             f"Reverse-mode derivative of {program.name} (generated by ad.adsct): "
                             f"its value and the adjoints of {', '.join(wrt)}.")
        if self.checkpoints:
            checkpointing.declare_nonlocals(function)
        return function

    # -- forward sweep: the original code, saving what gets overwritten ----------------------
    def forward_block(self, block: list, inside: bool = False, save: bool = True) -> list:
        """The forward sweep of a block; inside a branch or loop, overwritten values are saved
        (not in a while loop's test, which the reverse sweep does not revisit: `save` False)."""
        out = []
        for item in block:
            if isinstance(item, Stmt):
                if inside and save and not item.effect:  # (an effect has no value to restore)
                    out.append(_append(_name(item.target), _stack_of(item.target)))
                self.emit_primal(out, item)
            elif isinstance(item, If) and (_raises(item.body) or _raises(item.orelse)):
                # a branch that raises never reaches the reverse sweep: nothing to save in it, no way to record
                then = self.forward_block(item.body, True, save and not _raises(item.body))
                other = self.forward_block(item.orelse, True, save and not _raises(item.orelse))
                out.append(ast.If(item.test, _or_pass(then), other))
            elif isinstance(item, If):
                then = self.forward_block(item.body, True, save) + ([_append(ast.Constant(True))] if save else [])
                other = self.forward_block(item.orelse, True, save) + ([_append(ast.Constant(False))] if save else [])
                out.append(ast.If(item.test, _or_pass(then), other))  # (no `else: pass`)
            elif self.checkpoints:
                out += checkpointing.forward(self, item, save)
            elif item.iterable is not None:  # for target in iterable
                items = self.fresh("items")
                out.append(_assign(items, ast.Call(helper("list"), [item.iterable], [])))
                out.append(ast.For(ast.Name(item.target, ast.Store()), _name(items),
                                   _or_pass(self.forward_block(item.body, True)), []))
                out.append(_append(_name(items)))
            else:  # while: count the iterations
                count = self.fresh("iterations")
                out.append(_assign(count, ast.Constant(0)))
                test = self.forward_block(item.test_body, True, save=False)
                loop = test + [ast.If(ast.UnaryOp(ast.Not(), item.test), [ast.Break()], [])]
                loop += self.forward_block(item.body, True)
                loop.append(_assign(count, _plus(_name(count), ast.Constant(1))))
                out.append(ast.While(ast.Constant(True), loop, []))
                out.append(_append(_name(count)))
        return out

    # -- reverse sweep: mirror the structure, pop in the opposite order -----------------------
    def reverse_block(self, block: list, inside: bool = False) -> list:
        out = []
        for item in reversed(block):
            if isinstance(item, Stmt):
                out += self.reverse_statement(item, inside)
            elif isinstance(item, If) and (_raises(item.body) or _raises(item.orelse)):
                out += [] if _raises(item.body) and _raises(item.orelse) else \
                    self.reverse_block(item.orelse if _raises(item.body) else item.body, True)
            elif isinstance(item, If):
                out.append(ast.If(_pop(), _or_pass(self.reverse_block(item.body, True)),
                                  self.reverse_block(item.orelse, True)))
            elif self.checkpoints:
                out += checkpointing.reverse(self, item)
            elif item.iterable is not None:
                out.append(ast.For(ast.Name(item.target, ast.Store()), ast.Call(helper("reversed"), [_pop()], []),
                                   _or_pass(self.reverse_block(item.body, True)), []))
            else:
                out.append(ast.For(ast.Name(self.fresh("_"), ast.Store()), ast.Call(helper("range"), [_pop()], []),
                                   _or_pass(self.reverse_block(item.body, True)), []))
        return out

    def reverse_statement(self, stmt: Stmt, inside: bool) -> list:
        out = []
        target = stmt.target
        active = target in self.active
        if stmt.effect:  # print(...), assert, raise ran in the forward sweep (S.append(v): stacks.py)
            return stacks.adjoint_statements(self, stmt, None, self.accumulate) if is_stack_op(stmt.op) else out
        if not inside:  # straight-line part: the value is not overwritten later
            if active:
                out += self.contributions(stmt, _name(self.derivative_name(target)), _name(target))
            elif is_pop(stmt):  # (the adjoint stack moves with every pop)
                out += stacks.adjoint_statements(self, stmt, None, self.accumulate)
            return out
        if not active:
            out.append(_assign(target, _pop(_stack_of(target))))
            if is_pop(stmt):
                out += stacks.adjoint_statements(self, stmt, None, self.accumulate)
            return out
        new_value, new_adjoint = self.fresh(f"{target}_new"), self.fresh(f"b{target}_new")
        adjoint = self.derivative_name(target)
        out.append(_assign(new_value, _name(target)))
        out.append(_assign(target, _pop(_stack_of(target))))  # the inputs as the statement saw them
        out.append(_assign(new_adjoint, _name(adjoint)))
        # the older value's adjoint starts afresh, as a zero of its shape: rules such as reshape's
        # and matmul's need one when nothing reaches it (a name a loop variable took over)
        out.append(_assign(adjoint, zero_of(target, target in self.lists, True)))
        out += self.contributions(stmt, _name(new_adjoint), _name(new_value))
        return out

    def accumulate(self, name: str, term: ast.expr) -> ast.Assign:
        """`bx = bx + term`."""
        adjoint = self.derivative_name(name)
        return _assign(adjoint, plus(_name(adjoint), term, name in self.lists))

    def contributions(self, stmt: Stmt, g: ast.expr, out_value: ast.expr) -> list:
        """`bx = bx + <partial adjoint>` for each active input of the statement."""
        if is_pop(stmt):  # t = S.pop(): its adjoint goes on S's adjoint stack
            return stacks.adjoint_statements(self, stmt, g, self.accumulate)
        if stmt.op is None:  # a copy y = x (or a constant: nothing to pass on)
            if not (isinstance(stmt.expr, ast.Name) and stmt.expr.id in self.active):
                return []
            source = stmt.expr.id
            return [_assign(self.derivative_name(source), plus(_name(self.derivative_name(source)), g,
                                                               source in self.lists))]
        out = []
        for x, term in self.cotangent_terms(out, stmt, g, out_value):
            name = self.derivative_name(x.id)
            out.append(_assign(name, plus(_name(name), term, x.id in self.lists)))
        return out


class ForwardControlFlow(Generator):
    """`def f_jvp(*args, *d_args)` for a function with branches and loops."""

    prefix = "d"

    def generate(self, argnums: tuple) -> ast.FunctionDef:
        program = self.program
        wrt = _differentiated(program, argnums)
        self.written = _indexed(program.body)  # (arrays written into in part or indexed, and their sources)
        # (an argument held constant that becomes active, `a = x; a[0] = s` rebinding x, gets a zero of its
        # shape: rules such as index_update's index its tangent)
        started = {stack_of(s) for s in walk(program.body) if is_stack_op(s.op)}  # (where the stack starts: stacks.py)
        body = [_assign(self.derivative_name(name), ast.Call(helper("zeros_like"), [_name(name)], [])
                        if name in program.args else ast.Constant(0.0))
                for name in sorted(self.active - set(wrt) - started)]
        body += self.block(program.body)
        result = program.result
        tangent = _name(self.derivative_name(result.id)) if isinstance(result, ast.Name) and result.id in self.active \
            else ast.Call(helper("zeros_like"), [result], [])
        body.append(ast.Return(ast.Tuple([result, ast.Call(helper("broadcast_like"), [tangent, result], [])],
                                         ast.Load())))
        args = [ast.arg(a) for a in program.args] + [ast.arg(self.derivative_name(a)) for a in wrt]
        return _function(f"{program.name}_jvp", args, body,
                         f"Forward-mode derivative of {program.name} (generated by ad.adsct): its value and "
                         f"its tangent along {', '.join(self.derivative_name(a) for a in wrt)}.")

    def block(self, block: list) -> list:
        out = []
        for item in block:
            if isinstance(item, Stmt):
                if is_stack_op(item.op):  # S = [], S.append(v), t = S.pop(): the tangent stack moves too
                    self.emit_primal(out, item)
                    out += stacks.tangent_statements(self, item)
                elif item.target not in self.active:
                    self.emit_primal(out, item)
                elif is_recursive(item.op):  # `t5, dt5 = power_jvp(x, t4, dx)` in place of the plain call
                    self.emit_primal(out, item)
                    out[-1] = forward_statement(self, item, lambda name: _name(self.derivative_name(name)),
                                                item.target, self.derivative_name(item.target))
                elif any(isinstance(x, ast.Name) and x.id == item.target for x in item.inputs):
                    # y = f(y, ...): the tangent needs the old y, so the new value waits in a temporary
                    new_value = self.fresh(f"{item.target}_new")
                    self.emit_primal(out, item)
                    out[-1].targets[0].id = new_value
                    out.append(_assign(self.derivative_name(item.target), self.tangent(item, _name(new_value))))
                    out.append(_assign(item.target, _name(new_value)))
                else:
                    self.emit_primal(out, item)
                    out.append(_assign(self.derivative_name(item.target), self.tangent(item)))
            elif isinstance(item, If):
                out.append(ast.If(item.test, _or_pass(self.block(item.body)), self.block(item.orelse)))
            elif item.iterable is not None:
                out.append(ast.For(ast.Name(item.target, ast.Store()), item.iterable, _or_pass(self.block(item.body)),
                                   []))
            else:
                loop = self.block(item.test_body) + [ast.If(ast.UnaryOp(ast.Not(), item.test), [ast.Break()], [])]
                out.append(ast.While(ast.Constant(True), loop + self.block(item.body), []))
        return out

    def tangent(self, stmt: Stmt, out_value=None) -> ast.expr:
        if stmt.op is None:
            source = stmt.expr
            return _name(self.derivative_name(source.id)) if isinstance(source, ast.Name) and source.id in self.active \
                else self.zero_tangent(stmt, out_value)
        terms = [self.rule_expr("jvp", stmt, i, _name(self.derivative_name(x.id)), out_value)
                 for i, x in enumerate(stmt.inputs)
                 if isinstance(x, ast.Name) and x.id in self.active and stmt.op.jvp_rule(i) is not None]
        if not terms:
            return self.zero_tangent(stmt, out_value)
        total = terms[0]
        for term in terms[1:]:
            total = plus(total, term, stmt.target in self.lists)
        return total

    def zero_tangent(self, stmt: Stmt, out_value=None) -> ast.expr:
        """A zero tangent for `stmt`'s value: 0.0, or a zero array of its shape where the value
        is later written into in part (`y[i] = v`: index_update's rule keeps the tangent's other
        entries, so it needs them) or indexed (`y[i]`: getitem's rule indexes the tangent)."""
        if stmt.target in self.lists:
            return zero_of(stmt.target, True, False)
        if stmt.target not in self.written:
            return ast.Constant(0.0)
        return ast.Call(helper("zeros_like"), [out_value or _name(stmt.target)], [])
