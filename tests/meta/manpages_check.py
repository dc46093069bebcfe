#!/usr/bin/env python3
"""manpages_check.py SRCDIR OC_AUDIT: the man pages say what the binary does.

- oc-audit.ini(5) has one entry per key of the daemon's key table (common/confkeys.c), under
  its section, with the default the daemon applies, and no entry for a key it does not
  know. The table is read from the binary: `oc-audit check-config -c /dev/null` prints
  every key with its default and help.
- oc-audit(8) has a ".SS NAME" under COMMANDS for every command `oc-audit --help` lists,
  none for a command it does not list, and names in that section every option the
  command's own --help names.
- groff formats both pages without a warning.

Why: the pages are written by hand (the key table's one-line help is no manual), so
they drift unless a test holds them to the binary. Every failure says what to add where.
Prints TAP.
"""
import os
import re
import shlex
import subprocess
import sys

INI_PAGE = "man/oc-audit.ini.5"
CMD_PAGE = "man/oc-audit.8"


def run(argv):
    """(exit status, stdout + stderr) of argv, which must finish within 20 s."""
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=20)
    return r.returncode, r.stdout + r.stderr


def daemon_keys(binary):
    """[(section, key, default, help)] in the order check-config prints them."""
    r = subprocess.run([binary, "check-config", "-c", "/dev/null"], capture_output=True,
                       text=True, timeout=20)
    if r.returncode != 0:
        sys.exit(f"Bail out! `oc-audit check-config -c /dev/null` failed ({r.returncode}): "
                 f"{r.stderr.strip()}")
    keys, section, help_text = [], None, ""
    for line in r.stdout.splitlines():
        if m := re.match(r"^\[([^]]+)\]\s*$", line):
            section = m.group(1)
        elif line.startswith(";"):
            help_text = line[1:].strip()
        elif m := re.match(r"^([A-Za-z0-9_]+) = ?(.*)$", line):
            keys.append((section, m.group(1), m.group(2).strip(), help_text))
            help_text = ""
    if not keys:
        sys.exit("Bail out! `oc-audit check-config -c /dev/null` printed no 'key = value' line")
    return keys


def unroff(s):
    """Roff text of a macro argument -> plain text (the escapes these pages use)."""
    for a, b in (("\\-", "-"), ("\\(dq", '"'), ("\\(aq", "'"), ("\\e", "\\"), ("\\&", ""),
                 ("\\ ", " ")):
        s = s.replace(a, b)
    return s


def page_keys(text):
    """{(section, key): (default, line number)} of the ini page's '.TP' entries under KEYS."""
    out, section, in_keys = {}, None, False
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            in_keys = line.split(None, 1)[1:] == ["KEYS"]
            section = None
        elif in_keys and (m := re.match(r'^\.SS "?\[([^]]+)\]"?\s*$', line)):
            section = m.group(1)
        elif in_keys and section and line == ".TP" and i + 1 < len(lines):
            head = lines[i + 1]
            if not re.match(r"^\.BI? ", head):
                continue
            words = " ".join(unroff(w) for w in shlex.split(head.split(None, 1)[1]))
            if m := re.match(r"^([A-Za-z0-9_]+) =(?: (.*))?$", words):
                out[(section, m.group(1))] = ((m.group(2) or "").strip(), i + 2)
    return out


def roff_entry(key, default, help_text):
    """The entry to paste into the ini page for one key."""
    def esc(s):
        return s.replace("\\", "\\e").replace("-", "\\-")
    if not default:
        head = f'.B "{key} ="'
    elif " " in default:
        head = f'.BI "{key} = " "{esc(default)}"'
    else:
        head = f'.BI "{key} = " {esc(default)}'
    return [".TP", head, help_text[:1].upper() + help_text[1:] + "."]


def command_help(binary):
    """The commands `oc-audit --help` lists: lines '  NAME ...' where NAME answers
    --help with its own usage (so an indented line of prose is not taken for one)."""
    _, out = run([binary, "--help"])
    cmds = []
    for line in out.splitlines():
        if m := re.match(r"^  ([a-z][a-z0-9-]*)(\s|$)", line):
            _, usage = run([binary, m.group(1), "--help"])
            if re.search(r"^usage: oc-audit " + re.escape(m.group(1)) + r"\b", usage, re.M):
                cmds.append(m.group(1))
    if not cmds:
        sys.exit("Bail out! no command found in `oc-audit --help` (expected lines "
                 "'  COMMAND options   what it does')")
    return cmds


def page_commands(text):
    """{command: its section's plain text} of the .SS entries under COMMANDS."""
    out, cur, in_cmds = {}, None, False
    for line in text.splitlines():
        if line.startswith(".SH"):
            in_cmds = line.split(None, 1)[1:] == ["COMMANDS"]
            cur = None
        elif in_cmds and line.startswith(".SS"):
            words = shlex.split(line[3:])
            cur = unroff(words[0]) if words else None
            if cur:
                out[cur] = ""
        elif cur:
            out[cur] += unroff(line) + "\n"
    return out


def options_of(binary, cmd):
    """The options `oc-audit CMD --help` names (long and short), --help aside."""
    _, out = run([binary, cmd, "--help"])
    opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])", out))
    return sorted(opts - {"--help", "-h"})


def main():
    srcdir, binary = sys.argv[1], sys.argv[2]
    n, failed = 0, 0

    def result(ok, msg, lines=()):
        """One TAP line; lines (what to paste) follow as diagnostics."""
        nonlocal n, failed
        n += 1
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {n} - {msg}")
        for line in lines:
            print(f"#     {line}")

    ini_text = open(os.path.join(srcdir, INI_PAGE)).read()
    cmd_text = open(os.path.join(srcdir, CMD_PAGE)).read()

    keys = daemon_keys(binary)
    documented = page_keys(ini_text)
    known = set()
    for section, key, default, help_text in keys:
        known.add((section, key))
        if (section, key) not in documented:
            result(False, f"{INI_PAGE} has no entry for [{section}] {key}: add under "
                   f"'.SS [{section}]' these lines, then say what the key means, its range, "
                   f"what 0 or empty does:", roff_entry(key, default, help_text))
            continue
        got, line = documented[(section, key)]
        if got != default:
            result(False, f"{INI_PAGE}:{line}: [{section}] {key}: the page says the default "
                   f"is '{got}', the daemon's is '{default}': make that line",
                   roff_entry(key, default, "")[1:2])
        else:
            result(True, f"[{section}] {key} = {default} documented")
    for (section, key), (_, line) in sorted(documented.items()):
        if (section, key) not in known:
            result(False, f"{INI_PAGE}:{line}: [{section}] {key} is not a key of the "
                   f"daemon (common/confkeys.c's table): remove the entry, or add the key")

    cmds = command_help(binary)
    sections = page_commands(cmd_text)
    for cmd in cmds:
        if cmd not in sections:
            opts = options_of(binary, cmd)
            snippet = [f".SS {cmd}", "What it does, what it prints, its exit status."]
            for o in opts:
                snippet += [".TP", ".B " + o.replace("-", "\\-"), "what it does."]
            result(False, f"{CMD_PAGE} has no section for the command '{cmd}' that "
                   f"`oc-audit --help` lists: add under '.SH COMMANDS' (and a line to "
                   f"SYNOPSIS):", snippet)
            continue
        missing = [o for o in options_of(binary, cmd) if o not in sections[cmd]]
        if missing:
            result(False, f"{CMD_PAGE}: '.SS {cmd}' does not name "
                   f"{', '.join(missing)}, which `oc-audit {cmd} --help` lists: add a "
                   f"'.TP' entry for each (written \\-\\-name in roff)")
        else:
            result(True, f"command {cmd} and its options documented")
    for cmd in sections:
        if cmd not in cmds:
            result(False, f"{CMD_PAGE}: '.SS {cmd}' documents a command `oc-audit --help` "
                   f"does not list: remove it, or list the command in the usage")

    for page in (CMD_PAGE, INI_PAGE):
        rc, out = run(["groff", "-man", "-Tutf8", "-ww", "-z", os.path.join(srcdir, page)])
        result(rc == 0 and not out.strip(),
               f"{page} formats without warnings" + (f": {out.strip()}" if out.strip() else ""))
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
