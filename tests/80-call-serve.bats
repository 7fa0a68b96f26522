#!/usr/bin/env bats
# ipctool call and serve on stream sockets: conversations both ways at once,
# half-close, a command per connection with the UCSPI variables, -j, the
# stop on SIGTERM, and the usage errors; on message sockets (seqpacket,
# dgram, udp): a command per message, its output the reply.

load helpers

# serve in the background with its stderr in $TEST_DIR/serve.log; short
# --grace, so that teardown does not wait for commands that never end.
serve_bg() {
	bg ipctool serve --grace 200ms "$@" 2>>"$TEST_DIR/serve.log"
}

@test "serve cat and call: a round trip on unix:PATH, unix:@NAME and tcp:" {
	local port
	port=$(free_port)
	serve_bg "unix:$TEST_DIR/s" cat
	serve_bg "unix:@$(uniq_name echo)" cat
	serve_bg "tcp:127.0.0.1:$port" cat
	for ep in "unix:$TEST_DIR/s" "unix:@$(uniq_name echo)" "tcp:127.0.0.1:$port"; do
		run ipctool call --wait=10s "$ep" <<<"ping"
		assert_success
		assert_output "ping"
		run ipctool call "$ep" alpha beta
		assert_success
		assert_output $'alpha\nbeta'
	done
	run ipctool call -0 "unix:$TEST_DIR/s" a b
	assert_success
	[ "$output" = "$(printf 'a\0b\0')" ]
}

@test "call moves 20 MiB both ways through serve cat without deadlock, byte for byte" {
	random_file "$TEST_DIR/in" 20M
	serve_bg "unix:$TEST_DIR/s" cat
	ipctool call --wait=10s -t 60s "unix:$TEST_DIR/s" <"$TEST_DIR/in" >"$TEST_DIR/out"
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
}

@test "call half-closes when input ends: serve wc -c reads EOF and answers" {
	random_file "$TEST_DIR/in" 100K
	serve_bg "unix:$TEST_DIR/s" -- wc -c
	run ipctool call --wait=10s -t 30s "unix:$TEST_DIR/s" <"$TEST_DIR/in"
	assert_success
	assert_output "102400"
}

@test "serve gives each command the UCSPI variables, replacing inherited ones" {
	local port
	port=$(free_port)
	PROTO=bogus IPCREMOTEEUID=bogus serve_bg "unix:$TEST_DIR/s" \
		sh -c 'echo "$PROTO $IPCREMOTEEUID $IPCREMOTEEGID $IPCLOCALPATH [$IPCREMOTEPATH]"; echo "$IPCREMOTEPID"'
	run ipctool call --wait=10s "unix:$TEST_DIR/s" </dev/null
	assert_success
	assert_line --index 0 "IPC $(id -u) $(id -g) $TEST_DIR/s []"
	assert_line --index 1 --regexp '^[1-9][0-9]*$'
	serve_bg "unix:@$(uniq_name env)" sh -c 'echo "$IPCLOCALPATH"'
	run ipctool call --wait=10s "unix:@$(uniq_name env)" </dev/null
	assert_success
	assert_output "@$(uniq_name env)"
	serve_bg "tcp:127.0.0.1:$port" sh -c 'echo "$PROTO $TCPLOCALIP $TCPLOCALPORT $TCPREMOTEIP $TCPREMOTEPORT"'
	run ipctool call --wait=10s "tcp:127.0.0.1:$port" </dev/null
	assert_success
	assert_output --regexp "^TCP 127\.0\.0\.1 $port 127\.0\.0\.1 [1-9][0-9]*\$"
}

@test "serve -j 1 serves a second client after the first, never refusing it" {
	mkfifo "$TEST_DIR/hold"
	serve_bg -j 1 -v "unix:$TEST_DIR/s" \
		sh -c 'echo x >>"$0"; read -r l; echo "got $l"' "$TEST_DIR/started"
	exec 5<>"$TEST_DIR/hold"
	ipctool call --wait=10s "unix:$TEST_DIR/s" <"$TEST_DIR/hold" >"$TEST_DIR/one" 3>&- &
	local first=$!
	wait_for_nonempty "$TEST_DIR/started"
	echo two | ipctool call "unix:$TEST_DIR/s" >"$TEST_DIR/two" 3>&- &
	local second=$!
	# The second is connected (in the backlog) but its command has not run.
	sleep 0.3
	kill -0 "$second"
	[ "$(wc -l <"$TEST_DIR/started")" -eq 1 ]
	echo one >&5
	exec 5>&-
	bg_exits "$first" 0
	bg_exits "$second" 0
	[ "$(cat "$TEST_DIR/one")" = "got one" ]
	[ "$(cat "$TEST_DIR/two")" = "got two" ]
	[ "$(wc -l <"$TEST_DIR/started")" -eq 2 ]
	run grep -c "command pid [0-9]* exited 0 after" "$TEST_DIR/serve.log"
	assert_output 2
}

@test "a COMMAND that does not exist is logged, its peer closed, and serve goes on" {
	serve_bg "unix:$TEST_DIR/s" "$(uniq_name nosuchcmd)"
	local pid=$BG_PID
	run ipctool call --wait=10s "unix:$TEST_DIR/s" </dev/null
	assert_success
	assert_output ""
	run ipctool call "unix:$TEST_DIR/s" </dev/null
	assert_success
	kill -0 "$pid"
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "cannot run '$(uniq_name nosuchcmd)': No such file or directory"
}

@test "SIGTERM: serve stops, removes its socket file, waits for its commands, exits 0" {
	serve_bg "unix:$TEST_DIR/s" cat
	local pid=$BG_PID
	run ipctool call --wait=10s "unix:$TEST_DIR/s" hi
	assert_success
	[ -S "$TEST_DIR/s" ]
	kill -TERM "$pid"
	bg_exits "$pid" 0
	assert_not_exists "$TEST_DIR/s"
	# A command still running gets --grace, then SIGTERM.
	serve_bg -v "unix:$TEST_DIR/t" sleep 100
	pid=$BG_PID
	ipctool call --wait=10s -q 0 "unix:$TEST_DIR/t" </dev/null
	local i
	for i in $(seq 2000); do pgrep -P "$pid" >/dev/null && break; sleep 0.005; done
	kill -TERM "$pid"
	bg_exits "$pid" 0
	assert_not_exists "$TEST_DIR/t"
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "killed by signal 15"
}

@test "an abstract serve takes only its own user; --allow-uid lets nobody in" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody"
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	local name nobody
	name=$(uniq_name who)
	nobody=$(id -u nobody)
	serve_bg -v "unix:@$name" sh -c 'echo "$IPCREMOTEEUID"'
	run ipctool call --wait=10s "unix:@$name" </dev/null
	assert_output "0"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$IPCTOOL" call "unix:@$name" </dev/null
	assert_success
	assert_output ""
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "refused a peer of uid $nobody"
	serve_bg --allow-uid nobody "unix:@$name.2" sh -c 'echo "$IPCREMOTEEUID"'
	run ipctool call --wait=10s "unix:@$name.2" </dev/null
	assert_output "0"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$IPCTOOL" call "unix:@$name.2" </dev/null
	assert_success
	assert_output "$nobody"
}

@test "call -t: nothing moving either way for DURATION exits 124" {
	serve_bg "unix:$TEST_DIR/s" sleep 100
	run ipctool call --wait=10s -t 300ms "unix:$TEST_DIR/s" </dev/null
	assert_failure 124
	assert_output --partial "timed out: nothing arrived on 'unix:$TEST_DIR/s' within 300ms"
}

@test "call -q: a peer that never closes is left DURATION after input ends, exit 0" {
	serve_bg "unix:$TEST_DIR/s" sh -c 'read -r l; echo "got $l"; exec sleep 100'
	run ipctool call --wait=10s -q 1s "unix:$TEST_DIR/s" <<<"x"
	assert_success
	assert_output "got x"
}

@test "call --no-half-close: the peer sees the end only at close" {
	# head -n1 answers without waiting for EOF; with a half-close cat
	# would end at once, here the answer comes and -q ends the call.
	serve_bg "unix:$TEST_DIR/s" sh -c 'head -n1; cat >/dev/null; echo closed'
	run ipctool call --wait=10s --no-half-close -q 1s "unix:$TEST_DIR/s" <<<"x"
	assert_success
	assert_output "x"
	run ipctool call "unix:$TEST_DIR/s" <<<"x"
	assert_success
	assert_output $'x\nclosed'
}

@test "call: a peer that goes away before taking our input is reported, exit 1" {
	random_file "$TEST_DIR/in" 4M
	serve_bg "unix:$TEST_DIR/s" sh -c 'echo bye'
	run ipctool call --wait=10s -t 30s "unix:$TEST_DIR/s" <"$TEST_DIR/in"
	assert_failure 1
	assert_output --partial "bye"
	assert_output --regexp "cannot write to 'unix:$TEST_DIR/s': .*(peer went away|data unread)"
}

@test "usage errors exit 2 and create nothing" {
	run ipctool serve "unix:$TEST_DIR/s"
	assert_failure 2
	assert_output --partial "missing COMMAND"
	assert_not_exists "$TEST_DIR/s"
	run ipctool serve "fifo:$TEST_DIR/f" cat
	assert_failure 2
	assert_output --partial "serve takes sockets, queues and rings: unix:, tcp:, unix-seqpacket:, unix-dgram:, udp:, mq:, shm:"
	assert_not_exists "$TEST_DIR/f"
	run ipctool serve "unix-dgram:$TEST_DIR/d"
	assert_failure 2
	assert_output --partial "missing COMMAND"
	assert_not_exists "$TEST_DIR/d"
	run ipctool call "fifo:$TEST_DIR/f" </dev/null
	assert_failure 2
	assert_output --partial "call takes sockets, queues and rings"
	run ipctool call -q 1s "unix-seqpacket:$TEST_DIR/q" </dev/null
	assert_failure 2
	assert_output --partial "--quit-after applies to stream sockets, not 'unix-seqpacket:$TEST_DIR/q'"
	run ipctool call --no-half-close "udp:127.0.0.1:9" </dev/null
	assert_failure 2
	run ipctool serve -j 0 "unix:$TEST_DIR/s" cat
	assert_failure 2
	assert_output --partial "--jobs: '0'"
	run ipctool call -
	assert_failure 2
	run ipctool call
	assert_failure 2
	assert_output --partial "missing ENDPOINT"
	assert_not_exists "$TEST_DIR/s"
}

# Wait until a udp: serve answers (a datagram before it binds is refused).
udp_ready() {
	local i
	for i in $(seq 100); do
		if ipctool call -t 200ms "$1" ready >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
	done
	echo "udp_ready: '$1' never answered" >&2
	return 1
}

@test "call --wait on udp: sends again while the port is refused, until a server answers or the wait ends" {
	local port
	port=$(free_port)
	local caller
	bg ipctool call --wait=20s -t 20s "udp:127.0.0.1:$port" hello >"$TEST_DIR/out"
	caller=$BG_PID
	sleep 0.5
	serve_bg "udp:127.0.0.1:$port" tr a-z A-Z
	bg_exits "$caller" 0
	run cat "$TEST_DIR/out"
	assert_output HELLO
	port=$(free_port)
	run ipctool call --wait=500ms "udp:127.0.0.1:$port" hi
	assert_failure 124
	assert_output "ipctool call: timed out waiting for a server on 'udp:127.0.0.1:$port'"
	# Without --wait a refused request fails at once.
	run ipctool call "udp:127.0.0.1:$port" hi
	assert_failure 1
	assert_output --partial "Connection refused"
}

@test "call and serve on message sockets: a reply per request, in order, exact bytes" {
	local port
	port=$(free_port)
	serve_bg "unix-seqpacket:$TEST_DIR/sp" tr a-z A-Z
	serve_bg "unix-seqpacket:@$(uniq_name sp)" tr a-z A-Z
	serve_bg "unix-dgram:$TEST_DIR/dg" tr a-z A-Z
	serve_bg "unix-dgram:@$(uniq_name dg)" tr a-z A-Z
	serve_bg "udp:127.0.0.1:$port" tr a-z A-Z
	udp_ready "udp:127.0.0.1:$port"
	for ep in "unix-seqpacket:$TEST_DIR/sp" "unix-seqpacket:@$(uniq_name sp)" \
		"unix-dgram:$TEST_DIR/dg" "unix-dgram:@$(uniq_name dg)" "udp:127.0.0.1:$port"; do
		run ipctool call --wait=10s -t 10s "$ep" alpha beta gamma
		assert_success
		assert_output $'ALPHA\nBETA\nGAMMA'
		printf 'one\n\ntwo\n' >"$TEST_DIR/in"
		ipctool call -t 10s "$ep" <"$TEST_DIR/in" >"$TEST_DIR/out"
		[ "$(od -An -c "$TEST_DIR/out")" = "$(printf 'ONE\n\nTWO\n' | od -An -c)" ]
		ipctool call -0 -t 10s "$ep" a b >"$TEST_DIR/out"
		[ "$(od -An -c "$TEST_DIR/out")" = "$(printf 'A\0B\0' | od -An -c)" ]
		run ipctool call -t 10s "$ep" </dev/null
		assert_success
		assert_output ""
		run ipctool call -J -t 10s "$ep" x y
		assert_success
		assert_line --index 0 --regexp '^\{"data":"X","size":1,.*\}$'
		assert_line --index 1 --regexp '^\{"data":"Y","size":1,.*\}$'
		[ "${#lines[@]}" -eq 2 ]
	done
	run ipctool call -J "unix:$TEST_DIR/none" x
	assert_failure 2
	assert_output --partial "--json applies to message sockets"
}

@test "serve on message sockets: the reply is the whole output, its final newline left out" {
	serve_bg "unix-seqpacket:$TEST_DIR/sp" -- sh -c 'cat; printf "\nsecond line\n"'
	run ipctool call --wait=10s -t 10s "unix-seqpacket:$TEST_DIR/sp" req
	assert_success
	assert_output $'req\nsecond line'
	serve_bg "unix-dgram:$TEST_DIR/dg" -- wc -c
	run ipctool call --wait=10s -t 10s -F whole "unix-dgram:$TEST_DIR/dg" "12345"
	assert_success
	assert_output "5"
}

@test "serve on message sockets gives each command the UCSPI variables" {
	local port
	port=$(free_port)
	serve_bg "unix-seqpacket:$TEST_DIR/sp" \
		sh -c 'echo "$PROTO $IPCREMOTEEUID $IPCREMOTEEGID $IPCLOCALPATH $(cat)"'
	run ipctool call --wait=10s -t 10s "unix-seqpacket:$TEST_DIR/sp" x
	assert_success
	assert_output "IPC $(id -u) $(id -g) $TEST_DIR/sp x"
	serve_bg "unix-dgram:$TEST_DIR/dg" \
		sh -c 'echo "$PROTO $IPCREMOTEEUID $IPCLOCALPATH $IPCREMOTEPID [$IPCREMOTEPATH]"'
	run ipctool call --wait=10s -t 10s "unix-dgram:$TEST_DIR/dg" x
	assert_success
	assert_output --regexp "^IPC $(id -u) $TEST_DIR/dg [1-9][0-9]* \\[@.+\\]\$"
	serve_bg "udp:127.0.0.1:$port" \
		sh -c 'echo "$PROTO $UDPLOCALIP $UDPLOCALPORT $UDPREMOTEIP $UDPREMOTEPORT"'
	udp_ready "udp:127.0.0.1:$port"
	run ipctool call -t 10s "udp:127.0.0.1:$port" x
	assert_success
	assert_output --regexp "^UDP 127\.0\.0\.1 $port 127\.0\.0\.1 [1-9][0-9]*\$"
}

@test "call on a message socket: no reply within -t exits 124, a gone server exits 1" {
	local port
	port=$(free_port)
	serve_bg "unix-seqpacket:$TEST_DIR/sp" sleep 30
	run ipctool call --wait=10s -t 300ms "unix-seqpacket:$TEST_DIR/sp" a
	assert_failure 124
	assert_output --partial "within 300ms"
	serve_bg "unix-dgram:$TEST_DIR/dg" sleep 30
	run ipctool call --wait=10s -t 300ms "unix-dgram:$TEST_DIR/dg" a
	assert_failure 124
	# A datagram nobody answers: recv takes it and never replies.
	bg ipctool recv -c 1 "unix-dgram:$TEST_DIR/r"
	wait_for_path "$TEST_DIR/r"
	run ipctool call -t 300ms "unix-dgram:$TEST_DIR/r" a
	assert_failure 124
	# A seqpacket server that closes without replying: its reply is too large.
	serve_bg "unix-seqpacket:$TEST_DIR/cl" head -c 70000 /dev/zero
	run ipctool call --wait=10s -t 10s "unix-seqpacket:$TEST_DIR/cl" a
	assert_failure 1
	assert_output --partial "the peer closed the connection before replying"
	grep -q "reply of over 65536 bytes is larger than the message size" "$TEST_DIR/serve.log"
	# An empty output is an empty reply, not none.
	serve_bg "unix-seqpacket:$TEST_DIR/em" true
	ipctool call --wait=10s -t 10s "unix-seqpacket:$TEST_DIR/em" a b >"$TEST_DIR/out"
	[ "$(od -An -c "$TEST_DIR/out")" = "$(printf '\n\n' | od -An -c)" ]
	run ipctool call -t 10s "udp:127.0.0.1:$port" a
	assert_failure 1
	assert_output --partial "Connection refused"
}

@test "a plain send to a unix-dgram serve is served, with no reply; serve goes on" {
	serve_bg -v "unix-dgram:$TEST_DIR/dg" -- sh -c 'cat >>"$0"; echo done' "$TEST_DIR/got"
	wait_for_path "$TEST_DIR/dg"
	run ipctool send "unix-dgram:$TEST_DIR/dg" hello
	assert_success
	assert_output ""
	wait_for_nonempty "$TEST_DIR/got"
	run ipctool call -t 10s "unix-dgram:$TEST_DIR/dg" again
	assert_success
	assert_output "done"
	[ "$(cat "$TEST_DIR/got")" = "helloagain" ]
}

@test "serve stops on SIGTERM on message sockets and removes its socket file" {
	serve_bg "unix-seqpacket:$TEST_DIR/sp" cat
	local sp=$BG_PID
	serve_bg "unix-dgram:$TEST_DIR/dg" cat
	local dg=$BG_PID
	wait_for_path "$TEST_DIR/sp"
	wait_for_path "$TEST_DIR/dg"
	kill -TERM "$sp" "$dg"
	bg_exits "$sp" 0
	bg_exits "$dg" 0
	assert_not_exists "$TEST_DIR/sp"
	assert_not_exists "$TEST_DIR/dg"
	# A datagram's command still running gets --grace, then SIGTERM.
	serve_bg -v "unix-dgram:$TEST_DIR/sl" -- sh -c 'echo $$ >"$0"; exec sleep 100' \
		"$TEST_DIR/started"
	dg=$BG_PID
	wait_for_path "$TEST_DIR/sl"
	ipctool send "unix-dgram:$TEST_DIR/sl" x
	wait_for_nonempty "$TEST_DIR/started"
	kill -TERM "$dg"
	bg_exits "$dg" 0
	assert_not_exists "$TEST_DIR/sl"
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "1 command still running: terminated"
	# ...passed on by the datagram's handler process to the command.
	local cmd i
	cmd=$(cat "$TEST_DIR/started")
	for i in $(seq 2000); do kill -0 "$cmd" 2>/dev/null || break; sleep 0.005; done
	run kill -0 "$cmd"
	assert_failure
}

@test "serve answers socat and python3 clients; call talks to a socat server" {
	command -v socat >/dev/null || skip "needs socat"
	serve_bg "unix:$TEST_DIR/s" tr a-z A-Z
	wait_for_path "$TEST_DIR/s"
	run socat - "UNIX-CONNECT:$TEST_DIR/s" <<<"from socat"
	assert_success
	assert_output "FROM SOCAT"
	if command -v python3 >/dev/null; then
		run python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"from python\n")
s.shutdown(socket.SHUT_WR)
out = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    out += b
sys.stdout.write(out.decode())' "$TEST_DIR/s"
		assert_success
		assert_output "FROM PYTHON"
	fi
	bg socat "UNIX-LISTEN:$TEST_DIR/x,fork" "EXEC:rev"
	run ipctool call --wait=10s -t 10s "unix:$TEST_DIR/x" <<<"abc"
	assert_success
	assert_output "cba"
}

@test "call reads a banner the server writes before the request" {
	serve_bg "unix:$TEST_DIR/s" sh -c 'echo "220 ready"; read -r l; echo "got $l"'
	run ipctool call --wait=10s -t 10s "unix:$TEST_DIR/s" <<<"x"
	assert_success
	assert_output $'220 ready\ngot x'
}

@test "serve -j 3 never runs more than three commands, counted by the commands" {
	local i pids=()
	serve_bg -j 3 "unix:$TEST_DIR/s" -- sh -c '
		echo + >>"$0"; n=$(grep -c + "$0"); m=$(grep -c - "$0")
		echo $((n - m)) >>"$0.max"; sleep 0.2; echo - >>"$0"; cat' "$TEST_DIR/count"
	wait_for_path "$TEST_DIR/s"
	for i in $(seq 8); do
		"$IPCTOOL" call -t 30s "unix:$TEST_DIR/s" "r$i" >"$TEST_DIR/out$i" 3>&- &
		pids+=($!)
	done
	for i in $(seq 8); do
		bg_exits "${pids[$((i - 1))]}" 0
		[ "$(cat "$TEST_DIR/out$i")" = "r$i" ]
	done
	[ "$(wc -l <"$TEST_DIR/count.max")" -eq 8 ]
	[ "$(sort -n "$TEST_DIR/count.max" | tail -n1)" -le 3 ]
}

@test "200 calls in a row after a failing command, each answered" {
	serve_bg -v "unix:$TEST_DIR/s" sh -c 'read -r l; [ "$l" != fail ] || exit 3; echo "ok $l"'
	run ipctool call --wait=10s -t 10s "unix:$TEST_DIR/s" fail
	assert_success
	assert_output ""
	local i
	for i in $(seq 200); do
		echo "$i" | "$IPCTOOL" call -t 10s "unix:$TEST_DIR/s"
	done >"$TEST_DIR/out"
	seq -f "ok %g" 200 >"$TEST_DIR/want"
	cmp "$TEST_DIR/want" "$TEST_DIR/out"
	run grep -c "exited 3 after" "$TEST_DIR/serve.log"
	assert_output 1
}

@test "SIGTERM: serve leaves no command behind" {
	serve_bg -v "unix:$TEST_DIR/s" -- sh -c 'echo $$ >>"$0"; exec sleep 100' "$TEST_DIR/pids"
	local pid=$BG_PID i
	wait_for_path "$TEST_DIR/s"
	for i in 1 2 3; do
		"$IPCTOOL" call -q 0 "unix:$TEST_DIR/s" </dev/null 3>&-
	done
	for i in $(seq 1000); do
		[ "$(wc -l <"$TEST_DIR/pids" 2>/dev/null || echo 0)" -eq 3 ] && break
		sleep 0.01
	done
	[ "$(wc -l <"$TEST_DIR/pids")" -eq 3 ]
	kill -TERM "$pid"
	bg_exits "$pid" 0
	assert_not_exists "$TEST_DIR/s"
	for i in $(cat "$TEST_DIR/pids"); do
		run kill -0 "$i"
		assert_failure
	done
	run grep -c "killed by signal 15" "$TEST_DIR/serve.log"
	assert_output 3
}

@test "serve --per-uid 1: a second connection of the same user is closed, others served" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody"
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	mkfifo "$TEST_DIR/hold"
	chmod 755 "$TEST_DIR"
	serve_bg -v --per-uid 1 --mode 0666 "unix:$TEST_DIR/s" \
		sh -c 'echo x >>"$0"; read -r l; echo "got $l"' "$TEST_DIR/started"
	exec 5<>"$TEST_DIR/hold"
	"$IPCTOOL" call --wait=10s "unix:$TEST_DIR/s" <"$TEST_DIR/hold" >"$TEST_DIR/one" 3>&- &
	local first=$!
	wait_for_nonempty "$TEST_DIR/started"
	# The same user again: closed at once, no command (a request written
	# after the close may fail, so none is sent).
	run ipctool call -t 10s "unix:$TEST_DIR/s" </dev/null
	assert_output ""
	[ "$(wc -l <"$TEST_DIR/started")" -eq 1 ]
	# Another user is served meanwhile.
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$IPCTOOL" call -t 10s "unix:$TEST_DIR/s" <<<"nobody"
	assert_success
	assert_output "got nobody"
	echo one >&5
	exec 5>&-
	bg_exits "$first" 0
	[ "$(cat "$TEST_DIR/one")" = "got one" ]
	# Its command ended: the user is served again.
	run ipctool call -t 10s "unix:$TEST_DIR/s" <<<"three"
	assert_output "got three"
	run grep -c "of this user running (--per-uid): connection closed" "$TEST_DIR/serve.log"
	assert_output 1
	run ipctool serve --per-uid 1 "tcp:127.0.0.1:9" cat
	assert_failure 2
	assert_output --partial "--per-uid applies to unix: and unix-seqpacket: sockets"
}

@test "--allow-uid and --allow-gid on message sockets: nobody refused, then let in" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody"
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	local name nobody
	name=$(uniq_name who)
	nobody=$(id -u nobody)
	nob() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$IPCTOOL" "$@"; }
	serve_bg -v "unix-seqpacket:@$name.sp" sh -c 'echo "$IPCREMOTEEUID"'
	serve_bg -v "unix-dgram:@$name.dg" sh -c 'echo "$IPCREMOTEEUID"'
	run ipctool call --wait=10s -t 10s "unix-seqpacket:@$name.sp" x
	assert_output "0"
	run ipctool call --wait=10s -t 10s "unix-dgram:@$name.dg" x
	assert_output "0"
	run nob call -t 10s "unix-seqpacket:@$name.sp" x
	assert_failure 1
	refute_output --partial "$nobody"
	run nob call -t 500ms "unix-dgram:@$name.dg" x
	assert_failure 124
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "refused a peer of uid $nobody"
	serve_bg --allow-uid nobody "unix-seqpacket:@$name.sp2" sh -c 'echo "$IPCREMOTEEUID"'
	serve_bg --allow-gid nogroup "unix-dgram:@$name.dg2" sh -c 'echo "$IPCREMOTEEUID"'
	run ipctool call --wait=10s -t 10s "unix-seqpacket:@$name.sp2" x
	assert_output "0"
	run ipctool call --wait=10s -t 10s "unix-dgram:@$name.dg2" x
	assert_output "0"
	run nob call -t 10s "unix-seqpacket:@$name.sp2" x
	assert_success
	assert_output "$nobody"
	run nob call -t 10s "unix-dgram:@$name.dg2" x
	assert_success
	assert_output "$nobody"
}

@test "SIGTERM: a command's own children go with it (each command is a process group)" {
	# sh waits for its sleep: SIGTERM to sh alone would leave the sleep.
	serve_bg -v "unix:$TEST_DIR/s" -- sh -c 'sleep 100 & echo $! >>"$0"; wait' "$TEST_DIR/pids"
	local pid=$BG_PID i
	wait_for_path "$TEST_DIR/s"
	"$IPCTOOL" call -q 0 "unix:$TEST_DIR/s" </dev/null 3>&-
	wait_for_nonempty "$TEST_DIR/pids"
	kill -TERM "$pid"
	bg_exits "$pid" 0
	for i in $(seq 200); do
		kill -0 "$(cat "$TEST_DIR/pids")" 2>/dev/null || break
		sleep 0.05
	done
	run kill -0 "$(cat "$TEST_DIR/pids")"
	assert_failure
}

@test "a killed serve's socket file is stale although a command still holds a connection: --reuse and rm take it" {
	serve_bg "unix:$TEST_DIR/s" sleep 30
	local pid=$BG_PID child i
	wait_for_path "$TEST_DIR/s"
	bg ipctool call -t 20s "unix:$TEST_DIR/s" </dev/null
	for i in $(seq 2000); do child=$(pgrep -P "$pid") && break; sleep 0.005; done
	[ -n "$child" ]
	kill -KILL "$pid"
	wait "$pid" || true
	# The command's accepted connection still names the path in
	# /proc/net/unix, but nobody listens there.
	run ipctool call "unix:$TEST_DIR/s" </dev/null
	assert_failure 1
	assert_output --partial "Connection refused"
	run ipctool rm --dry-run "unix:$TEST_DIR/s"
	assert_success
	serve_bg --reuse "unix:$TEST_DIR/s" cat
	run ipctool call --wait=10s -t 10s "unix:$TEST_DIR/s" hello
	kill "$child"
	assert_success
	assert_output hello
}

@test "a standard error closed for serve is /dev/null for its commands" {
	bg ipctool serve --grace 200ms "unix:$TEST_DIR/s" sh -c 'readlink /proc/$$/fd/2 >"$0"' \
		"$TEST_DIR/fd2" 2>&-
	run ipctool call --wait=10s -t 10s "unix:$TEST_DIR/s" </dev/null
	assert_success
	run cat "$TEST_DIR/fd2"
	assert_output /dev/null
}
