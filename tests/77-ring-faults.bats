#!/usr/bin/env bats
# Faults of the shared-memory ring (issue 11, "nothing lost, nothing
# crossed"): several writers, a segment truncated under its users, --reuse
# of what exists, key:private rings.

load helpers

setup() {
	setup_common
	R="/$(uniq_name ring)"
	SVKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x77000000 )))
	PRIV_ID=
}

teardown() {
	teardown_common
	local f
	for f in /dev/shm"$R"*; do
		[ -e "$f" ] && ipctool shm rm "${f#/dev/shm}" 2>/dev/null
	done
	ipctool shm rm "key:$SVKEY" 2>/dev/null || true
	if [ -n "$PRIV_ID" ]; then
		ipctool shm rm "id:$PRIV_ID" 2>/dev/null || true
	fi
}

# Wait (at most 20 s) until the ring's last attached reader (or writer) is
# pid, or any process when pid is "".
wait_for_ring_peer() {
	local i v
	for i in $(seq 4000); do
		v=$(ipctool shm info -r -n -o "$2" "$1" 2>/dev/null) || true
		if [ -n "$3" ] && [ "$v" = "$3" ]; then
			return 0
		fi
		if [ -z "$3" ] && [ -n "$v" ]; then
			return 0
		fi
		sleep 0.005
	done
	echo "wait_for_ring_peer: $3 did not attach to '$1' as $2" >&2
	return 1
}

@test "three writers into one recv --create -c: every line, every run" {
	local run w rpid pids p
	for run in $(seq 10); do
		bg timeout 60 "$IPCTOOL" recv --create --capacity 16K -c 3000 "shm:$R.$run" \
			>"$TEST_DIR/out" 2>"$TEST_DIR/rerr"
		rpid=$BG_PID
		pids=()
		for w in 1 2 3; do
			seq -f "w$w-%g" 1000 | "$IPCTOOL" send --wait "shm:$R.$run" 2>>"$TEST_DIR/err" &
			pids+=($!)
		done
		for p in "${pids[@]}"; do
			wait "$p" || { cat "$TEST_DIR/err"; false; }
		done
		bg_exits "$rpid" 0 || { cat "$TEST_DIR/rerr"; false; }
		[ "$(wc -l <"$TEST_DIR/out")" -eq 3000 ]
		for w in 1 2 3; do
			diff <(grep "^w$w-" "$TEST_DIR/out") <(seq -f "w$w-%g" 1000)
		done
		ipctool shm rm "$R.$run"
	done
}

@test "a writer killed while the reader waits for its count: recv -c fails, never exits 0" {
	ipctool shm create "$R" --capacity 16K
	bg timeout 60 "$IPCTOOL" recv -c 2000 "shm:$R" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	local rpid=$BG_PID
	# A writer that stays attached, waiting for input that never comes.
	mkfifo "$TEST_DIR/fifo"
	bg bash -c "exec '$IPCTOOL' send 'shm:$R' <'$TEST_DIR/fifo'"
	local hung=$BG_PID
	exec 5<>"$TEST_DIR/fifo"
	wait_for_ring_peer "$R" writer "$hung"
	seq 1000 | ipctool send "shm:$R"
	kill -KILL "$hung"
	exec 5>&-
	bg_exits "$rpid" 1
	[ "$(wc -l <"$TEST_DIR/out")" -eq 1000 ]
	run cat "$TEST_DIR/err"
	assert_output --partial "the sender died without closing"
}

@test "a killed writer not reaped yet (a zombie) is no live writer: recv -c fails, never hangs" {
	ipctool shm create "$R" --capacity 16K
	bg timeout 60 "$IPCTOOL" recv -c 2000 "shm:$R" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	local rpid=$BG_PID
	mkfifo "$TEST_DIR/fifo"
	# The writer's parent becomes sleep, which never reaps it: killed, it
	# stays a zombie.
	bg bash -c "'$IPCTOOL' send 'shm:$R' <'$TEST_DIR/fifo' & echo \$! >'$TEST_DIR/wpid'; exec sleep 120"
	exec 5<>"$TEST_DIR/fifo"
	wait_for_nonempty "$TEST_DIR/wpid"
	local wpid=$(cat "$TEST_DIR/wpid")
	wait_for_ring_peer "$R" writer "$wpid"
	seq 1000 | ipctool send "shm:$R"
	kill -KILL "$wpid"
	exec 5>&-
	bg_exits "$rpid" 1
	[ "$(wc -l <"$TEST_DIR/out")" -eq 1000 ]
	run cat "$TEST_DIR/err"
	assert_output --partial "the sender died without closing"
}

@test "a POSIX ring truncated under a waiting reader: recv exits 1 saying so, not SIGBUS" {
	ipctool shm create "$R" --capacity 16K
	bg ipctool recv -t 60s "shm:$R" 2>"$TEST_DIR/err"
	local rpid=$BG_PID
	wait_for_ring_peer "$R" reader "$rpid"
	truncate -s 0 "/dev/shm$R"
	bg_exits "$rpid" 1
	run cat "$TEST_DIR/err"
	assert_output --regexp "cannot receive from 'shm:$R': .*truncated"
}

@test "a POSIX ring truncated under a writer waiting for room: send exits 1 saying so, not SIGBUS" {
	ipctool shm create "$R" --capacity 4K
	bg bash -c "exec timeout 60 '$IPCTOOL' send 'shm:$R' < <(seq 10000) 2>'$TEST_DIR/err'"
	local spid=$BG_PID
	wait_for_ring_peer "$R" writer ""
	# Full: the writer waits for a reader to make room.
	local i
	for i in $(seq 4000); do
		[ "$(ipctool shm info -r -n --bytes -o fill "$R")" -gt 2048 ] && break
		sleep 0.005
	done
	truncate -s 8192 "/dev/shm$R"
	bg_exits "$spid" 1
	run cat "$TEST_DIR/err"
	assert_output --regexp "cannot send to 'shm:$R': .*truncated"
}

@test "a POSIX ring truncated mid-transfer: both sides exit 1, neither by a signal" {
	local framing size rpid spid
	# Header and data gone (line records); data gone, header kept (chunks).
	for framing in "line 0" "chunk 8192"; do
		set -- $framing
		framing=$1 size=$2
		ipctool shm create "$R" --capacity 64K
		bg bash -c "exec timeout 60 '$IPCTOOL' recv -F $framing 'shm:$R' >/dev/null 2>'$TEST_DIR/rerr'"
		rpid=$BG_PID
		bg bash -c "yes | exec timeout 60 '$IPCTOOL' send -F $framing 'shm:$R' 2>'$TEST_DIR/serr'"
		spid=$BG_PID
		wait_for_ring_peer "$R" reader ""
		wait_for_ring_peer "$R" writer ""
		truncate -s "$size" "/dev/shm$R"
		bg_exits "$rpid" 1
		bg_exits "$spid" 1
		run cat "$TEST_DIR/rerr"
		assert_output --partial "(the segment was truncated, or a page of it was lost in a full /dev/shm)"
		run cat "$TEST_DIR/serr"
		assert_output --partial "(the segment was truncated, or a page of it was lost in a full /dev/shm)"
		ipctool shm rm "$R"
	done
}

@test "System V send --create --reuse on a ring: unread records stay" {
	ipctool send --create "shm:key:$SVKEY" one two
	run ipctool send --create --reuse "shm:key:$SVKEY" three
	assert_success
	run ipctool recv -c 3 "shm:key:$SVKEY"
	assert_success
	assert_output "$(printf 'one\ntwo\nthree')"
}

@test "System V send --create --reuse on a segment that is no ring: refused, segment kept" {
	ipctool shm create "key:$SVKEY" -s 64K
	printf 'precious' | ipctool shm attach "key:$SVKEY" --write --length 8
	run ipctool send --create --reuse "shm:key:$SVKEY" x
	assert_failure 1
	assert_output --partial "not an ipctool ring"
	run ipctool shm attach "key:$SVKEY" --read --length 8
	assert_success
	assert_output precious
	# Too small for a ring: refused, and not removed either.
	ipctool shm rm "key:$SVKEY"
	ipctool shm create "key:$SVKEY" -s 4K
	run ipctool send --create --reuse "shm:key:$SVKEY" x
	assert_failure 1
	run ipctool shm info "key:$SVKEY"
	assert_success
}

@test "send --create shm:key:private prints the ring's id, and recv reads it" {
	run --separate-stderr ipctool send --create "shm:key:private" hello
	assert_success
	[[ "$stderr" =~ created\ \'shm:id:([0-9]+)\' ]]
	PRIV_ID=${BASH_REMATCH[1]}
	run ipctool recv -c 1 "shm:id:$PRIV_ID"
	assert_success
	assert_output hello
}

@test "recv --create shm:key:private prints the ring's id; a writer reaches it" {
	bg bash -c "exec '$IPCTOOL' recv --create -c 1 shm:key:private >'$TEST_DIR/out' 2>'$TEST_DIR/err'"
	local rpid=$BG_PID
	local i
	for i in $(seq 4000); do
		grep -q "created 'shm:id:" "$TEST_DIR/err" && break
		sleep 0.005
	done
	run cat "$TEST_DIR/err"
	assert_output --regexp "created 'shm:id:[0-9]+'"
	[[ "$output" =~ created\ \'shm:id:([0-9]+)\' ]]
	PRIV_ID=${BASH_REMATCH[1]}
	ipctool send "shm:id:$PRIV_ID" hello
	bg_exits "$rpid" 0
	run cat "$TEST_DIR/out"
	assert_output hello
}

@test "shm create --capacity --reuse on a segment that holds no ring: refused, its bytes kept" {
	for ref in "$R" "key:$SVKEY"; do
		ipctool shm create "$ref" -s 64K
		printf 'keep me' | ipctool shm attach "$ref" --write
		run -1 ipctool shm create "$ref" --capacity 4K --reuse
		assert_output --partial "as a ring: not an ipctool ring"
		run -0 ipctool shm attach "$ref" --read --length 7
		assert_output "keep me"
		ipctool shm rm "$ref"
	done
}

@test "a plain segment used as a ring: refused as holding no ring, at once or after --wait" {
	ipctool shm create "$R" -s 64K
	run ipctool send --create --reuse "shm:$R" x
	assert_failure 1
	assert_output "ipctool send: cannot open 'shm:$R': it holds no ring (a plain segment, or its creator has not finished the ring)"
	run ipctool send "shm:$R" x
	assert_failure 1
	assert_output --partial "it holds no ring"
	# --wait waits for the ring to be finished; at the end it says what it
	# waited for, not that the segment never appeared.
	run ipctool send --wait=300ms "shm:$R" x
	assert_failure 124
	assert_output "ipctool send: timed out opening 'shm:$R': it holds no ring (a plain segment, or its creator has not finished the ring)"
	run ipctool recv --wait=300ms "shm:$R"
	assert_failure 124
	assert_output --partial "it holds no ring"
	run ipctool send --wait=300ms "shm:$R.none" x
	assert_failure 124
	assert_output "ipctool send: timed out waiting for 'shm:$R.none' to appear"
}
