# Shared set-up for the bats suites: load with `load helpers`.
# Every IPC object gets a name unique to the test (uniq_name), is removed in
# teardown, and background ipctool processes are started with 3>&- so bats
# does not wait on them.

bats_load_library() { load "/usr/lib/bats/$1/load.bash"; }
bats_load_library bats-support
bats_load_library bats-assert
bats_load_library bats-file

bats_require_minimum_version 1.5.0
IPCTOOL=${IPCTOOL:-$BATS_TEST_DIRNAME/../build/ipctool}

# The binary under test, as `ipctool ARGS...` in tests and `run ipctool ...`.
ipctool() { "$IPCTOOL" "$@"; }

setup_common() {
	TEST_DIR=$(mktemp -d "${BATS_TMPDIR:-/tmp}/ipctool-test.XXXXXX")
	TEST_ID="ipct$$_${BATS_TEST_NUMBER}"
	BG_PIDS=()
}

teardown_common() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${BG_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$TEST_DIR"
}

setup() { setup_common; }
teardown() { teardown_common; }

# A name unique to this test, for objects and paths: uniq_name [SUFFIX]
uniq_name() { echo "${TEST_ID}_${1:-x}"; }

# Run a command in the background (stdin from /dev/null unless redirected by
# the caller), remembering its pid in BG_PID and for teardown.
bg() {
	# Run the binary itself, not the ipctool function, so that BG_PID is
	# ipctool's own pid and signals reach it.
	if [ "$1" = ipctool ]; then
		shift
		set -- "$IPCTOOL" "$@"
	fi
	# <&0: a background command would otherwise read /dev/null, not the
	# caller's redirection.
	"$@" 3>&- <&0 &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# A TCP port nobody listens on, picked at random in the dynamic range.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		if ! (exec 9<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# Wait (at most 10 s) until a path exists: synchronising on an object another
# process creates, never on the passing of time.
wait_for_path() {
	local i
	for i in $(seq 2000); do
		[ -e "$1" ] && return 0
		sleep 0.005
	done
	echo "wait_for_path: '$1' did not appear" >&2
	return 1
}

# The same for a path to be replaced: it exists, and its identity (inode and
# change time to the nanosecond, from file_identity) differs from $2.
file_identity() { stat -c '%i %z' "$1" 2>/dev/null; }
wait_for_new_inode() {
	local i
	for i in $(seq 2000); do
		[ -e "$1" ] && [ "$(file_identity "$1")" != "$2" ] && return 0
		sleep 0.005
	done
	echo "wait_for_new_inode: '$1' was not replaced" >&2
	return 1
}

# The same for a file to receive its first bytes.
wait_for_nonempty() {
	local i
	for i in $(seq 2000); do
		[ -s "$1" ] && return 0
		sleep 0.005
	done
	echo "wait_for_nonempty: '$1' stayed empty" >&2
	return 1
}

# Random bytes of the given size (like 4M) into a file.
random_file() { head -c "$(numfmt --from=iec "$2")" /dev/urandom >"$1"; }

# Wait for a background pid (in this shell: not through `run` or $(...),
# which cannot wait for this shell's children) and check its exit status.
bg_exits() {
	local rc=0
	wait "$1" || rc=$?
	if [ "$rc" -ne "$2" ]; then
		echo "background process $1 exited $rc, expected $2" >&2
		return 1
	fi
}
