# services.oc-audit: the collector beside the OpenClaw microVM, on the plan's NixOS host.
#
# What enabling it does: writes settings to an INI file (pkgs.formats.ini) and runs
# `oc-audit collect` under the same hardening as contrib/oc-audit.service.in (a dynamic
# user with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only, Type=notify, a watchdog);
# passes the Telegram and web tokens as systemd credentials, never through the Nix store;
# loads the recommended nftables rule in a table of its own (oc-audit, not the plan's
# openclaw-monitor), and in enforce mode the sets and chains of `oc-audit enforce-rules`; opens the resolver's port on the bridge; and orders the VM's unit
# after oc-audit and binds it there, so the VM never runs unaudited. Evaluation fails with
# a message saying what to change when nftables is off (NixOS would never load the rule)
# or another DNS server holds the resolver's address.
#
# tests/nix/ evaluates this module offline with nixpkgs' lib and a stub of the NixOS
# options it sets; tests/nix/unit_sync.sh holds its serviceConfig to the unit file's.
{
  config,
  lib,
  pkgs,
  ...
}:
let
  inherit (lib)
    concatMapStringsSep
    hasPrefix
    literalExpression
    mkEnableOption
    mkIf
    mkMerge
    mkOption
    optional
    optionals
    types
    ;
  cfg = config.services.oc-audit;
  format = pkgs.formats.ini { listToValue = concatMapStringsSep ", " toString; };
  # Only what differs from the daemon's defaults is written: the daemon applies the same
  # defaults itself (tests/nix/settings_keys.sh holds the two equal), and a key given
  # can mean more than its value (expected_domains beside expect).
  settingsOptions = import ./settings.nix { inherit lib format; };
  keyOptions = section: lib.filterAttrs (_: lib.isOption) (section.type.getSubOptions [ ]);
  defaults = lib.mapAttrs (
    _: section: lib.mapAttrs (_: o: o.default) (keyOptions section)
  ) settingsOptions;
  isDefault = section: key: v: defaults ? ${section}.${key} && defaults.${section}.${key} == v;
  written = lib.filterAttrs (_: keys: keys != { }) (
    lib.mapAttrs (section: lib.filterAttrs (key: v: !isDefault section key v)) cfg.settings
  );
  configFile = format.generate "oc-audit.ini" written;

  stateDir = "/var/lib/oc-audit";
  credentials = "/run/credentials/oc-audit.service";
  capture = cfg.settings.collector.pcap_interface != "";
  group = toString cfg.settings.collector.nflog_group;
  enforce = cfg.settings.enforce.mode == "enforce";
  # vm_subnet by family, as `oc-audit enforce-rules` writes it ("{ a, b }"), or null
  subnets =
    v6:
    let
      l = builtins.filter (s: (builtins.match ".*:.*" s != null) == v6) cfg.settings.collector.vm_subnet;
    in
    if l == [ ] then null else "{ ${lib.concatStringsSep ", " l} }";
  # The table body of `oc-audit enforce-rules` (collector/enforce.c; tests/nix holds the
  # two equal): the sets the collector fills and the chains that drop everything else.
  enforceContent = ''
    set allow4 {
      type ipv4_addr . ipv4_addr . inet_proto . inet_service
      flags timeout
      size 65536
    }
    set allow6 {
      type ipv6_addr . ipv6_addr . inet_proto . inet_service
      flags timeout
      size 65536
    }
    chain enforce {
      type filter hook forward priority filter - 20; policy accept;
      ct state established,related accept
      ${lib.optionalString (subnets false != null) "ip saddr ${subnets false} jump enforce_vm"}
      ${lib.optionalString (subnets true != null) "ip6 saddr ${subnets true} jump enforce_vm"}
    }
    chain enforce_vm {
      ip saddr . ip daddr . meta l4proto . th dport @allow4 accept
      ip6 saddr . ip6 daddr . meta l4proto . th dport @allow6 accept
      ct state new log prefix "oc-audit-blocked: " group ${group}
      drop
    }
  '';
  # settings.dns.listen as { addr; port; }, or null when the resolver is off
  listen =
    let
      s = cfg.settings.dns.listen;
      v6 = builtins.match "[[]([0-9A-Fa-f:.]+)[]](:([0-9]+))?" s;
      v4 = builtins.match "([^:]+):([0-9]+)" s;
    in
    if s == "" then
      null
    else if v6 != null then
      {
        addr = builtins.elemAt v6 0;
        port = if builtins.elemAt v6 2 == null then 53 else lib.toInt (builtins.elemAt v6 2);
      }
    else if v4 != null then
      {
        addr = builtins.elemAt v4 0;
        port = lib.toInt (builtins.elemAt v4 1);
      }
    else
      {
        addr = s;
        port = 53;
      };
  clashes =
    if listen == null then
      [ ]
    else
      import ./resolvers.nix {
        inherit lib config listen;
        inherit (cfg) bridge;
      };

  # "microvm@openclaw.service" -> the attribute of systemd.services
  vmName = lib.removeSuffix ".service" cfg.vm.unit;
  vmIsInstance = builtins.match ".+@.+" vmName != null;

  # A token file: an absolute path outside the Nix store (which every user can read).
  secretPath = types.nullOr (types.strMatching "/.+");
  inStore = p: p != null && hasPrefix builtins.storeDir p;

  # The unit's [Service] section as in contrib/oc-audit.service.in (tests/nix/unit_sync.sh
  # compares them); capture adds a packet socket and CAP_NET_RAW, as the unit's comment
  # says a drop-in should.
  caps = [
    "CAP_NET_ADMIN"
    "CAP_NET_BIND_SERVICE"
  ] ++ optional capture "CAP_NET_RAW";
  hardening = {
    Type = "notify";
    WatchdogSec = "30s";
    Restart = "on-failure";
    RestartSec = 2;
    DynamicUser = true;
    User = "oc-audit";
    Group = "oc-audit";
    StateDirectory = "oc-audit";
    StateDirectoryMode = "0700";
    UMask = "0077";
    AmbientCapabilities = caps;
    CapabilityBoundingSet = caps;
    NoNewPrivileges = true;
    ProtectSystem = "strict";
    ProtectHome = true;
    PrivateTmp = true;
    PrivateDevices = true;
    PrivateMounts = true;
    ProtectKernelTunables = true;
    ProtectKernelModules = true;
    ProtectKernelLogs = true;
    ProtectControlGroups = true;
    ProtectClock = true;
    ProtectHostname = true;
    ProtectProc = "invisible";
    ProcSubset = "pid";
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    LockPersonality = true;
    MemoryDenyWriteExecute = true;
    RemoveIPC = true;
    KeyringMode = "private";
    DevicePolicy = "closed";
    RestrictAddressFamilies = [
      "AF_UNIX"
      "AF_INET"
      "AF_INET6"
      "AF_NETLINK"
    ] ++ optional capture "AF_PACKET";
    SystemCallArchitectures = "native";
    SystemCallFilter = [
      "@system-service"
      "~@privileged @resources"
      "capset seccomp"
    ];
    SystemCallErrorNumber = "EPERM";
  };
in
{
  options.services.oc-audit = {
    enable = mkEnableOption ''
      oc-audit, the egress audit of the OpenClaw microVM (its resolver, connection log
      and findings)'';

    package = mkOption {
      type = types.package;
      default = pkgs.oc-audit or (pkgs.callPackage ./package.nix { });
      defaultText = literalExpression ''
        pkgs.oc-audit (this flake's overlay), else this flake's nix/package.nix built with
        the system's nixpkgs'';
      description = "The oc-audit package.";
    };

    settings = mkOption {
      type = types.submodule {
        freeformType = format.type;
        options = settingsOptions;
      };
      default = { };
      example = literalExpression ''
        {
          dns.forward = [ "9.9.9.9" ];
          policy.expected_domains = [
            "api.telegram.org"
            "openrouter.ai"
            "*.githubusercontent.com"
          ];
          alerts.telegram_chat_id = "123456789";
        }
      '';
      description = ''
        The configuration, in the sections and keys of oc-audit.ini(5), each with the
        daemon's default; the keys set to something else are written to the file. Lists
        are written comma-separated. Secrets do not go here: see telegramTokenFile and
        webTokenFile.
      '';
    };

    telegramTokenFile = mkOption {
      type = secretPath;
      default = null;
      example = "/run/agenix/oc-audit-telegram-token";
      description = ''
        A file holding the Telegram bot token, outside the Nix store (e.g. an agenix or
        sops-nix secret). systemd passes it to the service as the credential
        `telegram-token` (LoadCredential); settings.alerts.telegram_token_file names it.
        Needs settings.alerts.telegram_chat_id.
      '';
    };

    webTokenFile = mkOption {
      type = secretPath;
      default = null;
      example = "/run/agenix/oc-audit-web-token";
      description = ''
        A file holding the dashboard's bearer token, outside the Nix store, passed as the
        credential `web-token`; settings.web.token_file names it.
      '';
    };

    bridge = mkOption {
      type = types.strMatching "[A-Za-z0-9_.-]{1,15}";
      default = "br-openclaw";
      description = ''
        The VM's bridge: the nftables rule logs every new connection coming in on it,
        and the resolver's port is opened on it.
      '';
    };

    logPrefix = mkOption {
      type = types.strMatching "[^\"\\\\]{0,127}";
      default = "openclaw-vm: ";
      description = "The log prefix of the nftables rule (NFLOG carries it; no kernel log).";
    };

    openFirewall = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Open the resolver's port (settings.dns.listen, UDP and TCP) on the bridge in
        NixOS's firewall, which otherwise drops the VM's queries.
      '';
    };

    vm = {
      unit = mkOption {
        type = types.nullOr (types.strMatching ".+\\.service");
        default = "microvm@openclaw.service";
        description = ''
          The VM's systemd unit. It is ordered after oc-audit, so it starts only once
          oc-audit is ready (NFLOG, the resolver and the database open). null: leave the
          VM's unit alone.
        '';
      };
      failClosed = mkOption {
        type = types.bool;
        default = true;
        description = ''
          Bind the VM's unit to oc-audit (BindsTo=): it does not start without oc-audit
          and is stopped when oc-audit stops or fails, so the VM never runs unaudited.
          It is not started again by itself when oc-audit comes back: start it. false:
          the VM only wants oc-audit and runs on without it.
        '';
      };
    };

    configFile = mkOption {
      type = types.path;
      readOnly = true;
      default = configFile;
      defaultText = literalExpression "the INI file written from settings";
      description = "The generated configuration (also /etc/oc-audit/oc-audit.ini).";
    };
  };

  config = mkIf cfg.enable (mkMerge [
    {
      assertions = [
        {
          assertion = config.networking.nftables.enable;
          message = ''
            services.oc-audit needs networking.nftables.enable = true. Its rule, which logs
            every new connection from the VM (networking.nftables.tables.oc-audit), is
            loaded only by NixOS's nftables service: without it oc-audit would see no
            connection at all.'';
        }
        {
          assertion = hasPrefix "${stateDir}/" cfg.settings.collector.database;
          message = ''
            services.oc-audit.settings.collector.database = "${cfg.settings.collector.database}"
            must lie under ${stateDir}/, the unit's StateDirectory: the service's
            dynamic user can write nowhere else.'';
        }
        {
          assertion = !inStore cfg.telegramTokenFile && !inStore cfg.webTokenFile;
          message = ''
            services.oc-audit.telegramTokenFile and webTokenFile must not be in the Nix
            store, which every user of the host can read: give the path of a secret
            outside it (agenix, sops-nix, or a file only root can read).'';
        }
        {
          assertion =
            !inStore cfg.settings.alerts.telegram_token_file
            && !inStore cfg.settings.web.token_file;
          message = ''
            services.oc-audit.settings names a token file in the Nix store, which every
            user can read: set telegramTokenFile or webTokenFile to a file outside it.'';
        }
        {
          assertion = cfg.telegramTokenFile == null || cfg.settings.alerts.telegram_chat_id != "";
          message = ''
            services.oc-audit.telegramTokenFile is set: set
            services.oc-audit.settings.alerts.telegram_chat_id to the chat to alert.'';
        }
      ]
      ++ map (c: {
        assertion = false;
        message = ''
          services.oc-audit: ${c.name} also listens on ${lib.concatStringsSep ", " c.on} (its
          ${c.setting}), where services.oc-audit.settings.dns.listen = "${cfg.settings.dns.listen}"
          puts the VM's resolver. Two DNS servers cannot share it, and a query the other
          one answered would never be audited. To fix: ${c.fix}.'';
      }) clashes;

      services.oc-audit.settings = {
        # Debian's path of the root key does not exist on NixOS
        dns.trust_anchor_file = lib.mkDefault "${pkgs.dns-root-data}/root.key";
        alerts.telegram_token_file = mkIf (
          cfg.telegramTokenFile != null
        ) "${credentials}/telegram-token";
        web.token_file = mkIf (cfg.webTokenFile != null) "${credentials}/web-token";
      };

      # the same file for `oc-audit report -c` and `check-config -c` at the shell
      environment.etc."oc-audit/oc-audit.ini".source = configFile;
      environment.systemPackages = [ cfg.package ];

      networking.nftables.tables.oc-audit = {
        family = "inet";
        # the rule, as the README recommends: every new connection in from the bridge,
        # IPv4 and IPv6, whatever its source address says
        # before the other forward chains, so a connection another table drops is still
        # logged as attempted
        # enforce mode adds its sets and chains; they run before this one, so a drop is
        # logged once, as blocked. A reload of the ruleset empties the sets: the VM's
        # connections are dropped until it resolves again (closed, never open).
        content = ''
          chain forward {
            type filter hook forward priority -10; policy accept;
            iifname "${cfg.bridge}" ct state new log prefix "${cfg.logPrefix}" group ${group}
          }
        '' + lib.optionalString enforce enforceContent;
      };

      networking.firewall.interfaces.${cfg.bridge} = mkIf (cfg.openFirewall && listen != null) {
        allowedUDPPorts = [ listen.port ];
        allowedTCPPorts = [ listen.port ];
      };

      systemd.services.oc-audit = {
        description = "oc-audit: egress audit of the OpenClaw microVM";
        documentation = [
          "man:oc-audit(8)"
          "man:oc-audit.ini(5)"
        ];
        wantedBy = [ "multi-user.target" ];
        wants = [ "network-online.target" ];
        # the nftables rule is loaded before oc-audit reads NFLOG, and the VM after both
        after = [
          "network-online.target"
          "time-sync.target"
          "nftables.service"
        ];
        before = optionals (cfg.vm.unit != null) [ cfg.vm.unit ];
        serviceConfig = hardening // {
          ExecStart = "${cfg.package}/bin/oc-audit collect -c ${configFile}";
          ExecReload = "${pkgs.coreutils}/bin/kill -HUP $MAINPID";
          LoadCredential =
            optional (cfg.telegramTokenFile != null) "telegram-token:${cfg.telegramTokenFile}"
            ++ optional (cfg.webTokenFile != null) "web-token:${cfg.webTokenFile}";
        };
      };
    }

    (mkIf (cfg.vm.unit != null) {
      systemd.services.${vmName} = {
        # a template's instance (microvm@NAME) gets a drop-in, not a unit of its own
        overrideStrategy = mkIf vmIsInstance "asDropin";
        after = [ "oc-audit.service" ];
        bindsTo = mkIf cfg.vm.failClosed [ "oc-audit.service" ];
        wants = mkIf (!cfg.vm.failClosed) [ "oc-audit.service" ];
      };
    })
  ]);
}
