#!/usr/bin/env bash
# test-deps.sh installs what `make test` needs beyond Go, on Debian, when it is missing:
#   openssh-server  executors/sshexec tests start a real sshd
#   prometheus      the metrics tests lint a scrape with its promtool
# Run by `make test` and `.ci/run`. Without root or apt-get it only says what is missing (the tests that need
# it then fail and name the package).
set -euo pipefail

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ ${#need[@]} -gt 0 ] || exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "test-deps: missing ${need[*]}; install them (Debian: apt-get install ${need[*]}) or the tests that need them fail" >&2
	exit 0
fi
echo "test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${need[@]}" >&2 ||
	{ apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${need[@]}" >&2; }
