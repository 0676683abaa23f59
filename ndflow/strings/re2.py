"""RE2 regular expressions (the syntax of ``tf.strings.regex_replace`` and
``tf.strings.regex_full_match``) run on Python's ``re``.

TensorFlow matches with Google's RE2; Python's ``re`` reads the same text differently in
places.  ``translate`` parses an RE2 pattern and writes a Python pattern that matches the
same strings:

* ``\\d \\w \\s \\b`` and the POSIX classes (``[[:punct:]]``, ``[[:alpha:]]``...) are
  ASCII-only in RE2; ``\\s`` has no ``\\v``.
* ``\\pL``, ``\\p{Lu}``, ``\\PN``, ``\\p{^P}``: Unicode general categories, expanded into
  explicit code point ranges (``re`` has no ``\\p``).  Script names (``\\p{Greek}``) are
  not supported.
* ``$`` without ``(?m)`` matches only at the very end (``re``'s ``$`` also matches before
  a final newline); ``\\z`` is the end of the text; ``\\Q...\\E`` quotes.
* Flags ``(?i) (?m) (?s) (?U)`` may appear anywhere and last to the end of the group;
  ``(?i:...)`` scopes them.  ``{,n}`` is literal text in RE2.
* What RE2 rejects is rejected here too (backreferences, lookaround, possessive or doubled
  repetition, ``\\Z``, ``(?#...)``), so a pattern that works in ndflow works in TensorFlow.

``\\C`` (one byte) has no meaning for text held as Python ``str`` and is refused.

The rewrite string of ``regex_replace`` uses ``\\0`` .. ``\\9`` for groups and ``\\\\`` for
a backslash (``parse_rewrite``).  ``replace_all`` follows RE2's global replacement: an
empty match right where the previous match ended is skipped.
"""
import functools
import re
import unicodedata

__all__ = ["RE2Error", "translate", "compile_re2", "parse_rewrite", "replace_all",
           "replace_first"]

_MAXRUNE = 0x10FFFF
_MAX_REPEAT = 1000


class RE2Error(ValueError):
    """A pattern RE2 would refuse (the message says why)."""


# ---- character sets as sorted lists of (lo, hi) code point ranges -----------------------

def _merge(ranges):
    out = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


# invalid UTF-8 bytes kept as lone surrogates (surrogateescape): like RE2, which never
# matches an invalid byte with ``.`` or a negated class, these are left out of both
_RAW_BYTES = (0xDC80, 0xDCFF)


def _complement(ranges):
    out = []
    nxt = 0
    for lo, hi in _merge(list(ranges) + [_RAW_BYTES]):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAXRUNE:
        out.append((nxt, _MAXRUNE))
    return out


def _fold(ranges):
    """``ranges`` plus the single-character upper/lower case partners of its members
    (what a negated item needs under ``(?i)`` before it is complemented)."""
    extra = []
    for lo, hi in ranges:
        if hi - lo > 0x30000:       # "almost everything": folding changes nothing useful
            continue
        for cp in range(lo, hi + 1):
            c = chr(cp)
            for v in (c.lower(), c.upper()):
                if len(v) == 1 and v != c:
                    extra.append((ord(v), ord(v)))
    return _merge(list(ranges) + extra)


def _r(a, b=None):
    return [(ord(a), ord(b if b is not None else a))]


_DIGIT = _r("0", "9")
_WORD = _r("0", "9") + _r("A", "Z") + _r("a", "z") + _r("_")
_PERL_SPACE = [(9, 10), (12, 13), (32, 32)]          # \t \n \f \r space: no \v
_PERL = {"d": _DIGIT, "w": _WORD, "s": _PERL_SPACE}

_POSIX = {
    "alnum": _r("0", "9") + _r("A", "Z") + _r("a", "z"),
    "alpha": _r("A", "Z") + _r("a", "z"),
    "ascii": [(0, 0x7F)],
    "blank": [(9, 9), (32, 32)],
    "cntrl": [(0, 0x1F), (0x7F, 0x7F)],
    "digit": _DIGIT,
    "graph": [(0x21, 0x7E)],
    "lower": _r("a", "z"),
    "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)],
    "space": [(9, 13), (32, 32)],
    "upper": _r("A", "Z"),
    "word": _WORD,
    "xdigit": _r("0", "9") + _r("A", "F") + _r("a", "f"),
}

# RE2's general categories; "C" is Cc Cf Co Cs (unassigned code points are not in it)
_GROUPS = {"C": ("Cc", "Cf", "Co", "Cs"), "L": ("Ll", "Lm", "Lo", "Lt", "Lu"),
           "M": ("Mc", "Me", "Mn"), "N": ("Nd", "Nl", "No"),
           "P": ("Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps"),
           "S": ("Sc", "Sk", "Sm", "So"), "Z": ("Zl", "Zp", "Zs")}


@functools.lru_cache(maxsize=None)
def _category_table():
    """{two-letter category: ranges} for every assigned code point (built once, on the
    first ``\\p`` a pattern uses)."""
    table = {}
    cat = unicodedata.category
    start, prev = 0, cat("\x00")
    for cp in range(1, _MAXRUNE + 2):
        c = cat(chr(cp)) if cp <= _MAXRUNE else None
        if c != prev:
            table.setdefault(prev, []).append((start, cp - 1))
            start, prev = cp, c
    return table


def _unicode_class(name):
    if name == "Any":
        return [(0, _MAXRUNE)]
    table = _category_table()
    if name in _GROUPS:
        return _merge([r for sub in _GROUPS[name] for r in table.get(sub, [])])
    if len(name) == 2 and name[0] in _GROUPS and name in _GROUPS[name[0]]:
        return list(table.get(name, []))
    return None


# ---- emitting Python pattern text ---------------------------------------------------------

def _lit_in_class(cp):
    if cp < 128:
        c = chr(cp)
        return c if c.isalnum() else "\\x%02x" % cp
    return "\\u%04x" % cp if cp <= 0xFFFF else "\\U%08x" % cp


def _class_text(ranges, negate):
    if negate:
        ranges = list(ranges) + [_RAW_BYTES]
    body = []
    for lo, hi in _merge(ranges):
        if lo == hi:
            body.append(_lit_in_class(lo))
        elif hi == lo + 1:
            body.append(_lit_in_class(lo) + _lit_in_class(hi))
        else:
            body.append(_lit_in_class(lo) + "-" + _lit_in_class(hi))
    if not body:                    # the empty set: a class that never matches
        return "[^\\x00-\\U0010ffff]" if not negate else "[\\x00-\\U0010ffff]"
    return "[%s%s]" % ("^" if negate else "", "".join(body))


def _has_case(c):
    return c.lower() != c or c.upper() != c


_B_WORD = "[0-9A-Za-z_]"
_WORD_BOUNDARY = "(?:(?<=%s)(?!%s)|(?<!%s)(?=%s))" % ((_B_WORD,) * 4)
_NOT_WORD_BOUNDARY = "(?:(?<=%s)(?=%s)|(?<!%s)(?!%s))" % ((_B_WORD,) * 4)


class _Parser:
    """One pass over an RE2 pattern, writing the equivalent Python pattern."""

    def __init__(self, pattern):
        self.p = pattern
        self.i = 0
        self.out = []
        # flags of each open group: i (case-insensitive), m (multi-line), s (dot matches
        # \n), U (ungreedy)
        self.flags = [{"i": False, "m": False, "s": False, "U": False}]
        self.groups = 0
        # whether the pattern can match an empty string, tracked per open group as
        # [some finished alternative can, the items before the last can, the last can]
        self.null = [[False, True, None]]
        # what the last emitted item was: None (start, '(' or '|'), 'atom', 'anchor',
        # 'repeat' (a quantifier, after which another one is an error)
        self.last = None

    def error(self, msg):
        raise RE2Error(msg)

    def peek(self, k=0):
        j = self.i + k
        return self.p[j] if j < len(self.p) else ""

    # -- output helpers
    def item(self, nullable):
        frame = self.null[-1]
        if frame[2] is not None:
            frame[1] = frame[1] and frame[2]
        frame[2] = nullable

    def seq_nullable(self):
        frame = self.null[-1]
        return frame[1] and (True if frame[2] is None else frame[2])

    def atom(self, text, cased=False):
        if cased and self.flags[-1]["i"]:
            text = "(?i:%s)" % text
        self.out.append(text)
        self.last = "atom"
        self.item(False)

    def anchor(self, text):
        self.out.append(text)
        self.last = "anchor"
        self.item(True)

    def open(self, text):
        self.flags.append(dict(self.flags[-1]))
        self.null.append([False, True, None])
        self.out.append(text)
        self.last = None

    def literal(self, c):
        self.atom(re.escape(c), _has_case(c))

    def ranges(self, ranges, negate):
        self.atom(_class_text(ranges, negate), True)

    # -- the pattern
    def parse(self):
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            self.i += 1
            if c == "\\":
                self.escape()
            elif c == "[":
                items, negate = self.char_class()
                self.ranges(items, negate)
            elif c == "(":
                self.open_group()
            elif c == ")":
                if len(self.flags) == 1:
                    self.error("unexpected )")
                self.flags.pop()
                seq = self.seq_nullable()
                nullable = self.null.pop()[0] or seq
                self.out.append(")")
                self.last = "atom"
                self.item(nullable)
            elif c == "|":
                frame = self.null[-1]
                frame[0] = frame[0] or self.seq_nullable()
                frame[1:] = [True, None]
                self.out.append("|")
                self.last = None
            elif c in "*+?":
                self.repeat(c)
            elif c == "{":
                self.repeat_braces()
            elif c == "^":
                self.anchor("(?:(?<=\\n)|\\A)" if self.flags[-1]["m"] else "(?:\\A)")
            elif c == "$":
                self.anchor("(?=\\n|\\Z)" if self.flags[-1]["m"] else "(?:\\Z)")
            elif c == ".":
                self.atom("[^\\udc80-\\udcff]" if self.flags[-1]["s"] else
                          "[^\\n\\udc80-\\udcff]")
            else:
                self.literal(c)
        if len(self.flags) > 1:
            self.error("missing )")
        self.nullable = self.seq_nullable() or self.null[0][0]
        return "".join(self.out)

    def repeat(self, op, python_op=None, optional=None):
        if self.last is None:
            self.error("no argument for repetition operator: %s" % op)
        if self.last == "repeat":
            self.error("bad repetition operator: %s" % (self.p[self.i - 1 - len(op):self.i],))
        lazy = self.peek() == "?"
        if lazy:
            self.i += 1
        if self.flags[-1]["U"]:
            lazy = not lazy
        if self.last == "anchor":           # RE2 lets an assertion repeat; re does not
            self.out[-1] = "(?:%s)" % self.out[-1]
        self.out.append((python_op or op) + ("?" if lazy else ""))
        self.last = "repeat"
        if op in "*?" or optional:          # zero repetitions allowed: may match empty
            self.null[-1][2] = True

    def repeat_braces(self):
        """``{n}``, ``{n,}`` or ``{n,m}`` after an atom; anything else (``{,n}`` too) is a
        literal ``{``."""
        m = re.match(r"([0-9]+)(,([0-9]*))?\}", self.p[self.i:])
        if not m:
            self.literal("{")
            return
        lo = int(m.group(1))
        hi = lo if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
        text = "{" + m.group(0)
        if lo > _MAX_REPEAT or (hi is not None and (hi > _MAX_REPEAT or hi < lo)):
            self.error("invalid repetition size: %s" % text)
        self.i += len(m.group(0))
        self.repeat(text, "{%d,%s}" % (lo, "" if hi is None else hi), lo == 0)

    def open_group(self):
        p = self.p
        if self.peek() != "?":
            self.groups += 1
            self.open("(")
            return
        rest = p[self.i + 1:]
        if rest.startswith("P<"):
            m = re.match(r"P<(\w+)>", rest)
            if not m:
                self.error("invalid named capture group")
            self.i += 1 + len(m.group(0))
            self.groups += 1
            self.open("(")          # names only label groups; \N refers by number
            return
        m = re.match(r"([imsU]*)(-([imsU]*))?([:)])", rest)
        if not m or (m.group(2) is not None and not m.group(3)):
            bad = "(?" + rest[:2]
            self.error("invalid or unsupported group %r: RE2 (and so TensorFlow) has no "
                       "lookaround, backreferences, comments or atomic groups, and its only "
                       "flags are i, m, s and U" % bad)
        self.i += 1 + len(m.group(0))
        new = dict(self.flags[-1])
        for f in m.group(1):
            new[f] = True
        for f in (m.group(3) or ""):
            new[f] = False
        if m.group(4) == ":":
            self.open("(?:")
            self.flags[-1] = new
        else:                               # (?flags): to the end of the current group
            self.flags[-1] = new

    def escape(self):
        p = self.p
        if self.i >= len(p):
            self.error("trailing \\")
        c = p[self.i]
        self.i += 1
        if c in "dws":
            self.ranges(_PERL[c], False)
        elif c in "DWS":
            self.ranges(_PERL[c.lower()], True)
        elif c in "pP":
            items, negate = self.unicode_class(c)
            self.ranges(items, negate)
        elif c == "b":
            self.anchor(_WORD_BOUNDARY)
        elif c == "B":
            self.anchor(_NOT_WORD_BOUNDARY)
        elif c == "A":
            self.anchor("(?:\\A)")
        elif c == "z":
            self.anchor("(?:\\Z)")
        elif c == "Q":
            end = p.find("\\E", self.i)
            text = p[self.i:] if end < 0 else p[self.i:end]
            self.i = len(p) if end < 0 else end + 2
            for ch in text:
                self.literal(ch)
        elif c == "C":
            self.error("\\C (match one byte) is not supported: ndflow's string tensors hold "
                       "text, so use . (one character)")
        else:
            self.literal(chr(self.char_escape(c)))

    def char_escape(self, c):
        """The code point of a one-character escape (``c`` follows the backslash)."""
        p = self.p
        if c == "x":
            if self.peek() == "{":
                end = p.find("}", self.i)
                digits = p[self.i + 1:end] if end > 0 else ""
                if not digits or not all(d in "0123456789abcdefABCDEF" for d in digits) \
                        or int(digits, 16) > _MAXRUNE:
                    self.error("invalid escape sequence: \\x%s" % p[self.i:end + 1])
                self.i = end + 1
                return int(digits, 16)
            digits = p[self.i:self.i + 2]
            if len(digits) < 2 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                self.error("invalid escape sequence: \\x%s" % digits)
            self.i += 2
            return int(digits, 16)
        if c in "01234567":
            # \0, \0o, \0oo; \1-\7 only as the first digit of a longer octal number
            if c != "0" and self.peek() not in tuple("01234567"):
                self.error("invalid escape sequence: \\%s (RE2 has no backreferences)" % c)
            digits = c
            while len(digits) < 3 and self.peek() and self.peek() in "01234567":
                digits += self.peek()
                self.i += 1
            return int(digits, 8)
        simple = {"a": 7, "f": 12, "t": 9, "n": 10, "r": 13, "v": 11}
        if c in simple:
            return simple[c]
        if ord(c) < 128 and not c.isalnum():
            return ord(c)
        hint = {"Z": " (use \\z for the end of the text)",
                "u": " (write \\x{hhhh} for a code point)",
                "U": " (write \\x{hhhhhh} for a code point)"}.get(c, "")
        self.error("invalid escape sequence: \\%s%s" % (c, hint))

    def unicode_class(self, c):
        """``\\pX``, ``\\p{Name}``, ``\\p{^Name}`` (and ``\\P``): (ranges, negated)."""
        p = self.p
        negate = c == "P"
        if self.peek() == "{":
            end = p.find("}", self.i)
            if end < 0:
                self.error("invalid character class range: \\%s%s" % (c, p[self.i:]))
            name = p[self.i + 1:end]
            text = "\\%s%s" % (c, p[self.i:end + 1])
            self.i = end + 1
        else:
            name = self.peek()
            text = "\\%s%s" % (c, name)
            self.i += 1
        if name.startswith("^"):
            negate = not negate
            name = name[1:]
        ranges = _unicode_class(name)
        if ranges is None:
            self.error("invalid character class range: %s (ndflow supports the Unicode "
                       "general categories C, L, M, N, P, S, Z, their two-letter "
                       "subcategories such as Lu, and Any; not script names)" % text)
        return ranges, negate

    def char_class(self):
        """``[...]`` after the ``[``: (ranges, negated)."""
        p = self.p
        start = self.i - 1
        negate = self.peek() == "^"
        if negate:
            self.i += 1
        items = []
        first = True
        fold = self.flags[-1]["i"]

        def add_negated(r):
            items.extend(_complement(_fold(r) if fold else r))

        while True:
            if self.i >= len(p):
                self.error("missing ] for the class starting at %r" % p[start:start + 10])
            c = p[self.i]
            if c == "]" and not first:
                self.i += 1
                break
            first = False
            if c == "[" and p.startswith("[:", self.i):
                m = re.match(r"\[:(\^?)([a-z]+):\]", p[self.i:])
                if m:
                    if m.group(2) not in _POSIX:
                        self.error("invalid character class range: %s" % m.group(0))
                    self.i += len(m.group(0))
                    if m.group(1):
                        add_negated(_POSIX[m.group(2)])
                    else:
                        items.extend(_POSIX[m.group(2)])
                    continue
            if c == "\\":
                e = self.peek(1)
                if e in tuple("dwsDWSpP"):
                    self.i += 2
                    if e in "pP":
                        r, neg = self.unicode_class(e)
                    else:
                        r, neg = _PERL[e.lower()], e.isupper()
                    if neg:
                        add_negated(r)
                    else:
                        items.extend(r)
                    continue
            lo = self.class_char()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.i += 1
                hi = self.class_char()
                if hi < lo:
                    self.error("invalid character class range: %s-%s" % (chr(lo), chr(hi)))
                items.append((lo, hi))
            else:
                items.append((lo, lo))
        return items, negate

    def class_char(self):
        c = self.p[self.i]
        self.i += 1
        if c != "\\":
            return ord(c)
        if self.i >= len(self.p):
            self.error("missing ]")
        e = self.p[self.i]
        self.i += 1
        if e in "bBQEAzC" or e in "dwsDWSpP":
            self.error("invalid escape sequence: \\%s" % e)
        return self.char_escape(e)


def translate(pattern):
    """(Python ``re`` pattern text matching what the RE2 ``pattern`` matches, its number
    of capturing groups, whether it can match an empty string).  Raises ``RE2Error`` for
    patterns RE2 rejects."""
    parser = _Parser(pattern)
    text = parser.parse()
    return text, parser.groups, parser.nullable


class Compiled:
    """A translated pattern: ``rx`` (Python regex), ``groups``, ``nullable``."""

    __slots__ = ("rx", "groups", "nullable")

    def __init__(self, rx, groups, nullable):
        self.rx = rx
        self.groups = groups
        self.nullable = nullable


@functools.lru_cache(maxsize=256)
def compile_re2(pattern):
    """The ``Compiled`` form of the RE2 ``pattern``."""
    text, groups, nullable = translate(pattern)
    try:
        return Compiled(re.compile(text), groups, nullable)
    except re.error as e:            # should not happen; say so plainly if it does
        raise RE2Error("cannot translate the pattern %r for Python's re (%s)" % (pattern, e))


@functools.lru_cache(maxsize=256)
def parse_rewrite(rewrite, groups):
    """The ``regex_replace`` rewrite as a tuple of literal strings and group numbers."""
    parts = []
    lit = []
    i = 0
    while i < len(rewrite):
        c = rewrite[i]
        if c != "\\":
            lit.append(c)
            i += 1
            continue
        nxt = rewrite[i + 1] if i + 1 < len(rewrite) else ""
        if nxt == "\\":
            lit.append("\\")
        elif nxt.isdigit() and nxt.isascii():
            n = int(nxt)
            if n > groups:
                raise RE2Error("the rewrite %r refers to group \\%d but the pattern has "
                               "only %d capturing group(s)" % (rewrite, n, groups))
            if lit:
                parts.append("".join(lit))
                lit = []
            parts.append(n)
        else:
            raise RE2Error("invalid rewrite %r: after a backslash RE2 accepts only a digit "
                           "(\\0 is the whole match, \\1 .. \\9 the groups) or another "
                           "backslash; write \\\\ for a literal backslash" % (rewrite,))
        i += 2
    if lit:
        parts.append("".join(lit))
    return tuple(parts)


def _expand(m, parts):
    if len(parts) == 1 and isinstance(parts[0], str):
        return parts[0]
    return "".join(p if isinstance(p, str) else (m.group(p) or "") for p in parts)


def python_template(parts):
    """``parts`` as a template for ``re.sub`` (backslashes doubled, groups as ``\\g<n>``)."""
    return "".join(p.replace("\\", "\\\\") if isinstance(p, str) else "\\g<%d>" % p
                   for p in parts)


def replace_all(compiled, parts, s, template=None):
    """Every non-overlapping match in ``s`` replaced, as RE2's GlobalReplace does it: an
    empty match right where the previous match ended does not count.  A pattern that
    cannot match empty text behaves the same under ``re.sub`` (``template``), which is
    much faster."""
    rx = compiled.rx
    if not compiled.nullable:
        return rx.sub(template if template is not None else python_template(parts), s)
    out = []
    pos = 0
    last_end = -1
    n = len(s)
    count = 0
    search = rx.search
    while pos <= n:
        m = search(s, pos)
        if m is None:
            break
        st, en = m.span()
        if st > pos:
            out.append(s[pos:st])
        if st == en and st == last_end:
            if st < n:
                out.append(s[st])
            pos = st + 1
            continue
        out.append(_expand(m, parts))
        pos = last_end = en
        count += 1
    if not count:
        return s
    out.append(s[pos:])
    return "".join(out)


def replace_first(compiled, parts, s):
    m = compiled.rx.search(s)
    if m is None:
        return s
    return s[:m.start()] + _expand(m, parts) + s[m.end():]
