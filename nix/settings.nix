# services.oc-audit.settings: every key of the daemon's configuration (common/confkeys.c's
# key table), in the INI's own sections, with the daemon's defaults and bounds. The
# module writes the keys set to something else with pkgs.formats.ini (the daemon applies
# the same defaults to the rest, and some keys mean more when given: expected_domains
# beside expect); lists become "a, b" as the daemon reads them.
# tests/nix/settings_keys.sh fails when this file and the key table drift, and prints
# the option to add for a new key.
{ lib, format }:
let
  inherit (lib) mkOption types;

  # A section: the keys below, and others of the INI's own types (freeform), so a key
  # the daemon gains before this file does can still be set.
  section =
    description: options:
    mkOption {
      inherit description;
      default = { };
      type = types.submodule {
        freeformType = format.type.nestedTypes.elemType;
        inherit options;
      };
    };
  str =
    default: description:
    mkOption {
      type = types.str;
      inherit default description;
    };
  uint =
    default: lo: hi: description:
    mkOption {
      type = types.ints.between lo hi;
      inherit default description;
    };
  list =
    default: description:
    mkOption {
      type = types.listOf types.str;
      inherit default description;
    };
in
{
  collector = section "Ingest and storage." {
    database = str "/var/lib/oc-audit/audit.db" ''
      SQLite database file (created on first use, WAL mode, migrated in place). It must
      lie under /var/lib/oc-audit, the unit's StateDirectory: the service's dynamic user
      can write nowhere else.
    '';
    nflog_group = uint 7 0 65535 ''
      NFLOG group of the nftables `log group N` rule; the module's own rule uses it.
    '';
    vm_subnet = list [ "192.168.83.0/24" ] "The addresses that are the VM (CIDR prefixes).";
    pcap_interface = str "" ''
      The VM's bridge to capture packets on (e.g. br-openclaw): TLS/QUIC SNI, HTTP
      Host, bytes per destination; it may appear after the service starts; empty =
      capture off. When set, the unit also allows packet sockets (AF_PACKET) and
      CAP_NET_RAW.
    '';
    retention_days = uint 30 1 36500 ''
      Raw events older than this many days are deleted; findings and rollups are kept.
    '';
    nflog_silence = uint 300 0 86400 ''
      Seconds NFLOG may deliver no connection while DNS answers with addresses reach the
      VM before it counts as not seeing (a blind spot and a sensor finding); 0 = never.
    '';
    disk_min_free_mb = uint 512 0 1048576 ''
      Free space (MiB) on the database's filesystem below which an alert is raised,
      before the disk is full and events are lost; 0 = off.
    '';
    queue_size = uint 65536 1024 16777216 ''
      Events held between the readers and the database writer; when full, new events are
      dropped and counted as lost.
    '';
    user = str "oc-audit" ''
      The unprivileged user the collector switches to when started as root. Under this
      module it starts as the unit's dynamic user already and keeps it.
    '';
  };

  dns = section "The VM's resolver (oc-audit answers its DNS and logs every query)." {
    listen = str "192.168.83.1:53" ''
      address:port the resolver answers on, UDP and TCP; empty = no resolver. The module
      opens this port on the bridge and asserts that no other DNS server holds it.
    '';
    allow_from = list [ "192.168.83.0/24" ] ''
      Clients allowed to resolve; everyone else is answered REFUSED.
    '';
    forward = list [ "1.1.1.1" "8.8.8.8" ] ''
      Upstream resolvers, addr[@port]; empty = full recursion from the root hints.
    '';
    rate_limit = uint 200 0 1000000 ''
      Queries per second per client; the excess is dropped and counted; 0 = no limit.
    '';
    tcp_idle_timeout = uint 10 1 3600 "Seconds an idle TCP client connection is kept open.";
    tcp_message_timeout = uint 5 1 3600 "Seconds a TCP client has to send a whole query once it began it, and to read the answers queued for it.";
    tcp_max_connections = uint 64 1 4096 ''
      TCP client connections open at once; more are closed at once.
    '';
    dnssec = str "yes" ''
      Validate DNSSEC (yes or no): a bogus answer reaches the VM as SERVFAIL, logged with
      libunbound's reason.
    '';
    trust_anchor_file = str "/usr/share/dns/root.key" ''
      DNSSEC trust anchors (DS or DNSKEY records). The module sets it to the root key of
      nixpkgs' dns-root-data.
    '';
    strip_ech = str "yes" ''
      Remove the ech parameter from HTTPS/SVCB records answered to the VM (yes or no), so
      its TLS SNI stays visible to the capture; each removal counted and kept with the
      query.
    '';
  };

  policy = section "What the VM is expected to do; everything else is a finding." {
    expected_domains = list [ "api.telegram.org" "openrouter.ai" ] ''
      Names the VM may use, each on every pair of expected_ports: exact, or
      *.example.com for the subdomains of example.com. With expect or rules_file set,
      they apply only when this or expected_ports is set too.
    '';
    expected_ports = list [ "tcp/443" ] ''
      proto/port pairs the expected names may be reached on (tcp/443, udp/443).
    '';
    expect = list [ ] ''
      Rules, each "NAME [PROTO/PORT ...]": a name and the pairs it alone may be reached
      on, e.g. [ "api.telegram.org tcp/443" "*.pool.ntp.org udp/123" ].
    '';
    rules_file = mkOption {
      type = types.coercedTo types.path (p: "${p}") types.str;
      default = "";
      example = lib.literalExpression ''pkgs.writeText "oc-audit-rules" "openrouter.ai tcp/443"'';
      description = ''
        A file of more rules, one a line, # for comments; it must be readable by the
        service's dynamic user (a store path, as in the example, is: rules are not
        secret). Empty: none.
      '';
    };
    canary_names = list [ ] ''
      Bait names planted inside the VM (exact, or *.domain for every name under it); any
      query, SNI or Host for one is a canary finding, the most serious kind.
    '';
    watch_start = str "auto" ''
      Start of the watch period, an ISO-8601 time, or auto = the first event seen.
    '';
    watch_days = uint 7 1 3650 "Length of the watch period in days.";
    attribution_grace = uint 120 0 86400 ''
      Seconds a DNS answer still attributes connections after its TTL ran out.
    '';
    tunnel_distinct_labels = uint 50 0 1000 ''
      dns-tunnel: distinct names under one domain within an hour; 0 = off.
    '';
    tunnel_label_length = uint 52 0 63 "dns-tunnel: a label at least this long; 0 = off.";
    tunnel_txt_queries = uint 20 0 1000000 ''
      dns-tunnel: TXT/NULL queries under one domain within an hour; 0 = off.
    '';
    upload_budget = str "" ''
      volume: bytes the VM may upload to one destination name per UTC day (50M, 2G;
      needs collector.pcap_interface); empty = off.
    '';
  };

  web = section "The dashboard and its JSON API, served by the collector." {
    listen = str "127.0.0.1:8383" "Dashboard address:port; empty = off.";
    token_file = str "" ''
      File holding a bearer token for the API and the actions. Set webTokenFile instead:
      the module passes it as a systemd credential and names it here.
    '';
    allow_remote = uint 0 0 1 ''
      1 = a listen address off loopback is meant (it needs a token).
    '';
  };

  alerts = section "Where new findings are sent." {
    telegram_token_file = str "" ''
      File holding the Telegram bot token. Set telegramTokenFile instead: the module
      passes it as a systemd credential and names it here.
    '';
    telegram_chat_id = str "" "Telegram chat to alert (needed with a token).";
    telegram_api_base = str "https://api.telegram.org" "Telegram Bot API base URL.";
    webhook_url = str "" "URL that receives one JSON POST per alert; empty = none.";
  };

  enforce = section "Enforce mode: from watching to stopping." {
    mode = mkOption {
      type = types.enum [
        "audit"
        "enforce"
      ];
      default = "audit";
      description = ''
        audit = watch and record. enforce = the VM reaches only the names the rules
        expect, on their ports, at the addresses the resolver gave it; every other new
        connection is dropped and recorded as a blocked finding. The module then adds the
        sets and chains of `oc-audit enforce-rules` to its nftables table.
      '';
    };
  };
}
