# The configurations tests/nix/module.sh evaluates nix/module.nix in: each a NixOS
# module, as a host's configuration.nix would write it.
let
  on = {
    services.oc-audit.enable = true;
    networking.nftables.enable = true;
  };
in
{
  # enabled, nothing else: every default
  default = on;

  # what an operator sets: upstreams, names, alerts with their secrets, another VM unit
  custom = {
    imports = [ on ];
    services.oc-audit = {
      settings = {
        dns.forward = [ "9.9.9.9" "149.112.112.112@53" ];
        dns.rate_limit = 50;
        policy.expected_domains = [ "api.telegram.org" "openrouter.ai" "*.githubusercontent.com" ];
        policy.expected_ports = [ "tcp/443" "udp/443" ];
        policy.watch_start = "2026-11-28T00:00:00Z";
        alerts.telegram_chat_id = "123456789";
        alerts.webhook_url = "https://hooks.example.net/oc-audit";
      };
      telegramTokenFile = "/run/agenix/oc-audit-telegram";
      webTokenFile = "/run/agenix/oc-audit-web";
      vm.unit = "microvm@agent.service";
    };
  };

  # rules instead of expected_domains: the defaults must not widen them
  expect =
    { pkgs, ... }:
    {
      imports = [ on ];
      services.oc-audit.settings.policy = {
        expect = [
          "api.telegram.org tcp/443"
          "*.pool.ntp.org udp/123"
        ];
        rules_file = pkgs.writeText "oc-audit-rules" "openrouter.ai tcp/443\n";
      };
    };

  # the VM may run without oc-audit (opted out of failing closed), resolver off
  open = {
    imports = [ on ];
    services.oc-audit.vm.failClosed = false;
    services.oc-audit.settings.dns.listen = "";
  };

  # enforce mode, with an IPv6 subnet of the VM too
  enforce = {
    imports = [ on ];
    services.oc-audit.settings = {
      enforce.mode = "enforce";
      collector.vm_subnet = [ "192.168.83.0/24" "fd83::/64" ];
      collector.nflog_group = 9;
    };
  };

  # packet capture on the bridge
  capture = {
    imports = [ on ];
    services.oc-audit.settings.collector.pcap_interface = "br-openclaw";
  };

  # the failures evaluation must report
  nftables-off = {
    services.oc-audit.enable = true;
  };
  unbound-plan = {
    imports = [ on ];
    # the deployment plan's resolver, as its flake has it
    services.unbound = {
      enable = true;
      settings = {
        server = {
          interface = [ "192.168.83.1" ];
          access-control = [ "192.168.83.0/24 allow" ];
          log-queries = "yes";
          verbosity = 1;
        };
        forward-zone = [
          {
            name = ".";
            forward-addr = [ "1.1.1.1" "8.8.8.8" ];
          }
        ];
      };
    };
  };
  dnsmasq-wildcard = {
    imports = [ on ];
    services.dnsmasq.enable = true;
  };
  resolved-extra = {
    imports = [ on ];
    services.resolved.enable = true;
    services.resolved.settings.Resolve.DNSStubListenerExtra = [ "udp:192.168.83.1:53" ];
  };
  bind-any = {
    imports = [ on ];
    services.bind.enable = true;
  };
  token-in-store = {
    imports = [ on ];
    services.oc-audit.telegramTokenFile = "${builtins.storeDir}/${
      "00000000000000000000000000000000"
    }-token";
    services.oc-audit.settings.alerts.telegram_chat_id = "1";
  };
  database-elsewhere = {
    imports = [ on ];
    services.oc-audit.settings.collector.database = "/srv/audit.db";
  };

  # resolvers that must not be taken for a clash
  resolvers-elsewhere = {
    imports = [ on ];
    services.unbound.enable = true;
    services.unbound.settings.server.interface = [ "127.0.0.1" "::1" ];
    services.resolved.enable = true;
    services.dnsmasq.enable = true;
    services.dnsmasq.settings = {
      bind-interfaces = true;
      interface = [ "lo" ];
    };
    services.bind.enable = true;
    services.bind.listenOn = [ "127.0.0.1" ];
    services.bind.listenOnIpv6 = [ "::1" ];
  };

  # not enabled: the module sets nothing
  disabled = {
    networking.nftables.enable = true;
  };
}
