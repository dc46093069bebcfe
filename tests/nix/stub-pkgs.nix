# A stand-in for nixpkgs, for evaluating nix/ offline with nixpkgs' lib alone: every
# package is a name and a fake store path (callPackage makes one for any argument),
# mkDerivation returns its arguments, and formats.ini and writeText behave as nixpkgs' do
# (writeText keeps the text in the value, so a test can read the file the module writes,
# and nothing touches the store).
{ lib }:
let
  fakePath = name: "${builtins.storeDir}/00000000000000000000000000000000-${name}";
  package = name: {
    type = "derivation";
    inherit name;
    pname = name;
    outPath = fakePath name;
  };
  self = {
    inherit lib;
    writeText = name: text: {
      inherit name text;
      outPath = fakePath name;
    };
    # the nixpkgs format, re-stated: an INI atom (or, with listToValue, a non-empty list
    # of them) per key, sections of them, and toINI over the lists made values
    formats.ini =
      {
        listToValue ? null,
        ...
      }@args:
      let
        inherit (lib) types;
        single = types.nullOr (
          types.oneOf [
            types.bool
            types.int
            types.float
            types.str
          ]
        );
        atom =
          if listToValue == null then single else types.either single (types.nonEmptyListOf single);
        flatten = v: if builtins.isList v && listToValue != null then listToValue v else v;
      in
      {
        type = types.attrsOf (types.attrsOf atom);
        generate =
          name: value:
          self.writeText name (
            lib.generators.toINI (removeAttrs args [ "listToValue" ]) (
              lib.mapAttrs (_: lib.mapAttrs (_: flatten)) value
            )
          );
      };
    stdenv.mkDerivation =
      attrs:
      let
        name = "${attrs.pname}-${attrs.version}";
      in
      attrs
      // {
        type = "derivation";
        inherit name;
        outPath = fakePath name;
      };
    # every argument without a default is given: from here, or a stub package of its name
    callPackage =
      f: args:
      let
        fn = if builtins.isFunction f then f else import f;
        wanted = lib.filterAttrs (n: hasDefault: !hasDefault || self ? ${n}) (
          builtins.functionArgs fn
        );
      in
      fn (lib.mapAttrs (n: _: self.${n} or (package n)) wanted // args);
    coreutils = package "coreutils";
    dns-root-data = package "dns-root-data";
  };
in
self
