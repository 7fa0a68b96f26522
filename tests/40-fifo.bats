#!/usr/bin/env bats
# ipctool fifo: create (modes, exclusive, symlinks), info (buffer and
# holders, without disturbing them), rm (only FIFOs, never through a symlink).

load helpers

# Wait (at most 5 s) until a process is blocked in open(2) on a FIFO,
# waiting for its partner.
wait_for_partner_wait() {
	local i
	for i in $(seq 500); do
		[ "$(cat "/proc/$1/wchan" 2>/dev/null)" = wait_for_partner ] && return 0
		sleep 0.01
	done
	return 1
}

@test "fifo create: mode 0600 by default, whatever the umask" {
	p="$TEST_DIR/$(uniq_name f)"
	umask 000
	run ipctool fifo create "$p"
	assert_success
	[ -p "$p" ]
	[ "$(stat -c %a "$p")" = 600 ]
}

@test "fifo create: --mode octal and symbolic, several paths" {
	a="$TEST_DIR/$(uniq_name a)" b="$TEST_DIR/$(uniq_name b)"
	umask 077
	run ipctool fifo create --mode 0644 "$a"
	assert_success
	[ "$(stat -c %a "$a")" = 644 ]
	run ipctool fifo create "$b" --mode u=rw,g=r
	assert_success
	[ "$(stat -c %a "$b")" = 640 ]
}

@test "fifo create: exclusive; one failure does not stop the others" {
	a="$TEST_DIR/$(uniq_name a)" b="$TEST_DIR/$(uniq_name b)"
	ipctool fifo create "$a"
	run ipctool fifo create "$a" "$b"
	assert_failure 1
	assert_output --partial "cannot create '$a': File exists"
	[ -p "$b" ]
	run ipctool fifo create --reuse "$a"
	assert_success
	touch "$TEST_DIR/reg"
	run ipctool fifo create --reuse "$TEST_DIR/reg"
	assert_failure 1
	[ -f "$TEST_DIR/reg" ]
}

@test "fifo create: never follows a symlink" {
	ln -s "$TEST_DIR/target" "$TEST_DIR/link"
	run ipctool fifo create "$TEST_DIR/link"
	assert_failure 1
	assert_output --partial "File exists"
	[ ! -e "$TEST_DIR/target" ]
	[ -L "$TEST_DIR/link" ]
}

@test "fifo info: buffered bytes, capacity and the holders by pid and access" {
	p="$TEST_DIR/$(uniq_name f)"
	ipctool fifo create "$p"
	# A reader that never reads and a writer, each its own process.
	bg sh -c 'exec sleep 1000 <"$1"' sh "$p"
	reader=$BG_PID
	bg sh -c 'exec 7>"$1"; printf "hello\n" >&7; : >"$2"; exec sleep 1000' sh "$p" "$TEST_DIR/ready"
	writer=$BG_PID
	wait_for_path "$TEST_DIR/ready"
	run ipctool fifo info --bytes -J "$p"
	assert_success
	[ "$(jq '.fifos[0].buffered' <<<"$output")" = 6 ]
	[ "$(jq '.fifos[0].capacity' <<<"$output")" -ge 4096 ]
	[ "$(jq '.fifos[0].readers' <<<"$output")" = 1 ]
	[ "$(jq '.fifos[0].writers' <<<"$output")" = 1 ]
	procs=$(jq -r '.fifos[0].procs' <<<"$output")
	[[ ",$procs," == *",$reader:sleep:r,"* ]]
	[[ ",$procs," == *",$writer:sleep:w,"* ]]
	# Inspecting took nothing away: the bytes are still there to read.
	run ipctool fifo info -rn -o BUFFERED --bytes "$p"
	assert_output "6"
	run ipctool recv -c 1 "fifo:$p"
	assert_output "hello"
}

@test "fifo info: text table; an unused FIFO has nothing buffered" {
	p="$TEST_DIR/$(uniq_name f)"
	ipctool fifo create --mode 0640 "$p"
	run ipctool fifo info "$p" -o PATH,MODE,BUFFERED,READERS,WRITERS
	assert_success
	assert_line --index 0 --regexp '^PATH +MODE +BUFFERED +READERS +WRITERS$'
	assert_line --index 1 --regexp "^$p +0640 +0 +0 +0$"
}

@test "fifo info: does not release a writer waiting in open(2) for a reader" {
	p="$TEST_DIR/$(uniq_name f)"
	ipctool fifo create "$p"
	bg sh -c 'printf "x\n" >"$1"' sh "$p"
	wait_for_partner_wait "$BG_PID"
	run ipctool fifo info --bytes -J "$p"
	assert_success
	[ "$(jq '.fifos[0].writers' <<<"$output")" = 0 ]
	# Still waiting for a reader: its line is delivered to the first real one.
	[ "$(cat "/proc/$BG_PID/wchan")" = wait_for_partner ]
	run ipctool recv -t 5s "fifo:$p"
	assert_success
	assert_output "x"
}

@test "fifo info: refuses what is not a FIFO" {
	touch "$TEST_DIR/reg"
	run ipctool fifo info "$TEST_DIR/reg"
	assert_failure 1
	assert_output --partial "cannot inspect '$TEST_DIR/reg': not a FIFO (a regular file)"
	run ipctool fifo info "$TEST_DIR/missing"
	assert_failure 1
	assert_output --partial "No such file or directory"
}

@test "fifo rm: removes FIFOs, refuses a regular file and a symlink, goes on" {
	a="$TEST_DIR/$(uniq_name a)" b="$TEST_DIR/$(uniq_name b)"
	ipctool fifo create "$a" "$b"
	touch "$TEST_DIR/reg"
	ln -s "$b" "$TEST_DIR/link"
	run ipctool fifo rm "$TEST_DIR/reg" "$TEST_DIR/link" "$TEST_DIR/missing" "$a"
	assert_failure 1
	assert_output --partial "cannot remove '$TEST_DIR/reg': not a FIFO (a regular file)"
	assert_output --partial "cannot remove '$TEST_DIR/link': not a FIFO (a symlink"
	assert_output --partial "cannot remove '$TEST_DIR/missing': No such file or directory"
	[ ! -e "$a" ]
	[ -f "$TEST_DIR/reg" ]
	[ -L "$TEST_DIR/link" ]
	[ -p "$b" ]
	run ipctool fifo rm "$b"
	assert_success
	[ ! -e "$b" ]
}

@test "fifo: usage errors exit 2" {
	run ipctool fifo
	assert_failure 2
	assert_output --partial "a verb is needed"
	run ipctool fifo frobnicate
	assert_failure 2
	assert_output --partial "'frobnicate' is not a verb"
	run ipctool fifo create
	assert_failure 2
	run ipctool fifo create --mode 99z "$TEST_DIR/x"
	assert_failure 2
	assert_output --partial "'99z'"
	[ ! -e "$TEST_DIR/x" ]
	run ipctool fifo info -o NOPE "$TEST_DIR/x"
	assert_failure 2
	assert_output --partial "'NOPE' is not a column"
}

@test "fifo: --help for the command and each verb" {
	run ipctool fifo --help
	assert_success
	assert_output --partial "ipctool fifo create"
	run ipctool fifo create --help
	assert_success
	assert_output --partial "--mode"
	run ipctool fifo info --help
	assert_success
	assert_output --partial "--json"
}
