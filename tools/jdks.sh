# Sourced by the bench scripts and tools/cpu-matrix.sh: the JDKs to run on, in order, in the
# array jdks, and jdk_version HOME, a JDK's major version. JAVA17_HOME (default: the java on the
# PATH) and JAVA25_HOME (default: /usr/lib/jvm/temurin-25-jdk-amd64) pick them; one that is not
# there is left out, with a note on stderr.
jdks=()
for home in "${JAVA17_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}" \
            "${JAVA25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"; do
  if [ -x "$home/bin/java" ]; then
    jdks+=("$home")
  else
    echo "skipping missing JDK $home" >&2
  fi
done

jdk_version() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}'
}
