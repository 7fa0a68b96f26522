#!/usr/bin/env bats
# Hostile paths and names: symlinks where a FIFO or socket would be made or
# removed, paths of the wrong kind, and POSIX names with '..', a second '/',
# 256 bytes or more, or control bytes, given to every command that takes one.

load helpers

setup() {
	setup_common
	echo precious >"$TEST_DIR/target"
	mkfifo "$TEST_DIR/realfifo"
	mkdir "$TEST_DIR/dir"
}

# A socket file nobody listens on: its listener was killed.
stale_socket() {
	bg ipctool recv "unix:$1"
	wait_for_path "$1"
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	[ -S "$1" ]
}

# The symlink and what it points at are untouched.
assert_untouched() {
	assert_link_exists "$1"
	assert_equal "$(cat "$TEST_DIR/target")" precious
	[ -p "$TEST_DIR/realfifo" ]
	[ -d "$TEST_DIR/dir" ]
}

@test "recv --create fifo: refuses a symlink (to a file, a FIFO, or nothing), with or without --reuse" {
	local l=$TEST_DIR/$(uniq_name link) to
	for to in "$TEST_DIR/target" "$TEST_DIR/realfifo" "$TEST_DIR/nothing"; do
		ln -sfn "$to" "$l"
		run ipctool recv --create -n "fifo:$l"
		assert_failure 1
		assert_output --partial "cannot create 'fifo:$l': File exists (a symbolic link, which ipctool does not follow)"
		run ipctool recv --create --reuse -n "fifo:$l"
		assert_failure 1
		assert_output --partial "(a symbolic link, which ipctool does not follow)"
		run ipctool send --create --reuse -n "fifo:$l" x
		assert_failure 1
		assert_untouched "$l"
	done
	assert_not_exist "$TEST_DIR/nothing"
}

@test "fifo create refuses a symlink, also with --reuse; a dangling one is not followed" {
	local l=$TEST_DIR/$(uniq_name link)
	ln -s "$TEST_DIR/realfifo" "$l"
	run ipctool fifo create --reuse "$l"
	assert_failure 1
	assert_output --partial "cannot create '$l': File exists (a symlink, which is never followed)"
	ln -sfn "$TEST_DIR/nothing" "$l"
	run ipctool fifo create "$l"
	assert_failure 1
	assert_output --partial "(a symlink, which is never followed)"
	assert_not_exist "$TEST_DIR/nothing"
	assert_untouched "$l"
}

@test "a socket is never bound where a symlink stands: stream, dgram, seqpacket, --reuse, send --listen" {
	local l=$TEST_DIR/$(uniq_name link) kind to
	# A stale socket file behind the link: --reuse would replace it were
	# the link followed.
	stale_socket "$TEST_DIR/stale"
	for to in "$TEST_DIR/target" "$TEST_DIR/stale" "$TEST_DIR/nothing"; do
		ln -sfn "$to" "$l"
		for kind in unix unix-dgram unix-seqpacket; do
			run ipctool recv -n "$kind:$l"
			assert_failure 1
			assert_output --partial "Address already in use (a symbolic link, which ipctool neither follows nor replaces)"
			run ipctool recv --reuse -n "$kind:$l"
			assert_failure 1
			assert_output --partial "(a symbolic link, which ipctool neither follows nor replaces)"
			run ipctool send --listen --reuse -n "$kind:$l" x
			assert_failure 1
			assert_untouched "$l"
		done
	done
	assert_not_exist "$TEST_DIR/nothing"
	[ -S "$TEST_DIR/stale" ]
}

@test "--reuse replaces only a stale socket file, never a file, FIFO or directory" {
	local kind p
	for kind in unix unix-dgram unix-seqpacket; do
		for p in "$TEST_DIR/target" "$TEST_DIR/realfifo" "$TEST_DIR/dir"; do
			run ipctool recv --reuse -n "$kind:$p"
			assert_failure 1
			assert_output --partial "not a socket file: ipctool does not replace it"
		done
	done
	assert_equal "$(cat "$TEST_DIR/target")" precious
	[ -p "$TEST_DIR/realfifo" ]
	[ -d "$TEST_DIR/dir" ]
}

@test "--reuse does not replace a socket someone listens on" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k "unix:$s"
	ipctool send --wait "unix:$s" hello
	run ipctool recv --reuse -n "unix:$s"
	assert_failure 1
	assert_output --partial "a process listens there: --reuse replaces only a stale socket file"
	# The listener still has its socket.
	ipctool send "unix:$s" again
}

@test "rm unix: and recv --reuse on a live listener refuse without disturbing it" {
	local kind s
	for kind in unix unix-seqpacket; do
		s=$TEST_DIR/$(uniq_name "$kind")
		# One session: any connection would be taken as its sender.
		bg ipctool recv "$kind:$s" >"$TEST_DIR/out.$kind"
		local pid=$BG_PID
		wait_for_path "$s"
		run ipctool rm "unix:$s"
		assert_failure 1
		assert_output --partial "in use: a process listens on it"
		run ipctool recv --reuse -n "$kind:$s"
		assert_failure 1
		[ -S "$s" ]
		ipctool send "$kind:$s" hello
		bg_exits "$pid" 0
		assert_equal "$(cat "$TEST_DIR/out.$kind")" hello
	done
}

@test "rm and fifo rm never follow a symlink, whatever it points at" {
	local l=$TEST_DIR/$(uniq_name link) to
	stale_socket "$TEST_DIR/stale"
	for to in "$TEST_DIR/realfifo" "$TEST_DIR/stale" "$TEST_DIR/target" "$TEST_DIR/nothing"; do
		ln -sfn "$to" "$l"
		run ipctool rm "fifo:$l"
		assert_failure 1
		assert_output --partial "cannot remove 'fifo:$l': a symbolic link, which is not followed"
		run ipctool rm "unix:$l"
		assert_failure 1
		assert_output --partial "cannot remove 'unix:$l': a symbolic link, which is not followed"
		run ipctool fifo rm "$l"
		assert_failure 1
		assert_output --partial "cannot remove '$l': not a FIFO (a symlink, which is never followed)"
		assert_untouched "$l"
	done
	[ -S "$TEST_DIR/stale" ]
}

@test "rm and fifo rm never remove what is not the expected kind" {
	local s=$TEST_DIR/stale p
	stale_socket "$s"
	for p in "$TEST_DIR/target" "$TEST_DIR/dir" "$s"; do
		run ipctool rm "fifo:$p"
		assert_failure 1
		assert_output --partial "cannot remove 'fifo:$p': not a FIFO"
		run ipctool fifo rm "$p"
		assert_failure 1
		assert_output --partial "not a FIFO"
	done
	for p in "$TEST_DIR/target" "$TEST_DIR/dir" "$TEST_DIR/realfifo"; do
		run ipctool rm "unix:$p"
		assert_failure 1
		assert_output --partial "cannot remove 'unix:$p': not a socket"
	done
	run ipctool rm --dry-run "fifo:$TEST_DIR/target" "unix:$TEST_DIR/realfifo"
	assert_failure 1
	assert_equal "$(cat "$TEST_DIR/target")" precious
	[ -p "$TEST_DIR/realfifo" ]
	[ -d "$TEST_DIR/dir" ]
	[ -S "$s" ]
	# The right kinds do go.
	ipctool rm "fifo:$TEST_DIR/realfifo" "unix:$s"
	assert_not_exist "$TEST_DIR/realfifo"
	assert_not_exist "$s"
}

@test "recv --create --rm leaves a symlink that replaced its FIFO (and its target)" {
	local f=$TEST_DIR/$(uniq_name fifo)
	bg ipctool recv -k --create --rm "fifo:$f"
	ipctool send --wait "fifo:$f" x
	mv "$f" "$TEST_DIR/moved"
	ln -s "$TEST_DIR/moved" "$f"
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	assert_link_exists "$f"
	[ -p "$TEST_DIR/moved" ]
}

# Every command that takes a POSIX name, with NAME in place: each must exit
# 2, quoting the name (control bytes shown as \xNN, never raw).
posix_commands=(
	"send mq:NAME x" "recv -n mq:NAME" "relay -n mq:NAME -" "relay -n - mq:NAME"
	"send shm:NAME x" "recv -n shm:NAME"
	"mq create NAME" "mq info NAME" "mq rm NAME" "mq send NAME x" "mq recv -n NAME"
	"sem create NAME" "sem post NAME" "sem get NAME" "sem wait -n NAME" "sem rm NAME"
	"sem run NAME -- true"
	"shm create NAME -s 4K" "shm info NAME" "shm rm NAME" "shm attach NAME"
	"rm mq:NAME" "rm sem:NAME" "rm shm:NAME" "ls NAME" "ls mq:NAME"
	"bench -n 10 mq:NAME" "bench -n 10 shm:NAME"
)

# check_refused NAME SHOWN WHY: every command refuses NAME with exit 2,
# quoting it as SHOWN and saying WHY; nothing is created.
check_refused() {
	local name=$1 shown=$2 why=$3 cmd a
	local -a args
	for cmd in "${posix_commands[@]}"; do
		args=()
		for a in $cmd; do
			args+=("${a/NAME/$name}")
		done
		run ipctool "${args[@]}"
		if [ "$status" -ne 2 ] || [[ "$output" != *"$shown' is $why"* ]] ||
			[[ "$output" == *$'\e'* ]] || [[ "$output" == *$'\x01'* ]]; then
			echo "ipctool $cmd with NAME=$(printf '%q' "$name"): status $status" >&2
			echo "$output" >&2
			return 1
		fi
	done
}

@test "POSIX names with '..' are refused with exit 2 by every command" {
	check_refused "/.." "/.." "not a usable POSIX name ('.' and '..' are refused)"
	check_refused "/." "/." "not a usable POSIX name ('.' and '..' are refused)"
	check_refused "/../etc" "/../etc" "a POSIX name with a second '/'"
}

@test "POSIX names with an embedded '/' are refused with exit 2 by every command" {
	check_refused "/a/b" "/a/b" "a POSIX name with a second '/'"
	check_refused "//a" "//a" "a POSIX name with a second '/'"
	check_refused "/a/" "/a/" "a POSIX name with a second '/'"
}

@test "POSIX names of 256 bytes and more are refused with exit 2 by every command" {
	local n255 n256 n4k
	n255=/$(printf 'a%.0s' $(seq 255))
	n256=/$(printf 'a%.0s' $(seq 256))
	n4k=/$(printf 'b%.0s' $(seq 4096))
	check_refused "$n256" "$n256" "a POSIX name longer than 255 bytes"
	check_refused "$n4k" "$n4k" "a POSIX name longer than 255 bytes"
	# 255 is the limit, and accepted (the queue just does not exist).
	run ipctool mq info "$n255"
	assert_failure 1
	assert_output --partial "No such file"
}

@test "POSIX names with non-printing bytes are refused with exit 2, shown escaped" {
	check_refused $'/a\x01b' '/a\x01b' "a POSIX name with a space or non-printing byte"
	check_refused $'/a\e[2Jb' '/a\x1b[2Jb' "a POSIX name with a space or non-printing byte"
	check_refused $'/a\nb' '/a\x0ab' "a POSIX name with a space or non-printing byte"
	check_refused $'/a\x7fb' '/a\x7fb' "a POSIX name with a space or non-printing byte"
	check_refused '/a b' '/a b' "a POSIX name with a space or non-printing byte"
	check_refused $'/\xff' $'/\xff' "a POSIX name with a space or non-printing byte"
}

@test "nothing was created under a hostile name" {
	run ipctool ls -n -o NAME -t posix
	refute_output --partial ".."
	refute_output --partial $'\x01'
	[ ! -e /dev/mqueue/etc ]
	[ ! -e /dev/shm/etc ]
}

@test "paths with control bytes are refused (fifo:, unix:) and never echoed raw" {
	local p=$TEST_DIR/$'a\eb'
	run ipctool recv --create -n "fifo:$p"
	assert_failure 2
	refute_output --partial $'\e'
	assert_output --partial 'a\x1bb'
	run ipctool send -n "unix:$p" x
	assert_failure 2
	refute_output --partial $'\e'
	run ipctool rm "fifo:$p"
	assert_failure 2
	refute_output --partial $'\e'
}
