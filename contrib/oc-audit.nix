# NixOS module sketch for oc-audit beside the OpenClaw microVM (see README.md, "Deploy").
# It replaces the plan's services.unbound and the plain `log prefix` rule.
{ config, lib, pkgs, ... }:
with lib;
let
  cfg = config.services.oc-audit;
  ini = pkgs.writeText "oc-audit.ini" ''
    [collector]
    database = /var/lib/oc-audit/audit.db
    nflog_group = 7
    vm_subnet = 192.168.83.0/24
    [dns]
    listen = 192.168.83.1:53
    allow_from = 192.168.83.0/24
    forward = ${concatStringsSep ", " cfg.forward}
    [policy]
    expected_domains = ${concatStringsSep ", " cfg.expectedDomains}
    expected_ports = tcp/443
    [web]
    listen = 127.0.0.1:8383
    [alerts]
    telegram_token_file = ${cfg.telegramTokenFile}
    telegram_chat_id = ${cfg.telegramChatId}
  '';
in {
  options.services.oc-audit = {
    enable = mkEnableOption "oc-audit egress audit for the OpenClaw microVM";
    package = mkOption { type = types.package; };
    forward = mkOption { type = types.listOf types.str; default = [ "1.1.1.1" "8.8.8.8" ]; };
    expectedDomains = mkOption {
      type = types.listOf types.str;
      default = [ "api.telegram.org" "openrouter.ai" ];
    };
    telegramTokenFile = mkOption { type = types.str; default = ""; };
    telegramChatId = mkOption { type = types.str; default = ""; };
  };
  config = mkIf cfg.enable {
    services.unbound.enable = mkForce false;  # oc-audit is the VM's resolver now
    # the VM's DNS comes in on the bridge; NixOS's firewall drops it unless allowed
    networking.firewall.interfaces.br-openclaw = {
      allowedUDPPorts = [ 53 ];
      allowedTCPPorts = [ 53 ];
    };
    networking.nftables.tables.openclaw-monitor = {
      family = "inet";
      content = ''
        chain forward {
          type filter hook forward priority 0; policy accept;
          iifname "br-openclaw" ct state new log prefix "openclaw-vm: " group 7
        }
      '';
    };
    systemd.services.oc-audit = {
      wantedBy = [ "multi-user.target" ];
      before = [ "microvm@openclaw.service" ];
      after = [ "network-online.target" ];
      serviceConfig = {
        ExecStart = "${cfg.package}/bin/oc-audit collect -c ${ini}";
        StateDirectory = "oc-audit";
        Restart = "on-failure";
        AmbientCapabilities = [ "CAP_NET_ADMIN" "CAP_NET_BIND_SERVICE" ];
        CapabilityBoundingSet = [ "CAP_NET_ADMIN" "CAP_NET_BIND_SERVICE" ];
        NoNewPrivileges = true;
        ProtectSystem = "strict";
        ReadWritePaths = [ "/var/lib/oc-audit" ];
      };
    };
  };
}
