#!/bin/sh
# capture-fixtures.sh - post fixtures/articles/src/*.txt to the local innd and copy the files it stored,
# byte for byte, to fixtures/articles/<name>.wire; captured.tsv records where each was filed.
#
# USAGE: sudo scripts/capture-fixtures.sh        (innd running on 127.0.0.1:119, tradspool, wireformat)
#
# Notes:
# - Sources are plain text as a user writes them (LF line ends, any charset). Placeholders:
#   @RUN@ unique per run (innd refuses a Message-ID it has seen before), @DATE_GMT@ and @DATE_EST@
#   the current time with an obsolete zone name (innd refuses articles older than artcutoff).
# - Sources starting with "Path:" are fed as a peer with rnews, so innd takes what nnrpd refuses
#   (raw non-UTF-8 header bytes); the others are posted with inews, like a newsreader.
# - Missing groups (from the sources' Newsgroups) are created with ctlinnd newgroup.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
src="$root/fixtures/articles/src"
out="$root/fixtures/articles"
bin=/usr/lib/news/bin
spool=$("$bin/innconfval" patharticles)
active=$("$bin/innconfval" pathdb)/active
export LC_ALL=C

[ "$(id -u)" = 0 ] || { echo "capture-fixtures: run as root (rnews runs as news, ctlinnd needs rights)" >&2; exit 1; }

for g in $(sed -n 's/^Newsgroups: *//p' "$src"/*.txt | tr ',' '\n' | sort -u); do
  grep -q "^$g " "$active" || "$bin/ctlinnd" newgroup "$g" y >/dev/null
done

run=$(date -u +%Y%m%d%H%M%S).$$
date_gmt=$(date -u '+%a, %d %b %Y %H:%M:%S GMT')
date_est=$(TZ=EST5 date '+%a, %d %b %Y %H:%M:%S EST')
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
tsv="$out/captured.tsv"
printf 'name\tgroup\tnumber\n' >"$tsv"

for f in "$src"/*.txt; do
  name=$(basename "$f" .txt)
  sed -e "s/@RUN@/$run/g" -e "s/@DATE_GMT@/$date_gmt/" -e "s/@DATE_EST@/$date_est/" "$f" >"$tmp"
  chmod 644 "$tmp"
  id=$(sed -n 's/^Message-ID: *//p' "$tmp" | head -n 1)
  if head -n 1 "$tmp" | grep -q '^Path:'; then
    su news -s /bin/sh -c "$bin/rnews -N -r localhost" <"$tmp"
  else
    inews -h <"$tmp"
  fi

  # innd writes the file before it answers, but allow a moment; a complete file ends with CRLF . CRLF
  stored=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    stored=$(grep -rlF -- "Message-ID: $id" "$spool" | head -n 1 || true)
    [ -n "$stored" ] && [ "$(tail -c 5 "$stored" | od -An -c | tr -d ' ')" = '\r\n.\r\n' ] && break
    stored=""
    sleep 1
  done
  [ -n "$stored" ] || { echo "capture-fixtures: $name ($id) not found in $spool" >&2; exit 1; }

  # The first Xref entry is the file innd created; the others are hard links to it.
  first=$(sed -n 's/^Xref: [^ ]* \([^ ]*\).*/\1/p' "$stored" | head -n 1 | tr -d '\r')
  group=${first%:*}
  number=${first##*:}
  cp "$spool/$(echo "$group" | tr . /)/$number" "$out/$name.wire"
  printf '%s\t%s\t%s\n' "$name" "$group" "$number" >>"$tsv"
  echo "$name -> $group:$number"
done
