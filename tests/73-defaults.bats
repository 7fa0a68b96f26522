#!/usr/bin/env bats
# Defaults audit: every object ipctool creates is mode 0600 whatever the
# umask, and creation is exclusive: a second create fails (exit 1, "File
# exists" or "in use") unless --reuse. One test per create path.

load helpers

setup() {
	setup_common
	N=$(uniq_name d)
	BASE=$(( (($$ & 0xffff) << 12) + (BATS_TEST_NUMBER << 4) + 0x73000000 ))
	K1=$(printf 'key:0x%x' "$BASE")
	K2=$(printf 'key:0x%x' $((BASE + 1)))
	# An umask that would open everything up: the mode must not depend on it.
	umask 000
}

teardown() {
	teardown_common
	ipctool mq rm "/$N" "$K1" "$K2" 2>/dev/null || true
	ipctool sem rm "/$N" "$K1" "$K2" 2>/dev/null || true
	ipctool shm rm "/$N" "$K1" "$K2" 2>/dev/null || true
}

# The octal mode of a path, without following a symlink.
path_mode() { stat -c '%a' "$1"; }

# The permissions ipcs shows for a System V object: sysv_perms -q|-m|-s KEY
sysv_perms() {
	local key
	key=$(printf '0x%08x' "${2#key:}")
	ipcs "$1" | awk -v k="$key" 'tolower($1) == k { print $4 }'
}

# A second create of what exists: exit 1 saying it exists, and --reuse hinted.
assert_exclusive() {
	assert_failure 1
	assert_output --regexp "File exists|Address already in use"
	assert_output --partial "--reuse"
}

@test "fifo create: 0600, exclusive, --reuse accepts it" {
	local f=$TEST_DIR/$N
	ipctool fifo create "$f"
	assert_equal "$(path_mode "$f")" 600
	run ipctool fifo create "$f"
	assert_exclusive
	ipctool fifo create --reuse "$f"
	assert_equal "$(path_mode "$f")" 600
}

@test "recv --create fifo: and send --create fifo: make a 0600 FIFO, exclusively" {
	local f=$TEST_DIR/$N
	bg ipctool recv --create "fifo:$f"
	wait_for_path "$f"
	assert_equal "$(path_mode "$f")" 600
	run ipctool recv --create -n "fifo:$f"
	assert_exclusive
	run ipctool send --create -n "fifo:$f" x
	assert_exclusive
	ipctool send --create --reuse "fifo:$f" hello
	bg_exits "$BG_PID" 0
	rm -f "$f"
	bg ipctool send --create --wait "fifo:$f" x
	wait_for_path "$f"
	assert_equal "$(path_mode "$f")" 600
	ipctool recv "fifo:$f" >/dev/null
}

# A socket listener's file: 0600, and a second listener is refused while the
# first listens (--reuse too), and without --reuse after it died.
socket_listener() {
	local kind=$1 s=$TEST_DIR/$N.$1
	bg ipctool recv "$kind:$s"
	local pid=$BG_PID
	wait_for_path "$s"
	assert_equal "$(stat -c '%F %a' "$s")" "socket 600"
	# Live: refused, and no --reuse offered (it would refuse too).
	run ipctool recv -n "$kind:$s"
	assert_failure 1
	assert_output --partial "Address already in use (a process listens there)"
	run ipctool recv --reuse -n "$kind:$s"
	assert_failure 1
	kill -KILL "$pid"
	wait "$pid" || true
	run ipctool recv -n "$kind:$s"
	assert_exclusive
	# Stale now: --reuse replaces it (a new inode), again 0600.
	local stale
	stale=$(file_identity "$s")
	bg ipctool recv --reuse "$kind:$s"
	wait_for_new_inode "$s" "$stale"
	assert_equal "$(stat -c '%F %a' "$s")" "socket 600"
	ipctool send --wait "$kind:$s" x
}

@test "unix: listener socket file is 0600 and exclusive" {
	socket_listener unix
}

@test "unix-dgram: receiver socket file is 0600 and exclusive" {
	socket_listener unix-dgram
}

@test "unix-seqpacket: listener socket file is 0600 and exclusive" {
	socket_listener unix-seqpacket
}

@test "send --listen: the socket file is 0600" {
	local s=$TEST_DIR/$N
	bg ipctool send --listen "unix:$s" hello
	wait_for_path "$s"
	assert_equal "$(stat -c '%F %a' "$s")" "socket 600"
	run ipctool recv --connect "unix:$s"
	assert_output hello
}

@test "mq create POSIX: 0600, exclusive, --reuse" {
	ipctool mq create "/$N"
	assert_equal "$(path_mode "/dev/mqueue/$N")" 600
	run ipctool mq info -n -o PERMS "/$N"
	assert_output 0600
	run ipctool mq create "/$N"
	assert_exclusive
	ipctool mq create --reuse "/$N"
}

@test "mq create System V: 0600, exclusive, --reuse" {
	ipctool mq create "$K1"
	assert_equal "$(sysv_perms -q "$K1")" 600
	run ipctool mq create "$K1"
	assert_exclusive
	ipctool mq create --reuse "$K1"
}

@test "recv --create and send --create mq: (POSIX and System V): 0600, exclusive" {
	bg ipctool recv --create "mq:/$N"
	wait_for_path "/dev/mqueue/$N"
	assert_equal "$(path_mode "/dev/mqueue/$N")" 600
	run ipctool recv --create -n "mq:/$N"
	assert_exclusive
	run ipctool send --create "mq:/$N" x
	assert_exclusive
	ipctool send --create "mq:$K1" x
	assert_equal "$(sysv_perms -q "$K1")" 600
	run ipctool recv --create -n "mq:$K1"
	assert_exclusive
	run ipctool recv --create --reuse -n -c 1 "mq:$K1"
	assert_success
	assert_output x
	run ipctool mq create "key:private"
	assert_success
	local id
	id=$(sed -n "s/.*'\(id:[0-9]*\)'.*/\1/p" <<<"$output" | head -1)
	[ -n "$id" ] || id=$(grep -o 'id:[0-9]*' <<<"$output" | head -1)
	[ -n "$id" ]
	run ipctool mq info -n -o PERMS "$id"
	ipctool mq rm "$id"
	assert_output 0600
}

@test "sem create POSIX: 0600, exclusive, --reuse" {
	ipctool sem create "/$N"
	assert_equal "$(path_mode "/dev/shm/sem.$N")" 600
	run ipctool sem create "/$N"
	assert_exclusive
	ipctool sem create --reuse "/$N"
}

@test "sem create System V: 0600, exclusive, --reuse" {
	ipctool sem create "$K1" --nsems 3
	assert_equal "$(sysv_perms -s "$K1")" 600
	run ipctool sem create "$K1"
	assert_exclusive
	ipctool sem create --reuse "$K1"
}

@test "shm create POSIX and System V: 0600, exclusive, --reuse" {
	ipctool shm create "/$N" -s 4K
	assert_equal "$(path_mode "/dev/shm/$N")" 600
	run ipctool shm create "/$N" -s 4K
	assert_exclusive
	ipctool shm create --reuse "/$N" -s 4K
	ipctool shm create "$K1" -s 4K
	assert_equal "$(sysv_perms -m "$K1")" 600
	run ipctool shm create "$K1" -s 4K
	assert_exclusive
}

@test "rings: shm create --capacity, recv --create shm:, send --create shm: are 0600 and exclusive" {
	ipctool shm create "$K2" --capacity 4K
	assert_equal "$(sysv_perms -m "$K2")" 600
	run ipctool shm create "$K2" --capacity 4K
	assert_exclusive
	bg ipctool recv --create "shm:/$N"
	wait_for_path "/dev/shm/$N"
	assert_equal "$(path_mode "/dev/shm/$N")" 600
	run ipctool recv --create -n "shm:/$N"
	assert_exclusive
	run ipctool send --create -n "shm:/$N" x
	assert_exclusive
	ipctool send "shm:/$N" x
	ipctool send --create "shm:$K1" x
	assert_equal "$(sysv_perms -m "$K1")" 600
}

@test "--mode is the one way to open an object up" {
	ipctool fifo create --mode 0640 "$TEST_DIR/f"
	assert_equal "$(path_mode "$TEST_DIR/f")" 640
	ipctool mq create --mode 0604 "/$N"
	assert_equal "$(path_mode "/dev/mqueue/$N")" 604
	ipctool sem create --mode 0660 "$K1"
	assert_equal "$(sysv_perms -s "$K1")" 660
}

@test "man pages: every quote renders paired, and no page calls the ring unsupported" {
	local m out
	command -v mandoc >/dev/null || skip "no mandoc"
	for m in "$BATS_TEST_DIRNAME"/../man/*.[17]; do
		out=$(mandoc -Tascii "$m" | col -b)
		# .Pq Ql a , Ql b renders as (`a, `b'''') : an opening quote
		# followed by a comma before its closing one, or runs of quotes.
		if grep -nE "\`[^'\` ]*, \`|''''" <<<"$out"; then
			echo "broken quotes in $m" >&2
			return 1
		fi
	done
	run grep -i "not supported by this build" "$BATS_TEST_DIRNAME"/../man/ipctool-endpoints.7
	assert_failure 1
}
