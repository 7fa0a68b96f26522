#!/usr/bin/env bats
# Faults and hostile input on the stream transports: peers that die, output
# that fails, other users, symlinks. Message and ring transports add their
# own cases in their suites.

load helpers

@test "a receiver killed with SIGKILL mid-transfer: the sender exits 1 saying so" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k "unix:$s" > "$TEST_DIR/out"
	local rpid=$BG_PID
	# The -k receiver stays up until killed; the sender streams forever.
	bg bash -c "yes | '$IPCTOOL' send --wait 'unix:$s' 2> '$TEST_DIR/err'"
	local spid=$BG_PID
	# Once data has arrived, kill the receiver.
	wait_for_nonempty "$TEST_DIR/out"
	kill -KILL "$rpid"
	bg_exits "$spid" 1
	run cat "$TEST_DIR/err"
	assert_output --regexp "cannot write to 'unix:$s': (Broken pipe|Connection reset by peer) \(the receiver went away\)"
}

@test "a sender killed with SIGKILL mid-transfer: the receiver ends without hanging" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv "unix:$s" > "$TEST_DIR/out"
	local rpid=$BG_PID
	bg bash -c "exec '$IPCTOOL' send --wait 'unix:$s' < /dev/zero"
	local spid=$BG_PID
	wait_for_nonempty "$TEST_DIR/out"
	kill -KILL "$spid"
	# A stream has no end marker: the kernel closes the dead sender's
	# socket, which reads as the end of the stream.
	local rc=0
	wait "$rpid" || rc=$?
	[ "$rc" -lt 128 ]
	assert_not_exist "$s"
}

@test "a TCP receiver that dies: the sender reports it, exit 1" {
	local port=$(free_port)
	bg ipctool recv -c 1 "tcp:127.0.0.1:$port" > /dev/null
	run bash -c "yes | '$IPCTOOL' send --wait=5s 'tcp:127.0.0.1:$port'"
	assert_failure 1
	assert_output --partial "(the receiver went away)"
}

@test "stdout closed early (EPIPE): recv exits 1 with a message, not by SIGPIPE" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg bash -c "yes | '$IPCTOOL' send --wait 'unix:$s'"
	run bash -c "'$IPCTOOL' recv 'unix:$s' 2>'$TEST_DIR/err' | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}"
	assert_output 1
	run cat "$TEST_DIR/err"
	assert_output --partial "cannot write to standard output: Broken pipe"
}

@test "stdout full: send - and recv - exit 1 naming the error" {
	run bash -c "head -c 1M /dev/zero | '$IPCTOOL' recv - > /dev/full"
	assert_failure 1
	assert_output --partial "No space left on device"
	run bash -c "head -c 1M /dev/zero | '$IPCTOOL' send - > /dev/full"
	assert_failure 1
	assert_output --partial "No space left on device"
}

@test "another user gets a clear permission error on a 0600 FIFO and socket" {
	command -v setpriv >/dev/null || skip "setpriv is missing"
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch to nobody"
	chmod 755 "$TEST_DIR"
	local f=$TEST_DIR/$(uniq_name fifo) s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k --create "fifo:$f"
	ipctool send --wait "fifo:$f" x
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$IPCTOOL" send -n "fifo:$f" y
	assert_failure 1
	assert_output --partial "cannot open 'fifo:$f': Permission denied"
	bg ipctool recv -k "unix:$s"
	ipctool send --wait "unix:$s" x
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$IPCTOOL" send "unix:$s" y
	assert_failure 1
	assert_output --partial "cannot connect to 'unix:$s': Permission denied"
}

@test "a symlink where a socket would be bound is neither followed nor replaced" {
	local s=$TEST_DIR/$(uniq_name sock)
	echo precious > "$TEST_DIR/target"
	ln -s "$TEST_DIR/target" "$s"
	run ipctool recv --reuse -n "unix:$s"
	assert_failure 1
	assert_output --partial "Address already in use"
	assert_link_exists "$s"
	assert_equal "$(cat "$TEST_DIR/target")" "precious"
}

@test "SIGINT while waiting for a writer removes a FIFO made with --create --rm, exit 130" {
	local f=$TEST_DIR/$(uniq_name fifo)
	bg ipctool recv --create --rm "fifo:$f"
	wait_for_path "$f"
	kill -INT "$BG_PID"
	bg_exits "$BG_PID" 130
	assert_not_exist "$f"
}

@test "a FIFO removed and replaced by a regular file is not removed by --rm" {
	local f=$TEST_DIR/$(uniq_name fifo)
	bg ipctool recv -k --create --rm "fifo:$f"
	ipctool send --wait "fifo:$f" x
	mv "$f" "$TEST_DIR/moved"
	echo keep > "$f"
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	assert_file_exists "$f"
	assert_equal "$(cat "$f")" "keep"
}

@test "recv keeps memory flat over a large stream (peak RSS grows by well under 8 MiB)" {
	[ -x /usr/bin/time ] || skip "GNU time is missing"
	local s rpid
	# The same binary's peak for one byte is the baseline: a sanitizer's
	# shadow memory alone is about 20 MiB.
	for n in 1 256M; do
		s=$TEST_DIR/$(uniq_name sock)
		bg /usr/bin/time -f '%M' -o "$TEST_DIR/rss.$n" "$IPCTOOL" recv "unix:$s"
		rpid=$BG_PID
		head -c "$n" /dev/zero | ipctool send --wait "unix:$s"
		wait "$rpid"
	done
	[ "$(cat "$TEST_DIR/rss.256M")" -lt $(($(cat "$TEST_DIR/rss.1") + 8192)) ]
}

@test "recv -k: long lines among busy short senders arrive whole, never mixed" {
	local s=$TEST_DIR/$(uniq_name sock) k pids=()
	head -c 300000 /dev/zero | tr '\0' a > "$TEST_DIR/long"
	echo >> "$TEST_DIR/long"
	bg ipctool recv -k -c 18010 "unix:$s" > "$TEST_DIR/out"
	local rpid=$BG_PID
	# Short lines trickle in through pipes, so that the senders are
	# readable in the same poll rounds as the long ones.
	for k in 1 2 3; do
		bash -c "for j in \$(seq 20); do seq 300 | sed 's/^/short-/'; done |
			'$IPCTOOL' send --wait 'unix:$s'" 3>&- &
		pids+=($!)
	done
	for k in $(seq 10); do
		"$IPCTOOL" send --wait "unix:$s" < "$TEST_DIR/long" 3>&- &
		pids+=($!)
	done
	for k in "${pids[@]}"; do wait "$k"; done
	bg_exits "$rpid" 0
	# Ten lines of exactly 300000 a's, and every short line on its own.
	run bash -c "grep -v '^short-[0-9]*\$' '$TEST_DIR/out' | sort | uniq -c"
	assert_output "     10 $(head -c 300000 /dev/zero | tr '\0' a)"
	assert_equal "$(grep -c '^short-[0-9]*$' "$TEST_DIR/out")" 18000
}
