#!/usr/bin/env bats
# ipctool rm: several kinds with one missing, --dry-run, --all (own objects
# only), --stale, FIFOs and stale sockets never through a symlink, bad refs.

load helpers
load ipcobj

# Start `ipctool recv -k` on a UNIX socket and return once it listens.
listen_unix() {
	bg ipctool recv -k "unix:$1"
	ipctool send --wait=10s "unix:$1" </dev/null
}

# The key of a System V object by id, as ipcs prints it: key_of -q|-m|-s ID
key_of() { ipcs "$1" | awk -v id="$2" '$2 == id { print $1 }'; }

# Wait until a process maps the System V segment ID (nattch, /proc/sysvipc/shm).
wait_for_attached() {
	local i
	for i in $(seq 200); do
		awk -v id="$1" '$2 == id && $7 > 0 { f = 1 } END { exit !f }' /proc/sysvipc/shm &&
			return 0
		sleep 0.05
	done
	echo "no process maps segment $1" >&2
	return 1
}

@test "rm of several kinds with one missing: reported, the others gone, exit 1" {
	local q=/$(uniq_name q) s=/$(uniq_name s) m=/$(uniq_name m) f="$TEST_DIR/fifo"
	local sq sm ss refs=()
	posix shm "$s"
	posix sem "$m" 1
	mkfifo "$f"
	sysv sq -Q
	sysv sm -M 4096
	sysv ss -S 2
	if have_mqueue; then
		posix mq "$q"
		refs+=("mq:$q")
	fi
	refs+=("shm:$s" "sem:$m" "fifo:$f" "mq:key:$(key_of -q "$sq")" "shm:id:$sm"
		"sem:key:$(key_of -s "$ss")")
	run ipctool rm -v "${refs[0]}" "shm:/$(uniq_name missing)" "${refs[@]:1}"
	assert_failure 1
	assert_line "ipctool rm: cannot remove 'shm:/$(uniq_name missing)': no such object"
	for r in "${refs[@]}"; do
		assert_line "removed $r"
	done
	[ ! -e "/dev/shm$s" ]
	[ ! -e "/dev/shm/sem.${m#/}" ]
	[ ! -e "$f" ]
	[ ! -e "/dev/mqueue$q" ]
	run ipctool ls "mq:id:$sq"
	assert_failure 1
	run ipctool ls "shm:id:$sm"
	assert_failure 1
	run ipctool ls "sem:id:$ss"
	assert_failure 1
}

@test "--dry-run prints what would go and removes nothing" {
	local s=/$(uniq_name s) sm
	posix shm "$s"
	sysv sm -M 4096
	run ipctool rm --dry-run "shm:$s" "shm:id:$sm" "sem:/$(uniq_name none)"
	assert_failure 1
	assert_line "would remove shm:$s"
	assert_line "would remove shm:id:$sm"
	assert_line "ipctool rm: cannot remove 'sem:/$(uniq_name none)': no such object"
	[ -e "/dev/shm$s" ]
	ipctool ls "shm:id:$sm" >/dev/null
}

@test "--all --dry-run lists the caller's objects and removes nothing" {
	local s=/$(uniq_name s) sm key
	posix shm "$s"
	sysv sm -M 4096
	key=$(key_of -m "$sm")
	run ipctool rm --all --dry-run
	assert_success
	assert_line "would remove shm:$s"
	assert_line "would remove shm:key:$key"
	run ipctool rm --all=sem,posix --dry-run
	refute_output --partial "would remove shm:$s"
	refute_output --partial "would remove shm:key:$key"
	[ -e "/dev/shm$s" ]
	ipctool ls "shm:id:$sm" >/dev/null
}

@test "--all=ring takes only segments that are rings: plain segments stay" {
	local plain=/$(uniq_name plain) ring=/$(uniq_name ring) sm svring key
	posix shm "$plain"
	POSIX_FILES+=("/dev/shm$ring")
	ipctool shm create "$ring" --capacity 8K
	sysv sm -M 4096
	# A System V ring is known by its magic, read through a process that
	# maps it.
	key=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x51000000 )))
	ipctool shm create "key:$key" --capacity 8K
	svring=$(ipcs -m | awk -v k="$key" '$1 == k { print $2 }')
	SYSV_IDS+=("-m:$svring")
	bg ipctool recv "shm:key:$key"
	wait_for_attached "$svring"
	run ipctool rm --all=ring --dry-run
	assert_success
	assert_line "would remove shm:$ring"
	assert_line "would remove shm:key:$key"
	refute_line "would remove shm:$plain"
	refute_line --partial "would remove shm:key:$(key_of -m "$sm")"
	[ -e "/dev/shm$ring" ]
	[ -e "/dev/shm$plain" ]
}

# rm --all without --dry-run removes every object of its user on the
# machine: the suites run it only in a private IPC namespace (and mount
# namespace, with their own /dev/shm and /dev/mqueue), never beside the
# machine's objects.
in_private_ipc() {
	unshare --ipc --mount true 2>/dev/null ||
		skip "rm --all would remove every object of this user on the machine: needs a private IPC namespace (root and unshare(1))"
	run unshare --ipc --mount --propagation private sh -c '
		mount -t tmpfs -o mode=1777 none /dev/shm || exit 99
		mkdir -p /dev/mqueue && mount -t mqueue none /dev/mqueue || exit 99
		'"$1" _ "$IPCTOOL" "$IPCOBJ"
	[ "$status" -ne 99 ] || skip "cannot mount a private /dev/shm and /dev/mqueue here"
}

@test "--all removes only the caller's own objects" {
	[ "$(id -u)" = 0 ] || skip "needs root to act as another user"
	command -v setpriv >/dev/null || skip "no setpriv(1)"
	local as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	$as_nobody "$IPCTOOL" --version >/dev/null 2>&1 || skip "nobody cannot run $IPCTOOL"
	in_private_ipc '
		nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
		"$2" shm /mine
		$nobody "$2" shm /theirs
		$nobody ipcmk -S 1 >/dev/null
		ipcmk -S 1 >/dev/null
		# As nobody, --all takes nobody'"'"'s objects and leaves root'"'"'s alone.
		$nobody "$1" rm --all -v; echo "rc=$?"
		ls /dev/shm
		ipcs -s | awk "/^0x/ { print \"sem \" \$3 }"'
	assert_line "rc=0"
	assert_line "removed shm:/theirs"
	assert_line --regexp "^removed sem:key:0x[0-9a-f]{8}$"
	refute_line "removed shm:/mine"
	refute_line theirs
	assert_line mine
	assert_line "sem root"
	refute_line "sem nobody"
}

@test "--all removes every kind it lists: segments, rings, queues, semaphores" {
	in_private_ipc '
		"$1" shm create /plain -s 4K
		"$1" shm create /ring --capacity 4K
		"$1" mq create /q
		"$1" sem create /s
		ipcmk -M 4096 >/dev/null
		ipcmk -Q >/dev/null
		"$1" rm --all=ring -v; echo "ring rc=$?"
		"$1" rm --all -v; echo "all rc=$?"
		echo "left: $(ls -A /dev/shm /dev/mqueue | grep -cv -e "^/dev" -e "^\$") $(ipcs | grep -c "^0x")"'
	assert_line "removed shm:/ring"
	assert_line "ring rc=0"
	assert_line "removed shm:/plain"
	assert_line "removed mq:/q"
	assert_line "removed sem:/s"
	assert_line --regexp "^removed shm:key:0x[0-9a-f]{8}$"
	assert_line --regexp "^removed mq:key:0x[0-9a-f]{8}$"
	assert_line "all rc=0"
	assert_line "left: 0 0"
}

@test "--stale keeps an object a live process maps, removes one nobody uses" {
	local held=/$(uniq_name held) idle=/$(uniq_name idle)
	POSIX_FILES+=("/dev/shm$held")
	hold "$IPCOBJ" shm "$held" "$TEST_DIR/ready"
	posix shm "$idle"
	run ipctool rm --stale -v "shm:$held" "shm:$idle"
	assert_success
	assert_line "ipctool rm: kept 'shm:$held': in use by $BG_PID(ipcobj)"
	assert_line "removed shm:$idle"
	[ -e "/dev/shm$held" ]
	[ ! -e "/dev/shm$idle" ]
}

# Wait (at most 10 s) until a process sleeps in the kernel function $2 (a
# pattern matched against /proc/PID/wchan).
wait_asleep() {
	local i
	for i in $(seq 100); do
		grep -Eq "$2" "/proc/$1/wchan" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "process $1 never slept in $2 (wchan: $(cat "/proc/$1/wchan" 2>&1))" >&2
	return 1
}

@test "--stale keeps a System V semaphore a sem wait sleeps on, and says why" {
	local ss
	sysv ss -S 1
	bg ipctool sem wait "id:$ss"
	wait_asleep "$BG_PID" 'sem'
	run ipctool rm --stale -v "sem:id:$ss"
	assert_success
	assert_output "ipctool rm: kept 'sem:id:$ss': a process is waiting on it"
	# (--dry-run: the machine's other idle objects stay.)
	run ipctool rm --all --stale --dry-run -v
	assert_line "ipctool rm: kept 'sem:key:$(key_of -s "$ss")': a process is waiting on it"
	ipcs -s -i "$ss" >/dev/null
}

@test "--stale keeps a System V queue a recv sleeps on, and says why" {
	local sq key
	sysv sq -Q
	key=$(key_of -q "$sq")
	bg ipctool recv "mq:key:$key"
	wait_asleep "$BG_PID" 'msgrcv'
	run ipctool rm --stale -v "mq:key:$key"
	assert_success
	assert_output "ipctool rm: kept 'mq:key:$key': a process is blocked sending to or receiving from it"
	run ipctool rm --all=mq,sysv --stale --dry-run -v
	assert_line "ipctool rm: kept 'mq:key:$key': a process is blocked sending to or receiving from it"
	ipcs -q -i "$sq" >/dev/null
}

@test "--stale keeps a FIFO a sender is blocked opening, and says why" {
	local f="$TEST_DIR/fifo"
	mkfifo "$f"
	bg ipctool send "fifo:$f" hello
	wait_asleep "$BG_PID" 'fifo|partner'
	run ipctool rm --stale -v "fifo:$f"
	assert_success
	assert_output "ipctool rm: kept 'fifo:$f': a process is blocked opening it"
	[ -p "$f" ]
	# The sender is still waiting: a reader gets its message.
	run timeout 10 cat "$f"
	assert_output hello
}

@test "fifo: refuses a regular file and a symlink, never following it" {
	local f="$TEST_DIR/fifo"
	mkfifo "$f"
	touch "$TEST_DIR/file"
	ln -s "$f" "$TEST_DIR/link"
	run ipctool rm "fifo:$TEST_DIR/file" "fifo:$TEST_DIR/link"
	assert_failure 1
	assert_line "ipctool rm: cannot remove 'fifo:$TEST_DIR/file': not a FIFO"
	assert_line "ipctool rm: cannot remove 'fifo:$TEST_DIR/link': a symbolic link, which is not followed"
	[ -f "$TEST_DIR/file" ]
	[ -L "$TEST_DIR/link" ]
	[ -p "$f" ]
	run ipctool rm "fifo:$f"
	assert_success
	[ ! -e "$f" ]
}

@test "unix: a stale socket file goes, a listened one and a symlink stay" {
	local stale="$TEST_DIR/stale.sock" live="$TEST_DIR/live.sock"
	"$IPCOBJ" sock "$stale"
	[ -S "$stale" ]
	# -k: the probe's connection must not end the listener.
	listen_unix "$live"
	ln -s "$stale" "$TEST_DIR/link.sock"
	run ipctool rm -v "unix:$stale" "unix:$live" "unix:$TEST_DIR/link.sock" "unix:$TEST_DIR"
	assert_failure 1
	assert_line "removed unix:$stale"
	assert_line "ipctool rm: cannot remove 'unix:$live': in use: a process listens on it"
	assert_line "ipctool rm: cannot remove 'unix:$TEST_DIR/link.sock': a symbolic link, which is not followed"
	assert_line "ipctool rm: cannot remove 'unix:$TEST_DIR': not a socket"
	[ ! -e "$stale" ]
	[ -S "$live" ]
	[ -L "$TEST_DIR/link.sock" ]
}

@test "an ftok reference names the System V object" {
	touch "$TEST_DIR/anchor"
	local id
	id=$("$IPCOBJ" ftokshm "$TEST_DIR/anchor" 7)
	SYSV_IDS+=("-m:$id")
	ipctool ls "shm:id:$id" >/dev/null
	run ipctool rm -v "shm:ftok:$TEST_DIR/anchor:7"
	assert_success
	assert_line "removed shm:ftok:$TEST_DIR/anchor:7"
	run ipctool ls "shm:id:$id"
	assert_failure 1
}

@test "bad references exit 2 quoting the text, before anything is removed" {
	local s=/$(uniq_name s)
	posix shm "$s"
	for ref in "$s" 'bogus:1' 'mq:key:zz' 'unix:@abstract' 'shm:key:private' 'tcp:host:1' 'sem:/a/b'; do
		run ipctool rm "shm:$s" "$ref"
		assert_failure 2
		assert_output --partial "'$ref' is "
	done
	[ -e "/dev/shm$s" ]
	run ipctool rm
	assert_failure 2
	assert_output --partial "nothing to remove"
	run ipctool rm --all "shm:$s"
	assert_failure 2
	run ipctool rm --all=bogus
	assert_failure 2
	assert_output --partial "'bogus' is not a kind"
	run ipctool rm "shm:/sem.${s#/}"
	assert_failure 1
	assert_output --partial "a POSIX semaphore's file (name it sem:/NAME)"
}

@test "rm --dry-run, --all and -v print names escaped; the escaped form is a reference" {
	local id=$(uniq_name esc)
	local raw=$'/'"$id"$'\e[2J\nremoved shm:forged \xff' shown="/$id"'\x1b[2J\x0aremoved\x20shm:forged\x20\xff'
	POSIX_FILES+=("/dev/shm$raw")
	: >"/dev/shm$raw"
	run ipctool rm --all=shm,posix --dry-run
	assert_success
	assert_line "would remove shm:$shown"
	refute_line "removed shm:forged "
	refute_output --partial $'\e'
	run ipctool rm -v "shm:$shown"
	assert_success
	assert_output "removed shm:$shown"
	[ ! -e "/dev/shm$raw" ]
}

@test "a socket whose path has a space and a control byte: ls shows it escaped, rm takes that form" {
	local d=$TEST_DIR/$(uniq_name dir)
	mkdir "$d"
	# Made through the same escaped form (a raw control byte is refused).
	bg ipctool recv "unix:$d/a b\x01c.sock"
	local rpid=$BG_PID
	wait_for_path "$d/a b"$'\x01'"c.sock"
	run -0 ipctool ls -t socket -o NAME -n
	assert_line "$d/a\x20b\x01c.sock"
	kill -KILL "$rpid"
	wait "$rpid" || true
	# The name as ls printed it is the name rm takes.
	run -0 ipctool rm -v "unix:$d/a\x20b\x01c.sock"
	assert_output --partial "unix:$d/a\x20b\x01c.sock"
	assert_not_exists "$d/a b"$'\x01'"c.sock"
	# A backslash in a path is written \\.
	run -1 ipctool rm "unix:$d/no\\\\such"
	assert_output --partial "no\\\\such"
}

@test "rm shm: and shm rm remove only segments: a symlink, FIFO or directory in /dev/shm stays" {
	local l=$(uniq_name link) f=$(uniq_name fifo) d=$(uniq_name dir)
	POSIX_FILES+=("/dev/shm/$l" "/dev/shm/$f")
	ln -s /etc/passwd "/dev/shm/$l"
	mkfifo "/dev/shm/$f"
	mkdir "/dev/shm/$d"
	run ipctool rm --dry-run "shm:/$l" "shm:/$f" "shm:/$d"
	assert_failure 1
	refute_output --partial "would remove"
	assert_line "ipctool rm: cannot remove 'shm:/$l': a symbolic link, not a segment"
	assert_line "ipctool rm: cannot remove 'shm:/$f': not a segment (a FIFO)"
	assert_line "ipctool rm: cannot remove 'shm:/$d': not a segment (a directory)"
	run ipctool rm -v "shm:/$l" "shm:/$f" "shm:/$d"
	assert_failure 1
	refute_output --partial "removed"
	run ipctool shm rm "/$l" "/$f" "/$d"
	assert_failure 1
	assert_line "ipctool shm rm: cannot remove '/$l': a symbolic link, not a segment"
	[ -L "/dev/shm/$l" ]
	[ -p "/dev/shm/$f" ]
	[ -d "/dev/shm/$d" ]
	rmdir "/dev/shm/$d"
}
