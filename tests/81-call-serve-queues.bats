#!/usr/bin/env bats
# ipctool call and serve on POSIX and System V queues and on rings, which
# have no return address: the request's envelope names the caller's private
# reply object. Exact bytes, callers at once, plain messages, malformed
# envelopes, the trust rule (with user nobody), clean-up of reply objects.

load helpers

setup() {
	setup_common
	if [ "$(stat -f -c %T /dev/mqueue 2>/dev/null)" != mqueue ] && [ "$(id -u)" = 0 ]; then
		mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue || true
	fi
	# A System V key of this test's own.
	KEY=$(printf '0x%08x' $((0x5e130000 + ($$ % 4096) * 64 + BATS_TEST_NUMBER)))
}

serve_bg() {
	bg ipctool serve --grace 200ms "$@" 2>>"$TEST_DIR/serve.log"
}

need_mqueue() {
	[ "$(stat -f -c %T /dev/mqueue 2>/dev/null)" = mqueue ] ||
		skip "/dev/mqueue is not mounted (needs root to mount)"
}

# A small POSIX queue removed in teardown (through serve --rm or here);
# skips when the per-user queue budget is used up (the machine is not clean).
make_mq() {
	local out
	need_mqueue
	if ! out=$("$IPCTOOL" mq create "$1" --maxmsg 10 --msgsize 1K "${@:2}" 2>&1); then
		case $out in
		*"Too many open files"* | *"No space left"* | *"Cannot allocate"*)
			skip "the per-user POSIX queue limit is used up: $out" ;;
		esac
		echo "$out" >&2
		return 1
	fi
	MQS+=("$1")
}

teardown() {
	local q
	teardown_common
	for q in "${MQS[@]}"; do
		"$IPCTOOL" mq rm "$q" 2>/dev/null || true
	done
	ipcrm -Q "$KEY" 2>/dev/null || true
	ipcrm -M "$KEY" 2>/dev/null || true
}

# The reply objects named in /proc/PID/fd of a running call.
reply_objects() {
	ls -l "/proc/$1/fd/" 2>/dev/null | sed -n 's|.* -> \(/ipctool-reply-[0-9a-f]*\)$|\1|p'
}

@test "call and serve on a POSIX queue: a reply per request, in order, exact bytes" {
	local q
	q=/$(uniq_name q)
	MQS=()
	make_mq "$q"
	serve_bg --rm "mq:$q" tr a-z A-Z
	run ipctool call -t 10s "mq:$q" alpha beta gamma
	assert_success
	assert_output $'ALPHA\nBETA\nGAMMA'
	printf 'one\n\ntwo\n' >"$TEST_DIR/in"
	ipctool call -t 10s "mq:$q" <"$TEST_DIR/in" >"$TEST_DIR/out"
	[ "$(od -An -c "$TEST_DIR/out")" = "$(printf 'ONE\n\nTWO\n' | od -An -c)" ]
	ipctool call -0 -t 10s "mq:$q" a b >"$TEST_DIR/out"
	[ "$(od -An -c "$TEST_DIR/out")" = "$(printf 'A\0B\0' | od -An -c)" ]
	run ipctool call -J -t 10s "mq:$q" x y
	assert_success
	assert_line --index 0 --regexp '^\{"data":"X","size":1,.*\}$'
	assert_line --index 1 --regexp '^\{"data":"Y","size":1,.*\}$'
	[ "${#lines[@]}" -eq 2 ]
	# A request as large as the queue's message size less the envelope.
	run ipctool call -t 10s "mq:$q" "$(head -c 2000 /dev/zero | tr '\0' x)"
	assert_failure 1
	assert_output --partial "larger than"
}

@test "six callers at once on one queue, serve -j 4: each gets its own replies, none crossed" {
	local q i pids=()
	q=/$(uniq_name q)
	MQS=()
	make_mq "$q"
	serve_bg -j 4 "mq:$q" -- sh -c 'cat; echo " [$$]"'
	for i in 1 2 3 4 5 6; do
		seq -f "caller$i-%g" 25 >"$TEST_DIR/in$i"
		ipctool call -t 30s "mq:$q" <"$TEST_DIR/in$i" >"$TEST_DIR/out$i" 3>&- &
		pids+=($!)
	done
	for i in 1 2 3 4 5 6; do
		bg_exits "${pids[$((i - 1))]}" 0
		sed 's/ \[[0-9]*\]$//' "$TEST_DIR/out$i" >"$TEST_DIR/got$i"
		cmp "$TEST_DIR/in$i" "$TEST_DIR/got$i"
	done
}

@test "call and serve on a System V queue and on rings (POSIX and System V): exact bytes" {
	local r
	r=/$(uniq_name ring)
	serve_bg --create --rm --msgsize 1K --maxmsg 10 "mq:key:$KEY" tr a-z A-Z
	serve_bg --create --rm --capacity 64K "shm:$r" tr a-z A-Z
	for ep in "mq:key:$KEY" "shm:$r"; do
		run ipctool call --wait=10s -t 10s "$ep" alpha beta
		assert_success
		assert_output $'ALPHA\nBETA'
		printf 'one\n\ntwo\n' >"$TEST_DIR/in"
		ipctool call -t 10s "$ep" <"$TEST_DIR/in" >"$TEST_DIR/out"
		[ "$(od -An -c "$TEST_DIR/out")" = "$(printf 'ONE\n\nTWO\n' | od -An -c)" ]
	done
	# A System V ring: the reply object is a private segment too.
	serve_bg --create --rm --capacity 64K "shm:key:$KEY" rev
	run ipctool call --wait=10s -t 10s "shm:key:$KEY" abc
	assert_success
	assert_output "cba"
	# 30000 bytes each way through a ring (its records hold up to 32K).
	head -c 30000 /dev/urandom | base64 -w0 | head -c 30000 >"$TEST_DIR/big"
	ipctool call -F whole -t 10s "shm:$r" <"$TEST_DIR/big" >"$TEST_DIR/out"
	tr a-z A-Z <"$TEST_DIR/big" >"$TEST_DIR/want"
	cmp "$TEST_DIR/want" "$TEST_DIR/out"
}

@test "a plain send to a queue is served with no reply; serve goes on" {
	local q
	q=/$(uniq_name q)
	MQS=()
	make_mq "$q"
	serve_bg -v "mq:$q" -- sh -c 'cat >>"$0"; echo done' "$TEST_DIR/got"
	run ipctool send "mq:$q" hello
	assert_success
	assert_output ""
	wait_for_nonempty "$TEST_DIR/got"
	run ipctool call -t 10s "mq:$q" again
	assert_success
	assert_output "done"
	[ "$(cat "$TEST_DIR/got")" = "helloagain" ]
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "a message without an envelope (no reply): command pid"
}

# An envelope by hand: envelope MAGIC VERSION NAME PAYLOAD into a file.
envelope() {
	local magic=$1 ver=$2 name=$3 payload=$4 n
	n=${#name}
	printf '\0%s' "$magic" >"$TEST_DIR/env"
	printf "\\$(printf %03o "$ver")\\0\\$(printf %03o $((n >> 8)))\\$(printf %03o $((n & 255)))" \
		>>"$TEST_DIR/env"
	printf '\1\2\3\4\5\6\7\10%s%s' "$name" "$payload" >>"$TEST_DIR/env"
}

@test "malformed envelopes and names that are not reply objects are skipped, never written" {
	local q victim fake
	q=/$(uniq_name q)
	victim=/$(uniq_name victim)
	fake=/ipctool-reply-$(uniq_name fake)
	MQS=()
	make_mq "$q"
	make_mq "$victim"
	make_mq "$fake" --mode 0644
	serve_bg -v "mq:$q" -- sh -c 'cat >>"$0"; echo ran' "$TEST_DIR/ran"
	envelope IPCCALL 9 "mq:/ipctool-reply-x" "v9"
	ipctool send -F whole "mq:$q" <"$TEST_DIR/env"
	envelope IPCCALL 1 "" "noname"
	ipctool send -F whole "mq:$q" <"$TEST_DIR/env"
	printf '\0IPCCALL\1\0\377\377\1\2\3\4\5\6\7\10mq:/x' >"$TEST_DIR/env"
	ipctool send -F whole "mq:$q" <"$TEST_DIR/env"
	envelope IPCCALL 1 "mq:$victim" "victim"
	ipctool send -F whole "mq:$q" <"$TEST_DIR/env"
	envelope IPCCALL 1 "shm:/ipctool-reply-x" "kind"
	ipctool send -F whole "mq:$q" <"$TEST_DIR/env"
	envelope IPCCALL 1 "mq:$fake" "mode"
	ipctool send -F whole "mq:$q" <"$TEST_DIR/env"
	envelope IPCRPLY 1 "" "reply"
	ipctool send -F whole "mq:$q" <"$TEST_DIR/env"
	# Serve went on, and ran none of them.
	run ipctool call -t 10s "mq:$q" ok
	assert_success
	assert_output "ran"
	[ "$(cat "$TEST_DIR/ran")" = "ok" ]
	run ipctool recv -n "mq:$victim"
	assert_failure 124
	run ipctool recv -n "mq:$fake"
	assert_failure 124
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "a malformed request envelope (an unknown version): skipped"
	assert_output --partial "a malformed request envelope (no reply name): skipped"
	assert_output --partial "a malformed request envelope (a reply name longer than the message): skipped"
	assert_output --partial "reply to 'mq:$victim': not a reply object: not named /ipctool-reply-...: request skipped"
	assert_output --partial "reply to 'shm:/ipctool-reply-x': not a reply object: not of the request endpoint's kind"
	assert_output --partial "reply to 'mq:$fake': reply object refused: its mode is not 0600"
	assert_output --partial "a reply envelope where requests come: skipped"
}

@test "a command killed part-way through its reply: call prints what came and exits 1" {
	local q r
	q=/$(uniq_name q)
	r=/$(uniq_name r)
	MQS=()
	make_mq "$q"
	# Killed by a signal after it wrote half its reply, but for "whole".
	# shellcheck disable=SC2016
	serve_bg --rm "mq:$q" sh -c 'read -r x; echo "$x:half"; [ "$x" = whole ] || kill -9 $$'
	run ipctool call -t 10s "mq:$q" whole
	assert_success
	assert_output "whole:half"
	run ipctool call -t 10s "mq:$q" cut later
	assert_failure 1
	assert_line --index 0 "cut:half"
	assert_output --partial "killed by signal 9"
	assert_output --partial "cut short"
	# The request after it was not sent.
	refute_output --partial "later"
	# A ring too, where call reads the same envelope.
	ipctool shm create "$r" --capacity 64K -s 128K
	bg ipctool serve --grace 200ms --rm "shm:$r" sh -c 'echo partial; kill -TERM $$' \
		2>>"$TEST_DIR/serve.log"
	run ipctool call -t 10s --wait "shm:$r" x
	assert_failure 1
	assert_line --index 0 "partial"
	assert_output --partial "killed by signal 15"
}

@test "call -t exits 124 when nobody serves, and its reply object is gone" {
	local q
	q=/$(uniq_name q)
	MQS=()
	make_mq "$q"
	"$IPCTOOL" call -t 300ms "mq:$q" x >"$TEST_DIR/out" 2>"$TEST_DIR/err" 3>&- &
	local pid=$! i objs=""
	for i in $(seq 200); do
		objs=$(reply_objects "$pid")
		[ -n "$objs" ] && break
		sleep 0.01
	done
	[ -n "$objs" ]
	bg_exits "$pid" 124
	grep -q "timed out: nothing arrived on 'mq:$q' within 300ms" "$TEST_DIR/err"
	assert_not_exists "/dev/mqueue$objs"
	# System V: the private reply queue goes too.
	ipctool mq create "key:$KEY" --msgsize 1K --maxmsg 10 >/dev/null
	local before after
	before=$(ipcs -q | grep -c '^0x00000000' || true)
	run ipctool call -t 300ms "mq:key:$KEY" x
	assert_failure 124
	after=$(ipcs -q | grep -c '^0x00000000' || true)
	[ "$after" -le "$before" ]
	# No queue at all: exit 1.
	run ipctool call -t 300ms "mq:/$(uniq_name none)" x
	assert_failure 1
	assert_output --partial "No such file or directory"
}

@test "a call killed with SIGTERM while it waits removes its reply object" {
	local q
	q=/$(uniq_name q)
	MQS=()
	make_mq "$q"
	"$IPCTOOL" call "mq:$q" x 3>&- &
	local pid=$! i objs=""
	for i in $(seq 200); do
		objs=$(reply_objects "$pid")
		[ -n "$objs" ] && break
		sleep 0.01
	done
	[ -n "$objs" ]
	[ -e "/dev/mqueue$objs" ]
	kill -TERM "$pid"
	bg_exits "$pid" 143
	assert_not_exists "/dev/mqueue$objs"
	# A ring's reply segment too.
	local r=/$(uniq_name ring)
	ipctool shm create "$r" -s 64K >/dev/null 2>&1 || true
	ipctool shm rm "$r" >/dev/null 2>&1 || true
	serve_bg --create --rm --capacity 64K "shm:$r" sleep 100
	"$IPCTOOL" call --wait=10s "shm:$r" x 3>&- &
	pid=$!
	for i in $(seq 500); do
		objs=$(ls -l "/proc/$pid/map_files/" 2>/dev/null |
			sed -n 's|.* -> /dev/shm\(/ipctool-reply-[0-9a-f]*\).*|\1|p' | head -n1)
		[ -n "$objs" ] && break
		sleep 0.01
	done
	[ -n "$objs" ]
	kill -TERM "$pid"
	bg_exits "$pid" 143
	assert_not_exists "/dev/shm$objs"
}

@test "trust: serve replies only when the requester could write the reply object itself" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to become nobody"
	id nobody >/dev/null 2>&1 || skip "needs the user nobody"
	need_mqueue
	local q shared own
	q=/$(uniq_name q)
	shared=/$(uniq_name shared)
	own=/$(uniq_name own)
	MQS=()
	make_mq "$q"
	make_mq "$shared" --mode 0622
	nob() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$IPCTOOL" "$@"; }
	serve_bg -v "mq:$q" -- sh -c 'cat >>"$0"; echo "uid $(id -u)"' "$TEST_DIR/ran"
	serve_bg -v "mq:$shared" -- sh -c 'cat >>"$0"; echo "uid $(id -u)"' "$TEST_DIR/ran"
	# Root's own queue, only root may write: a reply.
	run ipctool call -t 10s "mq:$q" root
	assert_success
	assert_output "uid 0"
	# nobody cannot write it at all.
	run nob call -t 2s "mq:$q" nobody
	assert_failure 1
	assert_output --partial "Permission denied"
	# A queue others may write: requests cannot be told apart, so no reply
	# goes anywhere, not to nobody's reply object nor to root's.
	run nob call -t 1s "mq:$shared" nobody
	assert_failure 124
	run ipctool call -t 1s "mq:$shared" root2
	assert_failure 124
	# A plain message from nobody is still served, with no reply.
	run nob send "mq:$shared" plain
	assert_success
	for i in $(seq 500); do grep -q plain "$TEST_DIR/ran" && break; sleep 0.01; done
	[ "$(cat "$TEST_DIR/ran")" = "rootplain" ]
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "reply object refused: the request endpoint is writable by other users"
	# An envelope on root's own queue naming nobody's reply queue: root
	# could write it, but the requester need not be nobody: refused.
	local theirs=/ipctool-reply-$(uniq_name theirs)
	nob mq create "$theirs" --maxmsg 1 --msgsize 1K
	MQS+=("$theirs")
	envelope IPCCALL 1 "mq:$theirs" "forged"
	ipctool send -F whole "mq:$q" <"$TEST_DIR/env"
	run ipctool call -t 10s "mq:$q" after
	assert_output "uid 0"
	run ipctool recv -n "mq:$theirs"
	assert_failure 124
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "reply to 'mq:$theirs': reply object refused: its owner is not the request endpoint's owner"
	# nobody serving its own queue answers nobody, but never writes into root's reply object.
	own=/$(uniq_name own)
	nob mq create "$own" --maxmsg 10 --msgsize 1K
	MQS+=("$own")
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$IPCTOOL" serve --grace 200ms -v \
		"mq:$own" -- sh -c 'echo "uid $(id -u)"' 2>>"$TEST_DIR/serve.log" 3>&- &
	BG_PIDS+=($!)
	run nob call -t 10s "mq:$own" x
	assert_success
	assert_output "uid $(id -u nobody)"
	# (The kernel refuses nobody root's 0600 reply queue before the rule does.)
	run ipctool call -t 1s "mq:$own" x
	assert_failure 124
	run cat "$TEST_DIR/serve.log"
	assert_output --partial "cannot open the reply object: Permission denied: request skipped"
}

@test "serve -j 2 on a queue: never more than two commands at once" {
	local q i pids=()
	q=/$(uniq_name q)
	MQS=()
	make_mq "$q"
	# Each command counts itself in while it runs.
	serve_bg -j 2 "mq:$q" -- sh -c '
		echo + >>"$0"; n=$(grep -c + "$0"); m=$(grep -c - "$0")
		echo $((n - m)) >>"$0.max"; sleep 0.2; echo - >>"$0"; cat' "$TEST_DIR/count"
	for i in 1 2 3 4 5; do
		ipctool call -t 30s "mq:$q" "r$i" >"$TEST_DIR/out$i" 3>&- &
		pids+=($!)
	done
	for i in 1 2 3 4 5; do
		bg_exits "${pids[$((i - 1))]}" 0
		[ "$(cat "$TEST_DIR/out$i")" = "r$i" ]
	done
	[ "$(sort -n "$TEST_DIR/count.max" | tail -n1)" -le 2 ]
	[ "$(wc -l <"$TEST_DIR/count.max")" -eq 5 ]
}

@test "call on a missing queue, ring or socket points to a server, not to --create" {
	need_mqueue
	run ipctool call "mq:/$(uniq_name none)" hi
	assert_failure 1
	assert_output "ipctool call: cannot open 'mq:/$(uniq_name none)': No such file or directory (is a server running? serve --create makes it)"
	run ipctool call "shm:/$(uniq_name none)" hi
	assert_failure 1
	assert_output "ipctool call: cannot open 'shm:/$(uniq_name none)': No such file or directory (is a server running? serve --create makes it, --wait waits for it)"
	run ipctool call "unix:$TEST_DIR/none" </dev/null
	assert_failure 1
	assert_output "ipctool call: cannot connect to 'unix:$TEST_DIR/none': No such file or directory (is a server listening? --wait waits for one)"
	run ipctool call "unix-seqpacket:$TEST_DIR/none" hi
	assert_failure 1
	assert_output --partial "(is a server listening? --wait waits for one)"
	# send keeps its own hints.
	run ipctool send "mq:/$(uniq_name none)" hi
	assert_failure 1
	assert_output --partial "(create it with --create)"
}

@test "usage errors on queues exit 2 and create nothing" {
	need_mqueue
	local q
	q=/$(uniq_name q)
	run ipctool serve --create "mq:$q"
	assert_failure 2
	assert_output --partial "missing COMMAND"
	assert_not_exists "/dev/mqueue$q"
	run ipctool serve --allow-uid 0 --create "mq:$q" cat
	assert_failure 2
	assert_output --partial "--allow-uid applies to unix: sockets"
	assert_not_exists "/dev/mqueue$q"
	run ipctool serve --create "unix:$TEST_DIR/s" cat
	assert_failure 2
	assert_output --partial "--create applies to"
	run ipctool serve "fifo:$TEST_DIR/f" cat
	assert_failure 2
	assert_output --partial "serve takes sockets, queues and rings"
	run ipctool call - x
	assert_failure 2
	assert_output --partial "call takes sockets, queues and rings"
	run ipctool call -q 1s "mq:$q" x
	assert_failure 2
	assert_output --partial "--quit-after applies to stream sockets"
	assert_not_exists "/dev/mqueue$q"
	assert_not_exists "$TEST_DIR/s"
}

@test "the compositions of the man pages' EXAMPLES work as written" {
	local port jobs rpc
	port=$(free_port)
	jobs=/$(uniq_name jobs)
	rpc=/$(uniq_name rpc)
	need_mqueue
	# A request to a daemon's control socket.
	serve_bg "unix:$TEST_DIR/admin.sock" sh -c 'read -r c; echo "ok: $c"'
	run bash -c 'echo "show info" | "$0" call --wait "unix:$1/admin.sock"' "$IPCTOOL" "$TEST_DIR"
	assert_success
	assert_output "ok: show info"
	# A per-connection proxy to a TCP service.
	serve_bg "tcp:127.0.0.1:$port" tr a-z A-Z
	serve_bg "unix:$TEST_DIR/x.sock" -- "$IPCTOOL" call --wait=10s "tcp:127.0.0.1:$port"
	run bash -c 'echo hello | "$0" call --wait "unix:$1/x.sock"' "$IPCTOOL" "$TEST_DIR"
	assert_success
	assert_output "HELLO"
	# A job server on a queue and its clients.
	serve_bg -j 4 --create --rm --maxmsg 10 --msgsize 1K "mq:$jobs" -- \
		sh -c 'read -r n; echo $((n * n)) | tee -a "$0"' "$TEST_DIR/done"
	run ipctool call --wait -t 5s "mq:$jobs" 3 4
	assert_success
	assert_output $'9\n16'
	run ipctool send "mq:$jobs" 5
	assert_success
	assert_output ""
	for i in $(seq 500); do grep -qx 25 "$TEST_DIR/done" && break; sleep 0.01; done
	grep -qx 25 "$TEST_DIR/done"
	# An RPC over the ring.
	serve_bg --create --rm "shm:$rpc" -- sh -c 'read -r a b; echo $((a + b))'
	run ipctool call --wait -t 5s "shm:$rpc" "1 2" "40 2"
	assert_success
	assert_output $'3\n42'
}
