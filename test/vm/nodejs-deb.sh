#!/usr/bin/env bash
# nodejs-deb.sh — a local `nodejs` package holding this host's /usr/bin/node (>= 20), for the Debian 12
# guest of the systemd VM lane: bookworm's own nodejs is 18, and newsnotify's package depends on
# nodejs (>= 20). It stands in for NodeSource's nodejs 20 package (the README's Debian 12 path: same
# package name, a 20.x version), which the closed network of CI machines cannot reach.
#
# USAGE: test/vm/nodejs-deb.sh OUTDIR [NODE]     prints the .deb's path
#        NODEJS_DEB_NPM=1 ...                    npm inside too (from NODE's ../lib/node_modules/npm),
#                                                as in NodeSource's package (the quick-start chroot)
set -euo pipefail
out=$1
node=$(readlink -f "${2:-$(command -v node)}")
version=$("$node" -p 'process.versions.node')
[ "${version%%.*}" -ge 20 ] || { echo "node $version at $node is older than 20" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf --one-file-system "$stage"' EXIT
install -d "$stage/DEBIAN" "$stage/usr/bin"
install -m 0755 "$node" "$stage/usr/bin/node"
if [ -n "${NODEJS_DEB_NPM:-}" ]; then
  npm_dir=$(dirname "$node")/../lib/node_modules/npm
  [ -f "$npm_dir/bin/npm-cli.js" ] || { echo "no npm at $npm_dir" >&2; exit 1; }
  install -d "$stage/usr/lib/node_modules"
  cp -a "$npm_dir" "$stage/usr/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$stage/usr/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$stage/usr/bin/npx"
fi
cat >"$stage/DEBIAN/control" <<CONTROL
Package: nodejs
Version: $version-0local1
Architecture: amd64
Maintainer: newsnotify VM lane <root@localhost>
Installed-Size: $(du -sk "$stage/usr" | cut -f1)
Depends: libc6, libstdc++6
Provides: nodejs-dev
Section: javascript
Priority: optional
Description: Node.js $version (this host's binary) for the newsnotify VM lane
 Stands in for NodeSource's nodejs 20 package on Debian 12.
CONTROL
mkdir -p "$out"
# No compression: 100 MB of node would cost a minute of xz on a shared 2-core machine.
dpkg-deb --root-owner-group -Znone --build "$stage" "$out/nodejs_${version}-0local1_amd64.deb" >/dev/null
echo "$out/nodejs_${version}-0local1_amd64.deb"
