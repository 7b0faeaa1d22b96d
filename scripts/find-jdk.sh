# Sourced by ./vmfs and ./build: sets JAVA_HOME to a JDK 25 or exits with what to install.
java_version() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }

find_jdk25() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/javac" && "$(java_version "$JAVA_HOME")" == 25 ]]; then
    echo "$JAVA_HOME"; return
  fi
  local candidate
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /opt/java/*25* /usr/local/*jdk*25*; do
    if [[ -x "$candidate/bin/javac" && "$(java_version "$candidate")" == 25 ]]; then
      echo "$candidate"; return
    fi
  done
  if command -v javac >/dev/null; then
    candidate="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
    if [[ "$(java_version "$candidate")" == 25 ]]; then echo "$candidate"; return; fi
  fi
  echo "vmfs: no JDK 25 found (looked at \$JAVA_HOME, /usr/lib/jvm and the PATH)." >&2
  echo "vmfs: install one (e.g. Temurin 25, package temurin-25-jdk) or set JAVA_HOME to a JDK 25." >&2
  return 1
}

JAVA_HOME="$(find_jdk25)" || exit 1
export JAVA_HOME
