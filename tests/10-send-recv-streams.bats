#!/usr/bin/env bats
# send and recv over stream endpoints: stdio, FIFOs, UNIX and TCP sockets.

load helpers

setup() {
	setup_common
	random_file "$TEST_DIR/in" 3M
}

@test "stdio: send - and recv - copy bytes unchanged" {
	run bash -c "'$IPCTOOL' send - < '$TEST_DIR/in' | '$IPCTOOL' recv - > '$TEST_DIR/out'"
	assert_success
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
}

@test "MESSAGE arguments are each one line, or NUL-terminated with -0" {
	run ipctool send - one "two words" three
	assert_success
	assert_output $'one\ntwo words\nthree'
	run bash -c "'$IPCTOOL' send -0 - a b | od -An -c | tr -s ' '"
	assert_output " a \\0 b \\0"
}

@test "fifo: a random file arrives byte-identical, --create --rm leaves nothing" {
	local f=$TEST_DIR/$(uniq_name fifo)
	bg ipctool recv --create --rm "fifo:$f" > "$TEST_DIR/out"
	ipctool send --wait "fifo:$f" < "$TEST_DIR/in"
	bg_exits "$BG_PID" 0
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
	assert_not_exist "$f"
}

@test "fifo: --create makes the FIFO 0600 and refuses an existing path" {
	local f=$TEST_DIR/$(uniq_name fifo)
	bg ipctool recv --create "fifo:$f" > "$TEST_DIR/out"
	ipctool send --wait "fifo:$f" hello
	bg_exits "$BG_PID" 0
	assert_equal "$(stat -c %a:%F "$f")" "600:fifo"
	assert_equal "$(cat "$TEST_DIR/out")" "hello"
	run ipctool recv --create -n "fifo:$f"
	assert_failure 1
	assert_output --partial "File exists (--reuse uses an existing FIFO)"
}

@test "fifo: --mode sets the mode of the FIFO created" {
	local f=$TEST_DIR/$(uniq_name fifo)
	bg ipctool recv --create --mode u=rw,g=r "fifo:$f"
	ipctool send --wait "fifo:$f" x
	wait "$BG_PID"
	assert_equal "$(stat -c %a "$f")" "640"
}

@test "fifo: a symlink or a regular file where the FIFO should be is refused" {
	local f=$TEST_DIR/$(uniq_name fifo)
	mkfifo "$f"
	ln -s "$f" "$TEST_DIR/link"
	run ipctool recv -n "fifo:$TEST_DIR/link"
	assert_failure 1
	assert_output --partial "symbolic link"
	run ipctool send -n "fifo:$TEST_DIR/link" x
	assert_failure 1
	assert_output --partial "symbolic link"
	run ipctool recv --create "fifo:$TEST_DIR/link"
	assert_failure 1
	assert_output --partial "File exists"
	touch "$TEST_DIR/plain"
	run ipctool send -n "fifo:$TEST_DIR/plain" x
	assert_failure 1
	assert_output --partial "not a FIFO"
	run ipctool recv -n "fifo:$TEST_DIR/plain"
	assert_failure 1
	assert_output --partial "not a FIFO"
}

@test "fifo: a missing FIFO fails at once with a hint, or is waited for with --wait" {
	local f=$TEST_DIR/$(uniq_name fifo)
	run ipctool send "fifo:$f" x
	assert_failure 1
	assert_output --partial "cannot open 'fifo:$f': No such file or directory (create it with --create"
	bg ipctool send --wait "fifo:$f" late
	run ipctool recv --create --rm -t 5s "fifo:$f"
	assert_success
	assert_output "late"
}

@test "fifo: recv --wait waits for the FIFO to appear, as send --wait does" {
	local f=$TEST_DIR/$(uniq_name fifo)
	run ipctool recv "fifo:$f"
	assert_failure 1
	assert_output --partial "cannot open 'fifo:$f': No such file or directory (create it with --create, or wait with --wait)"
	bg ipctool recv --wait=20s -t 20s "fifo:$f" >"$TEST_DIR/out"
	local reader=$BG_PID
	sleep 0.3
	ipctool send --create --wait=20s "fifo:$f" early
	bg_exits "$reader" 0
	[ "$(cat "$TEST_DIR/out")" = early ]
	rm -f "$f"
	run ipctool recv --wait=300ms "fifo:$f"
	assert_failure 124
	assert_output "ipctool recv: timed out waiting for a sender on 'fifo:$f'"
}

@test "fifo: recv -k keeps reading across writers until --count" {
	local f=$TEST_DIR/$(uniq_name fifo)
	bg ipctool recv -k --create --rm -c 3 "fifo:$f"
	local rpid=$BG_PID
	ipctool send --wait "fifo:$f" first
	ipctool send "fifo:$f" second
	ipctool send "fifo:$f" third
	bg_exits "$rpid" 0
}

@test "unix: a random file arrives byte-identical and the socket file is removed" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv "unix:$s" > "$TEST_DIR/out"
	ipctool send --wait "unix:$s" < "$TEST_DIR/in"
	bg_exits "$BG_PID" 0
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
	assert_not_exist "$s"
}

@test "unix: the listener's socket file is 0600" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k "unix:$s"
	ipctool send --wait "unix:$s" x
	assert_equal "$(stat -c %a:%F "$s")" "600:socket"
}

@test "unix: abstract names (@NAME) carry data and leave no file" {
	local n=$(uniq_name abs)
	bg ipctool recv "unix:@$n" > "$TEST_DIR/out"
	ipctool send --wait "unix:@$n" < "$TEST_DIR/in"
	wait "$BG_PID"
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
}

@test "unix: --listen on send and --connect on recv swap the roles" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool send --listen "unix:$s" < "$TEST_DIR/in"
	local spid=$BG_PID
	ipctool recv --connect --wait "unix:$s" > "$TEST_DIR/out"
	bg_exits "$spid" 0
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
	assert_not_exist "$s"
}

@test "unix: a missing listener fails at once naming the path; --wait waits for it" {
	local s=$TEST_DIR/$(uniq_name sock)
	run ipctool send "unix:$s" x
	assert_failure 1
	assert_output --partial "cannot connect to 'unix:$s': No such file or directory (is a receiver listening? --wait waits for one)"
	bg ipctool send --wait "unix:$s" waited
	run ipctool recv -t 5s "unix:$s"
	assert_success
	assert_output "waited"
}

@test "unix: --wait=DURATION gives up with 124" {
	local s=$TEST_DIR/$(uniq_name sock)
	run ipctool send --wait=200ms "unix:$s" x
	assert_failure 124
	assert_output --partial "timed out waiting for a receiver on 'unix:$s'"
}

@test "unix: a stale socket file is refused, and replaced with --reuse" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k "unix:$s"
	ipctool send --wait "unix:$s" x
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	assert_exist "$s"
	run ipctool recv -n "unix:$s"
	assert_failure 1
	assert_output --partial "Address already in use (a stale socket file: --reuse replaces it)"
	bg ipctool recv --reuse "unix:$s"
	ipctool send --wait "unix:$s" again
	bg_exits "$BG_PID" 0
}

@test "unix: a live listener's socket is never replaced by --reuse" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k "unix:$s"
	ipctool send --wait "unix:$s" x
	# Told that a process listens, not offered --reuse.
	run ipctool recv -n "unix:$s"
	assert_failure 1
	assert_output "ipctool recv: cannot listen on 'unix:$s': Address already in use (a process listens there)"
	run ipctool serve "unix:$s" cat
	assert_failure 1
	assert_output --partial "Address already in use (a process listens there)"
	run ipctool recv --reuse -n "unix:$s"
	assert_failure 1
	assert_output --partial "Address already in use"
}

@test "unix: recv -k serves concurrent senders without losing or mixing lines" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k -c 40000 "unix:$s" > "$TEST_DIR/out"
	local rpid=$BG_PID
	local pids=()
	for i in 1 2 3 4; do
		seq 1 10000 | sed "s/^/sender$i-/" | ipctool send --wait "unix:$s" 3>&- &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	bg_exits "$rpid" 0
	assert_equal "$(wc -l < "$TEST_DIR/out")" 40000
	assert_equal "$(sort -u "$TEST_DIR/out" | wc -l)" 40000
	# Every line is whole: no fragments glued together.
	run grep -cvE '^sender[1-4]-[0-9]+$' "$TEST_DIR/out"
	assert_output 0
	for i in 1 2 3 4; do
		assert_equal "$(grep -c "^sender$i-" "$TEST_DIR/out")" 10000
	done
}

@test "unix: recv -k keeps a line longer than its buffer whole" {
	local s=$TEST_DIR/$(uniq_name sock)
	head -c 300000 /dev/zero | tr '\0' a > "$TEST_DIR/long"
	echo >> "$TEST_DIR/long"
	bg ipctool recv -k -c 201 "unix:$s" > "$TEST_DIR/out"
	local rpid=$BG_PID
	seq 1 200 | sed 's/^/short-/' | ipctool send --wait "unix:$s" 3>&- &
	local p1=$!
	ipctool send --wait "unix:$s" < "$TEST_DIR/long"
	wait "$p1"
	bg_exits "$rpid" 0
	assert_equal "$(grep -c '^a*$' "$TEST_DIR/out")" 1
	assert_equal "$(grep '^a*$' "$TEST_DIR/out" | wc -c)" 300001
	assert_equal "$(grep -c '^short-' "$TEST_DIR/out")" 200
}

@test "unix: recv -k -t ends after a quiet period with 0 once data came, 124 if none" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k -t 300ms "unix:$s" > "$TEST_DIR/out"
	local rpid=$BG_PID
	ipctool send --wait "unix:$s" some data
	bg_exits "$rpid" 0
	assert_equal "$(cat "$TEST_DIR/out")" $'some\ndata'
	run ipctool recv -k -t 100ms "unix:$TEST_DIR/$(uniq_name other)"
	assert_failure 124
}

@test "timeouts: recv -t and -n exit 124 when nothing connects" {
	local s=$TEST_DIR/$(uniq_name sock)
	run ipctool recv -t 100ms "unix:$s"
	assert_failure 124
	assert_output --partial "timed out waiting for a sender on 'unix:$s'"
	assert_not_exist "$s"
	run ipctool recv -n "unix:$s"
	assert_failure 124
	local f=$TEST_DIR/$(uniq_name fifo)
	mkfifo "$f"
	run ipctool recv -t 100ms "fifo:$f"
	assert_failure 124
	run ipctool send -n "fifo:$f" x
	assert_failure 124
}

@test "timeouts: recv -t exits 124 when a connected sender stalls" {
	local s=$TEST_DIR/$(uniq_name sock)
	local gate=$TEST_DIR/gate
	mkfifo "$gate"
	bg ipctool recv -t 300ms "unix:$s" > "$TEST_DIR/out"
	local rpid=$BG_PID
	# The sender sends one line, then waits on a FIFO nobody writes to.
	(echo first; exec cat "$gate") | ipctool send --wait "unix:$s" 3>&- &
	local spid=$!
	bg_exits "$rpid" 124
	assert_equal "$(cat "$TEST_DIR/out")" "first"
	exec 4<>"$gate"; exec 4>&-
	wait "$spid" || true
}

@test "tcp: IPv4 and IPv6 loopback carry a random file byte-identical" {
	local port=$(free_port)
	bg ipctool recv "tcp:127.0.0.1:$port" > "$TEST_DIR/out"
	ipctool send --wait=5s "tcp:127.0.0.1:$port" < "$TEST_DIR/in"
	wait "$BG_PID"
	cmp "$TEST_DIR/in" "$TEST_DIR/out"
	if ! ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
		skip "no IPv6 loopback"
	fi
	port=$(free_port)
	bg ipctool recv "tcp:[::1]:$port" > "$TEST_DIR/out6"
	ipctool send --wait=5s "tcp:[::1]:$port" < "$TEST_DIR/in"
	wait "$BG_PID"
	cmp "$TEST_DIR/in" "$TEST_DIR/out6"
}

@test "tcp: a refused connection fails at once with exit 1" {
	local port=$(free_port)
	run ipctool send "tcp:127.0.0.1:$port" x
	assert_failure 1
	assert_output --partial "cannot connect to 'tcp:127.0.0.1:$port': Connection refused"
}

@test "tcp: an unknown host name is reported" {
	run ipctool send "tcp:no-such-host.invalid:80" x
	assert_failure 1
	assert_output --partial "cannot connect to 'tcp:no-such-host.invalid:80'"
}

@test "SIGINT and SIGTERM remove the listener's socket file and exit 130/143" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -k "unix:$s"
	ipctool send --wait "unix:$s" x
	assert_exist "$s"
	kill -INT "$BG_PID"
	bg_exits "$BG_PID" 130
	assert_not_exist "$s"
	bg ipctool recv -k "unix:$s"
	ipctool send --wait "unix:$s" x
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	assert_not_exist "$s"
}

@test "SIGTERM removes a FIFO made with --create --rm" {
	local f=$TEST_DIR/$(uniq_name fifo)
	bg ipctool recv -k --create --rm "fifo:$f"
	ipctool send --wait "fifo:$f" x
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	assert_not_exist "$f"
}

@test "a receiver that goes away is reported by the sender, not by SIGPIPE" {
	local s=$TEST_DIR/$(uniq_name sock)
	bg ipctool recv -c 1 "unix:$s"
	run bash -c "yes | '$IPCTOOL' send --wait 'unix:$s'"
	assert_failure 1
	assert_output --regexp "cannot write to 'unix:$s': (Broken pipe|Connection reset by peer) \(the receiver went away\)"
}

@test "--count stops after N lines on a stream" {
	run bash -c "seq 1 100 | '$IPCTOOL' send -c 3 -"
	assert_success
	assert_output $'1\n2\n3'
	run bash -c "seq 1 100 | '$IPCTOOL' recv -c 2 -"
	assert_output $'1\n2'
}

@test "--stats reports bytes on stderr, -P draws progress, stdout stays clean" {
	run --separate-stderr bash -c "'$IPCTOOL' send --stats - < '$TEST_DIR/in' | '$IPCTOOL' recv -P --stats - | cmp - '$TEST_DIR/in'"
	assert_success
	assert_output ""
	[[ "$stderr" == *"ipctool send: 3145728 bytes in "* ]]
	[[ "$stderr" == *"ipctool recv: 3145728 bytes in "* ]]
}

@test "options that do not apply to a stream endpoint are usage errors" {
	run ipctool send -p 3 "unix:$TEST_DIR/s" x
	assert_failure 2
	assert_output --partial "--priority applies to message queues and rings, not 'unix:$TEST_DIR/s'"
	run ipctool recv --create "tcp:127.0.0.1:1"
	assert_failure 2
	run ipctool send --listen - x
	assert_failure 2
	run ipctool recv -k -
	assert_failure 2
	assert_output --partial "--keep needs a listening socket or a FIFO"
	run ipctool recv --listen --connect "unix:$TEST_DIR/s"
	assert_failure 2
}

@test "malformed endpoints exit 2 quoting the text and what was expected" {
	local bad
	for bad in "nosuch:x" "unix:" "tcp:host" "tcp:host:99999" "tcp:::1:80" "fifo:" "mq:jobs" \
		"shm:key:zz" "unix:@" "plain"; do
		run ipctool send "$bad" x
		assert_failure 2
		assert_output --partial "'$bad' is"
		assert_output --partial "expected"
	done
	run ipctool recv "unix:$(printf 'a%.0s' $(seq 120))"
	assert_failure 2
	assert_output --partial "longer than 107 bytes"
}

@test "send and recv need exactly their arguments" {
	run ipctool send
	assert_failure 2
	assert_output --partial "missing ENDPOINT"
	run ipctool recv - extra
	assert_failure 2
	assert_output --partial "too many arguments"
}

@test "tcp::PORT listens on every address, IPv6 and IPv4 alike" {
	if ! ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
		skip "no IPv6 loopback"
	fi
	local port
	port=$(free_port)
	bg ipctool recv -t 10s "tcp::$port" >"$TEST_DIR/out6"
	ipctool send --wait=5s "tcp:[::1]:$port" six
	wait "$BG_PID"
	assert_equal "$(cat "$TEST_DIR/out6")" six
	port=$(free_port)
	bg ipctool recv -t 10s "tcp::$port" >"$TEST_DIR/out4"
	ipctool send --wait=5s "tcp:127.0.0.1:$port" four
	wait "$BG_PID"
	assert_equal "$(cat "$TEST_DIR/out4")" four
	# An IPv4 sender to a dual-stack UDP receiver is named as IPv4.
	port=$(free_port)
	bg ipctool recv -J -c 1 -t 10s "udp::$port" >"$TEST_DIR/outu"
	# UDP cannot wait for its receiver: send until one has arrived.
	local i
	for i in $(seq 500); do
		ipctool send "udp:127.0.0.1:$port" x
		[ -s "$TEST_DIR/outu" ] && break
		sleep 0.01
	done
	wait "$BG_PID"
	run cat "$TEST_DIR/outu"
	assert_output --regexp '"sender":"127\.0\.0\.1:[0-9]+"'
}
