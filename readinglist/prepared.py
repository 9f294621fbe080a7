"""Queries compiled once and run many times: the ORM's SQL for the busiest pages, without building it on every request.

Django builds and compiles a queryset's SQL on every evaluation. On the topic page that was most of the
cost of each query: the advanced papers' query took 0.7 ms to build and compile and 0.1 ms to run on
SQLite. A `Prepared` query is still written with the ORM (the rules it encodes stay where they are:
`Claim.objects.open()`, `with_availability`, ...); it is built once per database connection and
shape with stand-ins for the values that change from request to request, and later runs put the
values in place of the stand-ins:

    ADVANCED = Prepared(lambda topic_id, watcher_id: Entry.objects.filter(topic_id=topic_id)....values_list(...),
                        values=("topic_id", "watcher_id"))
    rows = ADVANCED(topic_id=topic.pk, watcher_id=user.pk)  # tuples, with Django's converters applied

Any other argument is the query's shape (a category filter or not, a page's OFFSET): part of the cache
key, passed to the builder as it is. Values are ints or strings the ORM passes through as parameters
unchanged; a value the ORM would transform (a `contains` lookup's `%...%`) or write into the SQL itself
is refused when the query is first built (PreparationError), never run with a stale value. A value a
shape does not use (no category filter: no category) is simply not in its SQL. A builder must not
read the clock (`timezone.now()`): what it computes is fixed when the query is first built.

The compiled SQL is kept per connection (each thread has its own), so no state is shared between
threads, and a process holds at most MAX_SHAPES shapes of each query. Queries run through the
connection's cursor like any other: assertNumQueries, execute wrappers and transactions see them.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

MAX_SHAPES = 64
# Ints no key or count of ours reaches, within a 32-bit column's range (Django reads a filter on a value
# out of range as matching nothing, and would compile that instead), and positive (a slice refuses
# negative numbers before it could be caught writing its value into the SQL).
_STAND_IN_BASE = 2_000_000_000
_counter = itertools.count(1)
_counter_lock = threading.Lock()


class PreparationError(RuntimeError):
    """A value did not reach the SQL as a parameter of its own: the query cannot be prepared."""


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    params: tuple  # each a fixed value, or a _Value to fill in
    compiler: Any  # the SQLCompiler that built it: its converters turn database values into Python ones
    converters: dict
    col_count: int | None  # trim extra SELECT columns (ORDER BY helpers), as Django does


@dataclass(frozen=True, slots=True)
class _Value:
    name: str
    cast: type | None = None


class Prepared:
    """A values_list() queryset built by `build(**arguments)`, compiled once per connection and shape."""

    def __init__(self, build: Callable[..., QuerySet], *, values: tuple[str, ...]) -> None:
        self._build = build
        self._values = values
        self._local = threading.local()
        with _counter_lock:
            number = next(_counter)
        # Stand-ins of this query: one int and one str per value, unlike any real one.
        self._int_stand_ins = {name: _STAND_IN_BASE + number * 100 + index for index, name in enumerate(values)}
        self._str_stand_ins = {name: f"\x1fprepared-{number}-{name}\x1f" for name in values}

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **arguments) -> list[tuple]:
        connection = connections[using]
        shape = tuple(sorted((name, value) for name, value in arguments.items() if name not in self._values))
        compiled = self._compiled(connection, using, shape, arguments)
        params = [_fill(p, arguments) if isinstance(p, _Value) else p for p in compiled.params]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.col_count is not None:
            rows = [row[: compiled.col_count] for row in rows]
        if compiled.converters:
            return [tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)]
        return rows

    def _compiled(self, connection, using: str, shape: tuple, arguments: dict) -> _Compiled:
        cache = self._cache(connection)
        # A value of another type (a str for an int) is another query: built, or refused, anew.
        key: Hashable = (shape, tuple(type(arguments[name]) for name in self._values))
        compiled = cache.get(key)
        if compiled is None:
            compiled = self._compile(using, shape, arguments)
            cache[key] = compiled
            if len(cache) > MAX_SHAPES:
                cache.popitem(last=False)
        else:
            cache.move_to_end(key)
        return compiled

    def _cache(self, connection) -> OrderedDict:
        caches = getattr(self._local, "caches", None)
        if caches is None:
            caches = self._local.caches = {}
        # The connection object is this thread's own; a new one (another thread's, a test's) compiles again.
        entry = caches.get(connection.alias)
        if entry is None or entry[0] is not connection:
            entry = caches[connection.alias] = (connection, OrderedDict())
        return entry[1]

    def _compile(self, using: str, shape: tuple, arguments: dict) -> _Compiled:
        missing = [name for name in self._values if name not in arguments]
        if missing:
            raise TypeError(f"missing values: {', '.join(missing)}")
        stand_ins = {
            name: self._str_stand_ins[name] if isinstance(arguments[name], str) else self._int_stand_ins[name]
            for name in self._values
        }
        for name in self._values:
            if not isinstance(arguments[name], (int, str)) or isinstance(arguments[name], bool):
                raise PreparationError(f"{name}: only ints and strings can be prepared, not {type(arguments[name]).__name__}")
        queryset = self._build(**dict(shape), **stand_ins)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in stand_ins.items()}
        template = tuple(_Value(by_value[p], _cast(p)) if _is_stand_in(p, by_value) else p for p in params)
        for name, value in stand_ins.items():
            # In the SQL's text, or inside another parameter: the value would stay the stand-in's.
            kept = any(not isinstance(p, _Value) and str(value) in str(p) for p in template)
            if str(value) in sql or kept:
                raise PreparationError(f"{name} is not passed to the database as a parameter of its own")
        fields = [selected[0] for selected in compiler.select[: compiler.col_count]]
        return _Compiled(
            sql=sql, params=template, compiler=compiler, converters=compiler.get_converters(fields),
            col_count=compiler.col_count if compiler.has_extra_select else None,
        )


def _is_stand_in(param: object, by_value: dict) -> bool:
    # An int may come typed (psycopg's Int4, which Django gives PostgreSQL for a comparison with a count).
    return isinstance(param, (int, str)) and not isinstance(param, bool) and param in by_value


def _fill(value: _Value, arguments: dict) -> object:
    given = arguments[value.name]
    return value.cast(given) if value.cast is not None else given


def _cast(param: object) -> type | None:
    """The type a value must be given to be sent as the stand-in was (Int4), or None for a plain int or str."""
    return None if type(param) in (int, str) else type(param)


def instance(model: type[Model], values: dict[str, Any], *, using: str = DEFAULT_DB_ALIAS, **related: Model | None) -> Model:
    """A model instance from some of its columns (by attname), as the ORM makes one: the others are deferred.

    `related`: objects read with it (as select_related() would), such as an entry's `paper`.
    """
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    made = model.from_db(using, names, [values[name] for name in names])
    for name, value in related.items():
        if value is not None:
            setattr(made, name, value)
    return made


class Columns:
    """A values_list() row read a model's columns at a time, in the order they were asked for."""

    def __init__(self, row: tuple) -> None:
        self._row, self._at = row, 0

    def take(self, names: tuple[str, ...]) -> dict[str, Any]:
        start, self._at = self._at, self._at + len(names)
        return dict(zip(names, self._row[start : self._at], strict=True))

    def rest(self) -> tuple:
        return self._row[self._at :]
