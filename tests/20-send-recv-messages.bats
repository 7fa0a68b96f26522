#!/usr/bin/env bats
# send and recv on message endpoints: POSIX and System V queues, datagram,
# seqpacket and UDP sockets; framing, priorities, types, JSON, limits.

load helpers

setup() {
	setup_common
	Q="/$(uniq_name q)"
	# A System V key unique to this test run.
	SVKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x10000000 )))
}

teardown() {
	teardown_common
	ipctool mq rm "$Q" 2>/dev/null || true
	ipctool mq rm "key:$SVKEY" 2>/dev/null || true
}

@test "messages come out in priority order, FIFO within a priority" {
	ipctool send --create --msgsize 1K "mq:$Q" -p 1 low
	ipctool send "mq:$Q" -p 5 high1 high2
	ipctool send "mq:$Q" zero
	ipctool send "mq:$Q" -p 5 high3
	run ipctool recv -c 5 "mq:$Q"
	assert_success
	assert_output "$(printf 'high1\nhigh2\nhigh3\nlow\nzero')"
}

@test "four concurrent senders of 3000 messages each: nothing lost or duplicated" {
	ipctool mq create "$Q" --msgsize 1K
	bg ipctool recv -c 12000 "mq:$Q" >"$TEST_DIR/out"
	rpid=$BG_PID
	pids=()
	for s in 1 2 3 4; do
		seq -f "s$s-%g" 3000 | ipctool send "mq:$Q" 2>>"$TEST_DIR/err" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || { cat "$TEST_DIR/err"; false; }
	done
	wait "$rpid"
	[ "$(wc -l <"$TEST_DIR/out")" -eq 12000 ]
	[ -z "$(sort "$TEST_DIR/out" | uniq -d)" ]
	for s in 1 2 3 4; do
		# Each sender's messages arrive complete and in its order.
		diff <(grep "^s$s-" "$TEST_DIR/out") <(seq -f "s$s-%g" 3000)
	done
	run ipctool recv -n "mq:$Q"
	assert_failure 124
}

@test "a 3 MiB random file survives a queue with --framing chunk --eof" {
	random_file "$TEST_DIR/in" 3M
	ipctool mq create "$Q" --msgsize 4096
	ipctool send -F chunk --eof "mq:$Q" <"$TEST_DIR/in" 3>&- &
	spid=$!
	ipctool recv -F chunk --eof "mq:$Q" >"$TEST_DIR/out"
	wait "$spid"
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
}

@test "an oversized message is refused with both sizes and nothing is sent" {
	ipctool mq create "$Q" --msgsize 100
	big=$(head -c 101 /dev/zero | tr '\0' x)
	run ipctool send "mq:$Q" small "$big"
	assert_failure 1
	assert_output --partial "101 bytes"
	assert_output --partial "(100 bytes)"
	run ipctool recv -n "mq:$Q"
	assert_failure 124
	assert_output --partial "timed out"
	# From standard input as one whole message, too.
	run bash -c "head -c 5000 /dev/zero | '$IPCTOOL' send -F whole 'mq:$Q'"
	assert_failure 1
	assert_output --partial "5000 bytes"
	run ipctool recv -n "mq:$Q"
	assert_failure 124
}

@test "chunk framing splits what line framing refuses" {
	ipctool mq create "$Q" --msgsize 10 --maxmsg 10
	printf '0123456789abcdefghij012' >"$TEST_DIR/in"
	run ipctool send "mq:$Q" <"$TEST_DIR/in"
	assert_failure 1
	assert_output --partial "23 bytes"
	ipctool send -F chunk "mq:$Q" <"$TEST_DIR/in"
	run ipctool recv -J -c 3 "mq:$Q"
	assert_success
	assert_line --index 0 --partial '"data":"0123456789","size":10'
	assert_line --index 2 --partial '"data":"012","size":3'
}

@test "an empty queue with -n or -t exits 124; a full one with -t too" {
	ipctool mq create "$Q" --maxmsg 1
	run ipctool recv -n "mq:$Q"
	assert_failure 124
	run ipctool recv -t 50ms "mq:$Q"
	assert_failure 124
	ipctool send "mq:$Q" one
	run ipctool send -t 50ms "mq:$Q" two
	assert_failure 124
	assert_output --partial "accepted nothing"
	# Draining a queue is not a timeout: 0 once anything arrived.
	run ipctool recv -n "mq:$Q"
	assert_success
	assert_output one
	# ... unless --count asked for more than came.
	ipctool send "mq:$Q" again
	run ipctool recv -n -c 2 "mq:$Q"
	assert_failure 124
	assert_line --index 0 again
	assert_line --index 1 --partial "nothing more arrived on 'mq:$Q' within 0s (1 message received)"
	ipctool send "mq:$Q" last
	run ipctool send -n "mq:$Q" two three
	assert_failure 124
	assert_output --partial "accepted nothing for 0s (full?)"
}

@test "System V types select messages as msgrcv(2) does" {
	ipctool send --create "mq:key:$SVKEY" --type 3 three
	ipctool send "mq:key:$SVKEY" --type 1 one
	ipctool send "mq:key:$SVKEY" --type 5 five
	ipctool send "mq:key:$SVKEY" --type 2 two
	run ipctool recv -c 1 --type 5 "mq:key:$SVKEY"
	assert_output five
	run ipctool recv -c 2 --type -3 "mq:key:$SVKEY"
	assert_output "$(printf 'one\ntwo')"
	run ipctool recv -J -c 1 "mq:key:$SVKEY"
	assert_output --partial '"data":"three","size":5,"type":3'
	run ipctool send "mq:key:$SVKEY" --type 0 x
	assert_failure 2
}

@test "an ftok: reference gives ftok(3)'s key, as ipcs shows it" {
	touch "$TEST_DIR/f"
	read -r dev ino < <(stat -c '%d %i' "$TEST_DIR/f")
	key=$(printf '0x%08x' $(( (0x42 << 24) | ((dev & 0xff) << 16) | (ino & 0xffff) )))
	ipctool mq create "ftok:$TEST_DIR/f:B"
	SVKEY=$key # removed in teardown
	run ipcs -q
	assert_output --partial "$key"
	run ipctool mq info -n -o KEY "ftok:$TEST_DIR/f:66"
	assert_output "$key"
}

@test "created queues are 0600 and creation is exclusive" {
	ipctool mq create "$Q" --msgsize 1K
	run ipctool mq info -n -o PERMS "$Q"
	assert_output 0600
	run ipctool send --create "mq:$Q" x
	assert_failure 1
	assert_output --partial "File exists"
	assert_output --partial "--reuse"
	ipctool send --create --reuse "mq:$Q" x
	ipctool send --create "mq:key:$SVKEY" x
	run bash -c "ipcs -q | grep -i '$(printf '0x%08x' "$SVKEY")'"
	assert_output --partial " 600 "
	run ipctool mq create "key:$SVKEY"
	assert_failure 1
	ipctool mq rm "$Q"
	ipctool mq create --mode 0640 --msgsize 1K "$Q"
	run ipctool mq info -n -o PERMS "$Q"
	assert_output 0640
}

@test "--create --rm leaves nothing behind, also when killed" {
	ipctool send --create --rm --msgsize 1K "mq:$Q" x
	run ipctool mq info "$Q"
	assert_failure 1
	# The binary itself, so that the signal reaches it.
	bg "$IPCTOOL" recv --create --rm --msgsize 1K "mq:$Q"
	for _ in $(seq 500); do ipctool mq info "$Q" >/dev/null 2>&1 && break; sleep 0.01; done
	run ipctool mq info -n -o NAME "$Q"
	assert_output "$Q"
	kill -TERM "$BG_PID"
	rc=0
	wait "$BG_PID" || rc=$?
	[ "$rc" -eq 143 ]
	run ipctool mq info "$Q"
	assert_failure 1
	assert_output --partial "No such file"
}

@test "a missing queue is an error with a hint" {
	run ipctool send "mq:$Q" x
	assert_failure 1
	assert_output --partial "cannot open 'mq:$Q': No such file or directory (create it with --create)"
	run ipctool recv "mq:key:$SVKEY"
	assert_failure 1
}

@test "recv --eof stops at an empty message; an empty line is an empty message" {
	ipctool mq create "$Q" --msgsize 1K
	printf 'a\n\nb\n' | ipctool send "mq:$Q"
	run ipctool recv -c 3 "mq:$Q"
	assert_output "$(printf 'a\n\nb')"
	ipctool send --eof "mq:$Q" x y
	ipctool send "mq:$Q" after
	run ipctool recv --eof "mq:$Q"
	assert_success
	assert_output "$(printf 'x\ny')"
}

@test "-J writes one JSON object per message, base64 for bytes that are not UTF-8" {
	ipctool mq create "$Q" --msgsize 1K
	ipctool send -p 7 "mq:$Q" 'say "hi"	ünïcode'
	printf '\xff\x00a' | ipctool send -F whole "mq:$Q"
	run ipctool recv -J -c 2 "mq:$Q"
	assert_success
	assert_line --index 0 --regexp '^\{"data":"say \\"hi\\"\\tünïcode","size":18,"priority":7,"time":"[0-9T:.-]+[+-][0-9]{2}:[0-9]{2}"\}$'
	assert_line --index 1 --partial '{"data_base64":"/wBh","size":3,'
}

@test "null framing and MESSAGE arguments" {
	ipctool mq create "$Q" --msgsize 1K
	printf 'a b\0c\0' | ipctool send -0 "mq:$Q"
	run ipctool recv -c 2 -J "mq:$Q"
	assert_line --index 0 --partial '"data":"a b"'
	ipctool send "mq:$Q" "x y" z
	ipctool recv -0 -c 2 "mq:$Q" >"$TEST_DIR/out"
	cmp "$TEST_DIR/out" <(printf 'x y\0z\0')
}

@test "unix-dgram keeps message boundaries and names the sender" {
	bg ipctool recv -J -c 3 "unix-dgram:$TEST_DIR/s" >"$TEST_DIR/out"
	wait_for_path "$TEST_DIR/s"
	ipctool send "unix-dgram:$TEST_DIR/s" "one two" "" three
	wait "$BG_PID"
	run cat "$TEST_DIR/out"
	assert_line --index 0 --partial '"data":"one two","size":7,"sender":"pid '
	assert_line --index 1 --partial '"data":"","size":0'
	assert_line --index 2 --partial '"data":"three","size":5'
	assert_not_exists "$TEST_DIR/s"
}

@test "unix-seqpacket keeps boundaries; the sender's close ends the stream" {
	bg ipctool recv "unix-seqpacket:$TEST_DIR/sp" >"$TEST_DIR/out"
	wait_for_path "$TEST_DIR/sp"
	head -c 20000 /dev/urandom | base64 -w 0 >"$TEST_DIR/big"
	{ echo short; cat "$TEST_DIR/big"; echo; echo; echo last; } | ipctool send "unix-seqpacket:$TEST_DIR/sp"
	wait "$BG_PID"
	cmp "$TEST_DIR/out" <(echo short; cat "$TEST_DIR/big"; echo; echo; echo last)
}

@test "abstract seqpacket sockets, and a --wait for the receiver" {
	name="@$(uniq_name sp)"
	bg ipctool send --wait=5s -c 2 "unix-seqpacket:$name" a b c
	run ipctool recv "unix-seqpacket:$name"
	assert_success
	assert_output "$(printf 'a\nb')"
}

@test "UDP on loopback" {
	port=$(free_port)
	bg ipctool recv -J -c 1 "udp:127.0.0.1:$port" >"$TEST_DIR/out"
	# Datagrams sent before the receiver binds are lost: repeat until it has one.
	for _ in $(seq 500); do
		kill -0 "$BG_PID" 2>/dev/null || break
		ipctool send "udp:127.0.0.1:$port" "hello udp"
		sleep 0.01
	done
	wait "$BG_PID"
	run cat "$TEST_DIR/out"
	assert_output --regexp '^\{"data":"hello udp","size":9,"sender":"127\.0\.0\.1:[0-9]+","time":'
}

@test "malformed references and misplaced options are usage errors" {
	run ipctool send mq:foo x
	assert_failure 2
	assert_output --partial "'mq:foo' is not an object reference"
	run ipctool send mq:/a/b x
	assert_failure 2
	assert_output --partial "second '/'"
	run ipctool recv mq:key:zz
	assert_failure 2
	assert_output --partial "not a System V key"
	run ipctool recv mq:ftok:
	assert_failure 2
	run ipctool recv udp:localhost
	assert_failure 2
	assert_output --partial "missing a port"
	run ipctool send -p 3 "mq:key:$SVKEY" x
	assert_failure 2
	assert_output --partial "--priority applies to POSIX queues"
	run ipctool recv --type 2 "mq:$Q"
	assert_failure 2
	run ipctool send "mq:key:private" x
	assert_failure 2
	assert_output --partial "--create"
	run ipctool recv -J -
	assert_failure 2
}

@test "key:private with --create makes a new queue and names it" {
	run ipctool send --create mq:key:private hello
	assert_success
	assert_output --regexp "created 'mq:id:[0-9]+'"
	id=$(echo "$output" | sed -n "s/.*'mq:\(id:[0-9]*\)'.*/\1/p")
	run ipctool recv -c 1 "mq:$id"
	assert_output hello
	ipctool mq rm "$id"
}


@test "SIGINT and SIGTERM remove a datagram or seqpacket receiver's socket file" {
	local kind s
	for kind in unix-dgram unix-seqpacket; do
		s=$TEST_DIR/$(uniq_name "$kind")
		bg ipctool recv -c 2 "$kind:$s"
		wait_for_path "$s"
		kill -TERM "$BG_PID"
		bg_exits "$BG_PID" 143
		assert_not_exist "$s"
		# The path is free again for the next receiver.
		bg ipctool recv -c 1 "$kind:$s"
		ipctool send --wait "$kind:$s" again
		bg_exits "$BG_PID" 0
		assert_not_exist "$s"
	done
}

@test "a quiet period ends a receiver with 0 once messages came: queue, ring, relay" {
	ipctool mq create "$Q" --msgsize 1K
	ipctool send "mq:$Q" a b
	run ipctool recv -t 100ms "mq:$Q"
	assert_success
	assert_output $'a\nb'
	local r=/$(uniq_name ring)
	bg ipctool recv -k -t 300ms --create --rm "shm:$r"
	ipctool send --wait "shm:$r" x y
	bg_exits "$BG_PID" 0
	ipctool send "mq:$Q" c
	run ipctool relay -n "mq:$Q" -
	assert_success
	assert_output c
	run ipctool relay -n "mq:$Q" -
	assert_failure 124
	assert_output --partial "nothing arrived on 'mq:$Q' within 0s"
}

@test "a queue that fills up while sending: 124, naming how many went" {
	ipctool mq create "$Q" --maxmsg 1
	run ipctool send -n "mq:$Q" first second
	assert_failure 124
	assert_output --partial "'mq:$Q' accepted nothing more for 0s (1 message sent; full?)"
	run ipctool recv -n "mq:$Q"
	assert_output first
}

@test "an endless record into a queue is refused at once, not read forever" {
	ipctool mq create "$Q" --msgsize 1K
	run timeout 20 "$IPCTOOL" send "mq:$Q" < /dev/zero
	assert_failure 1
	assert_output --regexp "a record of more than [0-9]+ bytes is larger than the message size of 'mq:$Q' \(1024 bytes\)"
	run ipctool recv -n "mq:$Q"
	assert_failure 124
}

@test "a message size the socket buffers cannot hold is refused at open, naming the limit" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody"
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	local wmem
	wmem=$(cat /proc/sys/net/core/wmem_max)
	[ "$wmem" -lt 50000000 ] || skip "net.core.wmem_max is large here"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$IPCTOOL" recv --msgsize 100M -n "unix-dgram:@$(uniq_name big)"
	assert_failure 1
	assert_output --partial "larger than the socket buffers allow (net.core.wmem_max and rmem_max)"
}

@test "System V --maxmsg past kernel.msgmnb for an unprivileged user is refused, no queue left" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody"
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	local mnb
	mnb=$(cat /proc/sys/kernel/msgmnb)
	[ "$mnb" -lt $((1000 * 1024)) ] || skip "kernel.msgmnb is large here"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$IPCTOOL" mq create "key:$SVKEY" --maxmsg 1000 --msgsize 1K
	assert_failure 1
	assert_output --partial "kernel.msgmnb"
	run ipctool mq info "key:$SVKEY"
	assert_failure 1
}
