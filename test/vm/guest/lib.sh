# guest/lib.sh — helpers shared by the guest scripts (sourced, not run).
#   result STATUS CASE DETAIL...   print one result line for run.sh (STATUS: PASS FAIL INFO SKIP)
#   now / elapsed T0               seconds since boot (float) / seconds since T0, one decimal
#   innd_start / innd_stop         start/stop INN the way PLATFORM.md says works (as user news)
#   post_article FILE              post with inews -h; prints inews output, returns its status

result() {
  local status="$1" name="$2"
  shift 2
  # One physical line per result: run.sh parses line by line.
  printf 'VMRESULT %s %s %s\n' "$status" "$name" "$(printf '%s' "$*" | tr '\n' ' ')"
}

now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

NEWSBIN=/usr/lib/news/bin

innd_ready() {
  # innd greets with "200 ..." (or 201) as soon as it accepts connections.
  timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/119 && read -r line <&3 && [[ $line == 20* ]]' 2>/dev/null
}

innd_start() {
  mkdir -p /run/news
  chown news:news /run/news
  # Output redirected: innwatch keeps inherited pipes open forever (PLATFORM.md).
  su news -s /bin/sh -c "$NEWSBIN/rc.news" >/dev/null 2>&1 </dev/null
  local i
  for i in $(seq 1 120); do
    innd_ready && return 0
    sleep 0.5
  done
  return 1
}

innd_stop() {
  su news -s /bin/sh -c "$NEWSBIN/rc.news stop" >/dev/null 2>&1 </dev/null
  local i
  for i in $(seq 1 60); do
    pgrep -x innd >/dev/null || return 0
    sleep 0.5
  done
  return 1
}

post_article() { timeout 60 inews -h <"$1" 2>&1; }
