# Sourced by ./custody and ./test: finds a JDK 25 or newer and exports JAVA_HOME.
# Order: JAVA_HOME when it is 25+, then the system's standard JVM directory (/usr/lib/jvm).

custody_java_major() { # prints the feature version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

custody_is_jdk25() { # $1 = a JDK home; true when it has java and javac of version 25+
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  local major
  major=$(custody_java_major "$1/bin/java")
  [ -n "$major" ] && [ "$major" -ge 25 ]
}

custody_use_jdk25() {
  if [ -n "${JAVA_HOME:-}" ] && custody_is_jdk25 "$JAVA_HOME"; then
    export JAVA_HOME
    return 0
  fi
  local candidate
  for candidate in /usr/lib/jvm/*; do
    if custody_is_jdk25 "$candidate"; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  {
    echo "custody: no JDK 25 found."
    [ -n "${JAVA_HOME:-}" ] && echo "  JAVA_HOME=$JAVA_HOME is not a JDK 25 or newer."
    echo "  Looked in JAVA_HOME and /usr/lib/jvm/*."
    echo "  Install one (for example Temurin 25: 'apt-get install temurin-25-jdk' from the Adoptium"
    echo "  repository, or 'openjdk-25-jdk' where Debian has it) or set JAVA_HOME to a JDK 25."
  } >&2
  return 1
}

custody_require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "custody: Maven (mvn) is not installed; on Debian: apt-get install maven" >&2
    return 1
  fi
  # Maven's own Guava calls sun.misc.Unsafe; keep JDK 25 quiet about it.
  export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
}
