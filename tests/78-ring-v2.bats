#!/usr/bin/env bats
# Ring format 2: the side locks are lock words of plain integers
# (lib/lockword.h), so a user who can write the segment cannot crash or hang
# the processes using it, and a ring of the old format is refused by name.

load helpers

setup() {
	setup_common
	R="/$(uniq_name ring)"
}

teardown() {
	teardown_common
	ipctool shm rm "$R" 2>/dev/null || true
}

# Write a little-endian 32-bit value at a byte offset of the ring's segment.
poke32() { # offset value
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($2 & 255)) $(($2 >> 8 & 255)) \
		$(($2 >> 16 & 255)) $(($2 >> 24 & 255)))" |
		dd of="/dev/shm$R" bs=1 seek="$1" conv=notrunc status=none
}

@test "a ring of format 1 is refused, naming both formats" {
	ipctool shm create "$R" --capacity 4K
	poke32 8 1
	run -1 ipctool recv -t 2s "shm:$R"
	assert_output --partial "a ring of format 1; this ipctool reads format 3"
	run -1 ipctool send "shm:$R" x
	assert_output --partial "format 1"
}

@test "a lock word naming a live process that is not attached: an error at once, no wait" {
	ipctool shm create "$R" --capacity 4K
	# The writers' lock word (offset 32) names pid 1, alive and unrelated.
	poke32 32 1
	run -1 timeout -s KILL 10 "$IPCTOOL" send "shm:$R" x
	assert_output --partial "corrupt"
	# The readers' (offset 48), with the sleepers' bit.
	poke32 32 0
	poke32 48 $((0x80000001))
	run -1 timeout -s KILL 10 "$IPCTOOL" recv "shm:$R"
	assert_output --partial "corrupt"
}

@test "another user who scribbles over the locks of a 0666 ring cannot crash root's sender" {
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	ipctool shm create "$R" --capacity 64K --mode 0666
	bg ipctool recv -c 20000 "shm:$R" >"$TEST_DIR/out"
	bg setpriv --reuid=nobody --regid=nogroup --clear-groups \
		bash -c 'while :; do head -c 32 /dev/urandom | dd of="/dev/shm$1" bs=1 seek=32 conv=notrunc status=none 2>/dev/null || exit 0; done' _ "$R"
	run timeout -s KILL 60 "$IPCTOOL" send "shm:$R" < <(seq 20000)
	# Garbled locks may stop the transfer with an error, never a signal.
	[ "$status" -lt 128 ]
	if [ "$status" -ne 0 ]; then
		assert_output --partial "corrupt"
	fi
}

@test "a writer's lock held by a live attached writer: SIGTERM stops the waiting send, exit 143" {
	ipctool shm create "$R" --capacity 4K
	sleep 60 3>&- &
	local holder=$!
	# The header (ipctool-shm(1)): the writers' lock word at 32, their pid
	# slots from 64. A live process in a slot holding the lock.
	poke32 64 "$holder"
	poke32 32 "$holder"
	# With a timeout: told what it waited for, not that the ring did not appear.
	run -124 ipctool send -t 1s "shm:$R" x
	assert_output "ipctool send: timed out opening 'shm:$R': the writers' lock stayed taken by pid $holder"
	bg ipctool send "shm:$R" x
	local waiter=$BG_PID
	sleep 0.5
	kill -0 "$waiter"
	kill -TERM "$waiter"
	local i=0
	while kill -0 "$waiter" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 "$waiter" 2>/dev/null; then
		kill -KILL "$waiter" "$holder"
		echo "send ignored SIGTERM while waiting for the lock" >&2
		false
	fi
	bg_exits "$waiter" 143
	# Once the holder is gone, its lock is taken over.
	kill "$holder"
	wait "$holder" || true
	run -0 ipctool send -t 5s "shm:$R" y
}

@test "a -F chunk writer waiting for its input does not stop another writer" {
	ipctool shm create "$R" --capacity 64K
	bg ipctool recv -c 1 "shm:$R" >"$TEST_DIR/out"
	local rpid=$BG_PID
	# Its input: a FIFO held open with nothing written.
	mkfifo "$TEST_DIR/in"
	exec 8<>"$TEST_DIR/in"
	bg ipctool send -F chunk "shm:$R" <"$TEST_DIR/in"
	sleep 0.3
	run -0 ipctool send -t 5s "shm:$R" hello
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" "hello"
	exec 8>&-
}

