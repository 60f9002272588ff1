"""Reading what a user or a stranger hands us: regular files only, bounded, and YAML as plain data.

Every file the program reads as input (a scenario and its ``extends`` bases, a sweep spec, an
exercise, the observed record, a predictions or moves file) and every ``--set`` value comes through
here, so none can crash, hang or exhaust the program: a FIFO or ``/dev/zero`` would block or fill
memory, a symbolic link loop would raise, a few kilobytes of YAML aliases expand to billions of
values ("billion laughs"), deep nesting overflows the parser's recursion, and a YAML tag such as
``!!set`` or ``!!python/...`` builds objects a scenario has no use for (a set's order even depends on
``PYTHONHASHSEED``). Each refusal is a :class:`Problem` (file, line, field, message): the command
line prints it as one line and exits with code 2, before anything is validated or written.

The YAML limits are checked while the document is composed into nodes, before any Python object is
built: aliases point at the node they name, so the expanded size is counted, never built.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml

from sim.text import neutral

MAX_FILE_BYTES = 1024 * 1024
"""The largest input file read (the baseline scenario is 19 KB, the observed record 33 KB); PyYAML
reads about a megabyte a second, so no file keeps the program busy for long."""
MAX_VALUE_CHARS = 64 * 1024
"""The longest ``--set`` value."""
MAX_DEPTH = 50
"""Nesting levels of a YAML document, aliases expanded (a scenario has 8)."""
MAX_NODES = 50_000
"""Values of a YAML document, aliases expanded: mappings, lists and scalars (the baseline has 1,227)."""
MAX_ITEMS = 10_000
"""Entries of one YAML mapping or list (the longest shipped list has 80)."""
MAX_PROBLEMS = 20
"""Problems reported for one file at most; a hostile file does not get to print a million lines."""
MAX_JSON_BYTES = 64 << 20
"""Our own JSON files (a manifest, a summary) read back: larger than any we write, still bounded."""

Path_ = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
PLAIN_TAGS = frozenset(_TAG + t for t in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp"))
"""The only YAML tags a file may use, explicitly or implicitly: plain data (dates for ``start_date``)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (file, line, field path) and what."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return _one_line(f"{where}  {self.path or '(top-level)'}  {self.message}")


def _one_line(text: str) -> str:
    """Control characters shown as escapes and line breaks as ``\\n``: a problem is one line."""
    return neutral(text, limit=4000).replace("\r", "\\r").replace("\n", "\\n")


class ScenarioError(Exception):
    """An input (a scenario, an override, a spec...) is invalid; ``problems`` says every way it is."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        problems = capped(problems)
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def capped(problems: Iterable[Problem]) -> list[Problem]:
    """At most :data:`MAX_PROBLEMS`, and a last one saying how many more were left out."""
    problems = list(problems)
    if len(problems) <= MAX_PROBLEMS + 1:
        return problems
    last = problems[MAX_PROBLEMS - 1]
    more = Problem(last.file, None, "", f"... and {len(problems) - MAX_PROBLEMS} more problems")
    return [*problems[:MAX_PROBLEMS], more]


def _fail(name: str, message: str, line: int | None = None, path: str = "") -> ScenarioError:
    return ScenarioError([Problem(name, line, path, message)])


# -- files ----------------------------------------------------------------------------------------
def _not_regular(mode: int) -> str | None:
    """What a file is if it is not a regular file (which alone is safe to read to its end)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bytes(path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most ``max_bytes``; a :class:`ScenarioError` names what it is if not.

    Symbolic links are followed; a loop of them is refused. The file is opened without blocking (a
    FIFO would wait for a writer) and checked again once open, so it cannot be swapped in between.
    """
    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _fail(name, "file not found") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _fail(name, "a loop of symbolic links: it leads to no file") from None
        raise _fail(name, f"cannot read the file: {exc.strerror or exc}") from None
    except ValueError:  # an embedded NUL in the name
        raise _fail(name, "not a usable file name") from None
    what = _not_regular(st.st_mode)
    if what:
        raise _fail(name, f"is {what}, not a regular file")
    if st.st_size > max_bytes:
        raise _fail(name, f"the file is too large ({st.st_size:,} bytes; at most {max_bytes:,})")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise _fail(name, f"cannot read the file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        what = _not_regular(os.fstat(f.fileno()).st_mode)
        if what:
            raise _fail(name, f"is {what}, not a regular file")
        try:
            data = f.read(max_bytes + 1)  # a file that grows while read (or /proc) stops here
        except OSError as exc:
            raise _fail(name, f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise _fail(name, f"the file is too large (more than {max_bytes:,} bytes)")
    return data


def read_text(path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """A regular file as UTF-8 text (a byte-order mark is dropped) with no control characters.

    Tabs and line ends (``\\n``, ``\\r``) are the only control characters a text file may hold; any
    other is refused with its line, as are bytes that are not UTF-8.
    """
    name = str(path)
    data = read_bytes(path, max_bytes)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(name, "not UTF-8 text (save the file as UTF-8)", line) from None
    check_text(text, name)
    return text


def check_text(text: str, name: str) -> None:
    """Refuse a control character other than tab and line ends, naming its line and column."""
    match = _CONTROL.search(text)
    if match is None:
        return
    start = match.start()
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    raise _fail(
        name,
        f"a control character (U+{ord(match.group()):04X}) in column {column}: "
        "only tabs and line ends may appear in text",
        line,
    )


# -- YAML -----------------------------------------------------------------------------------------
@dataclass
class Source:
    """A parsed YAML document and where each of its nodes came from."""

    data: Any
    lines: dict[Path_, tuple[str, int]]


class _Refused(yaml.MarkedYAMLError):
    """A limit or a tag the plain-data loader refuses, at the mark where it was found."""

    def __init__(self, message: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem=message, problem_mark=mark)


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


class PlainLoader(yaml.SafeLoader):
    """PyYAML's safe loader, limited to plain data and to :data:`MAX_DEPTH`, :data:`MAX_NODES`
    and :data:`MAX_ITEMS` while it composes (the tag of every node, explicit or implied, is checked
    before its children are read)."""

    yaml_constructors: ClassVar[dict] = {
        **{tag: fn for tag, fn in yaml.SafeLoader.yaml_constructors.items() if tag in PLAIN_TAGS},
        None: yaml.SafeLoader.construct_undefined,
    }
    yaml_multi_constructors: ClassVar[dict] = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0
        self.nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if parent is not None and len(parent.value) >= MAX_ITEMS:
            raise _Refused(f"more than {MAX_ITEMS:,} entries in one mapping or list", event.start_mark)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Refused(f"more than {MAX_NODES:,} values in the document", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in PLAIN_TAGS:
            raise _Refused(_tag_refusal(tag), event.start_mark)
        if self.depth >= MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
        self.depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if node is not None and node.tag not in PLAIN_TAGS:  # implied: a `<<` merge key, a `=`
            if node.tag == _TAG + "merge":
                message = "YAML merge keys ('<<') are not supported: write the keys out"
                raise _Refused(message, node.start_mark)
            raise _Refused(_tag_refusal(node.tag), node.start_mark)
        return node


def _tag_refusal(tag: str) -> str:
    return (
        f"the YAML tag {_tag_name(tag)} is not allowed "
        "(only plain data: mappings, lists, text, numbers, true/false, null and dates)"
    )


def _yaml_message(exc: yaml.YAMLError, echo: bool) -> str:
    """One line for a YAML error: what is wrong (not the excerpt PyYAML quotes across lines).

    Without ``echo`` nothing of the file is repeated (PyYAML quotes the characters it stumbled on).
    """
    if echo and isinstance(exc, yaml.MarkedYAMLError) and (exc.problem or exc.context):
        return f"not valid YAML: {exc.problem or exc.context}"
    if isinstance(exc, _Refused):  # our own words: nothing of the file in them
        return f"not valid YAML: {exc.problem}"
    return "not valid YAML"


def _line(exc: yaml.YAMLError) -> int | None:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return mark.line + 1 if mark is not None else None


def compose(text: str, name: str, echo: bool = True) -> yaml.Node | None:
    """The node graph of one YAML document within the limits; None for an empty document."""
    loader = PlainLoader(text)
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _fail(name, _yaml_message(exc, echo), _line(exc)) from None
    finally:
        loader.dispose()


def check_expansion(node: yaml.Node, name: str) -> None:
    """Refuse a graph whose aliases expand past :data:`MAX_NODES` or :data:`MAX_DEPTH`, or loop.

    Each node's expanded size and depth is computed once (memoised), so an alias bomb is measured
    in the time it takes to read it, never built.
    """
    sizes: dict[int, tuple[int, int]] = {}
    active: set[int] = set()

    def children(n: yaml.Node) -> list[yaml.Node]:
        if isinstance(n, yaml.MappingNode):
            return [x for pair in n.value for x in pair]
        if isinstance(n, yaml.SequenceNode):
            return list(n.value)
        return []

    def visit(n: yaml.Node, depth: int) -> tuple[int, int]:
        key = id(n)
        if key in active:
            raise _fail(name, "a YAML alias refers to itself (recursive structure)", n.start_mark.line + 1)
        if key not in sizes:
            if depth > MAX_DEPTH:
                raise _fail(
                    name,
                    f"not valid YAML: nested more than {MAX_DEPTH} levels deep (aliases expanded)",
                    n.start_mark.line + 1,
                )
            active.add(key)
            size, deepest = 1, 0
            for child in children(n):
                s, d = visit(child, depth + 1)
                size, deepest = size + s, max(deepest, d)
                if size > MAX_NODES:
                    raise _fail(
                        name,
                        f"not valid YAML: its aliases (*name) expand to more than {MAX_NODES:,} values",
                        n.start_mark.line + 1,
                    )
            active.discard(key)
            sizes[key] = (size, deepest + 1)
        size, height = sizes[key]
        if depth + height - 1 > MAX_DEPTH:
            raise _fail(
                name,
                f"not valid YAML: nested more than {MAX_DEPTH} levels deep (aliases expanded)",
                n.start_mark.line + 1,
            )
        return size, height

    visit(node, 1)


def parse_yaml(
    text: str,
    name: str,
    what: str = "scenario",
    echo: bool = True,
    fields: Iterable[str] | None = None,
) -> Source:
    """Parse YAML text into plain data and a map from node path to (file, line), within the limits.

    ``what`` names the kind of file in messages. ``echo=False`` (a file another file names) keeps
    the file's content out of every message: only the file, the line and the kind of problem.
    ``fields``: the top-level keys a file of this kind may have; a mapping with others is refused
    as not such a file, without naming them.
    """
    check_text(text, name)
    node = compose(text, name, echo)
    if node is None:
        raise _fail(name, f"the file is empty (expected {_a(what)} mapping)", 1)
    check_expansion(node, name)
    if not isinstance(node, yaml.MappingNode):
        kind = "list" if isinstance(node, yaml.SequenceNode) else "single value"
        raise _fail(name, f"expected a mapping of fields, got a {kind}", 1)
    if fields is not None:
        allowed = set(fields)
        keys = [k.value if isinstance(k, yaml.ScalarNode) else None for k, _ in node.value]
        if not keys or any(k not in allowed for k in keys):
            raise _fail(name, f"not {_a(what)} file (its top-level keys are not {_a(what)}'s)", 1)
    lines: dict[Path_, tuple[str, int]] = {}
    problems: list[Problem] = []
    _index(node, (), name, lines, problems)
    if problems:
        raise ScenarioError(problems)
    loader = PlainLoader("")
    try:
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise _fail(name, _yaml_message(exc, echo), _line(exc)) from None
    except (ValueError, TypeError, OverflowError, yaml.YAMLError) as exc:  # a date 2025-02-30
        line = _line_of_bad_scalar(node)
        message = f"a value YAML cannot read: {exc}" if echo else "a value YAML cannot read"
        raise _fail(name, message, line) from None
    return Source(data, lines)


def _a(what: str) -> str:
    """``a scenario``, ``an exercise`` (``what`` may come with its article)."""
    what = what.removeprefix("a ").removeprefix("an ")
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def read_yaml(
    path: Path | str,
    what: str = "scenario",
    echo: bool = True,
    fields: Iterable[str] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> Source:
    """Read and parse a YAML file (see :func:`read_text` and :func:`parse_yaml`)."""
    return parse_yaml(read_text(path, max_bytes), str(path), what, echo, fields)


def parse_value(text: str, max_chars: int = MAX_VALUE_CHARS) -> Any:
    """A YAML value from the command line (``--set PATH=VALUE``): plain data, within the same limits.

    A ValueError says what is wrong, in one line.
    """
    if len(text) > max_chars:
        raise ValueError(f"the value is too long ({len(text):,} characters; at most {max_chars:,})")
    try:
        check_text(text, "value")
        node = compose(text, "value")
        if node is None:
            return None
        check_expansion(node, "value")
        return PlainLoader("").construct_document(node)
    except ScenarioError as exc:
        raise ValueError(exc.problems[0].message) from None
    except yaml.YAMLError as exc:
        raise ValueError(_yaml_message(exc, True)) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(f"a value YAML cannot read: {exc}") from None


def _index(node: yaml.Node, path: Path_, name: str, lines: dict, problems: list[Problem]) -> None:
    """Record each node's line by its path; refuse duplicate keys and keys that are not names.

    Recursion is bounded: :func:`check_expansion` has capped the expanded depth and size.
    """
    lines[path] = (name, node.start_mark.line + 1)
    if len(problems) > MAX_PROBLEMS:
        return
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                problems.append(
                    Problem(
                        name,
                        key.start_mark.line + 1,
                        dotted(path),
                        "a key must be a plain name, not a list or mapping",
                    )
                )
                continue
            k = key.value
            if k in seen:
                problems.append(
                    Problem(
                        name,
                        key.start_mark.line + 1,
                        dotted((*path, k)),
                        "duplicate key (YAML would silently keep the last one)",
                    )
                )
            seen.add(k)
            _index(value, (*path, k), name, lines, problems)
            lines[(*path, k)] = (name, key.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), name, lines, problems)


def _line_of_bad_scalar(node: yaml.Node) -> int | None:
    """The line of the first scalar a plain YAML load would choke on (a date like 2025-02-30)."""
    stack = [node]
    seen: set[int] = set()
    constructor = PlainLoader("")
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.ScalarNode):
            try:
                constructor.construct_object(n, deep=True)
            except Exception:
                return n.start_mark.line + 1
        elif isinstance(n, yaml.MappingNode):
            stack.extend(v for pair in reversed(n.value) for v in reversed(pair))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(reversed(n.value))
    return None


def dotted(loc: Path_) -> str:
    return ".".join(str(k) for k in loc)
