#!/usr/bin/env bats
# ipctool signal: send with a value, wait and report the sender, list.
# Waiters are synchronised on their pidfile, written once the signals are
# blocked, so a signal sent after it appears is never lost.

load helpers

# Wait (at most 5 s) until a pidfile holds a pid; print it.
pidfile_pid() {
	local i
	for i in $(seq 500); do
		if [ -s "$1" ]; then
			cat "$1"
			return 0
		fi
		sleep 0.01
	done
	return 1
}

# Wait for a background pid in this shell (a $(...) subshell cannot wait for
# it) and check its exit status: bg_exits PID STATUS
bg_exits() {
	local rc=0
	wait "$1" || rc=$?
	[ "$rc" = "$2" ] || { echo "pid $1 exited $rc, expected $2" >&2; return 1; }
}

@test "signal wait: prints the signal, the sender's pid and uid, and the value" {
	pf="$TEST_DIR/$(uniq_name pid)"
	bg ipctool signal wait USR1 --pidfile "$pf" >"$TEST_DIR/out"
	pid=$(pidfile_pid "$pf")
	# The sender's pid is the shell's, which becomes ipctool.
	sh -c 'echo $$ >"$1"; exec "$2" signal send "$3" USR1 --value 42' sh \
		"$TEST_DIR/sender" "$IPCTOOL" "$pid"
	bg_exits "$BG_PID" 0
	run cat "$TEST_DIR/out"
	assert_output "SIGUSR1 pid=$(cat "$TEST_DIR/sender") uid=$(id -u) value=42"
	# The pidfile goes with the waiter.
	[ ! -e "$pf" ]
}

@test "signal wait -J -c: real-time signals queue, each with its value" {
	pf="$TEST_DIR/$(uniq_name pid)"
	bg ipctool signal wait RTMIN+1 SIGUSR2 -c 3 -J --pidfile "$pf" >"$TEST_DIR/out"
	pid=$(pidfile_pid "$pf")
	ipctool signal send "$pid" rtmin+1 --value 1
	ipctool signal send "$pid" SIGRTMIN+1 --value -2
	kill -USR2 "$pid"
	bg_exits "$BG_PID" 0
	run jq -c '[.signal, .value, .code, .uid]' "$TEST_DIR/out"
	assert_line "[\"SIGRTMIN+1\",1,\"queue\",$(id -u)]"
	assert_line "[\"SIGRTMIN+1\",-2,\"queue\",$(id -u)]"
	assert_line "[\"SIGUSR2\",null,\"user\",$(id -u)]"
	[ "${#lines[@]}" = 3 ]
	[ "$(jq -s 'map(.pid > 0) | all' "$TEST_DIR/out")" = true ]
}

@test "signal send: names with or without SIG, any case, and numbers" {
	pf="$TEST_DIR/$(uniq_name pid)"
	bg ipctool signal wait USR1 USR2 HUP -c 3 --pidfile "$pf" >"$TEST_DIR/out"
	pid=$(pidfile_pid "$pf")
	ipctool signal send "$pid" SIGUSR1
	ipctool signal send "$pid" "$(kill -l USR2)"
	ipctool signal send "$pid" hup
	bg_exits "$BG_PID" 0
	run cut -d' ' -f1 "$TEST_DIR/out"
	assert_line SIGUSR1
	assert_line SIGUSR2
	assert_line SIGHUP
}

@test "signal wait: times out with 124" {
	run ipctool signal wait USR2 -t 100ms
	assert_failure 124
	assert_output --partial "timed out: no signal arrived within 100ms"
}

@test "signal wait: a pidfile held by a running waiter is refused" {
	pf="$TEST_DIR/$(uniq_name pid)"
	bg ipctool signal wait USR1 --pidfile "$pf"
	pid=$(pidfile_pid "$pf")
	run ipctool signal wait USR1 -t 5s --pidfile "$pf"
	assert_failure 1
	assert_output --partial "cannot use pidfile '$pf': pid $pid holds it"
	ipctool signal send "$pid" USR1
	bg_exits "$BG_PID" 0
}

@test "signal send: a process that does not exist exits 1" {
	nopid=$(( $(cat /proc/sys/kernel/pid_max) + 1 ))
	run ipctool signal send "$nopid" USR1
	assert_failure 1
	assert_output --partial "cannot send SIGUSR1 to pid $nopid: No such process"
}

@test "signal: bad names, pids and values exit 2" {
	run ipctool signal send 1 NOPE
	assert_failure 2
	assert_output --partial "'NOPE' is not a signal"
	run ipctool signal send 1 RTMIN+99
	assert_failure 2
	assert_output --partial "'RTMIN+99'"
	run ipctool signal send self USR1
	assert_failure 2
	assert_output --partial "'self' is not a process ID"
	run ipctool signal send 1 USR1 --value many
	assert_failure 2
	assert_output --partial "'many'"
	run ipctool signal send 1
	assert_failure 2
	run ipctool signal wait KILL
	assert_failure 2
	assert_output --partial "'KILL' cannot be waited for"
	run ipctool signal wait
	assert_failure 2
	run ipctool signal shout
	assert_failure 2
	assert_output --partial "'shout' is not a verb"
}

@test "signal list: every signal with its number, text and JSON" {
	run ipctool signal list
	assert_success
	assert_line --index 0 --regexp '^NAME +NUMBER +ACTION +DESCRIPTION$'
	assert_line --regexp "^SIGUSR1 +$(kill -l USR1) +term +User defined signal 1$"
	assert_line --regexp '^SIGCHLD +[0-9]+ +ignore '
	assert_line --regexp '^SIGRTMAX +[0-9]+ +term '
	run ipctool signal list -J
	assert_success
	[ "$(jq '.signals[] | select(.name == "SIGTERM") | .number' <<<"$output")" = 15 ]
	run ipctool signal list -rn -o NAME
	assert_line --index 0 SIGHUP
}
