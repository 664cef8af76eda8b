#!/usr/bin/env python3
"""Extracts, from SuperCollider's class library, each UGen class's creation methods (*ar, *kr,
*ir, *new) as facts: the inputs in the order the method hands them to scsynth (its
`multiNew`/`multiNewList` call), each named by the method argument it comes from, with that
argument's default. Writes one line per class and method:

    Class method input[=default] ...

`name=default` is an argument with a default, `name` one without, `*name` an argument spread as
an array (`++ name`), `name=@other` an argument that falls back to another (`name ? other`), `?expr` an input that
is not a plain argument; a trailing `!init` says the class (or an
ancestor below UGen) has a `*new1`, or an `init` that sets `inputs`, of its own: the inputs
scsynth gets may differ from the multiNew call, `!code`
that the method builds its inputs without multiNew. Classes inherit methods.

    git -C supercollider archive Version-3.13.0 SCClassLibrary/Common/Audio | tar -x -C /tmp/sc
    python3 core/tools/sclang_ugens.py /tmp/sc/SCClassLibrary/Common/Audio \
        > core/tests/data/sclang_ugens.txt
"""
import pathlib
import re
import sys

METHODS = ("ar", "kr", "ir", "dr", "new")


def strip_comments(text):
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif c == "$" and i + 1 < n:
            out.append("$?")  # a character literal such as ${ must not count as a brace
            i += 3 if text[i + 1] == "\\" else 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def block(text, start):
    """The text between the brace at `start` and its partner."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1:i], i
    raise ValueError("unbalanced braces")


def split_top(s):
    """Splits on commas outside brackets."""
    parts, depth, cur = [], 0, []
    for c in s:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def parse_args(body):
    m = re.match(r"\s*(?:arg\s+([^;]*);|\|([^|]*)\|)", body)
    if not m:
        return []
    decl = (m.group(1) or m.group(2)).replace("...", "")
    args = []
    for part in split_top(decl):
        name, _, default = part.partition("=")
        args.append((name.strip(), default.strip() or None))
    return args


def call_inputs(body):
    """The inputs of the method's multiNew/multiNewList call, rate symbol dropped."""
    m = re.search(r"multiNew\s*\(", body)
    if m:
        inner, depth = [], 1
        for c in body[m.end():]:
            depth += c == "("
            depth -= c == ")"
            if depth == 0:
                break
            inner.append(c)
        items = [(x, False) for x in split_top("".join(inner))]
    else:
        m = re.search(r"multiNewList\s*\(\s*\[", body)
        if not m:
            return None
        close = body.index("]", m.end())
        items = [(x, False) for x in split_top(body[m.end():close])]
        rest = re.match(r"\s*((?:\+\+\s*[\w.]+\s*)*)", body[close + 1:]).group(1)
        items += [(x.strip(), True) for x in rest.split("++") if x.strip()]
    return items[1:]


def literal(default):
    """A default as written, with `N.midicps` worked out (a fact the check can compare)."""
    default = default.replace(" ", "")
    m = re.fullmatch(r"(-?[\d.]+)\.midicps", default)
    if m:
        return repr(440.0 * 2 ** ((float(m.group(1)) - 69) / 12))
    return default


def describe(items, args):
    defaults = dict(args)
    out = []
    for expr, spread in items:
        spread = spread or expr.startswith("*")
        text = re.sub(r"\s+", "", expr.lstrip("*"))
        # `name = value` inside the call passes the value; `.asArray` and the like pass the name.
        text = re.sub(r"^(\w+)=.*$", r"\1", text)
        text = re.sub(r"(\.(asArray|asInteger|asFloat|value|dereference|asAudioRateInput(\(\w*\))?))+$", "", text)
        # `name ? other`: the argument, or when it is nil another argument (`@other`) or value.
        fallback = None
        m = re.fullmatch(r"(\w+)\?\(?([\w.-]+)\)?", text)
        if m:
            text, other = m.groups()
            fallback = "@" + other if other in defaults else literal(other)
        if re.fullmatch(r"\w+", text) and text in defaults:
            d = defaults[text]
            d = fallback if d is None else literal(d)
            out.append(("*" if spread else "") + text + ("" if d is None else "=" + d))
        else:
            out.append("?" + text)
    return out


def main():
    root = pathlib.Path(sys.argv[1])
    classes = {}
    for path in sorted(root.rglob("*.sc")):
        text = strip_comments(path.read_text(errors="replace"))
        for m in re.finditer(r"^(\w+)\s*:\s*(\w+)\s*\{", text, re.M):
            body, _ = block(text, m.end() - 1)
            methods = {}
            for mm in re.finditer(r"\*(\w+)\s*\{", body):
                if mm.group(1) not in METHODS:
                    continue
                inner, _ = block(body, mm.end() - 1)
                items = call_inputs(inner)
                # A creation method without a multiNew call builds its inputs in code.
                methods[mm.group(1)] = ["!code"] if items is None else describe(items, parse_args(inner))
            # An instance `init` or a class `*new1` of its own may reorder what multiNew passed.
            custom = bool(re.search(r"\*new1\s*\{", body)) or bool(
                re.search(r"(^|\W)init\s*\{[^}]*inputs\s*=\s*(?!\s|(theInputs|argInputs)\s*;)", body)
            )
            classes[m.group(1)] = (m.group(2), methods, custom)

    def resolve(name, method):
        custom = False
        while name in classes and name not in ("UGen", "MultiOutUGen", "PureUGen", "PureMultiOutUGen"):
            parent, methods, own = classes[name]
            custom = custom or own
            if method in methods:
                return methods[method] + (["!init"] if custom else [])
            name = parent
        return None

    print("# Generated by core/tools/sclang_ugens.py from SuperCollider's SCClassLibrary/Common/Audio")
    print("# (Version-3.13.0): Class method input[=default] ... in the order scsynth reads them.")
    for name in sorted(classes):
        for method in METHODS:
            inputs = resolve(name, method)
            if inputs is not None:
                print(" ".join([name, method] + inputs))


if __name__ == "__main__":
    main()
