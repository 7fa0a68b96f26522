#!/usr/bin/env bats
# relay: any endpoint to any endpoint, keeping boundaries and priorities.

load helpers

setup() {
	setup_common
	A="/$(uniq_name a)"
	B="/$(uniq_name b)"
	SVKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x20000000 )))
}

teardown() {
	teardown_common
	ipctool mq rm "$A" 2>/dev/null || true
	ipctool mq rm "$B" 2>/dev/null || true
	ipctool mq rm "key:$SVKEY" 2>/dev/null || true
}

@test "queue to queue keeps priorities" {
	ipctool mq create "$A" "$B"
	ipctool send "mq:$A" -p 1 one
	ipctool send "mq:$A" -p 7 seven
	ipctool send "mq:$A" -p 3 three
	ipctool relay -c 3 "mq:$A" "mq:$B"
	run ipctool recv -J -c 3 "mq:$B"
	assert_line --index 0 --partial '"data":"seven","size":5,"priority":7'
	assert_line --index 1 --partial '"data":"three","size":5,"priority":3'
	assert_line --index 2 --partial '"data":"one","size":3,"priority":1'
	run ipctool recv -n "mq:$A"
	assert_failure 124
}

@test "a queue onto TCP delivers the messages as lines" {
	port=$(free_port)
	ipctool mq create "$A"
	ipctool send --eof "mq:$A" alpha "beta gamma" delta
	bg ipctool recv "tcp:127.0.0.1:$port" >"$TEST_DIR/out"
	ipctool relay --wait=5s --eof "mq:$A" "tcp:127.0.0.1:$port"
	wait "$BG_PID"
	run cat "$TEST_DIR/out"
	assert_output "$(printf 'alpha\nbeta gamma\ndelta')"
}

@test "standard input into a queue, cut by the framing" {
	ipctool mq create "$A"
	printf 'x\0y z\0' | ipctool relay -0 - "mq:$A"
	run ipctool recv -J -c 2 "mq:$A"
	assert_line --index 1 --partial '"data":"y z"'
}

@test "System V types survive a System V to POSIX hop as data, and --type selects" {
	ipctool mq create "key:$SVKEY" "$A"
	ipctool send "mq:key:$SVKEY" --type 2 two
	ipctool send "mq:key:$SVKEY" --type 9 nine
	ipctool relay -c 1 --type 9 "mq:key:$SVKEY" "mq:$A"
	run ipctool recv -c 1 "mq:$A"
	assert_output nine
	run ipctool recv -c 1 -J "mq:key:$SVKEY"
	assert_output --partial '"type":2'
}

@test "a big file through relay between queues, chunked, byte for byte" {
	random_file "$TEST_DIR/in" 1M
	ipctool mq create "$A" "$B"
	ipctool send -F chunk --eof "mq:$A" <"$TEST_DIR/in" 3>&- &
	spid=$!
	ipctool relay --eof "mq:$A" "mq:$B" 3>&- &
	rpid=$!
	ipctool recv -F chunk --eof "mq:$B" >"$TEST_DIR/out"
	wait "$spid"
	wait "$rpid"
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
}

@test "relay -n on an empty queue exits 124; bad arguments exit 2" {
	ipctool mq create "$A" "$B"
	run ipctool relay -n "mq:$A" "mq:$B"
	assert_failure 124
	run ipctool relay "mq:$A"
	assert_failure 2
	assert_output --partial "missing DEST"
	run ipctool relay -p 3 "mq:$A" "mq:key:$SVKEY"
	assert_failure 2
	assert_output --partial "--priority"
	run ipctool relay "mq:$A" mq:nope
	assert_failure 2
	assert_output --partial "'mq:nope' is not an object reference"
}

@test "relay --help" {
	run ipctool relay --help
	assert_success
	assert_output --partial "SOURCE DEST"
	assert_output --partial "--framing"
}

@test "each option goes to the side that takes it: --listen DEST's, --connect SOURCE's, --capacity the ring's" {
	# --listen: DEST listens, the queue SOURCE takes no part in it.
	ipctool mq create "$A"
	ipctool send --eof "mq:$A" one two
	bg ipctool relay --listen --eof "mq:$A" "unix:$TEST_DIR/l"
	local relay=$BG_PID
	run ipctool recv --connect --wait=10s -t 10s "unix:$TEST_DIR/l"
	assert_success
	assert_output $'one\ntwo'
	bg_exits "$relay" 0
	# --connect: SOURCE connects, the queue DEST takes no part in it.
	bg ipctool send --listen "unix:$TEST_DIR/c" x y
	wait_for_path "$TEST_DIR/c"
	ipctool mq create "$B"
	ipctool relay --connect -c 2 "unix:$TEST_DIR/c" "mq:$B"
	run ipctool recv -c 2 "mq:$B"
	assert_output $'x\ny'
	# --create makes both; --capacity is the ring's, --maxmsg the queue's.
	ipctool mq rm "$B"
	ipctool send "mq:$A" q
	run ipctool relay --create --reuse --capacity 64K --maxmsg 4 --msgsize 1K --rm -c 1 \
		"mq:$A" "shm:$B"
	assert_success
	# An option no side takes is still a usage error.
	run ipctool relay --listen "mq:$A" "mq:$B"
	assert_failure 2
	assert_output --partial "--listen applies to socket endpoints"
	run ipctool relay --capacity 64K --create "mq:$A" "mq:$B"
	assert_failure 2
	assert_output --partial "--capacity applies to"
}
