#!/usr/bin/env bash
# build-deb.sh — the Debian package: newsnotify_<version>_all.deb, built with dpkg-deb.
#
# USAGE: scripts/build-deb.sh [OUTDIR]     (default: build/; prints the .deb's path on the last line)
#        LINTIAN=1 scripts/build-deb.sh    also run lintian on it (fails on any error or warning)
#
# Contents: /usr/lib/newsnotify/{newsnotify.js,parse-thread-main.js,trace.bt,package.json} (the CLI
# bundled into one file by scripts/bundle.mjs, the parse thread's entry, the bpftrace template it
# reads from beside itself, and {"type": "module"} for node 18), /usr/bin/newsnotify,
# the systemd unit (contrib/systemd/newsnotify.service), /etc/newsnotify/newsnotify.yaml (conffile,
# 0640, works as shipped: stdout notifier), /var/lib/newsnotify (0700), man page, docs, and
# /usr/libexec/newsnotify/bpftrace (contrib/sudo/newsnotify-bpftrace: the wrapper sudoers names), and in
# /usr/share/doc/newsnotify the README and docs/ with what they link to (scripts/doc-links.mjs).
# Depends: nodejs (>= 18.20: Debian 12's, tested there and on Debian 13's 20), bpftrace; Recommends:
# inn2. Architecture: all (nothing compiled).
#
# Why dpkg-deb and not debhelper: the package is one JavaScript file, a template, a unit and a
# config; there is nothing to configure, compile, strip or link, so debhelper's sequence would add a
# source package (debian/rules, debian/changelog, build-dependencies) and only its systemd
# maintainer-script snippets, which packaging/deb/{postinst,prerm,postrm} carry as written by
# dh_installsystemd. Needs only dpkg-deb (in dpkg, always installed), node and the npm dependencies.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/build}
pkg=$here/packaging/deb

log() { printf '[build-deb] %s\n' "$*" >&2; }
command -v dpkg-deb >/dev/null || { log "dpkg-deb is missing (apt-get install dpkg)"; exit 1; }
[ -d "$here/node_modules/esbuild" ] || { log "no node_modules/esbuild: run npm ci first"; exit 1; }

version=$(node -p 'require(process.argv[1]).version' "$here/package.json")
# The Maintainer field: $NEWSNOTIFY_MAINTAINER, else the author of the commit it is built from.
maintainer=${NEWSNOTIFY_MAINTAINER:-$(git -C "$here" log -1 --format='%an <%ae>' 2>/dev/null || true)}
[ -n "$maintainer" ] || { log "set NEWSNOTIFY_MAINTAINER='Name <email>' (no git history here)"; exit 1; }
# Reproducible: every file's time is the last commit's (or now, outside a git checkout).
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)}

mkdir -p "$out"
stage=$(mktemp -d "$out/stage.XXXXXX")
trap 'rm -rf --one-file-system "$stage"' EXIT
root=$stage/root
umask 022

install -d "$root/usr/lib/newsnotify" "$root/usr/bin" "$root/usr/lib/systemd/system" \
  "$root/usr/share/doc/newsnotify/docs" "$root/usr/share/man/man1" "$root/etc/newsnotify" \
  "$root/DEBIAN"
install -d -m 0700 "$root/var/lib/newsnotify"

log "bundling the CLI (esbuild)"
node "$here/scripts/bundle.mjs" "$root/usr/lib/newsnotify/newsnotify.js" "$stage/bundled.txt" >&2
chmod 0755 "$root/usr/lib/newsnotify/newsnotify.js"
chmod 0644 "$root/usr/lib/newsnotify/parse-thread-main.js" # the parse thread's entry, not a command
# Both files are ES modules named .js: node 18 (Debian 12's) loads such a file as CommonJS unless a
# package.json in reach says "type": "module" (node >= 20.19 guesses from the syntax instead).
printf '{ "type": "module" }\n' >"$root/usr/lib/newsnotify/package.json"
chmod 0644 "$root/usr/lib/newsnotify/package.json"
# A template, never run as is: without its #! line it is not mistaken for a script (lintian).
sed '1{/^#!/d}' "$here/scripts/trace.bt" >"$root/usr/lib/newsnotify/trace.bt"
chmod 0644 "$root/usr/lib/newsnotify/trace.bt"
ln -s ../lib/newsnotify/newsnotify.js "$root/usr/bin/newsnotify"
install -m 0644 "$here/contrib/systemd/newsnotify.service" "$root/usr/lib/systemd/system/"
# For running newsnotify unprivileged: sudoers names this, never bpftrace itself (README).
install -D -m 0755 "$here/contrib/sudo/newsnotify-bpftrace" "$root/usr/libexec/newsnotify/bpftrace"
install -m 0640 "$pkg/newsnotify.yaml" "$root/etc/newsnotify/newsnotify.yaml"

sed "s/@VERSION@/$version/" "$pkg/newsnotify.1" | gzip -9n >"$root/usr/share/man/man1/newsnotify.1.gz"
# README.md, docs/*.md and every file they link to (bench results, plots), at their paths in the
# repository and uncompressed, so that each relative link works from /usr/share/doc/newsnotify as
# it does on the web (a link to docs/bench.md finds no docs/bench.md.gz).
(cd "$here" && node scripts/doc-links.mjs ship README.md docs/*.md) | while IFS= read -r doc; do
  install -D -m 0644 "$here/$doc" "$root/usr/share/doc/newsnotify/$doc"
done
{
  echo "newsnotify ($version) unstable; urgency=medium"
  echo
  echo "  * Built from $(git -C "$here" describe --always --dirty 2>/dev/null || echo 'a source tree') by scripts/build-deb.sh."
  echo
  echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$root/usr/share/doc/newsnotify/changelog.gz"
{
  cat <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: newsnotify
Comment: /usr/lib/newsnotify/newsnotify.js is newsnotify's own code bundled by esbuild together
 with the npm packages listed below (name, version, license); their license texts that ship as
 comments are kept at the end of that file.
 .
$(sed 's/^/ /' "$stage/bundled.txt")

Files: *
Copyright: 2026 newsnotify contributors
License: Expat

License: Expat
 Permission is hereby granted, free of charge, to any person obtaining a copy
 of this software and associated documentation files (the "Software"), to deal
 in the Software without restriction, including without limitation the rights
 to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
 copies of the Software, and to permit persons to whom the Software is
 furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included in
 all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
 SOFTWARE.
COPYRIGHT
} >"$root/usr/share/doc/newsnotify/copyright"

install -m 0755 "$pkg/postinst" "$pkg/prerm" "$pkg/postrm" "$root/DEBIAN/"
echo /etc/newsnotify/newsnotify.yaml >"$root/DEBIAN/conffiles"
install -d "$root/usr/share/lintian/overrides"
# An override of a tag the building machine's lintian does not know is left out: Debian 13's lintian
# (2.122) no longer has package-supports-alternative-init-but-no-init.d-script, which Debian 12's
# (2.116) still warns about, and it calls an override of an unknown tag an error (alien-tag).
while IFS= read -r line; do
  case $line in
    "newsnotify: "*)
      tag=${line#newsnotify: }
      tag=${tag%% *}
      if command -v lintian-explain-tags >/dev/null && ! lintian-explain-tags "$tag" >/dev/null 2>&1; then
        log "lintian override for $tag left out: this lintian does not know the tag"
        continue
      fi
      ;;
  esac
  printf '%s\n' "$line"
done <"$pkg/lintian-overrides" >"$root/usr/share/lintian/overrides/newsnotify"
chmod 0644 "$root/usr/share/lintian/overrides/newsnotify"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s|@MAINTAINER@|$maintainer|" -e "s/@SIZE@/$size/" \
  "$pkg/control" >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum |
  sed 's|  \./|  |') >"$root/DEBIAN/md5sums"
find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

deb=$out/newsnotify_${version}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
if [ "${LINTIAN:-0}" = 1 ]; then
  command -v lintian >/dev/null || { log "lintian is missing (apt-get install lintian)"; exit 1; }
  log "lintian $deb"
  lintian --info --display-info --fail-on error,warning "$deb" >&2
fi
log "built $deb ($(du -k "$deb" | cut -f1) KB)"
echo "$deb"
