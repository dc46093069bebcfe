# The other DNS servers NixOS can run on the host, and which of them would take the
# address oc-audit's resolver answers the VM on. Two servers cannot share an address and
# port, and a query the other one answered would never be audited, so each clash is an
# assertion (module.nix). A server clashes when it listens on the address and port of
# settings.dns.listen, on the bridge, or on a wildcard address with that port.
#
# Options are read with attrByPath, so a NixOS without one of these services (or with
# an older form of its options) evaluates the same.
{
  lib,
  config,
  listen, # { addr; port; } of settings.dns.listen
  bridge,
}:
let
  inherit (lib)
    attrByPath
    elem
    filter
    toList
    toLower
    ;
  get = path: default: attrByPath path default config;
  wildcards = [
    "0.0.0.0"
    "::"
    "::0"
    "any"
    "*"
  ];
  # "addr", "addr<sep>port", "[v6]<sep>port", "[v6]" -> { addr; port; }
  split =
    sep: defaultPort: s:
    let
      v6 = builtins.match "[[]([0-9A-Fa-f:.]+)[]](${sep}([0-9]+))?" s;
      v4 = builtins.match "([^:${sep}]+)${sep}([0-9]+)" s;
    in
    if v6 != null then
      {
        addr = builtins.elemAt v6 0;
        port =
          if builtins.elemAt v6 2 == null then defaultPort else lib.toInt (builtins.elemAt v6 2);
      }
    else if v4 != null then
      {
        addr = builtins.elemAt v4 0;
        port = lib.toInt (builtins.elemAt v4 1);
      }
    else
      {
        addr = s;
        port = defaultPort;
      };
  takes =
    l:
    l.port == listen.port
    && (elem (toLower l.addr) [ (toLower listen.addr) bridge ] || elem l.addr wildcards);
  clash =
    {
      name,
      setting,
      listens,
      fix,
    }:
    {
      inherit name setting fix;
      on = lib.unique (map (l: "${l.addr}:${toString l.port}") (filter takes listens));
    };
  at = port: addr: { inherit addr port; };

  unbound =
    let
      server = get [ "services" "unbound" "settings" "server" ] { };
      port = server.port or 53;
    in
    clash {
      name = "services.unbound";
      setting = "settings.server.interface";
      listens = map (split "@" port) (toList (server.interface or [ "127.0.0.1" "::1" ]));
      fix = "oc-audit is the VM's resolver now, so remove the plan's services.unbound";
    };

  dnsmasq =
    let
      s = get [ "services" "dnsmasq" "settings" ] { };
      port = s.port or 53;
      addrs = toList (s.listen-address or [ ]);
      ifaces = toList (s.interface or [ ]);
      bound = (s.bind-interfaces or false) || (s.bind-dynamic or false);
    in
    clash {
      name = "services.dnsmasq";
      setting = "settings.listen-address, interface, bind-interfaces";
      # without bind-interfaces dnsmasq binds the wildcard address, whatever it answers
      listens =
        map (at port) (addrs ++ ifaces)
        ++ lib.optional (!bound || addrs == [ ] && ifaces == [ ]) (at port "0.0.0.0");
      fix =
        "set services.dnsmasq.settings.bind-interfaces = true, and its listen-address and "
        + "interface to others";
    };

  resolved =
    let
      r = get [ "services" "resolved" "settings" "Resolve" ] { };
      stub = toLower (toString (r.DNSStubListener or "yes"));
      strip = s: lib.removePrefix "tcp:" (lib.removePrefix "udp:" s);
    in
    clash {
      name = "services.resolved";
      setting = "settings.Resolve.DNSStubListenerExtra";
      listens =
        map (e: split ":" 53 (strip e)) (toList (r.DNSStubListenerExtra or [ ]))
        ++ lib.optionals (!elem stub [ "no" "false" "0" ]) [
          (at 53 "127.0.0.53")
          (at 53 "127.0.0.54")
        ];
      fix = "remove the address from services.resolved.settings.Resolve.DNSStubListenerExtra";
    };

  bind =
    let
      port = get [ "services" "bind" "listenOnPort" ] 53;
      port6 = get [ "services" "bind" "listenOnIpv6Port" ] port;
    in
    clash {
      name = "services.bind";
      setting = "listenOn, listenOnIpv6";
      listens =
        map (at port) (get [ "services" "bind" "listenOn" ] [ "any" ])
        ++ map (at port6) (get [ "services" "bind" "listenOnIpv6" ] [ "any" ]);
      fix = "set services.bind.listenOn and listenOnIpv6 to other addresses";
    };

  enabled = name: get (lib.splitString "." name ++ [ "enable" ]) false;
in
# [ { name; setting; on = [ "addr:port" ... ]; fix; } ] for the enabled servers that clash
filter (c: enabled c.name && c.on != [ ]) [
  unbound
  dnsmasq
  resolved
  bind
]
