"""Caches of a search's SQL: text() statements compiled once per distinct SQL, and the online branch's answers."""

from __future__ import annotations

import re
from collections import OrderedDict

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from finder.models.base import UTCDateTime

_FLOAT_LITERAL = re.compile(r"(?<![\w.:])(\d+\.\d+)(?![\w.])")
_PARAM = re.compile(r"(?<![:\w]):(\w+)")


def frozen_params(params: dict) -> tuple:
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))


# PostgreSQL: statements whose plan does not depend on their values (their floors and levels are computed inside them)
# begin with this comment, and `sql.execute` runs them with plan_cache_mode = force_generic_plan. Once psycopg has
# prepared one (from its 5th use on a connection: prepare_threshold), it is then planned once per connection instead
# of at every execution; planning took 1-2 ms of them, as much as executing. Left to "auto", PostgreSQL kept planning
# them anew: the generic plan's cost, estimated without the values, came out above the custom plans'.
PLAN_ONCE = "/* plan once */ "
GENERIC_PLANS = text(
    "WITH o AS MATERIALIZED (SELECT current_setting('plan_cache_mode') AS mode) "
    "SELECT mode, set_config('plan_cache_mode', 'force_generic_plan', true) FROM o"
)
PLANS_AS_BEFORE = text("SELECT set_config('plan_cache_mode', :mode, true)")


def rows_of(session: Session, statement, params: dict, dialect: str) -> list[tuple]:
    """The statement's rows; on PostgreSQL, a statement marked `PLAN_ONCE` runs with generic plans, and the setting is
    put back as it was (if the statement fails, the transaction is aborted and its rollback puts it back)."""
    if dialect != "postgresql" or not statement.text.startswith(PLAN_ONCE):
        return [tuple(r) for r in session.execute(statement, params).all()]
    mode = session.execute(GENERIC_PLANS).scalar_one()
    rows = [tuple(r) for r in session.execute(statement, params).all()]
    session.execute(PLANS_AS_BEFORE, {"mode": mode})
    return rows


ONLINE_CACHE: OrderedDict = OrderedDict()
ONLINE_CACHE_SIZE = 512


def forget_online_answers() -> None:
    """Drop the remembered online-branch answers (benchmarks; the index generation handles changes)."""
    ONLINE_CACHE.clear()


def remember_online(key, rows) -> None:
    ONLINE_CACHE[key] = rows
    while len(ONLINE_CACHE) > ONLINE_CACHE_SIZE:
        ONLINE_CACHE.popitem(last=False)


_STATEMENTS: OrderedDict = OrderedDict()
STATEMENT_CACHE_SIZE = 1024


def compiled_statement(sql: str, postgres: bool, lists: tuple[str, ...]) -> tuple[object, tuple[str, ...]]:
    """The text() statement of assembled SQL and its parameter names, built once per distinct SQL."""
    key = (sql, postgres, lists)
    found = _STATEMENTS.get(key)
    if found is not None:
        _STATEMENTS.move_to_end(key)
        return found
    if postgres:
        sql = _FLOAT_LITERAL.sub(r"\1::float8", sql)  # float8 arithmetic, never numeric
    names = tuple(dict.fromkeys(_PARAM.findall(sql)))
    statement = text(sql)
    for key_name in names:
        if key_name in lists:
            statement = statement.bindparams(bindparam(key_name, expanding=True))
        elif key_name.startswith("win_"):
            statement = statement.bindparams(bindparam(key_name, type_=UTCDateTime()))
    found = (statement, names)
    _STATEMENTS[key] = found
    while len(_STATEMENTS) > STATEMENT_CACHE_SIZE:
        _STATEMENTS.popitem(last=False)
    return found
