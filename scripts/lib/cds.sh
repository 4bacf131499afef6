# Class Data Sharing for scripts/sim (sourced after common.sh, with $jar and $classpath set).
# A cold JVM spends seconds loading and verifying classes (Spark's, for a sweep); JDK 17 can map them from an
# archive instead. One archive per verb (a predict loads a few thousand classes, a sweep tens of thousands),
# under sim/target/cds/, named by a key over the java binary, the JVM flags, the jar's bytes and the classpath,
# so a rebuild or another JDK gets a new archive and never a stale one. The first run of a verb
# writes it (-XX:ArchiveClassesAtExit: that run ends a few seconds later), later runs map it. A missing or
# unusable archive only costs the speed: the JVM then loads classes as usual, and its CDS warnings are off
# (they would go to stdout, inside `--json` output). Off unless PARASIM_CDS=1: measured with `sim bench e2e`
# (interleaved, 3 runs each, load average 5-9) it did not shorten a cold sweep or predict (27.5 s against 27.4 s,
# 2.4 s against 2.2 s), only its CPU seconds under heavy load, while the run writing the sweep's 132 MB archive
# took about 28 s longer.

cds_dir="$target/cds"

# cds_run ARGS…: runs `java … dev.parasim.cli.Main ARGS…` (the command in $java_cmd, an array without Main's
# arguments) with the verb's archive, writing it first if it is missing; exits with Main's code.
cds_run() {
  local verb="${1:-}" key archive
  if [ "${PARASIM_CDS:-0}" != 1 ] || ! [[ "$verb" =~ ^[a-z]+$ ]]; then exec "${java_cmd[@]}" dev.parasim.cli.Main "$@"; fi
  key=$( { readlink -f "$(command -v java)"; echo "$jvm_flags $gc_flags ${run_flags:-} ${PARASIM_JAVA_OPTS:-}"; cat "$jar" "$classpath"; } \
    | sha256sum | cut -c1-16)
  archive="$cds_dir/$verb-$key.jsa"
  local quiet=(-Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off -XX:ErrorFile=/dev/null)
  if [ -f "$archive" ]; then
    exec "${java_cmd[@]:0:1}" "${quiet[@]}" -XX:SharedArchiveFile="$archive" "${java_cmd[@]:1}" dev.parasim.cli.Main "$@"
  fi
  mkdir -p "$cds_dir" 2>/dev/null || exec "${java_cmd[@]}" dev.parasim.cli.Main "$@"
  local tmp="$archive.$$.tmp" code=0
  trap 'rm -f "$tmp"' EXIT
  "${java_cmd[@]:0:1}" "${quiet[@]}" -XX:ArchiveClassesAtExit="$tmp" "${java_cmd[@]:1}" dev.parasim.cli.Main "$@" || code=$?
  # Kept only when the run succeeded and the JVM maps the archive (-Xshare:on fails on a truncated or unusable one).
  if [ "$code" = 0 ] && [ -s "$tmp" ] && "${java_cmd[@]:0:1}" -Xshare:on -Xlog:cds=off -Xlog:cds+dynamic=off -XX:ErrorFile=/dev/null \
      -XX:SharedArchiveFile="$tmp" "${java_cmd[@]:1}" -version > /dev/null 2>&1; then
    find "$cds_dir" -maxdepth 1 -name "$verb-*.jsa" ! -name "${archive##*/}" -delete 2>/dev/null || true
    mv -f "$tmp" "$archive" 2>/dev/null || true
  fi
  exit "$code"
}
