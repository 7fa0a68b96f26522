#!/usr/bin/env bats
# ipctool sem: POSIX named semaphores and System V sets; sem run holds one
# while a command runs and releases it however the command ends.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_common
	S="/$(uniq_name s)"
	# A System V key unique to this test run.
	K=$(printf 'key:0x%08x' $(( (($$ & 0xffff) << 12) | (BATS_TEST_NUMBER << 4) | 0x5000000 )))
	SYSV_IDS=()
}

teardown() {
	teardown_common
	ipctool sem rm "$S" 2>/dev/null || true
	ipctool sem rm "$K" 2>/dev/null || true
	local id
	for id in "${SYSV_IDS[@]}"; do ipctool sem rm "$id" 2>/dev/null || true; done
}

# A worker for the overlap test: N times, enter the critical section under
# the semaphore, check nobody else is in it, and bump a shared counter.
overlap_worker() {
	local ref=$1 n=$2 i
	for i in $(seq "$n"); do
		"$IPCTOOL" sem run "$ref" -t 30s -- sh -c '
			mkdir "$1/inside" 2>/dev/null || echo overlap >>"$1/bad"
			n=$(cat "$1/count"); echo $((n + 1)) >"$1/count"
			rmdir "$1/inside"' sh "$TEST_DIR" || echo "status $?" >>"$TEST_DIR/bad"
	done
}

check_no_overlap() {
	local ref=$1
	echo 0 >"$TEST_DIR/count"
	local pids=() p
	for p in 1 2 3 4; do
		overlap_worker "$ref" 25 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	[ ! -e "$TEST_DIR/bad" ] || { cat "$TEST_DIR/bad"; false; }
	[ "$(cat "$TEST_DIR/count")" = 100 ]
	run ipctool sem get "$ref"
	assert_output 1
}

# Wait for a background pid in this shell (a $(...) subshell cannot wait for
# it) and check its exit status: bg_exits PID STATUS
bg_exits() {
	local rc=0
	wait "$1" || rc=$?
	[ "$rc" = "$2" ] || { echo "pid $1 exited $rc, expected $2" >&2; return 1; }
}

@test "sem create: POSIX, mode 0600 by default and exclusive" {
	umask 000
	run ipctool sem create "$S"
	assert_success
	[ "$(stat -c %a "/dev/shm/sem.${S#/}")" = 600 ]
	run ipctool sem get "$S"
	assert_output 1
	run ipctool sem create "$S"
	assert_failure 1
	assert_output --partial "cannot create '$S': File exists"
	run ipctool sem create --reuse --value 5 "$S"
	assert_success
	run ipctool sem get "$S"
	assert_output 1
}

@test "sem post and get: values add up; wait takes one" {
	ipctool sem create --value 0 --mode 0640 "$S"
	[ "$(stat -c %a "/dev/shm/sem.${S#/}")" = 640 ]
	ipctool sem post "$S"
	ipctool sem post --count 4 "$S"
	run ipctool sem get "$S"
	assert_output 5
	ipctool sem wait "$S"
	ipctool sem wait -n "$S"
	run ipctool sem get "$S"
	assert_output 3
}

@test "sem wait: times out with 124; -n does not wait" {
	ipctool sem create --value 0 "$S"
	run ipctool sem wait -t 100ms "$S"
	assert_failure 124
	assert_output --partial "timed out: '$S' was not free within 100ms"
	run ipctool sem wait -n "$S"
	assert_failure 124
	ipctool sem create --value 0 "$K"
	run ipctool sem wait --timeout 0.1 "$K"
	assert_failure 124
	run ipctool sem wait -n "$K"
	assert_failure 124
}

@test "sem wait: a post from another process wakes the waiter" {
	ipctool sem create --value 0 "$S"
	bg ipctool sem wait -t 30s "$S"
	waiter=$BG_PID
	ipctool sem post "$S"
	bg_exits "$waiter" 0
	run ipctool sem get "$S"
	assert_output 0
}

@test "sem: System V set with members, cross-checked with ipcs" {
	run ipctool sem create --nsems 3 --value 2 --mode 0640 "$K"
	assert_success
	key=${K#key:}
	run ipcs -s
	assert_line --regexp "^$key +[0-9]+ +$(id -un) +640 +3 *$"
	ipctool sem wait --index 2 "$K"
	run ipctool sem get --index 2 "$K"
	assert_output 1
	run ipctool sem get --index 0 "$K"
	assert_output 2
	ipctool sem post --index 2 --count 10 "$K"
	run ipctool sem get -i 2 "$K"
	assert_output 11
	run ipctool sem get --index 3 "$K"
	assert_failure 1
	assert_output --partial "--index 3 is out of range (the set has 3 members)"
	id=$(ipcs -s | awk -v k="$key" '$1 == k { print $2 }')
	run ipctool sem get --index 2 "id:$id"
	assert_output 11
	run ipctool sem rm "id:$id"
	assert_success
	run ipctool sem get "$K"
	assert_failure 1
	assert_output --partial "No such file or directory"
}

@test "sem create key:private prints the id to use" {
	run ipctool sem create --value 3 key:private
	assert_success
	assert_output --regexp '^id:[0-9]+$'
	id=$output
	SYSV_IDS+=("$id")
	run ipctool sem get "$id"
	assert_output 3
	ipctool sem rm "$id"
	run ipctool sem get "$id"
	assert_failure 1
}

@test "sem run: passes on the exit status and releases" {
	ipctool sem create "$S"
	run ipctool sem run "$S" -- sh -c 'echo inside; exit 3'
	assert_failure 3
	assert_output inside
	run ipctool sem get "$S"
	assert_output 1
	# While COMMAND runs, the semaphore is taken.
	run ipctool sem run "$S" -- "$IPCTOOL" sem get "$S"
	assert_success
	assert_output 0
	run -127 ipctool sem run "$S" -- /nonexistent/command
	assert_failure 127
	assert_output --partial "cannot run '/nonexistent/command'"
	run ipctool sem get "$S"
	assert_output 1
}

@test "sem run: a standard descriptor closed for ipctool is /dev/null for COMMAND" {
	ipctool sem create "$S"
	# Else COMMAND's first open(2) would become its standard error.
	ipctool sem run "$S" -- sh -c 'readlink /proc/$$/fd/2 >"$0"; readlink /proc/$$/fd/0 >>"$0"' \
		"$TEST_DIR/fds" 2>&- <&-
	run cat "$TEST_DIR/fds"
	assert_output $'/dev/null\n/dev/null'
}

@test "sem run: a COMMAND's status 2 is passed on without ipctool's usage line" {
	ipctool sem create "$S"
	run -2 ipctool sem run "$S" -- sh -c 'echo inside; exit 2'
	assert_output inside
	run -2 ipctool sem run "$S" -- grep -q x /nonexistent/file
	refute_output --partial "usage:"
	refute_output --partial "Try 'ipctool"
	# ipctool's own usage errors still print it.
	run -2 ipctool sem run "$S"
	assert_output --partial "usage: ipctool sem run"
}

@test "sem run: --conflict-exit-code N when the semaphore is not free, COMMAND's 124 passed on" {
	ipctool sem create "$S" --value 0
	run -75 ipctool sem run -n --conflict-exit-code 75 "$S" -- true
	assert_output "ipctool sem run: '$S' is not free (--nonblock)"
	run -2 ipctool sem run -t 10ms -E 2 "$S" -- true
	refute_output --partial "usage:"
	run -124 ipctool sem run -n "$S" -- true
	ipctool sem post "$S"
	run -124 ipctool sem run -n -E 75 "$S" -- sh -c 'exit 124'
	run ipctool sem get "$S"
	assert_output 1
	run -2 ipctool sem run -E 256 "$S" -- true
	assert_output --partial "--conflict-exit-code: '256' is too large"
}

@test "sem run: a killed COMMAND gives 128+N and releases" {
	ipctool sem create "$S"
	run ipctool sem run "$S" -- sh -c 'kill -KILL $$'
	assert_failure 137
	run ipctool sem get "$S"
	assert_output 1
}

@test "sem run: ipctool killed with SIGTERM passes it on, then releases" {
	ipctool sem create "$S"
	bg "$IPCTOOL" sem run "$S" -- sh -c ': >"$1"; exec sleep 1000' sh "$TEST_DIR/held"
	wait_for_path "$TEST_DIR/held"
	kill -TERM "$BG_PID"
	bg_exits "$BG_PID" 143
	run ipctool sem get "$S"
	assert_output 1
}

@test "sem run: times out with 124 without running COMMAND" {
	ipctool sem create --value 0 "$S"
	run ipctool sem run -t 100ms "$S" -- touch "$TEST_DIR/ran"
	assert_failure 124
	[ ! -e "$TEST_DIR/ran" ]
}

@test "sem run: concurrent POSIX holders never overlap" {
	ipctool sem create "$S"
	check_no_overlap "$S"
}

@test "sem run: concurrent System V holders never overlap" {
	ipctool sem create "$K"
	check_no_overlap "$K"
}

@test "sem run: a System V holder killed with SIGKILL releases (SEM_UNDO)" {
	ipctool sem create "$K"
	bg "$IPCTOOL" sem run "$K" -- sh -c 'echo $$ >"$1.tmp"; mv "$1.tmp" "$1"; exec sleep 1000' \
		sh "$TEST_DIR/held"
	wait_for_path "$TEST_DIR/held"
	run ipctool sem get "$K"
	assert_output 0
	kill -KILL "$BG_PID"
	bg_exits "$BG_PID" 137
	run ipctool sem wait -t 10s "$K"
	assert_success
}

@test "sem: bad references and options exit 2" {
	run ipctool sem get nope
	assert_failure 2
	assert_output --partial "'nope' is not an object reference"
	run ipctool sem create /a/b
	assert_failure 2
	assert_output --partial "'/a/b'"
	run ipctool sem create id:3
	assert_failure 2
	run ipctool sem wait key:private
	assert_failure 2
	run ipctool sem create --nsems 2 "$S"
	assert_failure 2
	assert_output --partial "apply to System V sets"
	run ipctool sem post --count 0 "$S"
	assert_failure 2
	run ipctool sem wait -t soon "$S"
	assert_failure 2
	assert_output --partial "'soon'"
	run ipctool sem run "$S"
	assert_failure 2
	assert_output --partial "a COMMAND is needed"
	run ipctool sem lock "$S"
	assert_failure 2
}

@test "sem: a missing semaphore exits 1" {
	run ipctool sem wait -n "$S"
	assert_failure 1
	assert_output --partial "cannot open '$S': No such file or directory"
	run ipctool sem rm "$S" "$K"
	assert_failure 1
}

@test "sem create System V: the set is marked ready (sem_otime) once it has its values" {
	command -v ipcs >/dev/null || skip "needs ipcs(1)"
	run ipctool sem create "$K" --value 3 --nsems 2
	assert_success
	local key=${K#key:} id
	id=$(ipcs -s | awk -v k="$key" '$1 == k { print $2 }')
	[ -n "$id" ]
	# An attacher waits for sem_otime, which semop(2) sets: before the
	# handshake a set was attachable with every value still 0.
	run ipcs -s -i "$id"
	refute_output --partial "otime = Not set"
	run ipctool sem get "$K" --index 1
	assert_success
	assert_output 3
}

@test "sem get: a set made by another tool and never used is still read (after at most a second)" {
	command -v ipcmk >/dev/null || skip "needs ipcmk(1)"
	local id
	id=$(ipcmk -S 1 | awk '{ print $NF }')
	SYSV_IDS+=("id:$id")
	run ipctool sem get "id:$id"
	assert_success
	assert_output 0
}
