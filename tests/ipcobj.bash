# Shared by the inventory suites (50-ls, 51-rm): POSIX objects made by the
# small C helper tests/ipcobj.c (built by `make unit` as BUILD/tests/ipcobj;
# scripts/run-tests sets IPCOBJ_BIN), System V objects made by ipcmk, each
# removed in teardown. Load with `load ipcobj` after `load helpers`.

setup_file() {
	local bin=${IPCOBJ_BIN:-$BATS_TEST_DIRNAME/../build/tests/ipcobj}
	if [ ! -x "$bin" ]; then
		echo "ipcobj.bash: no '$bin': run make unit" >&2
		return 1
	fi
	# A copy where other users (rm --all as nobody) can run it.
	IPCOBJ="$BATS_FILE_TMPDIR/ipcobj"
	cp "$bin" "$IPCOBJ"
	chmod 755 "$BATS_FILE_TMPDIR" "$IPCOBJ"
	export IPCOBJ
	if [ "$(stat -f -c %T /dev/mqueue 2>/dev/null)" != mqueue ] && [ "$(id -u)" = 0 ]; then
		mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue || true
	fi
}

setup() {
	setup_common
	SYSV_IDS=()
	POSIX_FILES=()
}

teardown() {
	local e
	teardown_common
	for e in "${SYSV_IDS[@]}"; do
		ipcrm "${e%%:*}" "${e#*:}" 2>/dev/null || true
	done
	for e in "${POSIX_FILES[@]}"; do
		rm -f "$e"
	done
}

# Start a holder that reports "ready" through a FIFO: hold CMD... (the FIFO
# is $TEST_DIR/ready, passed by the caller as the holder's READY argument).
hold() {
	mkfifo "$TEST_DIR/ready"
	bg "$@"
	run timeout 10 head -n 1 "$TEST_DIR/ready"
	assert_output ready
}

# A POSIX object made by ipcobj and removed in teardown: posix KIND NAME [ARGS]
posix() {
	local kind=$1 name=$2
	shift 2
	case $kind in
	mq) POSIX_FILES+=("/dev/mqueue$name") ;;
	sem) POSIX_FILES+=("/dev/shm/sem.${name#/}") ;;
	*) POSIX_FILES+=("/dev/shm$name") ;;
	esac
	"$IPCOBJ" "$kind" "$name" "$@"
}

# ipcmk, remembering the id for teardown (so not in a subshell):
# sysv VAR -Q|-M SIZE|-S N [-p MODE] sets VAR to the id.
sysv() {
	local var=$1 out id flag
	shift
	out=$(ipcmk "$@")
	id=${out##*: }
	case $1 in -Q) flag=-q ;; -M) flag=-m ;; -S) flag=-s ;; esac
	SYSV_IDS+=("$flag:$id")
	printf -v "$var" '%s' "$id"
}

have_mqueue() { [ "$(stat -f -c %T /dev/mqueue 2>/dev/null)" = mqueue ]; }

need_mqueue() {
	have_mqueue || skip "/dev/mqueue is not mounted (mount -t mqueue none /dev/mqueue needs root)"
}
