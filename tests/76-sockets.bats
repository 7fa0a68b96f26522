#!/usr/bin/env bats
# Issue 11, "nothing lost, nothing crossed", on sockets and FIFOs: a second
# sender to a one-connection receiver is refused, recv -k writes every
# complete line before it exits, ipctool's FIFO senders never mix short
# lines, UDP chunk loss is counted and reported, and an abstract UNIX socket
# takes only its own user's peers unless --allow-uid/--allow-gid say more.

load helpers

# Hold a sender's standard input open through a FIFO on descriptor 4:
# hold_open NAME; then `... <"$TEST_DIR/NAME" 4>&-`, write with >&4, and
# end it with `exec 4>&-`.
hold_open() {
	mkfifo "$TEST_DIR/$1"
	exec 4<>"$TEST_DIR/$1"
}

# Wait (at most 10 s) until a file holds a line matching a pattern.
wait_for_line() {
	local i
	for i in $(seq 2000); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.005
	done
	echo "wait_for_line: '$2' did not appear in '$1'" >&2
	return 1
}

# Wait (at most 10 s) until a UDP port is bound.
wait_for_udp() {
	local i
	for i in $(seq 2000); do
		[ -n "$(ss -Hunl "sport = :$1" 2>/dev/null)" ] && return 0
		sleep 0.005
	done
	echo "wait_for_udp: port $1 was not bound" >&2
	return 1
}

# Wait (at most 10 s) until an abstract socket name is bound.
wait_for_abstract() {
	local i
	for i in $(seq 2000); do
		grep -q " @$1\$" /proc/net/unix && return 0
		sleep 0.005
	done
	echo "wait_for_abstract: @$1 was not bound" >&2
	return 1
}

as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

need_nobody() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (the second user is nobody)"
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	getent group nogroup >/dev/null || skip "needs the group nogroup"
	command -v setpriv >/dev/null || skip "needs setpriv"
	chmod 0755 "$TEST_DIR"
}

# 1. One connection: the listener closes once it has its peer.

@test "recv unix: without -k: a second sender is refused, not silently dropped" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv "unix:$s" > "$TEST_DIR/out"
	local rpid=$BG_PID
	hold_open in
	bg ipctool send --wait "unix:$s" < "$TEST_DIR/in" 4>&-
	local spid=$BG_PID
	echo first >&4
	wait_for_line "$TEST_DIR/out" '^first$'
	run ipctool send "unix:$s" second
	assert_failure 1
	assert_output --partial "Connection refused"
	exec 4>&-
	bg_exits "$spid" 0
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" first
	assert_not_exist "$s"
}

@test "recv tcp: without -k: a second sender is refused, not silently dropped" {
	local port=$(free_port)
	bg ipctool recv "tcp:127.0.0.1:$port" > "$TEST_DIR/out"
	local rpid=$BG_PID
	hold_open in
	bg ipctool send --wait "tcp:127.0.0.1:$port" < "$TEST_DIR/in" 4>&-
	local spid=$BG_PID
	echo first >&4
	wait_for_line "$TEST_DIR/out" '^first$'
	run ipctool send "tcp:127.0.0.1:$port" second
	assert_failure 1
	exec 4>&-
	bg_exits "$spid" 0
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" first
}

@test "send --listen unix: serves one receiver: a second is refused at once" {
	local s=$TEST_DIR/$(uniq_name sock)
	hold_open in
	bg ipctool send --listen "unix:$s" < "$TEST_DIR/in" 4>&-
	local spid=$BG_PID
	bg ipctool recv --connect --wait "unix:$s" > "$TEST_DIR/out" 4>&-
	local rpid=$BG_PID
	echo first >&4
	wait_for_line "$TEST_DIR/out" '^first$'
	run ipctool recv --connect -t 5s "unix:$s"
	assert_failure 1
	assert_output --partial "Connection refused"
	exec 4>&-
	bg_exits "$spid" 0
	bg_exits "$rpid" 0
}

@test "recv unix-seqpacket: a second sender is refused, not silently dropped" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -c 2 "unix-seqpacket:$s" > "$TEST_DIR/out"
	local rpid=$BG_PID
	hold_open in
	bg ipctool send --wait "unix-seqpacket:$s" < "$TEST_DIR/in" 4>&-
	local spid=$BG_PID
	echo first >&4
	wait_for_line "$TEST_DIR/out" '^first$'
	run ipctool send "unix-seqpacket:$s" second
	assert_failure 1
	echo last >&4
	exec 4>&-
	bg_exits "$spid" 0
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" $'first\nlast'
}

# 2. recv -k -t: every complete line is written before the quiet period ends it.

@test "recv -k -t: a pending long unterminated line does not swallow another sender's line" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k -t 1s "unix:$s" > "$TEST_DIR/out" 2> "$TEST_DIR/err"
	local rpid=$BG_PID
	hold_open in
	bg ipctool send --wait "unix:$s" < "$TEST_DIR/in" 4>&-
	head -c 70000 /dev/zero | tr '\0' A >&4
	wait_for_nonempty "$TEST_DIR/out"
	bg ipctool send "unix:$s" B-line 4>&-
	local bpid=$BG_PID
	bg_exits "$rpid" 0
	exec 4>&-
	bg_exits "$bpid" 0
	run grep -c '^B-line$' "$TEST_DIR/out"
	assert_output 1
	# The unterminated line is written whole, as a line of its own, and reported.
	run grep -c '^A*$' "$TEST_DIR/out"
	assert_output 1
	assert_equal "$(grep '^A*$' "$TEST_DIR/out" | wc -c)" 70001
	run cat "$TEST_DIR/err"
	assert_output --partial "unterminated"
}

# 3. FIFOs: ipctool's senders write each short line in one write.

@test "recv -k fifo: concurrent ipctool senders of short lines never mix them" {
	local f=$TEST_DIR/$(uniq_name fifo) i pids=()
	mkfifo -m 0600 "$f"
	bg ipctool recv -k -c 80000 "fifo:$f" > "$TEST_DIR/out"
	local rpid=$BG_PID
	for i in 1 2 3 4; do
		seq 1 20000 | sed "s/^/writer$i-/" | ipctool send --wait "fifo:$f" 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	bg_exits "$rpid" 0
	run grep -cvE '^writer[1-4]-[0-9]+$' "$TEST_DIR/out"
	assert_output 0
	assert_equal "$(wc -l < "$TEST_DIR/out")" 80000
	assert_equal "$(sort -u "$TEST_DIR/out" | wc -l)" 80000
}

@test "recv -k fifo: MESSAGE arguments of concurrent senders never mix" {
	local f=$TEST_DIR/$(uniq_name fifo) i pids=()
	mkfifo -m 0600 "$f"
	bg ipctool recv -k -c 8000 "fifo:$f" > "$TEST_DIR/out"
	local rpid=$BG_PID
	for i in 1 2 3 4; do
		# shellcheck disable=SC2046
		ipctool send --wait "fifo:$f" $(seq -f "arg$i-%g" 1 2000) 3>&- &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	bg_exits "$rpid" 0
	run grep -cvE '^arg[1-4]-[0-9]+$' "$TEST_DIR/out"
	assert_output 0
	assert_equal "$(sort -u "$TEST_DIR/out" | wc -l)" 8000
}

# 4. UDP -F chunk: lost datagrams are counted and reported.

# A receiving command (recv or relay, given as "CMD" and the words after
# its endpoint) whose output stalls behind a udp -F chunk sender: more than
# its socket buffer (8M) holds is lost, and it must say so, exit 1.
udp_behind_reports_loss() { # command [words after the endpoint]
	local cmd=$1 port
	shift
	port=$(free_port)
	random_file "$TEST_DIR/in" 24M
	bg bash -c "'$IPCTOOL' $cmd -F chunk -t 3s 'udp:127.0.0.1:$port' $* 2>'$TEST_DIR/err' |
		{ sleep 1; cat; } > '$TEST_DIR/out'; echo \${PIPESTATUS[0]} > '$TEST_DIR/rc'"
	local rpid=$BG_PID
	wait_for_udp "$port"
	run ipctool send -F chunk "udp:127.0.0.1:$port" < "$TEST_DIR/in"
	wait "$rpid"
	assert_equal "$(cat "$TEST_DIR/rc")" 1
	run cat "$TEST_DIR/err"
	assert_output --partial "lost"
}

@test "udp -F chunk: a receiver that falls behind reports the lost chunks, exit 1" {
	udp_behind_reports_loss recv
}

@test "relay from udp -F chunk that falls behind reports the lost chunks, exit 1" {
	udp_behind_reports_loss relay -
}

@test "udp -F chunk: a file arrives whole (exit 0), or the loss is reported (exit 1)" {
	local port=$(free_port) rc
	random_file "$TEST_DIR/in" 2M
	bg bash -c "'$IPCTOOL' recv -F chunk -t 3s 'udp:127.0.0.1:$port' >'$TEST_DIR/out' \
		2>'$TEST_DIR/err'; echo \$? > '$TEST_DIR/rc'"
	local rpid=$BG_PID
	wait_for_udp "$port"
	ipctool send -F chunk "udp:127.0.0.1:$port" < "$TEST_DIR/in"
	wait "$rpid"
	rc=$(cat "$TEST_DIR/rc")
	if [ "$rc" -eq 0 ]; then
		cmp "$TEST_DIR/in" "$TEST_DIR/out"
	else
		assert_equal "$rc" 1
		run cat "$TEST_DIR/err"
		assert_output --partial "lost"
	fi
}

@test "udp -F chunk: the end marker ends the receiver without --timeout" {
	local port=$(free_port)
	random_file "$TEST_DIR/in" 100K
	bg ipctool recv -F chunk -t 20s "udp:127.0.0.1:$port" > "$TEST_DIR/out"
	local rpid=$BG_PID
	wait_for_udp "$port"
	ipctool send -F chunk --msgsize 8K "udp:127.0.0.1:$port" < "$TEST_DIR/in"
	bg_exits "$rpid" 0
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
}

# 5. Abstract UNIX sockets: only the listener's own user, unless allowed.

@test "--mode on an abstract socket is a usage error" {
	run ipctool recv --mode 0666 "unix:@$(uniq_name a)"
	assert_failure 2
	assert_output --partial "abstract"
	run ipctool recv --mode 0666 "unix-dgram:@$(uniq_name a)"
	assert_failure 2
}

@test "recv -k unix:@NAME refuses another user's sender, takes its own" {
	need_nobody
	local a=$(uniq_name abs)
	bg ipctool recv -k -t 2s "unix:@$a" > "$TEST_DIR/out" 2> "$TEST_DIR/err"
	local rpid=$BG_PID
	wait_for_abstract "$a"
	run as_nobody "$IPCTOOL" send "unix:@$a" from-nobody
	assert_failure 1
	ipctool send "unix:@$a" from-root
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" from-root
	run cat "$TEST_DIR/err"
	assert_output --partial "uid 65534"
}

@test "recv unix:@NAME --allow-uid nobody takes that user's sender" {
	need_nobody
	local a=$(uniq_name abs)
	bg ipctool recv --allow-uid nobody "unix:@$a" > "$TEST_DIR/out"
	local rpid=$BG_PID
	wait_for_abstract "$a"
	as_nobody "$IPCTOOL" send "unix:@$a" from-nobody
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" from-nobody
}

@test "recv unix:@NAME --allow-gid nogroup takes that group's sender" {
	need_nobody
	local a=$(uniq_name abs)
	bg ipctool recv --allow-gid nogroup,0 "unix:@$a" > "$TEST_DIR/out"
	local rpid=$BG_PID
	wait_for_abstract "$a"
	as_nobody "$IPCTOOL" send "unix:@$a" from-nobody
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" from-nobody
}

@test "recv unix:@NAME without -k waits past a refused peer for an allowed one" {
	need_nobody
	local a=$(uniq_name abs)
	bg ipctool recv "unix:@$a" > "$TEST_DIR/out"
	local rpid=$BG_PID
	wait_for_abstract "$a"
	run as_nobody "$IPCTOOL" send "unix:@$a" from-nobody
	assert_failure 1
	ipctool send "unix:@$a" from-root
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" from-root
}

@test "send --listen unix:@NAME does not hand its data to another user" {
	need_nobody
	local a=$(uniq_name abs)
	bg ipctool send --listen "unix:@$a" secret
	local spid=$BG_PID
	wait_for_abstract "$a"
	run as_nobody "$IPCTOOL" recv --connect -t 2s "unix:@$a"
	refute_output --partial secret
	run ipctool recv --connect "unix:@$a"
	assert_success
	assert_output secret
	bg_exits "$spid" 0
}

@test "unix-dgram:@NAME drops another user's datagrams, takes its own" {
	need_nobody
	local a=$(uniq_name abs)
	bg ipctool recv -c 1 "unix-dgram:@$a" > "$TEST_DIR/out" 2> "$TEST_DIR/err"
	local rpid=$BG_PID
	wait_for_abstract "$a"
	as_nobody "$IPCTOOL" send "unix-dgram:@$a" from-nobody || true
	ipctool send "unix-dgram:@$a" from-root
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" from-root
	run cat "$TEST_DIR/err"
	assert_output --partial "uid 65534"
}

@test "unix-seqpacket:@NAME refuses another user's sender" {
	need_nobody
	local a=$(uniq_name abs)
	bg ipctool recv -c 1 "unix-seqpacket:@$a" > "$TEST_DIR/out"
	local rpid=$BG_PID
	wait_for_abstract "$a"
	as_nobody "$IPCTOOL" send "unix-seqpacket:@$a" from-nobody || true
	ipctool send "unix-seqpacket:@$a" from-root
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" from-root
}

@test "--allow-uid on a TCP endpoint is a usage error; a bad name too" {
	run ipctool recv --allow-uid 0 "tcp:127.0.0.1:$(free_port)"
	assert_failure 2
	run ipctool recv --allow-uid no-such-user-xyz "unix:@$(uniq_name a)"
	assert_failure 2
	assert_output --partial "no-such-user-xyz"
}

@test "send to a server that keeps the connection open after the data: exit 0 within seconds, data delivered" {
	local s=$TEST_DIR/$(uniq_name sock)
	# socat with -t 30 keeps the connection while its command sleeps.
	bg socat -t 30 "UNIX-LISTEN:$s" SYSTEM:"cat > '$TEST_DIR/out'; sleep 30"
	wait_for_path "$s"
	run -0 timeout -s KILL 10 "$IPCTOOL" send "unix:$s" hello
	assert_equal "$(cat "$TEST_DIR/out")" "hello"
}
