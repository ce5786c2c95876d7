#!/usr/bin/env bash
# Start/stop a REAL Neo4j 5.26 LTS server (Community, Bolt only, auth enabled)
# for tests and CI, built from Neo4j's own artifacts on Maven Central
# (org.neo4j.test:neo4j-harness, pinned in scripts/neo4j/pom.xml).
#
# Usage: scripts/neo4j-server.sh start|stop|status|wait
#
#   start   resolve classpath (cached), launch the JVM in the background, block
#           until Bolt answers (no-op if already running and answering)
#   stop    SIGTERM, SIGKILL after a grace period; delete the database files
#   status  exit 0 iff the server is running and answering on its port
#   wait    block until the server (started by `start`) answers, or fail
#
# Environment (all optional):
#   NEO4J_BOLT_PORT       Bolt port on 127.0.0.1                      [7687]
#   NEO4J_PASSWORD        password for user "neo4j"                   [orgmind-test]
#   ORGMIND_NEO4J_DIR     cache/state dir (classpath, classes, log, pid)
#                                                  [$HOME/.cache/orgmind/neo4j]
#   NEO4J_START_TIMEOUT   seconds to wait for Bolt on start/wait      [180]
#   NEO4J_STOP_GRACE      seconds between SIGTERM and SIGKILL         [30]
#   NEO4J_JAVA_OPTS       extra JVM options, appended (e.g. -Xmx4g)   []
#   NEO4J_PAGECACHE_MB    page cache in MiB (the store files it holds) [64]
#   JAVA_HOME / MVN       JDK (17+) to use / Maven command            [PATH / mvn]
#
# See docs/neo4j-for-tests.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POM="$SCRIPT_DIR/neo4j/pom.xml"
SRC="$SCRIPT_DIR/neo4j/Neo4jServer.java"

STATE_DIR="${ORGMIND_NEO4J_DIR:-$HOME/.cache/orgmind/neo4j}"
PORT="${NEO4J_BOLT_PORT:-7687}"
PASSWORD="${NEO4J_PASSWORD:-orgmind-test}"
START_TIMEOUT="${NEO4J_START_TIMEOUT:-180}"
STOP_GRACE="${NEO4J_STOP_GRACE:-30}"
MVN="${MVN:-mvn}"
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
  JAVAC="$JAVA_HOME/bin/javac"
  [[ -x "$JAVAC" ]] || JAVAC=""
else
  JAVA="$(command -v java || true)"
  JAVAC="$(command -v javac || true)"
fi

# Per-port state so several servers (different ports) can coexist.
PID_FILE="$STATE_DIR/neo4j-$PORT.pid"
LOG_FILE="$STATE_DIR/neo4j-$PORT.log"
WORKDIR_FILE="$STATE_DIR/neo4j-$PORT.workdir"
LOCK_FILE="$STATE_DIR/neo4j-$PORT.lock"

log() { echo "neo4j-server: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ "$PORT" =~ ^[0-9]+$ ]] || die "NEO4J_BOLT_PORT must be a number, got '$PORT'"

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# --- process / port helpers ---------------------------------------------------

port_answers() {
  # TCP connect to 127.0.0.1:$PORT (bash /dev/tcp, no external tools needed).
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

read_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(tr -dc '0-9' <"$PID_FILE")"
  [[ -n "$pid" ]] || return 1
  echo "$pid"
}

# Is $1 alive and really our Neo4jServer JVM (guards against PID reuse)?
is_our_process() {
  local pid="$1"
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r "/proc/$pid/cmdline" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'Neo4jServer' || return 1
  fi
  return 0
}

ready_line_seen() {
  [[ -f "$LOG_FILE" ]] && grep -q "^NEO4J READY bolt://127.0.0.1:$PORT\$" "$LOG_FILE"
}

is_up() {
  local pid
  pid="$(read_pid)" || return 1
  is_our_process "$pid" && ready_line_seen && port_answers
}

dump_log() {
  if [[ -f "$LOG_FILE" ]]; then
    log "last 50 lines of $LOG_FILE:"
    tail -n 50 "$LOG_FILE" >&2 || true
  else
    log "(no log file $LOG_FILE)"
  fi
}

# After a failed start: keep Neo4j's own debug.log (it lives in the temp workdir,
# which is about to be deleted) next to our log for troubleshooting.
save_debug_log() {
  local wd dbg
  [[ -f "$WORKDIR_FILE" ]] || return 0
  wd="$(cat "$WORKDIR_FILE")"
  dbg="$(find "$wd" -name debug.log -print -quit 2>/dev/null || true)"
  if [[ -n "$dbg" ]]; then
    cp -f -- "$dbg" "$STATE_DIR/neo4j-$PORT.debug.log" 2>/dev/null &&
      log "Neo4j debug log saved to $STATE_DIR/neo4j-$PORT.debug.log"
  fi
  return 0
}

cleanup_workdir() {
  if [[ -f "$WORKDIR_FILE" ]]; then
    local wd
    wd="$(cat "$WORKDIR_FILE")"
    # Only ever delete directories we created (mktemp pattern below).
    if [[ -n "$wd" && "$(basename "$wd")" == orgmind-neo4j.* && -d "$wd" ]]; then
      rm -rf -- "$wd"
    fi
    rm -f -- "$WORKDIR_FILE"
  fi
}

# --- build: classpath + compiled launcher (both cached) ----------------------

resolve_classpath() {
  local key cp_file tmp out
  key="$(hash_of "$POM")"
  cp_file="$STATE_DIR/classpath-$key.txt"
  if [[ -s "$cp_file" ]]; then
    # Reuse unless a jar vanished (e.g. ~/.m2 was cleaned).
    local missing=0 jar
    IFS=':' read -r -a jars <"$cp_file"
    for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { missing=1; break; }; done
    if [[ "$missing" == 0 ]]; then echo "$cp_file"; return 0; fi
    log "cached classpath refers to missing jars; re-resolving"
  fi
  command -v "$MVN" >/dev/null || die "Maven ('$MVN') not found; needed once to fetch neo4j-harness"
  log "resolving neo4j-harness classpath with Maven (first run downloads ~175 MB to ~/.m2)..."
  tmp="$cp_file.tmp.$$"
  out="$STATE_DIR/mvn-$key.out"
  if ! "$MVN" -B -q -f "$POM" dependency:build-classpath \
      -Dmdep.includeScope=runtime -Dmdep.outputFile="$tmp" >"$out" 2>&1; then
    tail -n 50 "$out" >&2 || true
    rm -f -- "$tmp"
    die "Maven failed to resolve the classpath (full output: $out)"
  fi
  [[ -s "$tmp" ]] || die "Maven produced an empty classpath"
  mv -f -- "$tmp" "$cp_file"
  rm -f -- "$out"
  # Drop classpath files of older pom versions.
  find "$STATE_DIR" -maxdepth 1 -name 'classpath-*.txt' ! -name "classpath-$key.txt" -delete
  echo "$cp_file"
}

# Prints the java arguments that select the main class (compiled class dir, or
# the single-file source launcher when no javac is available).
prepare_launcher() {
  local cp="$1" key cls tmp
  if [[ -z "$JAVAC" ]]; then
    LAUNCH_CP="$cp"
    LAUNCH_MAIN=("$SRC")
    return 0
  fi
  key="$(hash_of "$POM" "$SRC")"
  cls="$STATE_DIR/classes-$key"
  if [[ ! -f "$cls/Neo4jServer.class" ]]; then
    tmp="$cls.tmp.$$"
    rm -rf -- "$tmp"
    mkdir -p "$tmp"
    "$JAVAC" -nowarn -cp "$cp" -d "$tmp" "$SRC" || { rm -rf -- "$tmp"; die "javac failed for $SRC"; }
    rm -rf -- "$cls"
    mv -f -- "$tmp" "$cls"
    # Drop launcher builds of older pom/source versions.
    find "$STATE_DIR" -maxdepth 1 -type d -name 'classes-*' ! -name "classes-$key" ! -name '*.tmp.*' \
      -exec rm -rf -- {} +
  fi
  LAUNCH_CP="$cls:$cp"
  LAUNCH_MAIN=(Neo4jServer)
}

# --- wait loop ----------------------------------------------------------------

# Liveness only via kill -0: right after `nohup ... &` the child may not have
# exec'd java yet, so its cmdline would not match is_our_process.
wait_until_up() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "Neo4j process $pid exited before becoming ready"
      dump_log
      return 1
    fi
    if ready_line_seen && port_answers; then
      return 0
    fi
    sleep 0.5
  done
  log "timed out after ${START_TIMEOUT}s waiting for Bolt on 127.0.0.1:$PORT"
  dump_log
  return 1
}

# --- commands -----------------------------------------------------------------

cmd_start() {
  local pid
  if pid="$(read_pid)" && is_our_process "$pid"; then
    if ready_line_seen && port_answers; then
      log "already running (pid $pid) on bolt://127.0.0.1:$PORT"
      return 0
    fi
    # Started but not ready yet (e.g. concurrent start): just wait for it.
    log "already starting (pid $pid); waiting"
    if ! wait_until_up "$pid"; then
      stop_pid "$pid"
      save_debug_log
      rm -f -- "$PID_FILE"
      cleanup_workdir
      exit 1
    fi
    return 0
  fi
  # Stale state from a crashed/killed run.
  rm -f -- "$PID_FILE"
  cleanup_workdir

  if port_answers; then
    die "port $PORT on 127.0.0.1 is already in use by another process (set NEO4J_BOLT_PORT)"
  fi
  [[ -n "$JAVA" ]] || die "java not found (need JDK 17+; set JAVA_HOME)"

  local cp_file cp started
  cp_file="$(resolve_classpath)"
  cp="$(cat "$cp_file")"
  prepare_launcher "$cp"

  local workdir
  workdir="$(mktemp -d "${TMPDIR:-/tmp}/orgmind-neo4j.XXXXXXXX")"
  echo "$workdir" >"$WORKDIR_FILE"
  [[ -f "$LOG_FILE" ]] && mv -f -- "$LOG_FILE" "$LOG_FILE.prev"
  rm -f -- "$STATE_DIR/neo4j-$PORT.debug.log"

  local -a jvm_opts=(
    -Xmx1g
    -XX:+ExitOnOutOfMemoryError
    -Dfile.encoding=UTF-8
    -Dlog4j2.disable.jmx=true
    --add-opens java.base/java.nio=ALL-UNNAMED
    --add-opens java.base/java.io=ALL-UNNAMED
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  )
  # shellcheck disable=SC2206  # intentional word splitting of user options
  [[ -n "${NEO4J_JAVA_OPTS:-}" ]] && jvm_opts+=(${NEO4J_JAVA_OPTS})

  started=$SECONDS
  log "starting Neo4j on bolt://127.0.0.1:$PORT (log: $LOG_FILE)"
  # fd 9 (the lock) must not leak into the long-running JVM.
  NEO4J_BOLT_PORT="$PORT" NEO4J_PASSWORD="$PASSWORD" NEO4J_WORK_DIR="$workdir" \
    NEO4J_PAGECACHE_MB="${NEO4J_PAGECACHE_MB:-64}" \
    nohup "$JAVA" "${jvm_opts[@]}" -cp "$LAUNCH_CP" "${LAUNCH_MAIN[@]}" \
    >"$LOG_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"

  if ! wait_until_up "$pid"; then
    stop_pid "$pid" own
    save_debug_log
    rm -f -- "$PID_FILE"
    cleanup_workdir
    exit 1
  fi
  log "ready after $((SECONDS - started))s: bolt://127.0.0.1:$PORT (pid $pid, user neo4j)"
}

# SIGTERM, then SIGKILL after the grace period. Returns once the process is gone.
# $2=own: pid is the child we just launched (skip the cmdline check, see above).
stop_pid() {
  local pid="$1" deadline
  if [[ "${2:-}" == own ]]; then
    kill -0 "$pid" 2>/dev/null || return 0
  else
    is_our_process "$pid" || return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_GRACE))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not exit within ${STOP_GRACE}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
}

cmd_stop() {
  local pid
  if pid="$(read_pid)"; then
    if is_our_process "$pid"; then
      log "stopping pid $pid"
      stop_pid "$pid"
    else
      log "stale pid file (pid $pid not running)"
    fi
  else
    log "not running"
  fi
  rm -f -- "$PID_FILE"
  cleanup_workdir
}

cmd_status() {
  local pid
  if is_up; then
    pid="$(read_pid)"
    echo "running (pid $pid) bolt://127.0.0.1:$PORT"
    return 0
  fi
  if pid="$(read_pid)" && is_our_process "$pid"; then
    echo "starting (pid $pid), not answering yet on 127.0.0.1:$PORT"
  else
    echo "not running"
  fi
  return 1
}

cmd_wait() {
  local pid
  pid="$(read_pid)" || die "not started (no pid file $PID_FILE)"
  wait_until_up "$pid" || exit 1
  echo "running (pid $pid) bolt://127.0.0.1:$PORT"
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    start | stop | status | wait) ;;
    -h | --help | help)
      sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      return 0
      ;;
    *)
      echo "usage: $0 start|stop|status|wait" >&2
      return 2
      ;;
  esac
  mkdir -p "$STATE_DIR"
  if [[ "$cmd" == start || "$cmd" == stop ]]; then
    # Serialise start/stop for the same port.
    exec 9>"$LOCK_FILE"
    if command -v flock >/dev/null; then flock 9; fi
  fi
  "cmd_$cmd"
}

main "$@"
