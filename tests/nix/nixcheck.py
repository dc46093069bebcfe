#!/usr/bin/env python3
"""nixcheck.py CHECK: the Nix side of oc-audit, checked offline (run by tests/nix/*.sh,
which find nix-instantiate and nixpkgs' lib first). Prints TAP; every failure says what
to change where.

  parse     every .nix file of the tree parses (nix-instantiate --parse)
  package   nix/package.nix's inputs match configure.ac's libraries (and their Debian
            packages match scripts/deps); its version is AC_INIT's
  flake     flake.nix's outputs: the package for both systems, the overlay, the module
  module    nix/module.nix in each configuration of tests/nix/cases.nix: the unit, the
            nftables table, the firewall, the VM's unit, the assertions and their
            messages; the INI it writes passes `oc-audit check-config`
  keys      services.oc-audit.settings declares every key of the daemon's key table,
            with its default and bounds, and no other
  unit      the module's unit carries contrib/oc-audit.service.in's hardening

Nothing is built and nothing from nixpkgs is needed: nix/ is evaluated with the pinned
lib, tests/nix/stub-pkgs.nix (packages) and tests/nix/stub-nixos.nix (NixOS options).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SRC = os.path.abspath(os.environ.get("OCA_SRCDIR", "."))
LIB = os.environ.get("NIXPKGS_LIB", "")
BIN = os.environ.get("OCA_BIN", "./oc-audit")
HERE = os.path.join(SRC, "tests", "nix")


class Tap:
    def __init__(self):
        self.n, self.failed = 0, 0

    def result(self, ok, msg, details=()):
        self.n += 1
        self.failed += not ok
        print(f"{'ok' if ok else 'not ok'} {self.n} - {msg}")
        for line in () if ok else details:   # what to look at, when it failed
            for part in str(line).splitlines():
                print(f"#   {part}")
        return ok

    def skip(self, msg):
        self.n += 1
        print(f"ok {self.n} - {msg} # SKIP")

    def finish(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def nix_eval(tap, what, expr_file, **args):
    """The JSON value of a tests/nix/eval*.nix file, or None (a failed TAP line)."""
    argv = ["nix-instantiate", "--eval", "--strict", "--json", os.path.join(HERE, expr_file),
            "--argstr", "lib", LIB]
    for k, v in args.items():
        argv += ["--argstr", k, v]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        tap.result(False, f"{what}: evaluation failed", [r.stderr.strip()])
        return None
    return json.loads(r.stdout)


def read(path):
    with open(os.path.join(SRC, path)) as f:
        return f.read()


# ------------------------------------------------------------------ parse
REQUIRED_NIX = ["flake.nix", "nix/package.nix", "nix/module.nix", "nix/settings.nix",
                "nix/resolvers.nix"]


def check_parse(tap):
    found = []
    for root, dirs, files in os.walk(SRC):
        # build trees (build/, build-*, distcheck's oc-audit-*/_build) are not the source
        dirs[:] = [d for d in dirs if d not in (".git", "autom4te.cache") and
                   not d.startswith(("build", "_build", "_inst", "oc-audit-"))]
        found += [os.path.relpath(os.path.join(root, f), SRC) for f in files
                  if f.endswith(".nix")]
    for req in REQUIRED_NIX:
        tap.result(req in found, f"{req} is in the tree" +
                   ("" if req in found else ": missing (in the tarball? EXTRA_DIST)"))
    for path in sorted(found):
        r = subprocess.run(["nix-instantiate", "--parse", os.path.join(SRC, path)],
                           capture_output=True, text=True)
        tap.result(r.returncode == 0, f"{path} parses", [r.stderr.strip()] if r.returncode else ())


# ------------------------------------------------------------------ package
# a nixpkgs package to suggest for a library configure.ac may gain
NIXPKGS_HINT = {"libcrypto": "openssl", "libssl": "openssl", "zlib": "zlib",
                "libnghttp2": "nghttp2", "libngtcp2": "ngtcp2", "libbpf": "libbpf",
                "libmnl": "libmnl", "libnftnl": "libnftnl", "libzstd": "zstd",
                "http_parser": "http-parser", "jansson": "jansson"}


def configure_libraries():
    """{name: (table, [Debian packages])} of configure.ac: OCA_DEP's pkg-config modules
    (nix/package.nix's pkgConfigInputs) and AC_CHECK_LIB's libraries (its libraryInputs,
    with the Debian package the check's error message names)."""
    text = read("configure.ac")
    libs = {}
    for m in re.finditer(r"^OCA_DEP\(\[(\w+)\],\s*\[([^]]+)\],\s*\[([^]]+)\]\)", text, re.M):
        for w in m.group(2).split():
            if not re.match(r"^([<>=!]+|[0-9])", w):   # not a version condition
                libs[w] = ("pkgConfigInputs", m.group(3).split())
    for m in re.finditer(r"^AC_CHECK_LIB\(\[(\w+)\],[^\n]*\n?(.*?Debian package (\S+?)[ )])?",
                         text, re.M):
        libs[m.group(1)] = ("libraryInputs", [m.group(3)] if m.group(3) else [])
    return libs


def deps_packages():
    m = re.search(r'^PKGS="([^"]*)"', read("scripts/deps"), re.M)
    return set(m.group(1).split()) if m else set()


def check_package(tap):
    pkg = nix_eval(tap, "nix/package.nix", "eval-package.nix")
    if pkg is None:
        return
    libs = configure_libraries()
    tap.result(len(libs) >= 10, f"configure.ac names {len(libs)} libraries",
               [] if len(libs) >= 10 else ["the OCA_DEP/AC_CHECK_LIB lines were not found: "
                                          "update configure_libraries() in tests/nix/nixcheck.py"])
    table = {**pkg["pkgConfigInputs"], **pkg["libraryInputs"]}
    debs = deps_packages()
    for name, (kind, debian) in sorted(libs.items()):
        if name not in table:
            hint = NIXPKGS_HINT.get(name, "PACKAGE")
            tap.result(False, f"nix/package.nix does not give '{name}', which configure.ac "
                       f"needs (Debian {' '.join(debian) or '?'}): add '{hint}' to its "
                       f"arguments and this line to {kind} (PACKAGE: the nixpkgs package "
                       f"with its .pc file or library)",
                       [f'{name} = {{ package = {hint}; debian = "{(debian or ["?"])[0]}"; }};'])
            continue
        entry = table[name]
        ok = not debian or entry["debian"] in debian
        tap.result(ok, f"{name}: nixpkgs {entry['package']}, Debian {entry['debian']}",
                   [] if ok else [f"configure.ac says Debian {' '.join(debian)}: make "
                                  f"nix/package.nix's debian = \"{debian[0]}\""])
        tap.result(entry["package"] in pkg["buildInputs"],
                   f"{name}: {entry['package']} is a build input")
        tap.result(entry["debian"] in debs, f"{name}: scripts/deps installs {entry['debian']}",
                   [] if entry["debian"] in debs else [f"add {entry['debian']} to PKGS"])
    for name in sorted(set(table) - set(libs)):
        tap.result(False, f"nix/package.nix gives '{name}', which configure.ac no longer "
                   f"asks for: remove it from the table and the arguments")
    for d in sorted({d for _, ds in libs.values() for d in ds} - debs):
        tap.result(False, f"configure.ac names the Debian package {d}, which scripts/deps "
                   f"does not install: add it to PKGS")
    ac = re.search(r"AC_INIT\(\[oc-audit\],\s*\[([^]]+)\]", read("configure.ac"))
    tap.result(ac and pkg["version"] == ac.group(1),
               f"version {pkg['version']} is configure.ac's AC_INIT")
    tap.result(pkg["pname"] == "oc-audit", "pname is oc-audit")
    tap.result(set(pkg["nativeBuildInputs"]) >= {"autoreconfHook", "pkg-config"},
               "built with autoreconfHook and pkg-config")
    tap.result(any(f.startswith("--with-systemdsystemunitdir=") for f in pkg["configureFlags"]),
               "the unit goes into the package (--with-systemdsystemunitdir)")


# ------------------------------------------------------------------ flake
def check_flake(tap):
    f = nix_eval(tap, "flake.nix", "eval-flake.nix")
    if f is None:
        return
    tap.result(f["inputs"].get("nixpkgs", "").startswith("github:NixOS/nixpkgs/"),
               f"input nixpkgs is {f['inputs'].get('nixpkgs')}")
    for system in ("x86_64-linux", "aarch64-linux"):
        p = f["packages"].get(system, {})
        tap.result(p.get("default", "").startswith("oc-audit-"),
                   f"packages.{system}.default is {p.get('default')}")
    tap.result(sorted(f["packages"]) == ["aarch64-linux", "x86_64-linux"],
               f"packages for exactly x86_64-linux and aarch64-linux: {sorted(f['packages'])}")
    tap.result(f["srcIsSelf"], "the packages build the flake's own source")
    tap.result(f["overlay"].startswith("oc-audit-"), f"overlays.default adds {f['overlay']}")
    tap.result(f["modulePackage"].startswith("oc-audit-"),
               f"nixosModules.default: services.oc-audit.package defaults to {f['modulePackage']}")
    tap.result(f["moduleOverlaid"], "with the overlay, the module runs the overlay's package")
    tap.result("/bin/oc-audit collect -c " in f["moduleExecStart"],
               "the module's unit runs the package's oc-audit collect")


# ------------------------------------------------------------------ module
def ini_check(tap, name, text, sets=()):
    """Run oc-audit check-config on an INI the module wrote."""
    with tempfile.TemporaryDirectory(prefix="oca-nix.") as tmp:
        path = os.path.join(tmp, "oc-audit.ini")
        with open(path, "w") as f:
            f.write(text)
        argv = [BIN, "check-config", "-c", path]
        # the store holds nixpkgs' root key, this machine Debian's: the same records
        if "-dns-root-data/root.key" in text:
            argv += ["--set", "dns.trust_anchor_file=/usr/share/dns/root.key"]
        for s in sets:
            argv += ["--set", s.replace("TMP", tmp)]
            key, _, value = s.partition("=")
            if value.startswith("TMP/"):   # a token file the credential would be
                with open(value.replace("TMP", tmp), "w") as t:
                    t.write("0000:test\n")
        r = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    return tap.result(r.returncode == 0, f"{name}: the INI passes oc-audit check-config" +
                      (f" (with {', '.join(sets)})" if sets else ""),
                      [] if r.returncode == 0 else [r.stderr.strip(), "--- the INI:", text])


def assertions(tap, name, got, want):
    """Exactly the failed assertions want names (substrings), or none."""
    if not want:
        return tap.result(got == [], f"{name}: no assertion fails", got)
    for w in want:
        tap.result(any(w in g for g in got), f"{name}: the assertion says '{w}'", got)
    tap.result(len(got) == len(want), f"{name}: {len(want)} assertion(s) fail, no other", got)


def nft_lines(text):
    """The statements of an nft text: stripped lines, no comments, braces or blanks."""
    return [x.strip() for x in text.splitlines()
            if x.strip() and not x.strip().startswith("#") and x.strip() not in ("{", "}")]


def check_enforce(tap, d, e):
    """Enforce mode: the module's table holds what `oc-audit enforce-rules` prints for the
    same INI (the sets and both chains), besides its log chain; off, none of it."""
    content = d["nftables"]["oc-audit"]["content"]
    tap.result("allow4" not in content and "enforce" not in content,
               "default (audit): no enforce sets or chains")
    assertions(tap, "enforce", e["failedAssertions"], [])
    t = e["nftables"]
    tap.result(list(t) == ["oc-audit"], "enforce: still one table, oc-audit", list(t))
    got = nft_lines(t["oc-audit"]["content"])
    with tempfile.TemporaryDirectory(prefix="oca-nix.") as tmp:
        ini = os.path.join(tmp, "oc-audit.ini")
        with open(ini, "w") as f:
            f.write(e["ini"])
        # the store's trust anchor is not on this machine, and the rules do not use it
        r = subprocess.run([BIN, "enforce-rules", "-c", ini, "--set", "dns.dnssec=no"],
                           capture_output=True, text=True, timeout=20)
    if r.returncode != 0:
        tap.result(False, "enforce: oc-audit enforce-rules runs on the module's INI",
                   [r.stderr.strip()])
        return
    # the binary's second table block: its chains' statements; the first: the sets'
    want = [x for x in nft_lines(r.stdout) if not x.startswith(("table ", "flush ", "set ",
                                                                 "chain "))]
    missing = [x for x in want if x not in got]
    tap.result(not missing and len(want) > 8,
               "enforce: the module's table has every statement of oc-audit enforce-rules",
               missing)
    tap.result('ip6 saddr { fd83::/64 } jump enforce_vm' in got and
               'ct state new log prefix "oc-audit-blocked: " group 9' in got,
               "enforce: the VM's subnets of each family, the configured group")
    tap.result("mode=enforce" in e["ini"].splitlines(), "enforce: the INI says so")


def check_module(tap):
    c = {}
    for case in ("default", "custom", "expect", "open", "capture", "enforce", "nftables-off",
                 "unbound-plan",
                 "dnsmasq-wildcard", "resolved-extra", "bind-any", "token-in-store",
                 "database-elsewhere", "resolvers-elsewhere", "disabled"):
        c[case] = nix_eval(tap, f"case {case}", "eval.nix", case=case)
    if any(v is None for v in c.values()):
        return

    d = c["default"]
    svc = d["services"]["oc-audit"]
    sc = svc["serviceConfig"]
    assertions(tap, "default", d["failedAssertions"], [])
    tap.result(d["undocumented"] == [], "every option has a description", d["undocumented"])
    tap.result(sc["ExecStart"] == f"{d['package']}/bin/oc-audit collect -c {d['configFile']}",
               "default: ExecStart runs the package's collector on the generated INI",
               [sc["ExecStart"]])
    tap.result(sc["Type"] == "notify" and sc["DynamicUser"] is True,
               "default: Type=notify, DynamicUser")
    tap.result(sc.get("LoadCredential") in ([], None), "default: no credentials")
    tap.result("multi-user.target" in svc["wantedBy"], "default: started at boot")
    tap.result({"network-online.target", "time-sync.target", "nftables.service"} <=
               set(svc["after"]), "default: after the network, the clock and nftables",
               svc["after"])
    tap.result(svc["before"] == ["microvm@openclaw.service"], "default: before the VM",
               svc["before"])
    vm = d["services"].get("microvm@openclaw")
    tap.result(vm is not None and vm["overrideStrategy"] == "asDropin" and
               vm["after"] == ["oc-audit.service"] and vm["bindsTo"] == ["oc-audit.service"],
               "default: microvm@openclaw (a drop-in) is after oc-audit and bound to it",
               [json.dumps(vm)])
    rule = 'iifname "br-openclaw" ct state new log prefix "openclaw-vm: " group 7'
    t = d["nftables"]
    tap.result(list(t) == ["oc-audit"] and t["oc-audit"]["family"] == "inet" and
               rule in t["oc-audit"]["content"] and "hook forward" in t["oc-audit"]["content"],
               "default: its own table inet oc-audit, the recommended rule in a forward chain",
               [json.dumps(t)])
    tap.result("openclaw-monitor" not in t, "default: not the plan's openclaw-monitor table")
    port53 = {"allowedTCPPorts": [53], "allowedUDPPorts": [53]}
    tap.result(d["firewall"] == {"br-openclaw": port53},
               "default: port 53 open on br-openclaw, UDP and TCP", [json.dumps(d["firewall"])])
    tap.result(d["etc"].get("oc-audit/oc-audit.ini") == d["configFile"],
               "default: the INI is also /etc/oc-audit/oc-audit.ini")
    tap.result(d["packages"] and d["packages"][0].startswith("oc-audit"),
               "default: oc-audit is on the PATH (report, check-config)")
    tap.result(re.search(r"^trust_anchor_file=/nix/store/\S+-dns-root-data/root\.key$",
                         d["ini"], re.M) is not None,
               "default: the DNSSEC trust anchor is nixpkgs' dns-root-data root key")
    ini_check(tap, "default", d["ini"])

    u = c["custom"]
    sc = u["services"]["oc-audit"]["serviceConfig"]
    assertions(tap, "custom", u["failedAssertions"], [])
    tap.result(sorted(sc["LoadCredential"]) == ["telegram-token:/run/agenix/oc-audit-telegram",
                                                "web-token:/run/agenix/oc-audit-web"],
               "custom: the tokens are systemd credentials", sc["LoadCredential"])
    ini = u["ini"]
    for line in ("telegram_token_file=/run/credentials/oc-audit.service/telegram-token",
                 "token_file=/run/credentials/oc-audit.service/web-token",
                 "forward=9.9.9.9, 149.112.112.112@53", "rate_limit=50",
                 "expected_domains=api.telegram.org, openrouter.ai, *.githubusercontent.com",
                 "expected_ports=tcp/443, udp/443", "telegram_chat_id=123456789"):
        tap.result(line in ini.splitlines(), f"custom: the INI has {line}")
    tap.result("/run/agenix" not in ini and
               not re.search(r"^\w*token_file=/nix/store", ini, re.M),
               "custom: the INI names the credentials, not the secrets' paths")
    tap.result(u["services"]["oc-audit"]["before"] == ["microvm@agent.service"] and
               "microvm@agent" in u["services"] and "microvm@openclaw" not in u["services"],
               "custom: vm.unit names the VM's unit")
    # the credentials exist only under systemd: check-config reads stand-ins there
    ini_check(tap, "custom", ini, [
        "alerts.telegram_token_file=TMP/telegram-token", "web.token_file=TMP/web-token"])

    e = c["expect"]
    assertions(tap, "expect", e["failedAssertions"], [])
    lines = e["ini"].splitlines()
    tap.result("expect=api.telegram.org tcp/443, *.pool.ntp.org udp/123" in lines and
               any(re.match(r"rules_file=/nix/store/\w+-oc-audit-rules$", x) for x in lines),
               "expect: the rules and the rules file (a store path) are written", lines)
    tap.result(not any(x.startswith(("expected_domains=", "expected_ports=")) for x in lines),
               "expect: the default expected_domains and _ports are not written (they would "
               "widen the rules)", lines)
    tap.result(re.fullmatch(r"\[dns\]\ntrust_anchor_file=\S+-dns-root-data/root\.key\n*",
                            c["default"]["ini"]) is not None,
               "default: nothing differs from the daemon's defaults but the root key's path "
               "(Debian's is not NixOS's), so the INI holds only that",
               [c["default"]["ini"]])
    ini_check(tap, "expect", e["ini"])

    o = c["open"]
    vm = o["services"]["microvm@openclaw"]
    assertions(tap, "open", o["failedAssertions"], [])
    tap.result(vm["bindsTo"] == [] and vm["wants"] == ["oc-audit.service"] and
               vm["after"] == ["oc-audit.service"],
               "vm.failClosed = false: the VM wants oc-audit, is not bound to it",
               [json.dumps(vm)])
    tap.result(o["firewall"] == {}, "dns.listen empty: no port opened")
    ini_check(tap, "open", o["ini"])

    p = c["capture"]
    sc = p["services"]["oc-audit"]["serviceConfig"]
    assertions(tap, "capture", p["failedAssertions"], [])
    tap.result("AF_PACKET" in sc["RestrictAddressFamilies"],
               "capture: AF_PACKET added to RestrictAddressFamilies",
               sc["RestrictAddressFamilies"])
    tap.result("CAP_NET_RAW" in sc["AmbientCapabilities"] and
               "CAP_NET_RAW" in sc["CapabilityBoundingSet"], "capture: CAP_NET_RAW added")
    families = d["services"]["oc-audit"]["serviceConfig"]["RestrictAddressFamilies"]
    tap.result("AF_PACKET" not in families, "no capture: no AF_PACKET")
    r = subprocess.run([BIN, "check-config", "-c", "/dev/null", "--set",
                        "collector.pcap_interface=br-openclaw"], capture_output=True, text=True)
    if "not in this version" in r.stderr:
        tap.skip("capture: the INI passes check-config (this oc-audit has no capture yet)")
    else:
        ini_check(tap, "capture", p["ini"])

    check_enforce(tap, d, c["enforce"])

    assertions(tap, "nftables off", c["nftables-off"]["failedAssertions"],
               ["networking.nftables.enable = true"])
    assertions(tap, "the plan's unbound", c["unbound-plan"]["failedAssertions"],
               ["services.unbound also listens on 192.168.83.1:53"])
    assertions(tap, "dnsmasq on all addresses", c["dnsmasq-wildcard"]["failedAssertions"],
               ["services.dnsmasq also listens on 0.0.0.0:53"])
    assertions(tap, "resolved's extra stub listener", c["resolved-extra"]["failedAssertions"],
               ["services.resolved also listens on 192.168.83.1:53"])
    assertions(tap, "bind on any", c["bind-any"]["failedAssertions"],
               ["services.bind also listens on any:53"])
    assertions(tap, "a token in the store", c["token-in-store"]["failedAssertions"],
               ["must not be in the Nix"])
    assertions(tap, "a database outside the state directory",
               c["database-elsewhere"]["failedAssertions"], ["must lie under /var/lib/oc-audit/"])
    assertions(tap, "resolvers on other addresses",
               c["resolvers-elsewhere"]["failedAssertions"], [])

    x = c["disabled"]
    tap.result(x["services"] == {} and x["nftables"] == {} and x["firewall"] == {} and
               x["failedAssertions"] == [], "not enabled: the module sets nothing")


# ------------------------------------------------------------------ keys
def daemon_keys():
    r = subprocess.run([BIN, "check-config", "-c", "/dev/null"], capture_output=True,
                       text=True, timeout=20)
    keys, section, help_text = [], None, ""
    for line in r.stdout.splitlines():
        if m := re.match(r"^\[([^]]+)\]\s*$", line):
            section = m.group(1)
        elif line.startswith(";"):
            help_text = line[1:].strip()
        elif m := re.match(r"^([A-Za-z0-9_]+) = ?(.*)$", line):
            keys.append((section, m.group(1), m.group(2).strip(), help_text))
    return keys


def table_bounds():
    """{(section, key): (lo, hi)} of the UINT rows of common/confkeys.c's key table."""
    rows = re.findall(r'UINT\("(\w+)",\s*"(\w+)",\s*\w+,\s*"[^"]*",\s*(\d+),\s*(\d+)',
                      read("common/confkeys.c"))
    return {(s, k): (int(lo), int(hi)) for s, k, lo, hi in rows}


def nix_value(v):
    """A Nix default as the INI line's value (what the module writes)."""
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def option_snippet(key, default, help_text, bounds):
    if bounds:
        return f'{key} = uint {default} {bounds[0]} {bounds[1]} "{help_text}.";'
    if ", " in default:
        items = " ".join(f'"{x}"' for x in default.split(", "))
        return f'{key} = list [ {items} ] "{help_text}.";'
    return f'{key} = str "{default}" "{help_text}.";'


def check_keys(tap):
    d = nix_eval(tap, "settings options", "eval.nix", case="default")
    if d is None:
        return
    declared = {(s, k): v for s, ks in d["keys"].items() for k, v in ks.items()}
    bounds = table_bounds()
    keys = daemon_keys()
    tap.result(len(keys) > 0, f"oc-audit check-config -c /dev/null prints {len(keys)} keys")
    for section, key, default, help_text in keys:
        b = bounds.get((section, key))
        if (section, key) not in declared:
            tap.result(False, f"nix/settings.nix has no option for [{section}] {key}: add to "
                       f"its `{section} = section ...` block",
                       [option_snippet(key, default, help_text, b)])
            continue
        opt = declared[(section, key)]
        got = nix_value(opt["default"])
        tap.result(got == default, f"[{section}] {key}: default {default!r}",
                   [] if got == default else [f"the module writes {got!r}: make its default "
                                              f"the daemon's"])
        if b:
            m = re.search(r"between (\d+) and (\d+)", opt["type"])
            got_b = (int(m.group(1)), int(m.group(2))) if m else None
            tap.result(got_b == b, f"[{section}] {key}: from {b[0]} to {b[1]}",
                       [] if got_b == b else [f"nix/settings.nix says {opt['type']}: "
                                              f"make it uint {default} {b[0]} {b[1]}"])
    known = {(s, k) for s, k, _, _ in keys}
    for section, key in sorted(set(declared) - known):
        tap.result(False, f"nix/settings.nix declares [{section}] {key}, which the daemon "
                   f"does not know (common/confkeys.c): remove it")


# ------------------------------------------------------------------ unit
EXEC_KEYS = {"ExecStart", "ExecStartPre", "ExecStartPost", "ExecReload", "ExecStop",
             "ExecStopPost"}
# set by the module only: where NixOS has its own ways, or what an option adds
MODULE_ONLY = {"LoadCredential"}
TRUE, FALSE = {"yes", "true", "on", "1"}, {"no", "false", "off", "0"}


def unit_sections(text):
    """{section: {key: [value lines]}} of a unit file (comments dropped)."""
    out, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if m := re.match(r"^\[(\w+)\]$", line):
            section = out.setdefault(m.group(1), {})
        elif "=" in line and section is not None:
            k, v = line.split("=", 1)
            section.setdefault(k.strip(), []).append(v.strip())
    return out


def capture_dropin(text):
    """{key: [value lines]} the unit's comment says a capture drop-in adds."""
    out, on = {}, False
    for line in text.splitlines():
        if "capture.conf" in line:
            on = True
        elif on and (m := re.match(r"^#\s+(\w+)=(.*)$", line)):
            out.setdefault(m.group(1), []).append(m.group(2).strip())
        elif on and not re.match(r"^#\s+\[Service\]$", line):
            break   # the end of the drop-in's lines
    return out


def norm(key, lines):
    """Value lines -> a comparable form: yes/no for booleans; for lists, the set of
    words, unless a line starts with ~ (then the order of the lines matters)."""
    words = [str(x).split() for x in lines]
    if len(lines) == 1 and len(words[0]) == 1:
        v = words[0][0].lower()
        return "yes" if v in TRUE and key not in ("RestartSec",) else \
            "no" if v in FALSE and key not in ("RestartSec",) else words[0][0]
    if any(w and w[0].startswith("~") for w in words):
        return [sorted(w) for w in words]
    return sorted(w for ws in words for w in ws)


def module_lines(value):
    if isinstance(value, list):
        return [("true" if x is True else "false" if x is False else str(x)) for x in value]
    return ["true" if value is True else "false" if value is False else str(value)]


def exec_form(line):
    """An Exec line with its program's directory and the config file's path left out."""
    words = line.split()
    words[0] = os.path.basename(words[0])
    return " ".join("CONFIG" if w.endswith("oc-audit.ini") else w for w in words)


def check_unit(tap):
    text = read("contrib/oc-audit.service.in")
    unit = unit_sections(text)
    service = unit.get("Service", {})
    dropin = capture_dropin(text)
    tap.result(bool(dropin), "the unit's comment shows the capture drop-in",
               [] if dropin else ["tests/nix/nixcheck.py reads it from '#   Key=Value' lines "
                                  "after the line naming capture.conf"])
    for case, extra in (("default", {}), ("capture", dropin)):
        d = nix_eval(tap, f"case {case}", "eval.nix", case=case)
        if d is None:
            return
        mod = d["services"]["oc-audit"]["serviceConfig"]
        want = {k: v + extra.get(k, []) for k, v in service.items()}
        want.update({k: v for k, v in extra.items() if k not in want})
        for key in sorted(want):
            if key not in mod:
                tap.result(False, f"{case}: the module's unit has no {key}= (the unit file "
                           f"has {key}={' '.join(want[key])}): add it to `hardening` in "
                           f"nix/module.nix")
            elif key in EXEC_KEYS:
                a = [exec_form(x) for x in want[key]]
                b = [exec_form(x) for x in module_lines(mod[key])]
                tap.result(a == b, f"{case}: {key} runs the same command",
                           [f"unit: {a}", f"module: {b}"])
            else:
                a, b = norm(key, want[key]), norm(key, module_lines(mod[key]))
                tap.result(a == b, f"{case}: {key}={' '.join(want[key])}",
                           [] if a == b else [f"the module has {json.dumps(mod[key])}: make it "
                                              f"the unit's in nix/module.nix (or change both)"])
        for key in sorted(set(mod) - set(want) - MODULE_ONLY):
            tap.result(False, f"{case}: the module's unit sets {key}={mod[key]!r}, the unit file "
                       f"does not: add it to contrib/oc-audit.service.in (or remove it)")
    # [Unit]: the module may order itself after more (nftables.service), never less
    d = nix_eval(tap, "case default", "eval.nix", case="default")
    if d is None:
        return
    svc = d["services"]["oc-audit"]
    for key, attr in (("After", "after"), ("Wants", "wants"), ("Before", "before")):
        want = set(" ".join(unit.get("Unit", {}).get(key, [])).split())
        tap.result(want <= set(svc[attr]), f"[Unit] {key}: the module's {attr} has "
                   f"{' '.join(sorted(want))}", [f"module: {svc[attr]}"])


def main():
    tap = Tap()
    {"parse": check_parse, "package": check_package, "flake": check_flake,
     "module": check_module, "keys": check_keys, "unit": check_unit}[sys.argv[1]](tap)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
