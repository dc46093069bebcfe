#!/usr/bin/env python3
"""deps_check.py SRCDIR: every command the test scripts run must come from a Debian package
that scripts/deps installs (or one of its dependencies, or an essential/required package).

Why: CI may run on a machine where only the project's own scripts installed anything. A tool
installed here by hand makes a green run that fails there. The check maps each tool to its
package with dpkg -S, so it fails on any machine, even where the tool happens to be installed.

What counts as a command: the words `lab_require` names, the argument of `command -v`, and
every word in command position of the shell test scripts (and scripts/check, which builds
them): the first word of a simple command, after assignments and wrappers such as `in_vm`,
`ip netns exec NS`, `timeout N`, `prlimit ... --`. Shell builtins and keywords, functions the
scripts define, variables and paths are not commands of a package.
Prints TAP; exits 1 naming the tool and its package when one is not installed by deps.
"""
import glob
import os
import re
import shlex
import subprocess
import sys

SYSTEM_DIRS = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
KEYWORDS = set("""if then else elif fi do done while until for in case esac select function
time ! { } [[ ]] coproc""".split())
# wrappers: the command they run follows their own options (and these many operands)
WRAPPERS = {"exec": 0, "command": 0, "builtin": 0, "env": 0, "nice": 0, "nohup": 0,
            "stdbuf": 0, "setpriv": 0, "prlimit": 0, "timeout": 1, "xargs": 0,
            "unshare": 0, "nsenter": 0, "sudo": 0, "in_vm": 0, "in_host": 0, "in_net": 0}
# options of wrappers that take a separate value
WRAPPER_OPTS_WITH_VALUE = {"-n", "-s", "-k", "--signal", "--kill-after", "-I", "-P",
                           "--pid", "-u", "-g"}


def shell_words(kind):
    out = subprocess.run(["bash", "-c", "compgen -" + kind], capture_output=True, text=True)
    return set(out.stdout.split())


OPERATORS = (";;", "&&", "||", "|&", "<<-", "<<<", "<<", ">>", ">&", "<&", "&>", "((", "))",
             ";", "&", "|", "(", ")", "<", ">", "\n")


def scan(text):
    """Shell text -> list of token lists, one per command stream: the text's own, then one
    per $( ... ) or `...` body. Quotes are removed from words; comments and here-document
    bodies are dropped; a newline outside quotes is the token "\n"."""
    streams = [[]]
    _scan(text, 0, streams, 0, None)
    return streams


def _scan(text, i, streams, si, end):
    toks, word, quoted, heredocs = streams[si], [], False, []

    def flush():
        nonlocal word, quoted
        if word or quoted:
            toks.append("".join(word))
        word, quoted = [], False

    def subst(j, closer):
        """A substitution body from j up to its closer: scanned as a stream of its own."""
        streams.append([])
        return _scan(text, j, streams, len(streams) - 1, closer)

    n = len(text)
    while i < n:
        c = text[i]
        if end == ")" and c == ")":
            flush()
            return i + 1
        if end == "`" and c == "`":
            flush()
            return i + 1
        if c == "\\" and i + 1 < n:
            if text[i + 1] != "\n":
                word.append(text[i + 1])
            i += 2
            continue
        if c == "'":
            j = text.find("'", i + 1)
            j = n if j < 0 else j
            word.append(text[i + 1:j])
            quoted = True
            i = j + 1
            continue
        if c == '"':
            i += 1
            quoted = True
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    word.append(text[i + 1])
                    i += 2
                elif text.startswith("$((", i):
                    word.append("$")
                    i += 3
                elif text.startswith("$(", i):
                    word.append("$X")
                    i = subst(i + 2, ")")
                elif text[i] == "`":
                    word.append("$X")
                    i = subst(i + 1, "`")
                else:
                    word.append(text[i])
                    i += 1
            i += 1
            continue
        if text.startswith("$((", i):
            depth, j = 2, i + 3
            while j < n and depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            word.append("$")
            i = j
            continue
        if text.startswith("$(", i):
            word.append("$X")
            i = subst(i + 2, ")")
            continue
        if c == "`":
            word.append("$X")
            i = subst(i + 1, "`")
            continue
        if c == "#" and not word:
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in " \t":
            flush()
            i += 1
            continue
        if c == "(" and word and word[-1] == "=":   # an array: its elements are words
            streams.append([])
            k = len(streams) - 1
            i = _scan(text, i + 1, streams, k, ")")
            streams[k] = []
            flush()
            continue
        op = next((o for o in OPERATORS if text.startswith(o, i)), None)
        if op and not (op == ")" and end == ")"):
            flush()
            toks.append(op)
            i += len(op)
            if op in ("<<", "<<-"):
                m = re.match(r"\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1", text[i:])
                if m:
                    heredocs.append(m.group(2))
                    i += m.end()
            if op == "\n" and heredocs:
                for tag in heredocs:   # skip the here-document bodies
                    m = re.compile(r"^[\t]*" + tag + r"[ \t]*$", re.M).search(text, i)
                    i = n if m is None else m.end()
                heredocs = []
            continue
        word.append(c)
        i += 1
    flush()
    return i


SEPARATORS = {";", ";;", "&", "&&", "|", "||", "|&", "(", "((", "\n", "then", "do", "else",
              "elif", "if", "while", "until", "!", "{", "time"}
REDIRECTIONS = {"<", ">", ">>", "<<", "<<-", ">&", "<&", "&>", "<<<"}


def commands_of(toks, functions, skip):
    """The command words of one token stream."""
    found = []
    at_start, i = True, 0
    while i < len(toks):
        t = toks[i]
        if t in SEPARATORS:
            at_start = True
            i += 1
            continue
        if t in REDIRECTIONS:
            i += 2   # the redirection's target is not a command
            continue
        if t in (")", "))") or not at_start:
            i += 1
            continue
        # case patterns ("a|b)") and function definitions ("f()")
        if i + 1 < len(toks) and toks[i + 1] in (")", "|", "("):
            i += 1
            continue
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=", t):
            i += 1   # an assignment before the command
            if t.endswith("=") and i < len(toks) and toks[i] == "(":
                while i < len(toks) and toks[i] != ")":
                    i += 1   # an array's elements
                i += 1
            continue
        at_start = False
        i += 1
        if t in ("for", "case", "select", "}", "fi", "done", "esac"):
            while t in ("for", "case", "select") and i < len(toks) and toks[i] not in (
                    "\n", ";", "do"):
                i += 1   # the loop's variable and list, the case word and "in"
            continue
        if t == "ip" and toks[i:i + 2] == ["netns", "exec"]:
            found.append(t)
            i += 3   # ip netns exec NS CMD
            at_start = True
            continue
        if t == "lab_require":
            while i < len(toks) and toks[i] not in SEPARATORS:
                if "$" not in toks[i]:
                    found.append(toks[i])
                i += 1
            continue
        if t == "command" and i < len(toks) and toks[i] == "-v":
            i += 1
            while i < len(toks) and toks[i] not in SEPARATORS and toks[i] not in REDIRECTIONS:
                if "$" not in toks[i]:
                    found.append(toks[i])
                i += 1
            continue
        if t in WRAPPERS:
            if t not in functions and t not in skip:
                found.append(t)
            operands = WRAPPERS[t]
            while i < len(toks):
                a = toks[i]
                if a == "--":
                    i += 1
                    break
                if a.startswith("-"):
                    i += 2 if a in WRAPPER_OPTS_WITH_VALUE else 1
                    continue
                if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", a):
                    i += 1
                    continue
                if operands:
                    operands -= 1
                    i += 1
                    continue
                break
            at_start = True
            continue
        if (t in skip or t in functions or "$" in t or "/" in t
                or not re.match(r"^[A-Za-z0-9][\w.+-]*$", t)):
            continue
        found.append(t)
    return found


def dpkg_package(tool):
    """(path, package) of TOOL in Debian's system directories, or (None, None)."""
    for d in SYSTEM_DIRS:
        path = os.path.join(d, tool)
        if not os.access(path, os.X_OK):
            continue
        cands = [path, os.path.realpath(path)]
        for c in list(cands):   # merged /usr: dpkg may know /bin/x as well as /usr/bin/x
            if c.startswith("/usr/"):
                cands.append(c[4:])
            else:
                cands.append("/usr" + c)
        for c in cands:
            r = subprocess.run(["dpkg-query", "-S", c], capture_output=True, text=True)
            if r.returncode == 0 and r.stdout:
                line = r.stdout.splitlines()[0]
                if ": " in line and not line.startswith("diversion"):
                    return path, line.split(": ")[0].split(":")[0].split(",")[0].strip()
        return path, None
    return None, None


def installed_packages():
    """{package: (essential or required, [dependencies])} of every installed package."""
    r = subprocess.run(["dpkg-query", "-W", "-f",
                        "${Package}\t${Essential}\t${Priority}\t${Status}\t${Pre-Depends}, ${Depends}\n"],
                       capture_output=True, text=True)
    pkgs = {}
    for line in r.stdout.splitlines():
        name, ess, prio, status, deps = (line.split("\t") + [""] * 5)[:5]
        if "install ok installed" not in status:
            continue
        names = []
        for alt in re.split(r"[,|]", deps):
            alt = alt.strip().split(" ")[0].split(":")[0]
            if alt:
                names.append(alt)
        pkgs[name] = (ess == "yes" or prio == "required", names)
    return pkgs


def deps_list(srcdir):
    text = open(os.path.join(srcdir, "scripts", "deps")).read()
    m = re.search(r'^PKGS="([^"]*)"', text, re.M)
    if not m:
        sys.exit("Bail out! scripts/deps has no PKGS=\"...\" list")
    return set(m.group(1).split())


def main():
    srcdir = sys.argv[1] if len(sys.argv) > 1 else "."
    scripts = sorted(glob.glob(os.path.join(srcdir, "tests", "**", "*.sh"), recursive=True))
    scripts.append(os.path.join(srcdir, "scripts", "check"))
    functions = set()
    texts = {}
    for s in scripts:
        texts[s] = open(s).read()
        functions |= set(re.findall(r"^\s*(?:function\s+)?([A-Za-z_][\w-]*)\s*\(\)", texts[s], re.M))
    skip = shell_words("b") | shell_words("k") | KEYWORDS
    tools = {}
    for s, text in texts.items():
        for stream in scan(text):
            for w in commands_of(stream, functions, skip):
                if w not in skip and w not in functions:
                    tools.setdefault(w, os.path.relpath(s, srcdir))

    listed = deps_list(srcdir)
    pkgs = installed_packages()
    closure, todo = set(), [p for p in listed]
    while todo:   # what apt installs with the listed packages
        p = todo.pop()
        if p in closure:
            continue
        closure.add(p)
        todo.extend(pkgs.get(p, (False, []))[1])

    n, failed = 0, 0
    for tool in sorted(tools):
        n += 1
        path, pkg = dpkg_package(tool)
        where = tools[tool]
        if path is None:
            failed += 1
            print(f"not ok {n} - {tool} (run by {where}) is not installed: scripts/deps must "
                  f"install the Debian package that provides it")
        elif pkg is None:
            failed += 1
            print(f"not ok {n} - {tool} ({path}, run by {where}) belongs to no Debian package")
        elif pkg in closure or pkgs.get(pkg, (False,))[0]:
            print(f"ok {n} - {tool}: {pkg}")
        else:
            failed += 1
            print(f"not ok {n} - {tool} (run by {where}) comes from Debian package {pkg}, "
                  f"which scripts/deps does not install: add {pkg} to its PKGS")
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
