"""Evaluate parsed JQL against the emulator's issues, with Jira's semantic errors.

Mirrors behaviours that bite real integrations: unknown fields and values are 400s, a missing issue key in
``key in (...)`` is an error rather than "no match", negative operators never match empty fields, and
entity-property clauses only match properties an app has declared as indexed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from emulators.jira.jql import EMPTY, Clause, Func, JqlError, Node, Query, Value, parse
from emulators.jira.model import CATEGORIES, PRIORITIES, RESOLUTIONS, STATUSES, Issue, now
from emulators.jira.render import adf_to_text

if TYPE_CHECKING:
    from emulators.jira.state import JiraState

ALIASES = {"issuekey": "key", "type": "issuetype", "category": "statuscategory", "due": "duedate"}
ALIASES |= {"resolved": "resolutiondate", "text": "summary"}
DATE_FIELDS = {"created", "updated", "resolutiondate", "duedate"}
EQUALITY = {"=", "!=", "IN", "NOT IN", "IS", "IS NOT"}
OPS_BY_FIELD: dict[str, set[str]] = {
    **{f: EQUALITY for f in ("project", "key", "labels", "status", "statuscategory", "resolution")},
    **{f: EQUALITY for f in ("priority", "assignee", "reporter", "issuetype", "property")},
    **{f: EQUALITY | {">", ">=", "<", "<="} for f in DATE_FIELDS},
    "summary": {"~", "!~", "IS", "IS NOT"},
    "description": {"~", "!~", "IS", "IS NOT"},
}
_PROPERTY = re.compile(r"^issue\.property\[([^\]]+)\]\.(.+)$", re.IGNORECASE)
_RELATIVE = re.compile(r"^([-+]?)(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")


def _date(field: str, value: Value) -> datetime:
    if isinstance(value, Func) and value.name.lower() == "now":
        return now()
    text = str(value)
    if m := _RELATIVE.match(text):
        delta = timedelta(**{_UNITS[m.group(3)]: int(m.group(2))})
        return now() - delta if m.group(1) == "-" else now() + delta
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=now().tzinfo)
        except ValueError:
            continue
    raise JqlError(
        f"Date value '{text}' for field '{field}' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


class Evaluator:
    """Compiles a parsed query into a predicate over :class:`Issue` and a sort key."""

    def __init__(self, state: JiraState) -> None:
        self.state = state

    def _bad_value(self, value: Value, field: str) -> JqlError:
        return JqlError(f"The value '{value}' does not exist for the field '{field}'.")

    def _resolve(self, field: str, value: Value) -> Any:
        """Normalise one operand to the stored representation, raising Jira's error for unknown values."""
        st = self.state
        if value == EMPTY:
            return None
        if isinstance(value, Func):
            if value.name.lower() == "currentuser" and field in ("assignee", "reporter"):
                return st.me
            if field in DATE_FIELDS:
                return _date(field, value)
            raise JqlError(f"Unable to find JQL function '{value.name}({', '.join(value.args)})'.")
        low = value.lower()
        if field == "project":
            match = [p.key for p in st.projects.values() if low in (p.key.lower(), p.name.lower(), p.id)]
        elif field == "key":
            issue = st.find_issue(value)
            if issue is None:
                raise JqlError(f"An issue with key '{value}' does not exist for field 'key'.")
            match = [issue.key]
        elif field == "status":
            match = [s.name for s in STATUSES.values() if low in (s.name.lower(), s.id)]
        elif field == "statuscategory":
            match = [k for k, (cid, name) in CATEGORIES.items() if low in (k, name.lower(), cid)]
        elif field == "resolution":
            if low == "unresolved":
                return None
            match = [n for n, rid in RESOLUTIONS.items() if low in (n.lower(), rid)]
        elif field == "priority":
            match = [n for n, pid in PRIORITIES.items() if low in (n.lower(), pid)]
        elif field == "issuetype":
            match = [n for n, tid in st.issue_type_ids.items() if low in (n.lower(), tid)]
        elif field in ("assignee", "reporter"):
            match = [
                u.account_id
                for u in st.users.values()
                if low in ((u.account_id.lower(),) if st.deployment == "Cloud" else (u.name.lower(), u.key.lower()))
                or low == u.email.lower()
            ]
        elif field in DATE_FIELDS:
            return _date(field, value)
        else:
            return value
        if not match:
            raise self._bad_value(value, field)
        return match[0]

    def _getter(self, field: str, prop: tuple[str, str] | None) -> Callable[[Issue], Any]:
        if prop is not None:
            key, path = prop
            indexed = (key, path) in self.state.indexed_properties

            def read_property(issue: Issue) -> Any:
                node: Any = issue.properties.get(key) if indexed else None
                for part in path.split("."):
                    node = node.get(part) if isinstance(node, dict) else None
                return None if node is None else str(node)

            return read_property
        attr = {"statuscategory": "status", "issuetype": "issue_type", "resolutiondate": "resolution_date"}
        if field == "statuscategory":
            return lambda issue: STATUSES[issue.status].category
        if field == "duedate":
            return lambda issue: _date(field, issue.duedate) if issue.duedate else None
        if field == "description":
            return lambda issue: adf_to_text(issue.description) or None
        return lambda issue: getattr(issue, attr.get(field, field))

    def clause(self, node: Clause) -> Callable[[Issue], bool]:
        """Compile one clause, validating the field, operator and operands first."""
        prop_match = _PROPERTY.match(node.field)
        prop = (prop_match.group(1), prop_match.group(2)) if prop_match else None
        field = "property" if prop else ALIASES.get(node.field.lower(), node.field.lower())
        if field not in OPS_BY_FIELD:
            raise JqlError(f"Field '{node.field}' does not exist or you do not have permission to view it.")
        if node.op not in OPS_BY_FIELD[field]:
            raise JqlError(f"The operator '{node.op.lower()}' is not supported by the '{node.field}' field.")
        if node.op in ("IS", "IS NOT") and node.values != [EMPTY]:
            raise JqlError(f"The operator '{node.op}' only supports 'EMPTY' or 'NULL'.")
        get = self._getter(field, prop)
        if node.op in ("~", "!~"):
            needle = str(node.values[0]).lower()
            contains = lambda issue: needle in (get(issue) or "").lower()  # noqa: E731
            return contains if node.op == "~" else lambda issue: get(issue) is not None and not contains(issue)
        wanted = [self._resolve(field, v) for v in node.values]
        compare = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b}
        compare["<="] = lambda a, b: a <= b
        if node.op in compare:
            op = compare[node.op]
            return lambda issue: get(issue) is not None and op(get(issue), wanted[0])

        def present(issue: Issue) -> list[Any]:
            current = get(issue)
            return [v for v in (current if isinstance(current, list) else [current]) if v is not None]

        def hit(values: list[Any]) -> bool:
            return any(w in values for w in wanted if w is not None)

        if node.op in ("=", "IN", "IS"):
            return lambda issue: hit(vals := present(issue)) or (None in wanted and not vals)
        return lambda issue: bool(vals := present(issue)) and not hit(vals)

    def compile(self, node: Node | None) -> Callable[[Issue], bool]:
        """Compile a condition tree; no condition matches everything."""
        if node is None:
            return lambda issue: True
        if isinstance(node, Clause):
            return self.clause(node)
        parts = [self.compile(child) for child in node.children]
        if node.op == "AND":
            return lambda issue: all(p(issue) for p in parts)
        if node.op == "OR":
            return lambda issue: any(p(issue) for p in parts)
        return lambda issue: not parts[0](issue)

    def sort(self, issues: list[Issue], query: Query) -> list[Issue]:
        """Apply ORDER BY; without it Jira orders by key descending (newest first)."""
        result = sorted(issues, key=lambda i: int(i.id), reverse=True)
        for name, desc in reversed(query.order):
            field = ALIASES.get(name.lower(), name.lower())
            if field not in ("key", "created", "updated", "priority", "status", "duedate", "resolutiondate"):
                raise JqlError(f"Field '{name}' does not exist or you do not have permission to view it.")
            getter = self._getter(field, None)
            if field in ("key", "priority"):
                getter = (lambda i: int(i.id)) if field == "key" else (lambda i: -int(PRIORITIES[i.priority]))
            present = [i for i in result if getter(i) is not None]
            empty = [i for i in result if getter(i) is None]
            present.sort(key=getter, reverse=desc)
            result = present + empty
        return result


def search(state: JiraState, jql: str) -> list[Issue]:
    """All issues matching ``jql`` in result order; raises :class:`JqlError` with Jira's text."""
    query = parse(jql)
    evaluator = Evaluator(state)
    predicate = evaluator.compile(query.where)
    with state.lock:
        hits = [issue for issue in state.issues.values() if predicate(issue)]
    return evaluator.sort(hits, query)


def is_bounded(jql: str) -> bool:
    """Cloud's enhanced search rejects queries with no restriction (only ORDER BY or nothing)."""
    return parse(jql).where is not None
