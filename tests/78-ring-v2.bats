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
	assert_output --partial "a ring of format 1; this ipctool reads format 4"
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

@test "another user writing random bytes anywhere in a 0666 ring's first pages: root's writer and reader end with a status, never a signal" {
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	# Debian's python3: nobody may run it (a root user's shim may not be).
	[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3"
	# Header, index lines and the data area (8K + 64K), a few bytes at a
	# time at random places, while 50 MB of lines go through.
	local scribble='import os, random, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
random.seed(int(sys.argv[3]))
end = time.time() + 2
while time.time() < end:
    os.pwrite(fd, os.urandom(random.choice([1, 4, 8])), random.randrange(0, int(sys.argv[2]) - 8))
    time.sleep(0.0005)'
	local round rp sp rrc src
	for round in 1 2 3; do
		ipctool shm create "$R.$round" --capacity 64K --mode 0666
		timeout -s KILL 30 "$IPCTOOL" recv -t 3s "shm:$R.$round" >/dev/null 2>"$TEST_DIR/recv.err" 3>&- &
		rp=$!
		yes 0123456789abcdef | head -c 50M |
			timeout -s KILL 30 "$IPCTOOL" send -t 3s "shm:$R.$round" 2>"$TEST_DIR/send.err" 3>&- &
		sp=$!
		sleep 0.2
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			/usr/bin/python3 -c "$scribble" "/dev/shm$R.$round" $((8192 + 65536)) "$round"
		rrc=0
		wait "$rp" || rrc=$?
		src=0
		wait "$sp" || src=$?
		echo "round $round: recv $rrc ($(cat "$TEST_DIR/recv.err")), send $src ($(cat "$TEST_DIR/send.err"))"
		# 0, 1 (corrupt, or the peer gone) or 124, never a signal or the KILL of a hang.
		[[ $rrc == @(0|1|124) ]]
		[[ $src == @(0|1|124) ]]
		# Under the sanitizers (make asan-check), no report either.
		if grep -E 'Sanitizer|runtime error' "$TEST_DIR/recv.err" "$TEST_DIR/send.err"; then
			false
		fi
		ipctool rm "shm:$R.$round"
	done
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


# Wait (at most 20 s) until the ring's last attached reader (or writer) is pid.
wait_for_ring_peer() { # ring reader|writer pid
	local i
	for i in $(seq 4000); do
		[ "$(ipctool shm info -r -n -o "$2" "$1" 2>/dev/null)" = "$3" ] && return 0
		sleep 0.005
	done
	echo "wait_for_ring_peer: $3 did not attach to '$1' as $2" >&2
	return 1
}

# Wait (at most 20 s) until a file has at least n lines.
wait_for_lines() { # file n
	local i
	for i in $(seq 4000); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.005
	done
	echo "wait_for_lines: '$1' has fewer than $2 lines" >&2
	return 1
}

@test "a second send joining a lone writer's stream mid-way loses nothing, crosses nothing" {
	ipctool shm create "$R" --capacity 16K
	bg ipctool recv -c 150000 "shm:$R" >"$TEST_DIR/out"
	local rpid=$BG_PID
	# The first writer's input comes in two halves through a FIFO.
	mkfifo "$TEST_DIR/in"
	exec 8<>"$TEST_DIR/in"
	# (without fd 8: the end of its input is when the test closes it)
	bg ipctool send "shm:$R" <"$TEST_DIR/in" 8>&-
	local w1=$BG_PID
	seq -f "a%g" 1 50000 >&8
	wait_for_lines "$TEST_DIR/out" 1000
	# The second writer joins (the first goes from its lone path to the
	# lock) and leaves (the first goes back) while the first goes on.
	seq -f "b%g" 1 50000 | ipctool send "shm:$R" 8>&- &
	local w2=$!
	seq -f "a%g" 50001 100000 >&8
	wait "$w2"
	exec 8>&-
	bg_exits "$w1" 0
	bg_exits "$rpid" 0
	[ "$(wc -l <"$TEST_DIR/out")" -eq 150000 ]
	diff <(grep '^a' "$TEST_DIR/out") <(seq -f "a%g" 1 100000)
	diff <(grep '^b' "$TEST_DIR/out") <(seq -f "b%g" 1 50000)
}

@test "a second reader joining a lone reader mid-stream: every line once, each in order" {
	ipctool shm create "$R" --capacity 16K
	bg ipctool recv "shm:$R" >"$TEST_DIR/out1"
	local r1=$BG_PID
	mkfifo "$TEST_DIR/in"
	exec 8<>"$TEST_DIR/in"
	bg ipctool send "shm:$R" <"$TEST_DIR/in" 8>&-
	local w=$BG_PID
	seq 1 20000 >&8
	wait_for_lines "$TEST_DIR/out1" 1000
	# The second takes 50 lines and leaves; lines go on until it has them
	# (readers share a stream unevenly).
	bg ipctool recv -c 50 "shm:$R" >"$TEST_DIR/out2" 8>&-
	local r2=$BG_PID
	local n=20000
	while kill -0 "$r2" 2>/dev/null && [ "$n" -lt 2000000 ]; do
		seq $((n + 1)) $((n + 2000)) >&8
		n=$((n + 2000))
	done
	exec 8>&-
	bg_exits "$r2" 0
	bg_exits "$w" 0
	bg_exits "$r1" 0
	[ "$(wc -l <"$TEST_DIR/out2")" -eq 50 ]
	sort -n -c "$TEST_DIR/out1"
	sort -n -c "$TEST_DIR/out2"
	diff <(sort -n "$TEST_DIR/out1" "$TEST_DIR/out2") <(seq 1 "$n")
}

@test "a lone reader killed while its output is stalled: the next reader gets its records" {
	ipctool shm create "$R" --capacity 1M
	# 3000 lines of 100 bytes: more than a pipe holds.
	seq -f "%099g" 1 3000 | ipctool send "shm:$R"
	# Its output: a FIFO nobody reads (held open here).
	mkfifo "$TEST_DIR/stall"
	exec 8<>"$TEST_DIR/stall"
	bg ipctool recv "shm:$R" >"$TEST_DIR/stall" 8>&-
	local r1=$BG_PID
	wait_for_ring_peer "$R" reader "$r1"
	sleep 0.5
	kill -KILL "$r1"
	bg_exits "$r1" 137
	# What the dead one wrote into the FIFO, then what the next one gets:
	# together every line, the next one's from where the dead one's taken
	# lines end (at least once: some may come twice), to the last.
	timeout 10 cat <&8 >"$TEST_DIR/stalled" &
	local c=$!
	run -0 ipctool recv -t 10s "shm:$R"
	exec 8>&-
	wait "$c" || true
	local first=${lines[0]}
	[ "${#lines[@]}" -gt 0 ]
	diff <(printf '%s\n' "${lines[@]}") <(seq -f "%099g" "$((10#$first))" 3000)
	[ "$((10#$first))" -le $(($(grep -c . "$TEST_DIR/stalled") + 1)) ]
}

# A reader of the ring whose output is a FIFO nobody reads (held open on
# fd 8): it takes records and stalls writing them out. Sets STALLED_PID.
start_stalled_reader() {
	mkfifo "$TEST_DIR/stall"
	exec 8<>"$TEST_DIR/stall"
	bg ipctool recv "shm:$R" >"$TEST_DIR/stall" 8>&-
	STALLED_PID=$BG_PID
	wait_for_ring_peer "$R" reader "$STALLED_PID"
	# Until it has filled the FIFO (64K) and waits in its write.
	local i
	for i in $(seq 400); do
		grep -q '^State:.*S' "/proc/$STALLED_PID/status" &&
			grep -q pipe_write "/proc/$STALLED_PID/wchan" 2>/dev/null && break
		sleep 0.05
	done
}

@test "a reader stalled writing out what it took does not stop a second reader" {
	ipctool shm create "$R" --capacity 1M
	# 3000 lines of 100 bytes: more than a pipe holds.
	seq -f "%099g" 1 3000 | ipctool send "shm:$R"
	start_stalled_reader
	# The second attaches and reads on, from after what the first took.
	run -0 ipctool recv -c 100 -t 5s "shm:$R"
	[ "${#lines[@]}" -eq 100 ]
	local first=$((10#${lines[0]}))
	[ "$first" -gt 1 ]
	diff <(printf '%s\n' "${lines[@]}") <(seq -f "%099g" "$first" $((first + 99)))
	kill -KILL "$STALLED_PID"
	bg_exits "$STALLED_PID" 137
	exec 8>&-
}

@test "a stalled reader killed: what it took goes to the readers left, nothing is lost" {
	ipctool shm create "$R" --capacity 1M
	seq -f "%099g" 1 3000 | ipctool send "shm:$R"
	start_stalled_reader
	run -0 ipctool recv -c 100 -t 5s "shm:$R"
	printf '%s\n' "${lines[@]}" >"$TEST_DIR/second"
	kill -KILL "$STALLED_PID"
	bg_exits "$STALLED_PID" 137
	# What the dead one wrote into the FIFO before it stalled.
	timeout 10 cat <&8 >"$TEST_DIR/stalled" &
	local c=$!
	# The third gets what the dead one took (first: the oldest records),
	# then the rest, to the end of the stream.
	run -0 ipctool recv -t 10s "shm:$R"
	printf '%s\n' "${lines[@]}" >"$TEST_DIR/third"
	exec 8>&-
	wait "$c" || true
	# Every line, at least once; the living readers' lines once each.
	# (its last line may be cut short: the FIFO filled mid-line)
	grep -x '[0-9]\{99\}' "$TEST_DIR/stalled" >"$TEST_DIR/stalled.whole" || true
	diff <(sort -u "$TEST_DIR/stalled.whole" "$TEST_DIR/second" "$TEST_DIR/third") \
		<(seq -f "%099g" 1 3000)
	[ -z "$(sort "$TEST_DIR/second" "$TEST_DIR/third" | uniq -d)" ]
	# The third's lines: the dead one's from where they start, in order.
	local dead_first=$((10#$(head -1 "$TEST_DIR/third")))
	[ "$dead_first" -le $(($(grep -c . "$TEST_DIR/stalled") + 1)) ]
	diff <(head -n $(($(wc -l <"$TEST_DIR/third") - (3000 - $(tail -1 "$TEST_DIR/second" | sed 's/^0*//')))) \
		"$TEST_DIR/third") \
		<(seq -f "%099g" "$dead_first" $((10#$(head -1 "$TEST_DIR/second") - 1)))
}

@test "a second reader attached when a stalled reader is killed takes its records over" {
	ipctool shm create "$R" --capacity 1M
	# The writer stays (its input held open): the stream has no end yet.
	mkfifo "$TEST_DIR/in"
	exec 9<>"$TEST_DIR/in"
	bg ipctool send "shm:$R" <"$TEST_DIR/in" 8>&- 9>&-
	local w=$BG_PID
	seq -f "%099g" 1 3000 >&9
	start_stalled_reader
	bg ipctool recv "shm:$R" >"$TEST_DIR/second" 9>&- 8>&-
	local r2=$BG_PID
	# It reads all but what the first holds...
	wait_for_lines "$TEST_DIR/second" 100
	kill -KILL "$STALLED_PID"
	bg_exits "$STALLED_PID" 137
	timeout 10 cat <&8 >"$TEST_DIR/stalled" &
	local c=$!
	# ...and, the first dead, that too, while the stream goes on.
	seq -f "%099g" 3001 3100 >&9
	exec 9>&-
	bg_exits "$w" 0
	bg_exits "$r2" 0
	exec 8>&-
	wait "$c" || true
	grep -x '[0-9]\{99\}' "$TEST_DIR/stalled" >"$TEST_DIR/stalled.whole" || true
	diff <(sort -u "$TEST_DIR/stalled.whole" "$TEST_DIR/second") <(seq -f "%099g" 1 3100)
	[ -z "$(sort "$TEST_DIR/second" | uniq -d)" ]
}

@test "recv --create: a writer that attaches and closes before the reader attaches ends its stream" {
	# recv makes the ring, then attaches; a send --wait of nothing may come
	# and close in between (a race: rounds started as a shell would start
	# them, without the test helpers' delays). That close is the stream's
	# end, not an old session's: recv exits 0 (it waited for a next writer,
	# for ever: timeout's 124). Without -t, as a pipeline would run it.
	local i p rc hung=0
	for i in $(seq 1 60); do
		timeout 5 "$IPCTOOL" recv --create --rm "shm:$R.$i" 3>&- &
		p=$!
		"$IPCTOOL" send --wait -t 5s "shm:$R.$i" </dev/null 3>&-
		rc=0
		wait "$p" || rc=$?
		if [ "$rc" != 0 ]; then
			echo "round $i: recv exited $rc"
			hung=$((hung + 1))
		fi
	done
	[ "$hung" = 0 ]
}
