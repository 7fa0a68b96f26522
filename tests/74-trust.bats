#!/usr/bin/env bats
# Another user's symbolic links on the way to a path: ipctool (as root)
# creates, replaces and removes FIFOs, socket files and pid files through a
# descriptor of their directory, and follows a directory link only when it
# belongs to root or to the caller. Before, a link owned by `nobody` that
# pointed into root's directory made root remove root's files there.

load helpers

setup() {
	setup_common
	[ "$(id -u)" -eq 0 ] || skip "needs root (a second user owns the links)"
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	# root's private directory, and a directory of nobody's with a link to it.
	ROOTDIR="$TEST_DIR/root"
	EVIL="$TEST_DIR/evil"
	mkdir -m 0700 "$ROOTDIR"
	mkdir -m 0755 "$EVIL"
	chown nobody "$EVIL"
	ln -s "$ROOTDIR" "$EVIL/d"
	chown -h nobody "$EVIL/d"
	chmod 0755 "$TEST_DIR"
}

# A socket file nobody listens on: its listener was killed.
stale_socket() {
	bg ipctool recv "unix:$1"
	wait_for_path "$1"
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	[ -S "$1" ]
}

@test "rm unix: through another user's directory link leaves root's stale socket" {
	stale_socket "$ROOTDIR/s.sock"
	run ipctool rm "unix:$EVIL/d/s.sock"
	assert_failure 1
	assert_output --partial "symbolic link"
	[ -S "$ROOTDIR/s.sock" ]
}

@test "rm fifo: and fifo rm through another user's directory link leave root's FIFO" {
	mkfifo "$ROOTDIR/f"
	run ipctool rm "fifo:$EVIL/d/f"
	assert_failure 1
	[ -p "$ROOTDIR/f" ]
	run ipctool fifo rm "$EVIL/d/f"
	assert_failure 1
	[ -p "$ROOTDIR/f" ]
}

@test "recv --reuse unix: through another user's directory link does not replace root's socket" {
	stale_socket "$ROOTDIR/s.sock"
	local ino
	ino=$(stat -c %i "$ROOTDIR/s.sock")
	run ipctool recv --reuse -n "unix:$EVIL/d/s.sock"
	assert_failure 1
	assert_output --partial "symbolic link"
	[ -S "$ROOTDIR/s.sock" ]
	[ "$(stat -c %i "$ROOTDIR/s.sock")" = "$ino" ]
}

@test "a FIFO is not created through another user's directory link" {
	run ipctool fifo create "$EVIL/d/new"
	assert_failure 1
	assert_not_exists "$ROOTDIR/new"
	run ipctool send --create -n "fifo:$EVIL/d/new2" hello
	assert_failure 1
	assert_not_exists "$ROOTDIR/new2"
}

@test "a directory link of root's own is followed (like /var/run -> /run)" {
	ln -s "$ROOTDIR" "$TEST_DIR/rootlink"
	run ipctool fifo create "$TEST_DIR/rootlink/f"
	assert_success
	[ -p "$ROOTDIR/f" ]
	run ipctool fifo rm "$TEST_DIR/rootlink/f"
	assert_success
	assert_not_exists "$ROOTDIR/f"
	stale_socket "$ROOTDIR/s.sock"
	run ipctool rm "unix:$TEST_DIR/rootlink/s.sock"
	assert_success
	assert_not_exists "$ROOTDIR/s.sock"
}

@test "a listener's socket file is removed at exit only from the directory it was bound in" {
	local sock="$TEST_DIR/moved/l.sock"
	mkdir "$TEST_DIR/moved"
	bg ipctool recv -t 10s "unix:$sock"
	wait_for_path "$sock"
	# The directory moves away and a plain file takes the name.
	mv "$TEST_DIR/moved" "$TEST_DIR/gone"
	mkdir "$TEST_DIR/moved"
	echo keep >"$TEST_DIR/moved/l.sock"
	kill -TERM "$BG_PID"
	wait "$BG_PID" || true
	assert_file_exists "$TEST_DIR/moved/l.sock"
	assert_equal "$(cat "$TEST_DIR/moved/l.sock")" keep
	assert_not_exists "$TEST_DIR/gone/l.sock"
}

@test "signal wait --pidfile does not follow a link another user planted" {
	echo precious >"$ROOTDIR/target"
	ln -s "$ROOTDIR/target" "$EVIL/pid"
	chown -h nobody "$EVIL/pid"
	run ipctool signal wait USR1 -t 100ms --pidfile "$EVIL/pid"
	assert_failure 1
	assert_output --partial "symbolic link"
	assert_equal "$(cat "$ROOTDIR/target")" precious
	# Nor through a link of nobody's to a directory of root's.
	run ipctool signal wait USR1 -t 100ms --pidfile "$EVIL/d/target"
	assert_failure 1
	assert_equal "$(cat "$ROOTDIR/target")" precious
}

@test "signal wait --pidfile refuses another user's file and takes over one a killed waiter left" {
	echo 1 >"$EVIL/theirs"
	chown nobody "$EVIL/theirs"
	run ipctool signal wait USR1 -t 100ms --pidfile "$EVIL/theirs"
	assert_failure 1
	assert_output --partial "another user's file"
	assert_equal "$(cat "$EVIL/theirs")" 1
	# A pid file left by a waiter killed with SIGKILL is not held: taken over.
	local pf="$TEST_DIR/w.pid" pid
	bg ipctool signal wait USR1 --pidfile "$pf"
	for _ in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	assert_file_exists "$pf"
	bg ipctool signal wait USR1 -t 5s --pidfile "$pf"
	for _ in $(seq 100); do [ "$(cat "$pf" 2>/dev/null)" = "$BG_PID" ] && break; sleep 0.05; done
	pid=$(cat "$pf")
	[ "$pid" = "$BG_PID" ]
	run ipctool signal send "$pid" USR1
	assert_success
	wait "$BG_PID"
	assert_not_exists "$pf"
}

@test "closed standard descriptors: nothing lands in a ring's segment" {
	local r="/$(uniq_name ring)"
	ipctool shm create "$r" -s 64K --capacity 32K
	run ipctool send "shm:$r" hello
	assert_success
	# stdout closed: the output fails; the segment is not written over.
	run sh -c 'exec "$0" "$@" >&-' "$IPCTOOL" recv -n "shm:$r"
	assert_failure 1
	assert_output --partial "cannot write to standard output"
	run ipctool shm info -rn -o RING "$r"
	assert_output yes
	# stdin closed: an input error, not the segment's own bytes sent.
	run sh -c 'exec "$0" "$@" <&-' "$IPCTOOL" send -F chunk -t 2s "shm:$r"
	assert_failure 1
	assert_output --partial "cannot read standard input"
	# stderr closed: the error message does not go into the segment.
	run sh -c 'exec "$0" "$@" 2>&-' "$IPCTOOL" send "shm:/$(uniq_name none)" x
	assert_failure 1
	run ipctool shm info -rn -o RING "$r"
	assert_output yes
	ipctool shm rm "$r"
}

@test "closed standard output of a piped stream: the output is blamed, not the input" {
	# Standard input a pipe: the bytes move by splice(2), whose EBADF does
	# not say which side it came from.
	run bash -c 'echo hi | "$0" send - >&-' "$IPCTOOL"
	assert_failure 1
	assert_output --partial "standard output"
	refute_output --partial "read"
	run bash -c 'echo hi | "$0" recv - >&-' "$IPCTOOL"
	assert_failure 1
	assert_output --partial "standard output"
	refute_output --partial "read"
	# And a closed input is still the input's.
	run bash -c 'set -o pipefail; "$0" send - <&- | cat' "$IPCTOOL"
	assert_failure 1
	assert_output --partial "standard input"
}

@test "a FIFO planted under /dev/shm: shm info and attach refuse it at once" {
	local n
	n=$(uniq_name planted)
	mkfifo "/dev/shm/$n"
	run timeout 10 "$IPCTOOL" shm info "/$n"
	rm -f "/dev/shm/$n"
	assert_failure 1
	mkfifo "/dev/shm/$n"
	run timeout 10 "$IPCTOOL" shm attach "/$n"
	rm -f "/dev/shm/$n"
	assert_failure 1
	run timeout 10 "$IPCTOOL" recv -n "shm:/$n"
	assert_failure 1
}

@test "a full /dev/shm: create fails with ENOSPC and leaves no half-made segment" {
	command -v unshare >/dev/null || skip "needs unshare(1)"
	run unshare -m sh -c '
		mount -t tmpfs -o size=1M none /dev/shm || exit 99
		head -c 900K /dev/zero >/dev/shm/filler
		"$1" shm create /full -s 512K; echo "create=$?"
		"$1" recv --create -n --capacity 256K shm:/ring; echo "ring=$?"
		ls /dev/shm' _ "$IPCTOOL"
	[ "$status" -ne 99 ] || skip "cannot mount a tmpfs here"
	assert_line "create=1"
	assert_line "ring=1"
	assert_line "ipctool shm create: cannot create '/full': No space left on device (/dev/shm is full: see df /dev/shm)"
	assert_line "ipctool recv: cannot open 'shm:/ring': No space left on device (/dev/shm is full: see df /dev/shm)"
	refute_line full
	refute_line ring
	assert_line filler
}

@test "a sparse segment in a full /dev/shm: ls, shm ls, shm info, send and recv fail, never by SIGBUS" {
	command -v unshare >/dev/null || skip "needs unshare(1)"
	# A hole read from a full tmpfs cannot get a page: a mapping that
	# touches it faults with SIGBUS. Another user can leave such a file.
	run unshare -m sh -c '
		mount -t tmpfs -o size=200K none /dev/shm || exit 99
		head -c 200K /dev/zero >/dev/shm/hog 2>/dev/null
		truncate -s 64K /dev/shm/junk
		"$1" shm ls >/dev/null; echo "shmls=$?"
		"$1" shm info /junk >/dev/null; echo "info=$?"
		"$1" ls >/dev/null; echo "ls=$?"
		"$1" send -t 1s shm:/junk x; echo "send=$?"
		"$1" recv -t 1s -n shm:/junk; echo "recv=$?"
		"$1" send --wait=1s shm:/junk x; echo "sendwait=$?"
		"$1" send --create --reuse -t 1s shm:/junk x; echo "reuse=$?"
		stat -c "size=%s" /dev/shm/junk' _ "$IPCTOOL"
	[ "$status" -ne 99 ] || skip "cannot mount a tmpfs here"
	assert_line "shmls=0"
	assert_line "info=0"
	assert_line "ls=0"
	assert_line "send=1"
	assert_line "recv=1"
	assert_line --regexp "^sendwait=(1|124)$"
	assert_line "reuse=1"
	assert_line "size=65536"
	refute_output --partial "Bus error"
}

@test "--reuse never resizes a segment that holds no ring, nor another user's" {
	[ "$(id -u)" = 0 ] || skip "needs root to act as another user"
	local as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	local n=$(uniq_name other) m=$(uniq_name magic)
	$as_nobody sh -c "head -c 100 /dev/urandom >/dev/shm/$n"
	run ipctool recv --create --reuse -n "shm:/$n"
	assert_failure 1
	run stat -c '%s %U' "/dev/shm/$n"
	assert_output "100 nobody"
	run ipctool send --create --reuse "shm:/$n" x
	assert_failure 1
	run stat -c '%s' "/dev/shm/$n"
	assert_output 100
	run ipctool shm create "/$n" --capacity 4K --reuse
	assert_failure 1
	run stat -c '%s' "/dev/shm/$n"
	assert_output 100
	rm -f "/dev/shm/$n"
	# The magic alone is no ring: refused, not grown.
	printf IPCTRING >"/dev/shm/$m"
	run ipctool shm create "/$m" --capacity 4K --reuse
	assert_failure 1
	assert_output --partial "cannot use '/$m' as a ring"
	run stat -c '%s' "/dev/shm/$m"
	assert_output 8
	rm -f "/dev/shm/$m"
}
