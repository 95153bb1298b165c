#!/usr/bin/env bash
# The consumer check: installs the library (and the build's parent pom) into the local Maven
# repository, checks that tests/consumer holds the README's usage example unchanged, then builds
# and runs the consumer project, whose only dependency is dev.zerocopy:native-zerocopy, offline.
#
#   bash tests/consumer/run.sh          (from anywhere; about a minute after a build)
set -euo pipefail
cd "$(dirname "$0")/../.."

mvn -B -q -pl java -am install -DskipTests

# The README's block under "## Using it", with the two names the consumer gives a real file and port.
readme=$(awk '/^## Using it/{u=1} u&&/^```java/{b=1;next} b&&/^```/{exit} b' README.md \
  | sed -e 's/Path\.of("video\.mp4")/videoFile/' -e 's/8080/port/')
consumer=$(awk '/README:begin/{b=1;next} /README:end/{exit} b' tests/consumer/src/main/java/example/ReadmeExample.java \
  | sed -e 's/^        //')
if [ "$readme" != "$consumer" ]; then
  echo "tests/consumer/src/main/java/example/ReadmeExample.java no longer holds the README's example:" >&2
  diff <(echo "$readme") <(echo "$consumer") >&2 || true
  exit 1
fi

mvn -B -q -o -f tests/consumer/pom.xml verify
