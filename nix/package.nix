# The oc-audit package: the autotools build, as `./configure && make && make install`.
# Its libraries are found as on Debian, with pkg-config (or, for one without a .pc file,
# AC_CHECK_LIB); `pkgConfigInputs` and `libraryInputs` say which nixpkgs package gives
# each library configure.ac asks for.
# tests/nix/package_inputs.sh keeps that table and configure.ac in step. This file is
# evaluated by the tests, never built here (no nixpkgs offline): `nix build` on a
# machine with nixpkgs is the build test.
{
  lib,
  stdenv,
  autoreconfHook,
  pkg-config,
  libnetfilter_log,
  unbound,
  libevent,
  ldns,
  libpcap,
  sqlite,
  libmicrohttpd,
  curl,
  inih,
  libcap_ng,
  libseccomp,
  systemdLibs,
  nftables,
  libnftnl,
  libmnl,
  openssl,
  http-parser,
  # the source tree this file lives in; the flake passes its own (clean) copy
  src ? lib.cleanSource ../.,
}:
let
  # pkg-config module (configure.ac's OCA_DEP) -> the package with its .pc file, and the
  # Debian package configure.ac names for it.
  pkgConfigInputs = {
    libnetfilter_log = { package = libnetfilter_log; debian = "libnetfilter-log-dev"; };
    libunbound = { package = unbound; debian = "libunbound-dev"; };
    libevent = { package = libevent; debian = "libevent-dev"; };
    ldns = { package = ldns; debian = "libldns-dev"; };
    libpcap = { package = libpcap; debian = "libpcap-dev"; };
    sqlite3 = { package = sqlite; debian = "libsqlite3-dev"; };
    libmicrohttpd = { package = libmicrohttpd; debian = "libmicrohttpd-dev"; };
    libcurl = { package = curl; debian = "libcurl4-openssl-dev"; };
    inih = { package = inih; debian = "libinih-dev"; };
    libcap-ng = { package = libcap_ng; debian = "libcap-ng-dev"; };
    libseccomp = { package = libseccomp; debian = "libseccomp-dev"; };
    libsystemd = { package = systemdLibs; debian = "libsystemd-dev"; };
    libnftables = { package = nftables; debian = "libnftables-dev"; };
    libnftnl = { package = libnftnl; debian = "libnftnl-dev"; };
    libmnl = { package = libmnl; debian = "libmnl-dev"; };
    libcrypto = { package = openssl; debian = "libssl-dev"; };
  };
  # library (configure.ac's AC_CHECK_LIB, no pkg-config file) -> its package
  libraryInputs = {
    http_parser = { package = http-parser; debian = "libhttp-parser-dev"; };
  };
  # AC_INIT([oc-audit], [VERSION], ...) is the one place the version is written
  acInit = builtins.match ".*AC_INIT[(][[]oc-audit[]], [[]([0-9][0-9A-Za-z.+~-]*)[]].*" (
    builtins.readFile ../configure.ac
  );
in
stdenv.mkDerivation {
  pname = "oc-audit";
  version = builtins.head acInit;
  inherit src;

  nativeBuildInputs = [
    autoreconfHook
    pkg-config
  ];
  buildInputs = lib.mapAttrsToList (_: input: input.package) (pkgConfigInputs // libraryInputs);

  configureFlags = [
    "--sysconfdir=/etc"
    "--with-systemdsystemunitdir=${placeholder "out"}/lib/systemd/system"
  ];
  enableParallelBuilding = true;

  # The unit tests (TAP) need nothing but the build. The lab tests need root and network
  # namespaces, the tree tests Debian's dpkg, groff and systemd-analyze: make check on
  # Debian runs those.
  doCheck = true;
  checkFlags = [ "TESTS=$(UNIT_TESTS)" ];

  passthru = { inherit pkgConfigInputs libraryInputs; };

  meta = {
    description = "Egress audit of an untrusted microVM: connections and DNS against a policy";
    mainProgram = "oc-audit";
    platforms = lib.platforms.linux;
  };
}
