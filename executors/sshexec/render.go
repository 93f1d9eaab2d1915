package sshexec

import "strings"

// quote returns s as one single-quoted shell word. Each single quote inside s
// becomes quote, backslash, quote, quote (close the quoted part, an escaped
// quote, reopen), which is how Heketi quotes commands for /bin/bash -c
// (facts 7.1):
//
//	it's  ->  'it'\''s'
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// heketiLine renders cmd the way Heketi sends it over SSH:
//
//	/bin/bash -c '<cmd>'
//
// and, with sudo, `/bin/bash -c 'sudo <cmd>'`. As in Heketi, sudo applies to the
// first simple command of cmd only.
func heketiLine(cmd string, sudo bool) string {
	if sudo {
		cmd = "sudo " + cmd
	}
	return "/bin/bash -c " + quote(cmd)
}

// watchdog is a bash script that runs its arguments as a command and makes sure
// the command dies with the SSH session.
//
// OpenSSH runs a command without a pty in a new session (setsid), so the command,
// its children and this script share one process group. sshd (7.9 and later)
// answers a "signal" request with killpg on that group, but older servers ignore
// the request, and closing a session that has no pty only closes pipes: a
// `sleep 30` that writes nothing would outlive it. So the script keeps the
// session's stdin (fd 3) in a background reader; the client holds stdin open for
// as long as it wants the command to live. When stdin reaches end of file (the
// client closed the session, gave up on a timeout, or the connection died), the
// reader kills the whole process group. When the command ends by itself the
// script stops the reader first and exits with the command's status.
//
// The command itself gets /dev/null as stdin so it cannot eat the watchdog's
// input. The watchdog's bash runs with --norc: bash started by sshd otherwise
// reads ~/.bashrc even without a terminal, and the login shell already did. The script holds no single quote, so it quotes trivially.
const watchdog = `exec 3<&0
"$@" </dev/null & c=$!
{ read -r _; kill -KILL 0; } <&3 >/dev/null 2>&1 & w=$!
exec 3<&-
wait "$c"; s=$?
kill "$w" 2>/dev/null
exit "$s"`

// execLine is the string sent in the SSH "exec" request for cmd: the Heketi
// line of heketiLine, run under the watchdog. The remote login shell parses it;
// the watchdog then runs `/bin/bash -c <cmd>` with the same argument words the
// Heketi line has, so the command sees exactly what it would see under Heketi.
func execLine(cmd string, sudo bool) string {
	return "exec /bin/bash --norc -c " + quote(watchdog) + " basalt-watchdog " + heketiLine(cmd, sudo)
}
