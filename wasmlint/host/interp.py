"""The interpreter core: statements and expressions, one handler per node kind, over abstract
values (`domain.py`). Branches run apart and join; loops run twice (a use on the next turn sees the
calls after it); conditions that test detachment refine the value they test on each branch
(`guards.py`). Calls, `new` and property reads are in `calls.py`."""

from __future__ import annotations

from operator import itemgetter
from typing import Callable

from tree_sitter import Node

from wasmlint.host.branches import Branches, assigns_per_branch
from wasmlint.host.calls import Calls, unwrap
from wasmlint.host.captures import without_captures
from wasmlint.host.construction import Construction
from wasmlint.host.domain import ELEMENTS, NOTHING, Func, Index, Memo, Obj, State, merge, one
from wasmlint.host.guards import assigned_back, branch, freshen, settle, tested
from wasmlint.host.leftover import note_await
from wasmlint.host.loops import first_test_holds
from wasmlint.host.program import ROOT
from wasmlint.host.recency import retire_older
from wasmlint.host.stale_uses import record_stale_use
from wasmlint.host.throwing import catch_names, recovers, throw
from wasmlint.syntax import node_bytes, node_key

# Statements and expressions run one inside another at most (a few Python frames each, so that
# the analysis never meets Python's recursion limit); what lies deeper is not analysed, and said so.
MAX_NESTING = 150
MAX_CAPTURED = 32  # variables a closure keeps of the calls around it
_CELL = itemgetter(0)  # a captured variable's cell key (sorted by it in C, not through a lambda)
MAX_CAPTURED_SCOPES = 8  # functions around a closure whose variables it keeps (nesting can be 100k deep)
LOOP_TWICE_DEPTH = 3  # nested loops deeper than this run once: twice each would be exponential
_FUNCTIONS = frozenset({"function_declaration", "generator_function_declaration", "function_expression",
                        "function", "generator_function", "arrow_function", "method_definition"})
_ALWAYS_RUN = frozenset({"return_statement", "throw_statement", "function_declaration", "class_declaration",
                         "export_statement", "generator_function_declaration"})


NULL = frozenset({"null"})  # `null` / `undefined`: what `??` and `??=` test


class Interpreter(Branches):
    """Runs statements and expressions of one program over a State."""

    # -- statements --------------------------------------------------------------------------------

    def exec(self, node: Node, st: State) -> None:
        if st.dead:
            return
        if not self.program.touches(node) and node.type not in _ALWAYS_RUN:
            return
        program = self.program
        if program.nesting >= MAX_NESTING:
            program.too_deep = program.too_deep or node
            return
        program.nesting += 1
        try:
            handler = _STATEMENTS.get(node.type)
            if handler is not None:
                handler(self, node, st)
            elif node.is_named:
                self.eval(node, st)
        finally:
            program.nesting -= 1

    def block(self, node: Node, st: State) -> None:
        # Function declarations are hoisted: a name with no value in the state reads the function
        # its scope declares (`read_name`), so they cost the state nothing.
        for child in node.named_children:
            if st.dead:
                return
            if child.type != "comment":
                self.exec(child, st)

    def s_expression(self, node: Node, st: State) -> None:
        for child in node.named_children:
            self.eval(child, st)

    def s_declaration(self, node: Node, st: State) -> None:
        for declarator in node.named_children:
            if declarator.type != "variable_declarator":
                continue
            target = declarator.child_by_field_name("name")
            value_node = declarator.child_by_field_name("value")
            value = self.eval(value_node, st) if value_node is not None else NOTHING
            if target is not None:
                self.bind_pattern(target, value, st, declaring=True)

    def s_function(self, node: Node, st: State) -> None:
        return None  # hoisted (see `block`)

    def s_class(self, node: Node, st: State) -> None:
        self.static_fields(node_key(node), st)  # the name reads the class (hoisted like a function: `read_name`)

    def s_export(self, node: Node, st: State) -> None:
        inner = node.child_by_field_name("declaration")
        if inner is not None:
            self.exec(inner, st)
            return
        value = node.child_by_field_name("value")
        if value is not None:
            self.eval(value, st)

    def s_if(self, node: Node, st: State) -> None:
        condition = node.child_by_field_name("condition")
        yes, no, refined = tested(self, condition, st)
        consequence = node.child_by_field_name("consequence")
        if consequence is not None:
            self.exec(consequence, yes)
        alternative = node.child_by_field_name("alternative")
        if alternative is not None:
            for child in alternative.named_children:
                self.exec(child, no)
        settle(self, refined, yes, no)
        st.become(self.join_paths(yes, no))

    def loop_body(self, node: Node, st: State, run: Callable[[State], None]) -> None:
        """A loop's turns: none, one or two (the second sees the calls after a use in the first)."""
        entry = st.copy()
        self.loops += 1
        try:
            turns = 2 if self.loops <= LOOP_TWICE_DEPTH else 1
            current = st.copy()
            joined = entry
            for _ in range(turns):
                # (A turn whose every path left, by `return` or a throw, starts no other turn:
                # `break` and `continue` end no path here.)
                run(current)
                joined = joined.join(current)
                current = joined.copy()
        finally:
            self.loops -= 1
        st.become(joined)

    def s_for(self, node: Node, st: State) -> None:
        initializer = node.child_by_field_name("initializer")
        if initializer is not None:
            self.exec(initializer, st)
        condition = node.child_by_field_name("condition")
        increment = node.child_by_field_name("increment")
        body = node.child_by_field_name("body")

        def turn(s: State) -> None:
            if condition is not None:
                self.check(condition, s)
            if body is not None:
                self.exec(body, s)
            if increment is not None:
                self.eval(increment, s)

        if first_test_holds(node):  # (its first turn is certain: never the state as if none ran)
            turn(st)
        self.loop_body(node, st, turn)

    def s_for_in(self, node: Node, st: State) -> None:
        right = node.child_by_field_name("right")
        collection = self.eval(right, st) if right is not None else NOTHING
        of = any(c.type == "of" for c in node.children)
        items = self.elements(collection, node, st, use=of, holder=right) if of else NOTHING
        left = node.child_by_field_name("left")
        body = node.child_by_field_name("body")

        def turn(s: State) -> None:
            if left is not None:
                self.bind_pattern(left, items, s, declaring=True)
            if body is not None:
                self.exec(body, s)

        self.loop_body(node, st, turn)

    def s_while(self, node: Node, st: State) -> None:
        condition = node.child_by_field_name("condition")
        body = node.child_by_field_name("body")

        def turn(s: State) -> None:
            if condition is not None:
                self.check(condition, s)
            if body is not None:
                self.exec(body, s)

        if node.type == "do_statement" and body is not None:
            self.exec(body, st)
        self.loop_body(node, st, turn)

    def s_return(self, node: Node, st: State) -> None:
        value = NOTHING
        for child in node.named_children:
            if child.type != "comment":  # `return view // why`: the comment is a child, not the value
                value = self.eval(child, st)
        if st.dead:
            return  # (the value's evaluation threw: nothing returned)
        frame = self.frame
        frame.returned = merge(frame.returned, value)
        frame.exits = st.copy() if frame.exits is None else frame.exits.join(st)
        st.dead = True

    def s_throw(self, node: Node, st: State) -> None:
        for child in node.named_children:
            self.eval(child, st)
        throw(self, st)

    def s_try(self, node: Node, st: State) -> None:
        body = node.child_by_field_name("body")
        handler = node.child_by_field_name("handler")
        finalizer = node.child_by_field_name("finalizer")
        before = st.copy()
        outer_thrown = self.swap_thrown(None)
        if body is not None:
            # A use that throws inside a `try` whose `catch` deals with its value is a test, not a bug.
            saved_catches = self.catches
            if handler is not None:
                names = self.catch_names.get(handler.start_byte)
                if names is None:
                    names = self.catch_names[handler.start_byte] = catch_names(handler)
                self.catches = (*self.catches, names)
            try:
                self.exec(body, st)
            finally:
                self.catches = saved_catches
        thrown = self.swap_thrown(outer_thrown)
        if handler is None and thrown is not None:  # (`try`/`finally`: the throw goes on out)
            self.thrown = thrown if outer_thrown is None else outer_thrown.join(thrown)
        if handler is not None:
            # From wherever the body may have thrown: its start, its end, where a throw was seen.
            caught = before.join(st)
            if thrown is not None:
                caught = caught.join(thrown)
            caught.dead = False
            parameter = handler.child_by_field_name("parameter")
            if parameter is not None:
                self.bind_pattern(parameter, NOTHING, caught, declaring=True)
            handler_body = handler.child_by_field_name("body")
            if handler_body is not None:
                self.exec(handler_body, caught)
            st.become(st.join(caught))
        if finalizer is not None:
            was_dead = st.dead
            st.dead = False
            for child in finalizer.named_children:
                self.exec(child, st)
            st.dead = st.dead or was_dead

    def s_switch(self, node: Node, st: State) -> None:
        value = node.child_by_field_name("value")
        if value is not None:
            self.check(value, st)
        body = node.child_by_field_name("body")
        joined = st.copy()
        current = st.copy()
        for case in body.named_children if body is not None else ():
            current.dead = False
            current = current.join(st) if current is not st else current
            for child in case.named_children:
                if child == case.child_by_field_name("value"):
                    self.check(child, current)
                else:
                    self.exec(child, current)
            joined = joined.join(current)
        st.become(joined)

    def s_labeled(self, node: Node, st: State) -> None:
        body = node.child_by_field_name("body")
        if body is not None:
            self.exec(body, st)

    def s_nothing(self, node: Node, st: State) -> None:
        return None

    def s_block_like(self, node: Node, st: State) -> None:
        for child in node.named_children:
            self.exec(child, st)

    def freshen(self, place: Node, st: State) -> None:
        freshen(self, place, st)

    # -- expressions -------------------------------------------------------------------------------

    def eval(self, node: Node | None, st: State) -> frozenset:
        """Run an expression's effects in evaluation order; its value."""
        if node is None or st.dead:
            return NOTHING
        program = self.program
        if program.nesting >= MAX_NESTING:
            program.too_deep = program.too_deep or node
            return NOTHING
        program.nesting += 1
        try:
            handler = _EXPRESSIONS.get(node.type)
            return handler(self, node, st) if handler is not None else self.e_children(node, st)
        finally:
            program.nesting -= 1

    def check(self, node: Node, st: State) -> frozenset:
        """Evaluate a test. What a detachment test reads (`.byteLength`, `.buffer`, `.length`) is
        no use of the memory; an element read in a test (`view[i] !== 0`) is."""
        return self.eval(node, st)

    def e_children(self, node: Node, st: State) -> frozenset:
        for child in node.named_children:
            if child.type not in _FUNCTIONS:
                self.eval(child, st)
        return NOTHING

    def e_inner(self, node: Node, st: State) -> frozenset:
        inner = unwrap(node)
        return self.eval(inner, st) if inner is not node else self.e_children(node, st)

    def e_identifier(self, node: Node, st: State) -> frozenset:
        name = node_bytes(node).decode()
        if name == "undefined":
            return NULL
        return self.read_name(name, st)

    def e_this(self, node: Node, st: State) -> frozenset:
        return self.frame.this

    def e_null(self, node: Node, st: State) -> frozenset:
        return NULL

    def e_literal(self, node: Node, st: State) -> frozenset:
        return NOTHING

    def e_number(self, node: Node, st: State) -> frozenset:
        text = node.text or b""
        return one(Index(int(text))) if text.isdigit() and len(text) < 10 else NOTHING

    def e_update(self, node: Node, st: State) -> frozenset:
        """`i++`: `i` is some other number now (an index no longer known)."""
        argument = unwrap(node.child_by_field_name("argument"))
        self.e_children(node, st)
        if argument is not None and argument.type == "identifier":
            self.assign_name(node_bytes(argument).decode(), NOTHING, st)
        return NOTHING

    def e_function(self, node: Node, st: State) -> frozenset:
        function = self.program.functions.get(node_key(node))
        if function is None:
            return NOTHING
        # An arrow keeps the `this` of where it is written.
        this = self.frame.this if node.type == "arrow_function" else NOTHING
        return one(Func(function.id, this, self.captured(function.id, st)))

    def captured(self, function_id: int, st: State) -> tuple:
        """The variables of the functions around a closure, as they are now."""
        program = self.program
        env = []
        get = st.cells.get
        scope = program.parent_of.get(function_id, ROOT)
        for _ in range(MAX_CAPTURED_SCOPES):
            if scope == ROOT:
                break
            for key in program.declared_keys(scope):
                vals = get(key)
                if vals:
                    env.append((key, without_captures(vals)))
                    if len(env) >= MAX_CAPTURED:
                        break
            scope = program.parent_of.get(scope, ROOT)
        env.sort(key=_CELL)
        return tuple(env)

    def e_class(self, node: Node, st: State) -> frozenset:
        if node_key(node) in self.program.classes:
            self.static_fields(node_key(node), st)
            return one(Func(node_key(node)))
        return NOTHING

    def e_sequence(self, node: Node, st: State) -> frozenset:
        value = NOTHING
        for child in node.named_children:
            value = self.eval(child, st)
        return value

    def e_assignment(self, node: Node, st: State) -> frozenset:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        chosen = assigns_per_branch(left, right)
        if left is not None and chosen is not None:
            return self.assign_per_branch(left, chosen, st)
        value = self.eval(right, st)
        if left is not None:
            self.assign(left, value, st)
        return value

    def e_augmented(self, node: Node, st: State) -> frozenset:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        op = operator.text if operator is not None else b""
        if left is None:
            return NOTHING
        if op in (b"??=", b"||=", b"&&="):
            current = self.check(left, st)
            if op == b"&&=" or (op == b"??=" and current and "null" not in current):
                return current  # `x ??= y` keeps a value that is there (stale or not)
            kept = frozenset(v for v in current if v != "null")
            value = self.eval(right, st)
            if op == b"??=" and kept:
                value = merge(kept, value)
            self.assign(left, value, st)
            return value
        self.eval(left, st)
        self.eval(right, st)
        target = unwrap(left)
        if target is not None and target.type == "identifier":  # `i += 1`: no longer the index it was
            self.assign_name(node_bytes(target).decode(), NOTHING, st)
        return NOTHING

    def e_ternary(self, node: Node, st: State) -> frozenset:
        yes, no, refined = tested(self, node.child_by_field_name("condition"), st)
        first = self.eval(node.child_by_field_name("consequence"), yes)
        second = self.eval(node.child_by_field_name("alternative"), no)
        settle(self, refined, yes, no, (first, second) if refined and assigned_back(node, refined) else None)
        st.become(self.join_paths(yes, no, first, second))
        return merge(first if not yes.dead else NOTHING, second if not no.dead else NOTHING)

    def e_binary(self, node: Node, st: State) -> frozenset:
        operator = node.child_by_field_name("operator")
        op = operator.text if operator is not None else b""
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if op in (b"&&", b"||"):
            yes, no = branch(self, left, st)
            # The left's value where it decides; the right's where it runs.
            left_value = self.eval_quietly(left, no if op == b"&&" else yes)
            runs, stops = (yes, no) if op == b"&&" else (no, yes)
            right_value = self.eval(right, runs)
            st.become(self.join_paths(runs, stops, right_value, left_value))
            return merge(left_value if op == b"||" else NOTHING, right_value)
        if op == b"??":
            value = self.eval(left, st)
            if value and "null" not in value:
                return value
            after = st.copy()
            other = self.eval(right, after)
            st.become(st.join(after))
            return merge(frozenset(v for v in value if v != "null"), other)
        if op in (b"===", b"!==", b"==", b"!=", b"<", b">", b"<=", b">=", b"instanceof", b"in"):
            for operand in (left, right):
                if operand is not None:
                    self.check(operand, st)
            return NOTHING
        # `a + b + c + ...` nests to the left: walk the spine without recursing (minified bundles
        # concatenate thousands of strings).
        spine = [node]
        current = left
        while current is not None and current.type == "binary_expression":
            inner = current.child_by_field_name("operator")
            if inner is None or inner.text in (b"&&", b"||", b"??"):
                break
            spine.append(current)
            current = current.child_by_field_name("left")
        self.eval(current, st)
        for part in reversed(spine):
            self.eval(part.child_by_field_name("right"), st)
        return NOTHING

    def eval_quietly(self, node: Node | None, st: State) -> frozenset:
        """A value already evaluated (a condition's operand), read again without effects or uses."""
        node = unwrap(node)
        if node is None:
            return NOTHING
        if node.type == "binary_expression":
            # Where a condition held: `a && b` is `b` (`(!stale(v) && v) || fresh()`: the default's
            # left value); `a || b`, `a ?? b` either.
            operator = node.child_by_field_name("operator")
            op = operator.text if operator is not None else b""
            right = self.eval_quietly(node.child_by_field_name("right"), st)
            if op == b"&&":
                return right
            if op in (b"||", b"??"):
                return merge(self.eval_quietly(node.child_by_field_name("left"), st), right)
            return NOTHING
        if node.type in ("identifier", "member_expression", "this", "subscript_expression"):
            saved = self.program.reporting
            self.program.reporting = False
            try:
                return self.check(node, st.copy())
            finally:
                self.program.reporting = saved
        return NOTHING

    def e_unary(self, node: Node, st: State) -> frozenset:
        for child in node.named_children:
            self.check(child, st)
        return NOTHING

    def e_object(self, node: Node, st: State) -> frozenset:
        retire_older(st, node_key(node))
        obj = Obj(node_key(node), kind="object")
        for child in node.named_children:
            if child.type == "pair":
                key = child.child_by_field_name("key")
                value_node = child.child_by_field_name("value")
                value = self.eval(value_node, st)
                if key is not None and key.type in ("property_identifier", "string", "identifier", "number"):
                    self.store(obj, node_bytes(key).decode().strip("'\"`"), value, st, strong=True)
            elif child.type == "shorthand_property_identifier":
                name = node_bytes(child).decode()
                self.store(obj, name, self.read_name(name, st), st, strong=True)
            elif child.type == "method_definition":
                method_name = child.child_by_field_name("name")
                if method_name is not None and node_key(child) in self.program.functions:
                    # A method of a literal is a closure too: it sees the variables of the calls around it.
                    method = Func(node_key(child), one(obj), self.captured(node_key(child), st))
                    self.store(obj, node_bytes(method_name).decode(), one(method), st, strong=True)
            elif child.type == "spread_element":
                for source in self.eval(child, st):
                    if isinstance(source, Obj):
                        for (site, prop), vals in list(st.heap.items()):
                            if site == source.site:
                                self.store(obj, prop, vals, st, strong=False)
        return one(obj)

    def e_array(self, node: Node, st: State) -> frozenset:
        obj = Obj(node_key(node), kind="array")
        if node.start_byte in self.program.carried:
            return one(obj)  # a module's bytes (millions of numbers): nothing in it is a view
        for index, child in enumerate(c for c in node.named_children if c.type != "comment"):
            if child.type == "spread_element":
                inner = child.named_children[0] if child.named_children else None
                value = self.elements(self.eval(inner, st), child, st, use=True, holder=inner)
            else:
                value = self.eval(child, st)
            self.store(obj, ELEMENTS, value, st, strong=False)
            self.store(obj, f"[{index}]", value, st, strong=True)
        return one(obj)

    def e_spread(self, node: Node, st: State) -> frozenset:
        inner = node.named_children[0] if node.named_children else None
        return self.elements(self.eval(inner, st), node, st, use=True, holder=inner)

    def e_await(self, node: Node, st: State) -> frozenset:
        inner = node.named_children[0] if node.named_children else None
        value = self.eval(inner, st)
        note_await(self.program, st, bool(self.stack))  # (other entry points may run while it waits)
        return value

    # -- stale uses -----------------------------------------------------------------------------------

    def use(self, vals: frozenset, node: Node, holder: Node | None, throws: bool = True) -> None:
        """`vals` are read or written at `node`: a buffer or view among them that may have detached
        is a stale use (not in a test, nor where a `catch` recovers from the throw)."""
        if self.checking or (throws and recovers(self.catches, holder)) or not self.program.reporting:
            return
        for value in sorted((v for v in vals if isinstance(v, Memo)), key=lambda m: (m.line, m.text, m.ctor)):
            if value.grows:  # (what a wrapper keeps is used through `use_deep`)
                record_stale_use(self.program, self.inside_export, value, node, holder)

    def use_deep(self, vals: frozenset, node: Node, holder: Node | None, st: State, throws: bool = True) -> None:
        """A use of what `vals` hold too: the views a wrapper keeps, an array's elements."""
        self.use(vals, node, holder, throws)
        for value in vals:
            if isinstance(value, Obj) and value.kind in ("keeper", "array"):
                self.use(st.heap.get((value.site, ELEMENTS), NOTHING), node, holder, throws)

_STATEMENTS: dict[str, Callable[[Interpreter, Node, State], None]] = {
    "program": Interpreter.block, "statement_block": Interpreter.block, "class_body": Interpreter.s_nothing,
    "expression_statement": Interpreter.s_expression,
    "lexical_declaration": Interpreter.s_declaration, "variable_declaration": Interpreter.s_declaration,
    "function_declaration": Interpreter.s_function, "generator_function_declaration": Interpreter.s_function,
    "class_declaration": Interpreter.s_class, "abstract_class_declaration": Interpreter.s_class,
    "export_statement": Interpreter.s_export, "if_statement": Interpreter.s_if,
    "for_statement": Interpreter.s_for, "for_in_statement": Interpreter.s_for_in,
    "while_statement": Interpreter.s_while, "do_statement": Interpreter.s_while,
    "return_statement": Interpreter.s_return, "throw_statement": Interpreter.s_throw,
    "try_statement": Interpreter.s_try, "switch_statement": Interpreter.s_switch,
    "labeled_statement": Interpreter.s_labeled, "else_clause": Interpreter.s_block_like,
    "import_statement": Interpreter.s_nothing, "empty_statement": Interpreter.s_nothing,
    "comment": Interpreter.s_nothing, "break_statement": Interpreter.s_nothing,
    "continue_statement": Interpreter.s_nothing, "debugger_statement": Interpreter.s_nothing,
    "interface_declaration": Interpreter.s_nothing, "type_alias_declaration": Interpreter.s_nothing,
    "enum_declaration": Interpreter.s_nothing, "ambient_declaration": Interpreter.s_nothing,
    "module": Interpreter.s_nothing, "internal_module": Interpreter.s_nothing,
    "hash_bang_line": Interpreter.s_nothing,
}

_EXPRESSIONS: dict[str, Callable[[Interpreter, Node, State], frozenset]] = {
    "identifier": Interpreter.e_identifier, "shorthand_property_identifier": Interpreter.e_identifier,
    "this": Interpreter.e_this, "null": Interpreter.e_null, "undefined": Interpreter.e_null,
    "number": Interpreter.e_number, "string": Interpreter.e_literal, "true": Interpreter.e_literal,
    "false": Interpreter.e_literal, "regex": Interpreter.e_literal, "comment": Interpreter.e_literal,
    "arrow_function": Interpreter.e_function, "function_expression": Interpreter.e_function,
    "function": Interpreter.e_function, "generator_function": Interpreter.e_function,
    "class": Interpreter.e_class,
    "parenthesized_expression": Interpreter.e_inner, "as_expression": Interpreter.e_inner,
    "satisfies_expression": Interpreter.e_inner, "non_null_expression": Interpreter.e_inner,
    "type_assertion": Interpreter.e_inner,
    "await_expression": Interpreter.e_await, "sequence_expression": Interpreter.e_sequence,
    "assignment_expression": Interpreter.e_assignment,
    "augmented_assignment_expression": Interpreter.e_augmented,
    "ternary_expression": Interpreter.e_ternary, "binary_expression": Interpreter.e_binary,
    "unary_expression": Interpreter.e_unary, "object": Interpreter.e_object, "array": Interpreter.e_array,
    "spread_element": Interpreter.e_spread, "update_expression": Interpreter.e_update,
    "member_expression": Calls.e_member, "subscript_expression": Calls.e_subscript,
    "call_expression": Calls.e_call, "new_expression": Construction.e_new,
}
