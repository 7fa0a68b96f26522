#!/usr/bin/env bats
# The shared-memory ring endpoint shm:OBJECT in send, recv and relay.

load helpers

setup() {
	setup_common
	R="/$(uniq_name ring)"
	SVKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x31000000 )))
}

teardown() {
	teardown_common
	ipctool shm rm "$R" 2>/dev/null || true
	ipctool shm rm "key:$SVKEY" 2>/dev/null || true
}

@test "tens of MiB of random bytes arrive intact; --rm removes the ring" {
	random_file "$TEST_DIR/in" 40M
	bg ipctool recv --create --rm --capacity 256K -F chunk "shm:$R" >"$TEST_DIR/out"
	rpid=$BG_PID
	ipctool send --wait -F chunk "shm:$R" <"$TEST_DIR/in"
	wait "$rpid"
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
	[ ! -e "/dev/shm${R}" ]
	run ipctool shm info "$R"
	assert_failure 1
}

@test "three writers of 5000 lines each into one reader: every line exactly once" {
	ipctool shm create "$R" --capacity 16K
	bg ipctool recv -k -c 15000 "shm:$R" >"$TEST_DIR/out"
	rpid=$BG_PID
	pids=()
	for w in 1 2 3; do
		seq -f "w$w-%g" 5000 | ipctool send "shm:$R" 2>>"$TEST_DIR/err" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p" || { cat "$TEST_DIR/err"; false; }
	done
	wait "$rpid"
	[ "$(wc -l <"$TEST_DIR/out")" -eq 15000 ]
	[ -z "$(sort "$TEST_DIR/out" | uniq -d)" ]
	for w in 1 2 3; do
		# Each writer's lines complete and in its order.
		diff <(grep "^w$w-" "$TEST_DIR/out") <(seq -f "w$w-%g" 5000)
	done
}

@test "lines, counts and end of stream" {
	ipctool send --create "shm:$R" one two three
	run ipctool recv -c 2 "shm:$R"
	assert_success
	assert_output "$(printf 'one\ntwo')"
	# The writer closed: after the last record, end of stream.
	run ipctool recv "shm:$R"
	assert_success
	assert_output three
}

@test "random bytes over the ring header: recv exits 1 with a message" {
	ipctool shm create "$R" --capacity 64K
	ipctool send "shm:$R" hello
	head -c 8192 /dev/urandom | ipctool shm attach "$R" --write --length 8192
	run timeout 20 "$IPCTOOL" recv "shm:$R"
	assert_failure 1
	assert_output --partial "cannot open 'shm:$R': not an ipctool ring"
}

@test "random indices and records: recv exits 1 with a message, never hangs" {
	ipctool shm create "$R" --capacity 64K
	ipctool send "shm:$R" hello world
	# head far beyond tail + capacity
	printf '\377\377\377\377\377\377\377\000' | ipctool shm attach "$R" --write --offset 4096 --length 8
	run timeout 20 "$IPCTOOL" recv "shm:$R"
	assert_failure 1
	assert_output --partial "the ring is corrupt"
	# head sane again, record length past the end
	printf '\040\000\000\000\000\000\000\000' | ipctool shm attach "$R" --write --offset 4096 --length 8
	printf '\377\377\000\000' | ipctool shm attach "$R" --write --offset 8192 --length 4
	run timeout 20 "$IPCTOOL" recv "shm:$R"
	assert_failure 1
	assert_output --partial "the ring is corrupt"
}

@test "a writer killed mid-stream makes the reader fail, not wait forever" {
	bg timeout 60 "$IPCTOOL" recv --create --rm --capacity 64K "shm:$R" >"$TEST_DIR/out" 2>"$TEST_DIR/err"
	rpid=$BG_PID
	# Not bg: an asynchronous command without its own redirection reads
	# /dev/null.
	"$IPCTOOL" send --wait "shm:$R" < <(yes) 3>&- &
	wpid=$!
	BG_PIDS+=("$wpid")
	# Mid-stream: lines have arrived.
	for _ in $(seq 1000); do
		[ -s "$TEST_DIR/out" ] && break
		sleep 0.01
	done
	[ -s "$TEST_DIR/out" ]
	kill -KILL "$wpid"
	rc=0
	wait "$rpid" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "the sender died" "$TEST_DIR/err"
	[ ! -e "/dev/shm${R}" ]
}

@test "nothing arrives: -t and -n exit 124" {
	ipctool shm create "$R" --capacity 4K
	run ipctool recv -t 200ms "shm:$R"
	assert_failure 124
	assert_output --partial "timed out"
	run ipctool recv -n "shm:$R"
	assert_failure 124
}

@test "a full ring with nobody reading: send -t exits 124" {
	ipctool shm create "$R" --capacity 4K
	run ipctool send -t 200ms -F chunk "shm:$R" < <(head -c 100000 /dev/zero)
	assert_failure 124
}

@test "a record larger than the ring allows is refused with both sizes" {
	ipctool shm create "$R" --capacity 4K
	run ipctool send "shm:$R" "$(head -c 3000 /dev/zero | tr '\0' x)"
	assert_failure 1
	assert_output --partial "3000 bytes is larger than the message size of 'shm:$R' (2040 bytes)"
}

@test "a missing ring: exit 1 with a hint; --wait waits for it" {
	run ipctool send "shm:$R" x
	assert_failure 1
	assert_output --partial "No such file or directory (create it with --create"
	run ipctool send --wait=100ms "shm:$R" x
	assert_failure 124
	bg ipctool send --wait "shm:$R" late
	ipctool shm create "$R" --capacity 4K
	run timeout 20 "$IPCTOOL" recv "shm:$R"
	assert_success
	assert_output late
}

@test "System V ring by key, and relay from a ring to a stream" {
	ipctool send --create --capacity 8K "shm:key:$SVKEY" a b
	run ipctool relay -c 2 "shm:key:$SVKEY" -
	assert_success
	assert_output "$(printf 'a\nb')"
}

@test "--capacity must be a power of two" {
	run ipctool send --create --capacity 5000 "shm:$R" x
	assert_failure
	assert_output --partial "power of two"
	[ ! -e "/dev/shm${R}" ]
}

@test "recv -J on a ring names the sender pid" {
	ipctool send --create "shm:$R" hi
	run ipctool recv -J -c 1 "shm:$R"
	assert_success
	assert_output --partial '"data":"hi"'
	assert_output --partial '"sender":"pid '
}

# Wait (at most 5 s) until the ring names pid as its last attached reader.
wait_for_reader() {
	local i
	for i in $(seq 500); do
		[ "$(ipctool shm info -rn -o READER "$1" 2>/dev/null)" = "$2" ] && return 0
		sleep 0.01
	done
	echo "wait_for_reader: $2 never attached to $1" >&2
	return 1
}

@test "a persistent ring is used again: end of stream belongs to a writer's session" {
	ipctool shm create "$R" -s 64K --capacity 32K
	ipctool send "shm:$R" first
	run ipctool recv -n "shm:$R"
	assert_success
	assert_output first
	# The first writer's close is behind us: a new reader waits for the
	# next writer instead of ending at once with nothing.
	bg ipctool recv -t 10s "shm:$R" >"$TEST_DIR/out"
	wait_for_reader "$R" "$BG_PID"
	ipctool send "shm:$R" second
	wait "$BG_PID"
	assert_equal "$(cat "$TEST_DIR/out")" second
	# And with nothing sent, the quiet period ends it with 124.
	run ipctool recv -t 200ms "shm:$R"
	assert_failure 124
}

@test "--capacity: not a power of two, or without --create, is a usage error before anything is made" {
	run ipctool send --create --capacity 5000 "shm:$R" x
	assert_failure 2
	assert_output --partial "--capacity: '5000' is not a power of two (like 64K or 1M)"
	run ipctool recv --create --capacity 2K "shm:$R"
	assert_failure 2
	assert_output --partial "--capacity: '2K' is too small (at least 4K)"
	run ipctool recv --capacity 64K "shm:$R"
	assert_failure 2
	assert_output --partial "--capacity applies to rings made with --create"
	assert_not_exists "/dev/shm$R"
}
