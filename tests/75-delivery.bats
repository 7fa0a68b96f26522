#!/usr/bin/env bats
# Delivery (issue 11, "nothing lost, nothing crossed"): a message leaves its
# source only once its destination accepted it; a queue that cannot un-take
# gets it back; the exit status says when something went wrong.

load helpers

setup() {
	setup_common
	A="/$(uniq_name a)"
	B="/$(uniq_name b)"
	R="/$(uniq_name r)"
	SVKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x30000000 )))
}

teardown() {
	teardown_common
	ipctool mq rm "$A" 2>/dev/null || true
	ipctool mq rm "$B" 2>/dev/null || true
	ipctool mq rm "key:$SVKEY" 2>/dev/null || true
	ipctool shm rm "$R" 2>/dev/null || true
}

# A queue B that holds one message and is full.
full_queue() {
	ipctool mq create --maxmsg 1 --msgsize 1K "$B"
	ipctool send "mq:$B" filler
}

# Wait (at most 10 s) until process $1 sleeps in the kernel.
wait_blocked() {
	local i
	for i in $(seq 2000); do
		[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = S ] && return 0
		sleep 0.005
	done
	return 1
}

@test "relay: DEST full until --timeout: 124, the messages stay in a POSIX SOURCE" {
	full_queue
	ipctool mq create --maxmsg 10 --msgsize 1K "$A"
	ipctool send "mq:$A" -p 3 one two
	run ipctool relay -t 300ms "mq:$A" "mq:$B"
	assert_failure 124
	run ipctool recv -J -n -c 2 "mq:$A"
	assert_success
	assert_line --index 0 --partial '"data":"one","size":3,"priority":3'
	assert_line --index 1 --partial '"data":"two","size":3,"priority":3'
}

@test "relay: DEST full until --timeout: 124, the message stays in a System V SOURCE" {
	full_queue
	ipctool mq create "key:$SVKEY"
	ipctool send "mq:key:$SVKEY" --type 5 five
	run ipctool relay -t 300ms "mq:key:$SVKEY" "mq:$B"
	assert_failure 124
	run ipctool recv -J -n -c 1 "mq:key:$SVKEY"
	assert_success
	assert_output --partial '"data":"five","size":4,"type":5'
}

@test "relay: a message too large for DEST: exit 1, it stays in SOURCE with its priority" {
	ipctool mq create --maxmsg 10 --msgsize 1K "$A"
	ipctool mq create --maxmsg 10 --msgsize 8 "$B"
	ipctool send "mq:$A" -p 4 "$(printf '%0100d' 7)"
	run ipctool relay -t 2s "mq:$A" "mq:$B"
	assert_failure 1
	assert_output --partial "larger than the message size"
	run ipctool recv -J -n -c 1 "mq:$A"
	assert_success
	assert_output --partial '"size":100,"priority":4'
}

@test "relay: SIGTERM while blocked on a full DEST: 143, the message stays in SOURCE" {
	full_queue
	ipctool mq create --maxmsg 10 --msgsize 1K "$A"
	ipctool send "mq:$A" -p 2 pending
	bg ipctool relay "mq:$A" "mq:$B"
	wait_blocked "$BG_PID"
	sleep 0.2
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	run ipctool recv -J -n -c 1 "mq:$A"
	assert_success
	assert_output --partial '"data":"pending","size":7,"priority":2'
}

@test "relay: SIGTERM while blocked on a full DEST: the message stays in a System V SOURCE" {
	full_queue
	ipctool mq create "key:$SVKEY"
	ipctool send "mq:key:$SVKEY" --type 3 pending
	bg ipctool relay "mq:key:$SVKEY" "mq:$B"
	wait_blocked "$BG_PID"
	sleep 0.2
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	run ipctool recv -J -n -c 1 "mq:key:$SVKEY"
	assert_success
	assert_output --partial '"data":"pending","size":7,"type":3'
}

@test "relay: a ring SOURCE into a full queue: the record stays in the ring" {
	full_queue
	ipctool shm create "$R" --capacity 64K
	ipctool send "shm:$R" one two
	run ipctool relay -t 300ms "shm:$R" "mq:$B"
	assert_failure 124
	bg ipctool relay "shm:$R" "mq:$B"
	wait_blocked "$BG_PID"
	sleep 0.2
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	run ipctool recv -n -c 2 "shm:$R"
	assert_success
	assert_output "$(printf 'one\ntwo')"
}

@test "relay into a receiver that goes away: not 0, nothing unaccounted" {
	ipctool mq create --maxmsg 10 --msgsize 1K "$A"
	ipctool send "mq:$A" one two three
	bg ipctool recv -c 1 "unix:$TEST_DIR/s" >"$TEST_DIR/out"
	recv_pid=$BG_PID
	run ipctool relay --wait=5s -t 1s "mq:$A" "unix:$TEST_DIR/s"
	assert_failure
	bg_exits "$recv_pid" 0
	run cat "$TEST_DIR/out"
	assert_output one
}

@test "recv onto a failing output: exit 1, the message stays in a POSIX queue with its priority" {
	ipctool mq create --maxmsg 10 --msgsize 1K "$A"
	ipctool send "mq:$A" -p 6 keep
	run bash -c "'$IPCTOOL' recv -c 1 'mq:$A' >/dev/full"
	assert_failure 1
	assert_output --partial "standard output"
	run ipctool recv -J -c 1 -t 2s "mq:$A"
	assert_success
	assert_output --partial '"data":"keep","size":4,"priority":6'
	ipctool send "mq:$A" again
	run bash -c "'$IPCTOOL' recv -J -c 1 'mq:$A' >&-"
	assert_failure 1
	run ipctool recv -c 1 -t 2s "mq:$A"
	assert_output again
}

@test "recv onto a failing output: the message stays in a System V queue with its type" {
	ipctool mq create "key:$SVKEY"
	ipctool send "mq:key:$SVKEY" --type 8 keep
	run bash -c "'$IPCTOOL' recv -c 1 'mq:key:$SVKEY' >/dev/full"
	assert_failure 1
	run ipctool recv -J -c 1 -t 2s "mq:key:$SVKEY"
	assert_output --partial '"data":"keep","size":4,"type":8'
}

@test "recv from a ring onto a failing output: the records stay, in every framing" {
	ipctool shm create "$R" --capacity 64K
	ipctool send "shm:$R" one two
	run bash -c "'$IPCTOOL' recv -c 2 -t 2s 'shm:$R' >/dev/full"
	assert_failure 1
	run bash -c "'$IPCTOOL' recv -J -c 1 -t 2s 'shm:$R' >/dev/full"
	assert_failure 1
	run bash -c "'$IPCTOOL' recv -F chunk -c 1 -t 2s 'shm:$R' >/dev/full"
	assert_failure 1
	run bash -c "'$IPCTOOL' recv -F whole -c 1 -t 2s 'shm:$R' >/dev/full"
	assert_failure 1
	run ipctool recv -n -c 2 "shm:$R"
	assert_success
	assert_output "$(printf 'one\ntwo')"
}

@test "send MESSAGE... to a stream that is never read honours --timeout" {
	s="$TEST_DIR/s"
	bg socat "UNIX-LISTEN:$s" SYSTEM:'sleep 30'
	wait_for_path "$s"
	big=$(head -c 100000 /dev/zero | tr '\0' x)
	SECONDS=0
	run timeout 20 "$IPCTOOL" send -t 1s "unix:$s" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big"
	assert_failure 124
	[ "$SECONDS" -lt 10 ]
}

@test "recv --priority and --type on a POSIX queue: usage errors" {
	ipctool mq create "$A"
	run ipctool recv -p 3 -n "mq:$A"
	assert_failure 2
	assert_output --partial "--priority"
}

@test "--mode and --reuse without --create: usage errors on send, recv and relay" {
	ipctool mq create "$A" "$B"
	run ipctool send --mode 0644 "mq:$A" x
	assert_failure 2
	assert_output --partial "--mode"
	run ipctool recv --reuse -n "mq:$A"
	assert_failure 2
	assert_output --partial "--reuse"
	run ipctool relay --mode 0600 -n "mq:$A" "mq:$B"
	assert_failure 2
	run ipctool relay --reuse -n "mq:$A" "mq:$B"
	assert_failure 2
	run ipctool recv -n "mq:$A"
	assert_failure 124
}

@test "--stats: the rate leaves out the idle time, one write per line" {
	ipctool mq create --maxmsg 10 --msgsize 1K "$A"
	ipctool send "mq:$A" a b c d e
	# (LeakSanitizer cannot run under ptrace: off, for an ASan build.)
	run --separate-stderr env ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=write -e signal=none -o "$TEST_DIR/trace" \
		"$IPCTOOL" recv --stats -t 1s "mq:$A"
	assert_success
	# Five messages, then a quiet second: the rate is over the transfer.
	secs=$(sed -n 's/.* in \([0-9.]*\) s.*/\1/p' <<<"$stderr")
	[ -n "$secs" ]
	run awk -v s="$secs" 'BEGIN { exit !(s < 0.5) }'
	assert_success
	run grep -c 'write(2, ' "$TEST_DIR/trace"
	assert_output 1
}

@test "recv SIGTERM while standard output blocks: the queue gets back what was not written" {
	ipctool mq create --maxmsg 10 --msgsize 8K "$A"
	mkfifo "$TEST_DIR/out"
	exec 5<>"$TEST_DIR/out"
	line=$(head -c 8000 /dev/zero | tr '\0' x)
	bg ipctool recv "mq:$A" >"$TEST_DIR/out"
	# Ten fit the queue (room to put back), and are more than a pipe holds.
	ipctool send -t 10s "mq:$A" "$line" "$line" "$line" "$line" "$line" "$line" "$line" "$line" \
		"$line" "$line"
	wait_blocked "$BG_PID"
	sleep 0.2
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	# What reached the pipe, and what is back in the queue: all ten, at least.
	written=$(timeout 2 cat <&5 | tr -cd '\n' | wc -c || true)
	exec 5<&-
	queued=$(ipctool recv -n "mq:$A" | wc -l)
	echo "written $written queued $queued" >&2
	[ "$queued" -gt 0 ]
	[ "$((written + queued))" -ge 10 ]
}

@test "recv -c N whose stream ends short of N: exit 1 saying how many came" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -c 5 "unix-seqpacket:$s" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	local rpid=$BG_PID
	ipctool send --wait "unix-seqpacket:$s" a b c
	bg_exits "$rpid" 1
	assert_equal "$(cat "$TEST_DIR/out")" "$(printf 'a\nb\nc')"
	run cat "$TEST_DIR/err"
	assert_output "ipctool recv: 'unix-seqpacket:$s': the stream ended after 3 of 5 messages"
}

@test "relay --dead-letter: a message that can be neither delivered nor put back goes to FILE, exit not 0" {
	# SOURCE holds one message at most; DEST is a full System V queue,
	# which relay cannot wait on for room: it takes A, then times out.
	ipctool mq create --maxmsg 1 --msgsize 1K "$A"
	ipctool send "mq:$A" first
	ipctool mq create --maxmsg 1 --msgsize 16 "key:$SVKEY"
	ipctool send "mq:key:$SVKEY" 0123456789abcdef
	bg ipctool relay --dead-letter "$TEST_DIR/dead" -t 2s "mq:$A" "mq:key:$SVKEY"
	local pid=$BG_PID i
	# Once relay has taken 'first', another sender fills SOURCE again.
	for i in $(seq 2000); do
		if [ "$(ipctool mq info -n -o MSGS "$A" | tr -d " ")" = 0 ]; then break; fi
		sleep 0.005
	done
	ipctool send -t 5s "mq:$A" second
	bg_exits "$pid" 124
	assert_equal "$(cat "$TEST_DIR/dead")" "first"
	[ "$(stat -c %a "$TEST_DIR/dead")" = 600 ]
	run -0 ipctool recv -c 1 -t 1s "mq:$A"
	assert_output "second"
}

@test "--dead-letter is for recv and relay: a usage error on send" {
	run -2 ipctool send --dead-letter "$TEST_DIR/dead" "mq:$A" x
	assert_output --partial "--dead-letter applies to recv and relay"
	assert_not_exists "$TEST_DIR/dead"
}
