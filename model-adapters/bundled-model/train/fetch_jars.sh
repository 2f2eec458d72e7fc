#!/usr/bin/env bash
# Fetch Apache-2.0 Java sources jars from Maven Central into scratch/jars.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$HERE/scratch/jars"
mkdir -p "$OUT"
ARTIFACTS=(
  org.apache.commons:commons-lang3:3.14.0
  commons-io:commons-io:2.15.1
  org.apache.commons:commons-collections4:4.4
  org.apache.commons:commons-text:1.11.0
  com.google.guava:guava:33.0.0-jre
)
for a in "${ARTIFACTS[@]}"; do
  IFS=: read -r g art v <<<"$a"
  if ls "$OUT/$art-$v-sources.jar" >/dev/null 2>&1; then continue; fi
  mvn -q -B org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
    -Dartifact="$g:$art:$v:jar:sources" -DoutputDirectory="$OUT"
done
ls -la "$OUT"
