#!/usr/bin/env bats
# End-to-end cases for `make valgrind` (scripts/run-valgrind): IPCTOOL is
# scripts/valgrind-ipctool, so every ipctool process below runs under
# valgrind memcheck and exits 99 on a memory error or a definite leak.
# Kept small: each transport once through send and recv, relay, the object
# commands, ls and rm, and the error paths (usage, timeout, missing object).

load ../helpers

setup() {
	setup_common
	Q="/$(uniq_name q)"
	R="/$(uniq_name ring)"
	S="/$(uniq_name sem)"
	SVKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x7a000000 )))
	random_file "$TEST_DIR/in" 256K
}

teardown() {
	teardown_common
	"$IPCTOOL_REAL" mq rm "$Q" "key:$SVKEY" 2>/dev/null || true
	"$IPCTOOL_REAL" shm rm "$R" "key:$SVKEY" 2>/dev/null || true
	"$IPCTOOL_REAL" sem rm "$S" "key:$SVKEY" 2>/dev/null || true
}

# Clean-up without valgrind's start-up cost.
IPCTOOL_REAL=${VALGRIND_IPCTOOL:-$IPCTOOL}

# round_trip ENDPOINT [RECV-OPTIONS] [SEND-OPTIONS]: the input file sent
# and received back byte for byte (options as one word each, split here).
round_trip() {
	local ep=$1
	local -a ropts=(${2:-}) sopts=(${3:-})
	bg ipctool recv "${ropts[@]}" "$ep" >"$TEST_DIR/out"
	local pid=$BG_PID
	ipctool send --wait "${sopts[@]}" "$ep" <"$TEST_DIR/in"
	bg_exits "$pid" 0
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
}

@test "stdio: send - and recv - copy bytes" {
	ipctool send - <"$TEST_DIR/in" | ipctool recv - >"$TEST_DIR/out"
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
}

@test "fifo: recv --create --rm and send --wait" {
	round_trip "fifo:$TEST_DIR/f" "--create --rm"
	assert_not_exist "$TEST_DIR/f"
}

@test "unix: one sender, then recv -k with two senders" {
	round_trip "unix:$TEST_DIR/s"
	bg ipctool recv -k -c 2 "unix:$TEST_DIR/k" >"$TEST_DIR/out"
	local pid=$BG_PID
	ipctool send --wait "unix:$TEST_DIR/k" one
	ipctool send "unix:$TEST_DIR/k" two
	bg_exits "$pid" 0
	assert_equal "$(sort "$TEST_DIR/out")" "$(printf 'one\ntwo')"
}

@test "tcp: bytes over loopback" {
	local port
	port=$(free_port)
	round_trip "tcp:127.0.0.1:$port"
}

@test "unix-dgram and unix-seqpacket: messages, chunked bytes, JSON" {
	round_trip "unix-seqpacket:$TEST_DIR/q" "-F chunk" "-F chunk"
	bg ipctool recv -J -c 2 "unix-dgram:$TEST_DIR/d" >"$TEST_DIR/out"
	local pid=$BG_PID
	ipctool send --wait "unix-dgram:$TEST_DIR/d" hello $'\xff'
	bg_exits "$pid" 0
	run cat "$TEST_DIR/out"
	assert_line --index 0 --partial '"data":"hello"'
	assert_line --index 1 --partial '"data_base64":"/w=="'
}

@test "udp: messages over loopback" {
	local port
	port=$(free_port)
	bg ipctool recv -c 3 "udp:127.0.0.1:$port" >"$TEST_DIR/out"
	local pid=$BG_PID
	# UDP has no --wait: resend until the receiver has taken three.
	for _ in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || break
		"$IPCTOOL_REAL" send "udp:127.0.0.1:$port" x 2>/dev/null || true
		sleep 0.05
	done
	bg_exits "$pid" 0
	assert_equal "$(cat "$TEST_DIR/out")" "$(printf 'x\nx\nx')"
}

@test "POSIX queue: create, priorities, chunked file with --eof, JSON, info, ls, rm" {
	ipctool mq create "$Q" --maxmsg 10 --msgsize 8K
	ipctool send -p 1 "mq:$Q" low
	ipctool send -p 9 "mq:$Q" high
	run ipctool recv -J -c 2 "mq:$Q"
	assert_line --index 0 --partial '"data":"high","size":4,"priority":9'
	bg ipctool recv -F chunk --eof "mq:$Q" >"$TEST_DIR/out"
	local pid=$BG_PID
	ipctool send -F chunk --eof "mq:$Q" <"$TEST_DIR/in"
	bg_exits "$pid" 0
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
	run ipctool mq info "$Q"
	assert_success
	run ipctool mq info -J "$Q"
	assert_success
	run ipctool mq ls
	assert_success
	assert_output --partial "$Q"
	ipctool mq rm "$Q"
	run ipctool mq info "$Q"
	assert_failure 1
}

@test "System V queue: types, a full queue times out, info, rm" {
	ipctool mq create "key:$SVKEY" --maxmsg 2 --msgsize 64
	ipctool send --type 3 "mq:key:$SVKEY" three
	ipctool send --type 1 "mq:key:$SVKEY" one
	run ipctool send -t 100ms "mq:key:$SVKEY" $(seq 300)
	assert_failure 124
	run ipctool recv -c 1 --type 3 "mq:key:$SVKEY"
	assert_output three
	# Draining the queue: 0 once anything arrived.
	run ipctool recv -J -n "mq:key:$SVKEY"
	assert_success
	assert_line --index 0 --partial '"data":"one"'
	run ipctool recv -n "mq:key:$SVKEY"
	assert_failure 124
	run ipctool mq info "key:$SVKEY"
	assert_success
	ipctool mq rm "key:$SVKEY"
}

@test "ring: recv --create --rm and send --wait, lines and chunks" {
	round_trip "shm:$R" "--create --rm -F chunk" "-F chunk"
	assert_not_exist "/dev/shm$R"
	ipctool shm create "$R" --capacity 64K
	seq 1000 | ipctool send "shm:$R"
	run ipctool recv -c 1000 -J "shm:$R"
	assert_success
	assert_line --index 999 --partial '"data":"1000"'
	run ipctool shm info "$R"
	assert_success
}

@test "relay: queue to seqpacket and stdin to queue" {
	ipctool mq create "$Q"
	bg ipctool recv -c 3 "unix-seqpacket:$TEST_DIR/q" >"$TEST_DIR/out"
	local rpid=$BG_PID
	bg ipctool relay --wait -c 3 "mq:$Q" "unix-seqpacket:$TEST_DIR/q"
	local lpid=$BG_PID
	printf 'a\nb\nc\n' | ipctool relay - "mq:$Q"
	bg_exits "$lpid" 0
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" "$(printf 'a\nb\nc')"
}

@test "ls: every kind, JSON, limits, sockets" {
	ipctool mq create "$Q"
	ipctool sem create "$S"
	ipctool shm create "$R" --capacity 4K
	run ipctool ls
	assert_success
	assert_output --partial "$Q"
	run ipctool ls -J -o KIND,NAME,PROCS
	assert_success
	run ipctool ls --limits
	assert_success
	run ipctool ls -t socket
	assert_success
	run ipctool ls "mq:$Q" "/$(uniq_name none)"
	assert_failure 1
}

@test "mq ls, ls and rm --stale with System V objects made by ipcmk" {
	local q m s
	q=$(ipcmk -Q | awk '{ print $NF }')
	m=$(ipcmk -M 4096 | awk '{ print $NF }')
	s=$(ipcmk -S 2 | awk '{ print $NF }')
	run ipctool mq ls
	local mqls_status=$status
	run ipctool ls -o +LSPID,LRPID,REF
	local ls_status=$status
	run ipctool rm --stale -v "mq:id:$q" "shm:id:$m" "sem:id:$s"
	local rm_status=$status
	ipcrm -q "$q" -m "$m" -s "$s" 2>/dev/null || true
	[ "$mqls_status" -eq 0 ]
	[ "$ls_status" -eq 0 ]
	[ "$rm_status" -eq 0 ]
}

@test "rm: several kinds, a missing one, --dry-run, --all --dry-run" {
	ipctool mq create "$Q"
	ipctool sem create "$S"
	ipctool fifo create "$TEST_DIR/f"
	run ipctool rm --dry-run "mq:$Q"
	assert_success
	run ipctool rm -v "mq:$Q" "sem:$S" "fifo:$TEST_DIR/f" "shm:/$(uniq_name none)"
	assert_failure 1
	assert_not_exist "$TEST_DIR/f"
	run ipctool rm --all --dry-run
	assert_success
}

@test "fifo, sem, signal and shm verbs" {
	ipctool fifo create "$TEST_DIR/f"
	run ipctool fifo info "$TEST_DIR/f"
	assert_success
	ipctool fifo rm "$TEST_DIR/f"
	ipctool sem create "$S" --value 0
	ipctool sem post "$S" --count 2
	ipctool sem wait "$S"
	run ipctool sem get "$S"
	assert_output 1
	run ipctool sem run "$S" -- true
	assert_success
	ipctool sem create "key:$SVKEY" --nsems 2
	run ipctool sem get "key:$SVKEY"
	assert_success
	ipctool shm create "$R" -s 8K
	printf hello | ipctool shm attach "$R" --write
	run ipctool shm attach "$R" --length 5
	assert_output hello
	bg ipctool signal wait USR1 -c 1 --pidfile "$TEST_DIR/pid"
	local pid=$BG_PID
	wait_for_nonempty "$TEST_DIR/pid"
	ipctool signal send "$(cat "$TEST_DIR/pid")" USR1 --value 7
	bg_exits "$pid" 0
	run ipctool signal list
	assert_success
}

@test "error paths: usage errors, timeouts, missing objects, help" {
	run ipctool send 'mq:/a/b' x
	assert_failure 2
	run ipctool recv --bogus -
	assert_failure 2
	run ipctool recv -t 1x "mq:$Q"
	assert_failure 2
	run ipctool recv -n "mq:$Q"
	assert_failure 1
	ipctool mq create "$Q"
	run ipctool recv -t 50ms "mq:$Q"
	assert_failure 124
	run ipctool recv -n "unix:$TEST_DIR/none"
	assert_failure 124
	run ipctool send -n "unix:$TEST_DIR/none" x
	assert_failure 1
	run ipctool mq bogus
	assert_failure 2
	run ipctool help
	assert_success
	run ipctool recv --help
	assert_success
	run ipctool mq create --help
	assert_success
}
