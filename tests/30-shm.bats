#!/usr/bin/env bats
# ipctool shm: create, attach, info, rm, ls for POSIX and System V segments.

load helpers

setup() {
	setup_common
	S="/$(uniq_name seg)"
	# A System V key unique to this test run.
	SVKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x30000000 )))
}

teardown() {
	teardown_common
	ipctool shm rm "$S" 2>/dev/null || true
	ipctool shm rm "key:$SVKEY" 2>/dev/null || true
	if [ -n "${PRIV_ID:-}" ]; then ipctool shm rm "$PRIV_ID" 2>/dev/null || true; fi
}

@test "create makes a 0600 POSIX segment of the size asked, exclusively" {
	ipctool shm create "$S" -s 64K
	[ "$(stat -c '%a %s' "/dev/shm${S}")" = "600 65536" ]
	run ipctool shm create "$S" -s 64K
	assert_failure 1
	assert_output --partial "cannot create '$S': File exists (--reuse"
	run ipctool shm create "$S" -s 64K --reuse
	assert_success
}

@test "create --mode sets the mode whatever the umask" {
	umask 077
	ipctool shm create "$S" -s 4K --mode 0644
	[ "$(stat -c '%a' "/dev/shm${S}")" = "644" ]
}

@test "attach --write at an offset, then read back exactly those bytes" {
	ipctool shm create "$S" -s 8K
	random_file "$TEST_DIR/in" 1000
	ipctool shm attach "$S" --write --offset 4000 <"$TEST_DIR/in"
	ipctool shm attach "$S" --offset 4000 --length 1000 >"$TEST_DIR/out"
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
	# The bytes before it are still zero.
	ipctool shm attach "$S" --length 4000 | cmp - <(head -c 4000 /dev/zero)
	# The whole segment by default.
	[ "$(ipctool shm attach "$S" | wc -c)" -eq 8192 ]
}

@test "reading or writing past the end is refused, naming both sizes" {
	ipctool shm create "$S" -s 4K
	run ipctool shm attach "$S" --offset 4000 --length 100
	assert_failure 1
	assert_output --partial "cannot read 100 bytes at offset 4000: '$S' is 4096 bytes"
	run ipctool shm attach "$S" --offset 5000
	assert_failure 1
	assert_output --partial "is 4096 bytes"
	head -c 5000 /dev/zero >"$TEST_DIR/big"
	run ipctool shm attach "$S" --write <"$TEST_DIR/big"
	assert_failure 1
	assert_output --partial "the input is larger than the 4096 bytes from offset 0 of '$S' (4096 bytes)"
	run ipctool shm attach "$S" --write --offset 4000 --length 200 <"$TEST_DIR/big"
	assert_failure 1
	assert_output --partial "cannot write 200 bytes at offset 4000"
}

@test "info shows size, mode and owner; -J is JSON" {
	ipctool shm create "$S" -s 12K --mode 0640
	run ipctool shm info "$S" -o NAME,SIZE,PERMS,RING --bytes -n -r
	assert_success
	assert_output "$S 12288 0640 no"
	run ipctool shm info "$S" -J --bytes -o NAME,SIZE,NATTCH
	assert_success
	assert_output --partial '"name": "'"$S"'"'
	assert_output --partial '"size": 12288'
	assert_output --partial '"nattch": 0'
}

@test "info of a ring shows its capacity and fill level" {
	ipctool shm create "$S" --capacity 64K
	ipctool send "shm:$S" one two
	run ipctool shm info "$S" -o RING,CAPACITY,FILL --bytes -n -r
	assert_success
	# Two records of 3 bytes: 8-byte header plus 8 padded bytes each.
	assert_output "yes 65536 32"
}

@test "System V: create by key, --hold shows in the attach count, rm" {
	command -v ipcs >/dev/null || skip "ipcs is not installed"
	ipctool shm create "key:$SVKEY" -s 16K
	key=$(printf '0x%08x' "$SVKEY")
	run ipcs -m
	assert_output --partial "$key"
	# "$IPCTOOL", not the ipctool function: the signal must reach ipctool itself.
	bg "$IPCTOOL" shm attach "key:$SVKEY" --hold
	for _ in $(seq 500); do
		n=$(ipctool shm info "key:$SVKEY" -o NATTCH -n -r)
		[ "$n" = 1 ] && break
		sleep 0.01
	done
	[ "$(ipcs -m | awk -v k="$key" '$1 == k { print $6 }')" = 1 ]
	kill -TERM "$BG_PID"
	rc=0
	wait "$BG_PID" || rc=$?
	[ "$rc" -eq 143 ]
	[ "$(ipctool shm info "key:$SVKEY" -o NATTCH -n -r)" = 0 ]
	ipctool shm rm "key:$SVKEY"
	run ipctool shm info "key:$SVKEY"
	assert_failure 1
	[ -z "$(ipcs -m | awk -v k="$key" '$1 == k')" ]
}

@test "--hold=DURATION detaches and exits 0 when the time is up" {
	ipctool shm create "$S" -s 4K
	run ipctool shm attach "$S" --hold=50ms
	assert_success
}

@test "key:private creates a new segment and prints its id" {
	run ipctool shm create key:private -s 4K
	assert_success
	assert_output --regexp '^id:[0-9]+$'
	PRIV_ID=$output
	run ipctool shm info "$PRIV_ID" -o SIZE --bytes -n -r
	assert_output 4096
	ipctool shm rm "$PRIV_ID"
}

@test "ls lists POSIX and System V segments" {
	ipctool shm create "$S" -s 4K
	ipctool shm create "key:$SVKEY" -s 4K
	run ipctool shm ls -r -n -o NAME,TYPE
	assert_success
	assert_line "$S posix"
	assert_line "$(printf 'key:0x%08x' "$SVKEY") sysv"
	run ipctool shm ls -J
	assert_output --partial '"shm": ['
}

@test "rm removes several and reports each one missing" {
	ipctool shm create "$S" -s 4K
	run ipctool shm rm "$S" "/$(uniq_name nothere)"
	assert_failure 1
	assert_output --partial "cannot remove '/$(uniq_name nothere)': No such file or directory"
	[ ! -e "/dev/shm${S}" ]
}

@test "missing segments are failures with a hint" {
	run ipctool shm info "$S"
	assert_failure 1
	assert_output --partial "cannot open '$S': No such file or directory (create it with"
	run ipctool shm attach "$S"
	assert_failure 1
}

@test "bad input is a usage error quoting it" {
	run ipctool shm create bogus -s 1K
	assert_failure 2
	assert_output --partial "'bogus' is not an object reference"
	run ipctool shm create "$S"
	assert_failure 2
	assert_output --partial "missing --size"
	run ipctool shm create "$S" -s 12Q
	assert_failure 2
	assert_output --partial "'12Q'"
	run ipctool shm create "$S" --capacity 5000
	assert_failure 2
	assert_output --partial "not a power of two"
	run ipctool shm frob
	assert_failure 2
	assert_output --partial "'frob' is not a verb of shm"
	run ipctool shm attach "$S" --read --write
	assert_failure 2
	run ipctool shm info "$S" -o NOPE
	assert_failure 2
	assert_output --partial "'NOPE' is not a column"
	[ ! -e "/dev/shm${S}" ]
}

@test "each verb has its own --help" {
	run ipctool shm create --help
	assert_success
	assert_output --partial "--capacity"
	run ipctool shm attach --help
	assert_output --partial "--hold"
	run ipctool shm ls --help
	assert_output --partial "Columns"
	run ipctool help --verbs shm
	assert_output "create attach info rm ls"
}

@test "a POSIX segment larger than all of /dev/shm is refused at create time" {
	local n=/$(uniq_name big)
	run ipctool shm create "$n" -s 1E
	assert_failure 1
	assert_output --partial "cannot create '$n': File too large (larger than the whole of /dev/shm"
	assert_not_exist "/dev/shm${n}"
}

@test "send or recv on a segment that is not a ring says so" {
	local n=/$(uniq_name plain)
	ipctool shm create "$n" -s 4K
	run ipctool send "shm:$n" x
	assert_failure 1
	assert_output --partial "it holds no ring"
	ipctool shm rm "$n"
}
