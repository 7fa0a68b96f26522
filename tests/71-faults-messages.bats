#!/usr/bin/env bats
# Faults on the message transports and the ring: peers killed mid-transfer,
# signals during recv --create --rm, output that fails, full queues, other
# users. (The stream transports' faults are in 70-faults.bats.)
#
# What can be detected: a seqpacket, datagram or UDP receiver that dies
# makes the next send fail (ECONNRESET / ECONNREFUSED); a ring peer's death
# is seen through its pid. What cannot: a queue has no notion of its
# receiver, so a sender to a queue whose reader died just fills the queue;
# with -t it exits 124 and what the queue accepted stays there.

load helpers

# Writers fed by `yes` run as `exec ipctool ... < <(yes)`: the pid that
# teardown signals is ipctool itself, which would otherwise block on a full
# queue forever, holding it (and the user's queue bytes, ulimit -q).

setup() {
	setup_common
	Q="/$(uniq_name q)"
	R="/$(uniq_name ring)"
	S="/$(uniq_name sem)"
	# System V keys unique to this test run.
	SVKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x71000000 )))
	SEMKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x71800000 )))
}

teardown() {
	teardown_common
	ipctool mq rm "$Q" 2>/dev/null || true
	ipctool mq rm "key:$SVKEY" 2>/dev/null || true
	ipctool shm rm "$R" 2>/dev/null || true
	ipctool sem rm "$S" 2>/dev/null || true
	ipctool sem rm "key:$SEMKEY" 2>/dev/null || true
}

# Poll (at most 10 s) until a command succeeds: for objects that another
# process creates and that have no path to wait for.
wait_until() {
	local i
	for i in $(seq 1000); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.01
	done
	echo "wait_until: '$*' never succeeded" >&2
	return 1
}

# Wait for a file to hold at least N lines.
wait_for_lines() {
	local i
	for i in $(seq 1000); do
		[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.01
	done
	echo "wait_for_lines: '$1' has fewer than $2 lines" >&2
	return 1
}

# Kill the receiver of a socket endpoint mid-stream: the sender must exit 1
# naming the receiver's departure (timeout 60 turns a hang into 124).
receiver_killed() {
	local ep=$1
	bg ipctool recv "$ep" >"$TEST_DIR/out"
	local rpid=$BG_PID
	if [[ $ep == udp:* ]]; then
		# UDP cannot wait for its receiver: probe until one arrives.
		local i
		for i in $(seq 1000); do
			ipctool send "$ep" ready 2>/dev/null || true
			[ -s "$TEST_DIR/out" ] && break
			sleep 0.01
		done
	fi
	bg bash -c "exec timeout 60 '$IPCTOOL' send --wait '$ep' < <(yes) 2>'$TEST_DIR/err'"
	local spid=$BG_PID
	wait_for_nonempty "$TEST_DIR/out"
	kill -KILL "$rpid"
	bg_exits "$spid" 1
	run cat "$TEST_DIR/err"
	assert_output --regexp "cannot send to '$ep': (Connection reset by peer|Connection refused|Broken pipe) \(the receiver went away\)"
}

@test "a unix-seqpacket receiver killed mid-transfer: the sender exits 1 saying so" {
	receiver_killed "unix-seqpacket:$TEST_DIR/$(uniq_name sock)"
}

@test "a unix-dgram receiver killed mid-transfer: the sender exits 1 saying so" {
	receiver_killed "unix-dgram:$TEST_DIR/$(uniq_name sock)"
}

@test "a UDP receiver killed mid-transfer: the sender exits 1 saying so" {
	local port
	port=$(free_port)
	receiver_killed "udp:127.0.0.1:$port"
}

@test "a unix-seqpacket sender killed mid-transfer: the receiver ends, whole messages only" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv "unix-seqpacket:$s" >"$TEST_DIR/out"
	local rpid=$BG_PID
	bg bash -c "exec '$IPCTOOL' send --wait 'unix-seqpacket:$s' < <(yes)"
	wait_for_nonempty "$TEST_DIR/out"
	kill -KILL "$BG_PID"
	# The kernel closes the dead sender's socket: end of stream.
	local rc=0
	wait "$rpid" || rc=$?
	[ "$rc" -lt 128 ]
	# Every message arrived whole: nothing but "y" lines.
	run grep -cvx y "$TEST_DIR/out"
	assert_output 0
}

@test "a ring reader killed mid-transfer: the writer exits 1 saying so" {
	bg ipctool recv --create --capacity 64K "shm:$R" >"$TEST_DIR/out"
	local rpid=$BG_PID
	bg bash -c "exec timeout 60 '$IPCTOOL' send --wait 'shm:$R' < <(yes) 2>'$TEST_DIR/err'"
	local spid=$BG_PID
	wait_for_nonempty "$TEST_DIR/out"
	kill -KILL "$rpid"
	bg_exits "$spid" 1
	run cat "$TEST_DIR/err"
	assert_output --partial "cannot send to 'shm:$R'"
	assert_output --partial "went away"
}

@test "a relay whose seqpacket receiver is killed exits 1 saying so" {
	local s=$TEST_DIR/$(uniq_name sock)
	ipctool mq create "$Q"
	bg ipctool recv "unix-seqpacket:$s" >"$TEST_DIR/out"
	local rpid=$BG_PID
	bg bash -c "exec timeout 60 '$IPCTOOL' relay --wait 'mq:$Q' 'unix-seqpacket:$s' 2>'$TEST_DIR/err'"
	local lpid=$BG_PID
	bg bash -c "exec '$IPCTOOL' send 'mq:$Q' < <(yes)"
	wait_for_nonempty "$TEST_DIR/out"
	kill -KILL "$rpid"
	bg_exits "$lpid" 1
	run cat "$TEST_DIR/err"
	assert_output --partial "(the receiver went away)"
}

# A queue cannot tell that its receiver died: the sender fills it, exits 124
# with -t, and every message the queue accepted is still there, in order.
full_queue_after_receiver_died() {
	local ref=$1
	bg ipctool recv "mq:$ref" >"$TEST_DIR/out"
	local rpid=$BG_PID
	ipctool send "mq:$ref" a b c
	wait_for_lines "$TEST_DIR/out" 3
	kill -KILL "$rpid"
	wait "$rpid" || true
	assert_equal "$(cat "$TEST_DIR/out")" "$(printf 'a\nb\nc')"
	run bash -c "seq 1000 | '$IPCTOOL' send -t 300ms 'mq:$ref'"
	assert_failure 124
	assert_output --regexp "accepted nothing more for 300ms \([0-9]+ messages? sent; full\?\)"
	# Draining the queue: exit 0 (something arrived), exactly 1..n.
	run ipctool recv -n "mq:$ref"
	assert_success
	local n=${#lines[@]}
	[ "$n" -ge 1 ]
	[ "$n" -lt 1000 ]
	assert_equal "$(printf '%s\n' "${lines[@]}")" "$(seq "$n")"
	echo "$n"
}

@test "POSIX queue: receiver killed, sender to the full queue exits 124, nothing lost" {
	ipctool mq create "$Q" --maxmsg 5
	run full_queue_after_receiver_died "$Q"
	assert_success
	assert_line --index "$((${#lines[@]} - 1))" 5
}

@test "System V queue: receiver killed, sender to the full queue exits 124, nothing lost" {
	ipctool mq create "key:$SVKEY" --maxmsg 4 --msgsize 16
	run full_queue_after_receiver_died "key:$SVKEY"
	assert_success
}

# Nor can a queue tell that its sender died: the receiver waits, and with
# -t a quiet period ends it as any end of the messages would (exit 0, since
# some arrived); every message it got is whole.
@test "a queue sender killed mid-transfer: recv -t ends with whole messages only" {
	local ref
	ipctool mq create "$Q"
	ipctool mq create "key:$SVKEY"
	for ref in "$Q" "key:$SVKEY"; do
		bg ipctool recv -t 500ms "mq:$ref" >"$TEST_DIR/out"
		local rpid=$BG_PID
		bg bash -c "exec '$IPCTOOL' send 'mq:$ref' < <(seq 10000000)"
		wait_for_nonempty "$TEST_DIR/out"
		kill -KILL "$BG_PID"
		bg_exits "$rpid" 0
		# Whatever arrived is 1..n in order, each line whole.
		local n
		n=$(wc -l <"$TEST_DIR/out")
		[ "$n" -ge 1 ]
		assert_equal "$(cat "$TEST_DIR/out")" "$(seq "$n")"
		ipctool mq rm "$ref"
	done
}

@test "ring: nobody reading, the writer exits 124 with -t and what it wrote is intact" {
	ipctool shm create "$R" --capacity 4K
	run bash -c "seq 100000 | '$IPCTOOL' send -t 300ms 'shm:$R'"
	assert_failure 124
	ipctool recv -n "shm:$R" >"$TEST_DIR/got" || true
	local n
	n=$(wc -l <"$TEST_DIR/got")
	[ "$n" -ge 1 ]
	[ "$n" -lt 100000 ]
	assert_equal "$(cat "$TEST_DIR/got")" "$(seq "$n")"
}

# recv --create --rm killed by SIG: exit 128+N and the object is gone.
signal_removes() {
	local sig=$1 status=$2 ep=$3 exists=$4
	bg ipctool recv --create --rm "$ep"
	local pid=$BG_PID
	wait_until $exists
	kill "-$sig" "$pid"
	bg_exits "$pid" "$status"
	run $exists
	assert_failure
}

mq_exists() { ipctool mq info "$1"; }
shm_exists() { ipctool shm info "$1"; }

@test "SIGINT during recv --create --rm on a POSIX queue removes it, exit 130" {
	signal_removes INT 130 "mq:$Q" "mq_exists $Q"
	assert_not_exist "/dev/mqueue$Q"
}

@test "SIGTERM during recv --create --rm on a POSIX queue removes it, exit 143" {
	signal_removes TERM 143 "mq:$Q" "mq_exists $Q"
	assert_not_exist "/dev/mqueue$Q"
}

@test "SIGINT during recv --create --rm on a System V queue removes it, exit 130" {
	signal_removes INT 130 "mq:key:$SVKEY" "mq_exists key:$SVKEY"
	run bash -c "ipcs -q | grep -ci '$(printf '0x%08x' "$SVKEY")'"
	assert_output 0
}

@test "SIGTERM during recv --create --rm on a System V queue removes it, exit 143" {
	signal_removes TERM 143 "mq:key:$SVKEY" "mq_exists key:$SVKEY"
	run bash -c "ipcs -q | grep -ci '$(printf '0x%08x' "$SVKEY")'"
	assert_output 0
}

@test "SIGINT and SIGTERM during recv --create --rm on a ring remove it, exit 130/143" {
	signal_removes INT 130 "shm:$R" "shm_exists $R"
	assert_not_exist "/dev/shm$R"
	signal_removes TERM 143 "shm:key:$SVKEY" "shm_exists key:$SVKEY"
}

@test "SIGTERM while a send waits on a full queue with --rm removes it, exit 143" {
	ipctool mq create "$Q" --maxmsg 1
	bg bash -c "exec '$IPCTOOL' send --rm 'mq:$Q' one two"
	wait_until bash -c "[ \"\$('$IPCTOOL' mq info -n -o MSGS '$Q')\" -eq 1 ]"
	# ...and blocked on "two".
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	assert_not_exist "/dev/mqueue$Q"
}

@test "stdout full: recv on a POSIX and a System V queue exits 1 naming the error" {
	ipctool mq create "$Q"
	ipctool mq create "key:$SVKEY"
	ipctool send "mq:$Q" a b c
	ipctool send "mq:key:$SVKEY" a b c
	run bash -c "'$IPCTOOL' recv -n 'mq:$Q' > /dev/full"
	assert_failure 1
	assert_output --partial "cannot write to standard output: No space left on device"
	run bash -c "'$IPCTOOL' recv -n -J 'mq:key:$SVKEY' > /dev/full"
	assert_failure 1
	assert_output --partial "cannot write to standard output: No space left on device"
}

# recv into a pipe whose reader leaves early: exit 1 saying so, never SIGPIPE.
recv_epipe() {
	local ep=$1
	bg bash -c "exec '$IPCTOOL' send '$ep' < <(yes)"
	run bash -c "timeout 60 '$IPCTOOL' recv '$ep' 2>'$TEST_DIR/err' | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}"
	assert_output 1
	run cat "$TEST_DIR/err"
	assert_output --partial "cannot write to standard output: Broken pipe"
}

@test "stdout closed early (EPIPE): recv on a POSIX queue exits 1" {
	ipctool mq create "$Q"
	recv_epipe "mq:$Q"
}

@test "stdout closed early (EPIPE): recv on a System V queue exits 1" {
	ipctool mq create "key:$SVKEY"
	recv_epipe "mq:key:$SVKEY"
}

@test "stdout closed early (EPIPE): recv on a ring exits 1" {
	ipctool shm create "$R" --capacity 64K
	recv_epipe "shm:$R"
}

nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$IPCTOOL" "$@"; }

@test "another user gets a clear permission error on root's 0600 queues, semaphores, FIFO, ring" {
	command -v setpriv >/dev/null || skip "setpriv is missing"
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch to nobody"
	chmod 755 "$TEST_DIR"
	local f=$TEST_DIR/$(uniq_name fifo)
	ipctool mq create "$Q"
	ipctool mq create "key:$SVKEY"
	ipctool sem create "$S"
	ipctool sem create "key:$SEMKEY"
	ipctool fifo create "$f"
	ipctool shm create "$R" --capacity 4K
	local value
	value=$(ipctool sem get "$S")

	run nobody send -n "mq:$Q" x
	assert_failure 1
	assert_output --partial "cannot open 'mq:$Q': Permission denied"
	run nobody recv -n "mq:$Q"
	assert_failure 1
	assert_output --partial "cannot open 'mq:$Q': Permission denied"
	run nobody send -n "mq:key:$SVKEY" x
	assert_failure 1
	assert_output --partial "'mq:key:$SVKEY': Permission denied"
	run nobody recv -n "mq:key:$SVKEY"
	assert_failure 1
	assert_output --partial "Permission denied"
	run nobody sem post "$S"
	assert_failure 1
	assert_output --partial "cannot open '$S': Permission denied"
	run nobody sem wait -n "key:$SEMKEY"
	assert_failure 1
	assert_output --partial "'key:$SEMKEY': Permission denied"
	run nobody send -n "fifo:$f" x
	assert_failure 1
	assert_output --partial "cannot open 'fifo:$f': Permission denied"
	run nobody recv -n "fifo:$f"
	assert_failure 1
	assert_output --partial "cannot open 'fifo:$f': Permission denied"
	run nobody send -n "shm:$R" x
	assert_failure 1
	assert_output --partial "'shm:$R': Permission denied"
	# Nothing was let through.
	run ipctool recv -n "mq:$Q"
	assert_failure 124
	run ipctool sem get "$S"
	assert_output "$value"
}
