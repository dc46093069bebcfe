# The NixOS options nix/module.nix reads and sets, declared with the types NixOS gives
# them, so lib.evalModules can run the module without nixpkgs. What NixOS does with them
# (writing units, loading tables, failing on assertions) is left out: the tests look at
# the values. Declare here any option the module starts to use.
{ lib, ... }:
let
  inherit (lib) mkOption types;
  opt =
    type: default:
    mkOption {
      inherit type default;
    };
  # systemd's unit option values: lists from several definitions are joined, anything
  # else must be defined once (or identically), as nixos/lib/systemd-unit-options.nix does
  unitOption = lib.mkOptionType {
    name = "systemd option";
    check =
      v:
      builtins.any (f: f v) [
        builtins.isBool
        builtins.isInt
        builtins.isList
        lib.isStringLike
      ];
    merge =
      loc: defs:
      if builtins.isList (builtins.head defs).value then
        builtins.concatMap (
          d:
          if builtins.isList d.value then
            d.value
          else
            throw "${lib.showOption loc}: lists and non-lists mixed"
        ) defs
      else
        lib.mergeEqualOption loc defs;
  };
  units = types.listOf types.str;
  service = types.submodule {
    options = {
      enable = opt types.bool true;
      description = opt types.singleLineStr "";
      documentation = opt (types.listOf types.str) [ ];
      overrideStrategy = opt (types.enum [ "asDropinIfExists" "asDropin" ]) "asDropinIfExists";
      wantedBy = opt units [ ];
      requiredBy = opt units [ ];
      wants = opt units [ ];
      requires = opt units [ ];
      after = opt units [ ];
      before = opt units [ ];
      bindsTo = opt units [ ];
      partOf = opt units [ ];
      upholds = opt units [ ];
      unitConfig = opt (types.attrsOf unitOption) { };
      serviceConfig = opt (types.attrsOf unitOption) { };
      environment = opt (types.attrsOf (types.nullOr types.str)) { };
      path = opt (types.listOf types.package) [ ];
      restartTriggers = opt (types.listOf types.unspecified) [ ];
    };
  };
  freeform = types.submodule { freeformType = types.attrsOf types.anything; };
  ports = types.listOf types.port;
in
{
  options = {
    assertions = opt (types.listOf types.unspecified) [ ];
    warnings = opt (types.listOf types.str) [ ];

    environment.systemPackages = opt (types.listOf types.package) [ ];
    environment.etc = opt (types.attrsOf (
      types.submodule {
        options.source = mkOption { type = types.path; };
      }
    )) { };

    systemd.services = opt (types.attrsOf service) { };

    networking.nftables.enable = opt types.bool false;
    networking.nftables.tables = opt (types.attrsOf (
      types.submodule (
        { name, ... }:
        {
          options = {
            enable = opt types.bool true;
            name = opt types.str name;
            family = mkOption {
              type = types.enum [ "ip" "ip6" "inet" "arp" "bridge" "netdev" ];
            };
            content = opt types.lines "";
          };
        }
      )
    )) { };
    networking.firewall.enable = opt types.bool true;
    networking.firewall.interfaces = opt (types.attrsOf (
      types.submodule {
        options = {
          allowedTCPPorts = opt ports [ ];
          allowedUDPPorts = opt ports [ ];
        };
      }
    )) { };

    # the DNS servers nix/resolvers.nix looks at
    services.unbound.enable = opt types.bool false;
    services.unbound.settings = opt freeform { };
    services.dnsmasq.enable = opt types.bool false;
    services.dnsmasq.settings = opt freeform { };
    services.resolved.enable = opt types.bool false;
    services.resolved.settings = opt freeform { };
    services.bind.enable = opt types.bool false;
    services.bind.listenOn = opt (types.listOf types.str) [ "any" ];
    services.bind.listenOnIpv6 = opt (types.listOf types.str) [ "any" ];
    services.bind.listenOnPort = opt types.port 53;
    services.bind.listenOnIpv6Port = opt types.port 53;
  };
}
