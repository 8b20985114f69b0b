"""A JQL tokenizer and recursive-descent parser for the subset Vigil uses.

Parsing is separate from evaluation so that syntax errors surface with Jira's "Error in the JQL Query"
wording and positions, and semantic errors (unknown fields, bad values) come from the evaluator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OPERATORS = ("=", "!=", ">=", "<=", ">", "<", "~", "!~")
KEYWORDS = {"AND", "OR", "NOT", "IN", "IS", "EMPTY", "NULL", "ORDER", "BY", "ASC", "DESC"}
_WORD_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-[]:/*+@")
VALID_OPS = "'=', '!=', '~', '!~', '<', '>', '<=', '>=', 'IN', 'NOT IN', 'IS' and 'IS NOT'"


class JqlError(Exception):
    """A JQL problem; ``str()`` is the message Jira puts in ``errorMessages``."""


@dataclass(frozen=True)
class Token:
    """A lexical token; only ``word`` tokens can be keywords, so quoted strings never are."""

    kind: str  # "word", "string", "op", "(", ")", ","
    text: str
    pos: int

    def keyword(self) -> str | None:
        """The keyword this token spells, if it is an unquoted keyword."""
        upper = self.text.upper()
        return upper if self.kind == "word" and upper in KEYWORDS else None


@dataclass(frozen=True)
class Func:
    """A JQL function call such as ``currentUser()`` or ``now()``."""

    name: str
    args: tuple[str, ...] = ()


EMPTY = "\x00EMPTY"
Value = str | Func


@dataclass
class Clause:
    """``field op value(s)``; ``values`` has one item except for IN / NOT IN."""

    field: str
    op: str
    values: list[Value]


@dataclass
class BoolNode:
    """AND / OR over children, or NOT over a single child."""

    op: str
    children: list[Node]


Node = Clause | BoolNode


@dataclass
class Query:
    """A parsed query: optional condition plus ORDER BY (field, descending) pairs."""

    where: Node | None
    order: list[tuple[str, bool]] = field(default_factory=list)


def _fail(message: str, token: Token | None) -> JqlError:
    where = f" (line 1, character {token.pos + 1})" if token else ""
    return JqlError(f"Error in the JQL Query: {message}{where}")


def tokenize(text: str) -> list[Token]:
    """Split JQL into tokens; quoted strings support backslash escapes as in Jira."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(),":
            tokens.append(Token(ch, ch, i))
            i += 1
        elif ch in "\"'":
            end, buf = i + 1, []
            while end < len(text) and text[end] != ch:
                if text[end] == "\\" and end + 1 < len(text):
                    end += 1
                buf.append(text[end])
                end += 1
            if end >= len(text):
                raise _fail(f"The quoted string '{''.join(buf)}' has not been completed.", Token("", "", i))
            tokens.append(Token("string", "".join(buf), i))
            i = end + 1
        elif op := next((o for o in OPERATORS if text.startswith(o, i)), None):
            tokens.append(Token("op", op, i))
            i += len(op)
        elif ch in _WORD_CHARS:
            end = i
            while end < len(text) and text[end] in _WORD_CHARS:
                end += 1
            tokens.append(Token("word", text[i:end], i))
            i = end
        else:
            raise _fail(f"The character '{ch}' is a reserved JQL character.", Token("", "", i))
    return tokens


class Parser:
    """Recursive descent over the token list: or → and → not → primary."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> Token | None:
        """The next token without consuming it."""
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        """Consume the next token; running out is a syntax error."""
        token = self.peek()
        if token is None:
            raise _fail("Expecting either a value, list or function but got the end of the query.", None)
        self.i += 1
        return token

    def parse(self) -> Query:
        """Parse a whole query; an empty condition (only ORDER BY) is allowed by Jira."""
        where = None
        if self.peek() is not None and self.peek().keyword() != "ORDER":  # type: ignore[union-attr]
            where = self.parse_or()
        order = self.parse_order() if self.peek() is not None else []
        extra = self.peek()
        if extra is not None:
            raise _fail(f"Expecting either 'OR' or 'AND' but got '{extra.text}'.", extra)
        return Query(where, order)

    def parse_or(self) -> Node:
        """``a OR b OR c``."""
        children = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.keyword() == "OR":
            self.i += 1
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else BoolNode("OR", children)

    def parse_and(self) -> Node:
        """``a AND b AND c`` (binds tighter than OR, as in Jira)."""
        children = [self.parse_not()]
        while (tok := self.peek()) is not None and tok.keyword() == "AND":
            self.i += 1
            children.append(self.parse_not())
        return children[0] if len(children) == 1 else BoolNode("AND", children)

    def parse_not(self) -> Node:
        """``NOT clause`` or a primary."""
        tok = self.peek()
        if tok is not None and tok.keyword() == "NOT":
            self.i += 1
            return BoolNode("NOT", [self.parse_not()])
        if tok is not None and tok.kind == "(":
            self.i += 1
            node = self.parse_or()
            close = self.peek()
            if close is None or close.kind != ")":
                got = f"'{close.text}'." if close else "the end of the query."
                raise _fail(f"Expecting ')' but got {got}", close)
            self.i += 1
            return node
        return self.parse_clause()

    def parse_clause(self) -> Clause:
        """``field operator operand``."""
        name = self.take()
        if name.kind not in ("word", "string") or name.keyword():
            raise _fail(f"Expecting a field name but got '{name.text}'.", name)
        op = self.parse_operator()
        if op in ("IN", "NOT IN"):
            return Clause(name.text, op, self.parse_list())
        return Clause(name.text, op, [self.parse_value()])

    def parse_operator(self) -> str:
        """One of Jira's operators, including the two-word ``NOT IN`` and ``IS NOT``."""
        tok = self.peek()
        if tok is None:
            raise _fail(f"Expecting operator but got the end of the query. The valid operators are {VALID_OPS}.", tok)
        self.i += 1
        if tok.kind == "op":
            return tok.text
        kw = tok.keyword()
        nxt = self.peek()
        if kw == "IN":
            return "IN"
        if kw == "NOT" and nxt is not None and nxt.keyword() == "IN":
            self.i += 1
            return "NOT IN"
        if kw == "IS":
            if nxt is not None and nxt.keyword() == "NOT":
                self.i += 1
                return "IS NOT"
            return "IS"
        raise _fail(f"Expecting operator but got '{tok.text}'. The valid operators are {VALID_OPS}.", tok)

    def parse_list(self) -> list[Value]:
        """``(v1, v2, ...)``."""
        open_tok = self.take()
        if open_tok.kind != "(":
            raise _fail(f"Expecting '(' but got '{open_tok.text}'.", open_tok)
        values = [self.parse_value()]
        while (tok := self.take()).kind == ",":
            values.append(self.parse_value())
        if tok.kind != ")":
            raise _fail(f"Expecting ')' but got '{tok.text}'.", tok)
        return values

    def parse_value(self) -> Value:
        """A literal, ``EMPTY``/``NULL``, or a function call."""
        tok = self.take()
        if tok.kind not in ("word", "string"):
            raise _fail(f"Expecting either a value, list or function but got '{tok.text}'.", tok)
        if tok.keyword() in ("EMPTY", "NULL"):
            return EMPTY
        if tok.keyword():
            raise _fail(f"Expecting either a value, list or function but got '{tok.text}'.", tok)
        nxt = self.peek()
        if tok.kind == "word" and nxt is not None and nxt.kind == "(":
            self.i += 1
            args: list[str] = []
            while (arg := self.take()).kind != ")":
                if arg.kind != ",":
                    args.append(arg.text)
            return Func(tok.text, tuple(args))
        return tok.text

    def parse_order(self) -> list[tuple[str, bool]]:
        """``ORDER BY f1 [ASC|DESC], f2 ...``."""
        order_tok = self.take()
        by_tok = self.peek()
        if order_tok.keyword() != "ORDER" or by_tok is None or by_tok.keyword() != "BY":
            raise _fail(f"Expecting either 'OR' or 'AND' but got '{order_tok.text}'.", order_tok)
        self.i += 1
        order: list[tuple[str, bool]] = []
        while True:
            name = self.take()
            direction = self.peek()
            desc = False
            if direction is not None and direction.keyword() in ("ASC", "DESC"):
                desc = direction.keyword() == "DESC"
                self.i += 1
            order.append((name.text, desc))
            if (sep := self.peek()) is None or sep.kind != ",":
                return order
            self.i += 1


def parse(text: str) -> Query:
    """Parse JQL text into a :class:`Query` or raise :class:`JqlError`."""
    return Parser(text).parse()
