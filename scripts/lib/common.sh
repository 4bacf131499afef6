# Shared by scripts/sim, scripts/cluster and scripts/submit: paths, Spark's Java 17 flags (read from the one
# place they are defined, pom.xml) and the environment every Spark JVM of ours needs.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
target="$root/sim/target"
spark_home="$root/target/spark-home"
jvm_flags=$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$root/pom.xml")
# The throughput collector, unless PARASIM_JAVA_OPTS picks a collector: a sweep's evaluation allocates about 1 GB/s per
# core of short-lived objects, and under G1 (the JVM's default) the million-candidate sweep ran at 15,232-17,386
# plans/s/core on 1 core and 1.40-1.56x that on 2; under ParallelGC at 18,101-25,381 and 1.66-1.78x (`sim bench sweep`,
# interleaved runs, 2026-12-07), and a cold bundled sweep took 6.1 s instead of 7.2 s (five interleaved pairs).
gc_flags="-XX:+UseParallelGC"
case " ${PARASIM_JAVA_OPTS:-} " in *" -XX:+Use"*"GC "*) gc_flags="" ;; esac
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
export SPARK_SCALA_VERSION=2.13

# newer_sources FILE: true when FILE is missing or any source or pom is newer than it.
newer_sources() {
  [ ! -f "$1" ] && return 0
  [ -n "$(find "$root/sim/src/main" "$root/seeds/questions.yaml" "$root/pom.xml" "$root/sim/pom.xml" -newer "$1" -print -quit)" ]
}

# build WHAT LOG MVN-ARGS…: runs Maven quietly into LOG; on failure prints the log and exits 1.
build() {
  local what="$1" log="$2"; shift 2
  echo "${0##*/}: building $what…" >&2
  mkdir -p "$(dirname "$log")"
  if ! (cd "$root" && mvn -B -Dstyle.color=never "$@") > "$log" 2>&1; then
    cat "$log" >&2
    echo "${0##*/}: building $what failed (log above, also in $log)" >&2
    exit 1
  fi
}

# ensure_spark_home: target/spark-home with Spark's jars from Maven Central and our log4j2.properties.
ensure_spark_home() {
  if [ ! -f "$spark_home/jars/.complete" ]; then
    rm -rf "$spark_home"
    build "a Spark home from Maven Central jars" "$root/target/spark-home.log" -f scripts/spark-home.pom.xml \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$spark_home/jars"
    touch "$spark_home/jars/.complete"
  fi
  mkdir -p "$spark_home/conf"
  cp "$root/sim/src/main/resources/log4j2.properties" "$spark_home/conf/log4j2.properties"
  export SPARK_HOME="$spark_home"
}

# ensure_submit_jar: sim/target/parasim-sim-<v>-submit.jar (Spark provided, everything else inside).
submit_jar="$target/parasim-sim-0.1.0-submit.jar"
ensure_submit_jar() {
  if newer_sources "$submit_jar"; then
    # Only the simulator: the kernel module needs Spark on its compile path, which the submit profile leaves out.
    build "the spark-submit jar" "$target/build-submit.log" -Psubmit -DskipTests -pl sim package
  fi
}
