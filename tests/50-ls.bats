#!/usr/bin/env bats
# ipctool ls: every kind of object created and seen (text and JSON), System V
# cross-checked against ipcs, --limits against /proc/sys, sockets, errors.

load helpers
load ipcobj

# One object's field from ls -J: field REF COLUMN
field() {
	ipctool ls -J --bytes -o "KIND,API,NAME,KEY,ID,OWNER,PERMS,MODE,SIZE,USED,MSGS,MAXMSG,MSGSIZE,VALUE,NSEMS,ATTACH,CPID,LPID,STATUS,PROCS,REF" "$1" |
		jq -r ".ipc[0].$2"
}

@test "POSIX queue: size, bytes and messages queued, in text and JSON" {
	need_mqueue
	local q=/$(uniq_name q)
	posix mq "$q"
	run ipctool ls "$q"
	assert_success
	assert_line --regexp "^mq +$q +root +rw-r----- +256 +11 +2 "
	run ipctool ls -J --bytes -o KIND,API,NAME,SIZE,USED,MSGS,MAXMSG,MSGSIZE,PERMS,REF "$q"
	assert_success
	[ "$(jq -c '.ipc[0]' <<<"$output")" = \
		"{\"kind\":\"mq\",\"api\":\"posix\",\"name\":\"$q\",\"size\":256,\"used\":11,\"msgs\":2,\"maxmsg\":4,\"msgsize\":64,\"perms\":\"rw-r-----\",\"ref\":\"mq:$q\"}" ]
}

@test "POSIX segment, ring and semaphore: kind, size, value; sem.NAME is no segment" {
	local s=/$(uniq_name s) r=/$(uniq_name r) m=/$(uniq_name m)
	posix shm "$s"
	posix ring "$r"
	posix sem "$m" 5
	[ "$(field "shm:$s" kind)" = shm ]
	[ "$(field "shm:$s" size)" = 65536 ]
	[ "$(field "shm:$s" used)" = 4096 ]
	[ "$(field "shm:$s" attach)" = 0 ]
	[ "$(field "$r" kind)" = ring ]
	[ "$(field "$r" ref)" = "shm:$r" ]
	[ "$(field "sem:$m" kind)" = sem ]
	[ "$(field "sem:$m" value)" = 5 ]
	[ "$(field "sem:$m" nsems)" = 1 ]
	run ipctool ls "shm:/sem.${m#/}"
	assert_failure 1
	assert_output --partial "'shm:/sem.${m#/}': no such IPC object"
}

@test "PROCS and ATTACH name the process that maps a segment" {
	local s=/$(uniq_name held)
	POSIX_FILES+=("/dev/shm$s")
	hold "$IPCOBJ" shm "$s" "$TEST_DIR/ready"
	[ "$(field "$s" attach)" = 1 ]
	[ "$(field "$s" procs)" = "$BG_PID(ipcobj)" ]
	run ipctool ls -o NAME,PROCS "$s"
	assert_line --regexp "^$s +$BG_PID\\(ipcobj\\)$"
}

@test "PROCS names the process that holds a POSIX queue open" {
	need_mqueue
	local q=/$(uniq_name q)
	POSIX_FILES+=("/dev/mqueue$q")
	hold "$IPCOBJ" mq "$q" "$TEST_DIR/ready"
	[ "$(field "mq:$q" procs)" = "$BG_PID(ipcobj)" ]
	[ "$(field "mq:$q" attach)" = 1 ]
}

@test "System V queue, segment and semaphore agree with ipcs" {
	local q m s line
	sysv q -Q -p 0640
	sysv m -M 12288 -p 0604
	sysv s -S 3 -p 0600
	# ipcs: key id owner perms bytes/messages/nsems
	line=$(ipcs -q | awk -v id="$q" '$2 == id')
	read -r key id owner perms bytes msgs <<<"$line"
	[ "$(field "mq:id:$q" key)" = "$key" ]
	[ "$(field "mq:id:$q" id)" = "$id" ]
	[ "$(field "mq:id:$q" owner)" = "$owner" ]
	[ "$(field "mq:id:$q" mode)" = "0$perms" ]
	[ "$(field "mq:id:$q" used)" = "$bytes" ]
	[ "$(field "mq:id:$q" msgs)" = "$msgs" ]
	[ "$(field "mq:id:$q" size)" = "$(cat /proc/sys/kernel/msgmnb)" ]
	line=$(ipcs -m | awk -v id="$m" '$2 == id')
	read -r key id owner perms bytes nattch <<<"$line"
	[ "$(field "shm:id:$m" kind)" = shm ]
	[ "$(field "shm:id:$m" key)" = "$key" ]
	[ "$(field "shm:id:$m" owner)" = "$owner" ]
	[ "$(field "shm:id:$m" mode)" = "0$perms" ]
	[ "$(field "shm:id:$m" size)" = "$bytes" ]
	[ "$(field "shm:id:$m" size)" = 12288 ]
	[ "$(field "shm:id:$m" attach)" = "$nattch" ]
	[ "$(field "shm:id:$m" cpid)" != null ]
	line=$(ipcs -s | awk -v id="$s" '$2 == id')
	read -r key id owner perms nsems <<<"$line"
	[ "$(field "sem:id:$s" key)" = "$key" ]
	[ "$(field "sem:id:$s" owner)" = "$owner" ]
	[ "$(field "sem:id:$s" mode)" = "0$perms" ]
	[ "$(field "sem:id:$s" nsems)" = "$nsems" ]
	[ "$(field "sem:id:$s" value)" = "0,0,0" ]
	# By key as well as by id, and in the text table.
	[ "$(field "sem:key:$key" id)" = "$s" ]
	run ipctool ls "key:$key"
	assert_success
	assert_line --regexp "^sem +key:$key +$s +$owner +rw------- "
}

@test "a System V segment holding a ring is a ring, with its process" {
	local key
	key=$(printf '0x%08x' $(( (RANDOM << 15 | RANDOM) + 0x10000 )))
	SYSV_IDS+=("-M:$key")
	hold "$IPCOBJ" sysvring "$key" "$TEST_DIR/ready"
	[ "$(field "shm:key:$key" kind)" = ring ]
	[ "$(field "shm:key:$key" attach)" = 1 ]
	[ "$(field "shm:key:$key" procs)" = "$BG_PID(ipcobj)" ]
	[ "$(field "shm:key:$key" cpid)" = "$BG_PID" ]
}

@test "-t selects kinds and APIs" {
	local s=/$(uniq_name s) m
	posix shm "$s"
	sysv m -S 1
	run ipctool ls -n -o NAME -t sysv
	assert_success
	assert_line --regexp "^key:0x[0-9a-f]{8}$|^id:$m$"
	refute_line "$s"
	run ipctool ls -n -o KIND,NAME -t shm,posix
	assert_line --regexp "^shm +$s$"
	refute_output --partial "sem "
	run ipctool ls -n -o KIND -t sem
	refute_line --regexp "^(mq|shm|ring)"
	run ipctool ls -t sem,bogus
	assert_failure 2
	assert_output --partial "'bogus' is not a type"
}

@test "UNIX sockets with -t socket: the listener and its state" {
	local path="$TEST_DIR/$(uniq_name sock)"
	bg ipctool recv -k "unix:$path"
	# Once a sender got through, the listener is in /proc/net/unix.
	ipctool send --wait=10s "unix:$path" </dev/null
	[ "$(field "unix:$path" kind)" = socket ]
	[ "$(field "unix:$path" status)" = "stream listening" ]
	[ "$(field "unix:$path" procs)" = "$BG_PID(ipctool)" ]
	[ "$(field "unix:$path" perms)" != null ]
	# Sockets only with -t socket. (Each line is one KIND word; refute_line
	# fails on the empty output of a machine with no other IPC objects.)
	run ipctool ls -n -o KIND
	assert_success
	refute_output --partial socket
}

@test "--limits agree with /proc/sys, with use and percentage" {
	local t sem q
	sysv q -Q
	# Raw text: jq would round the 64-bit limits.
	t=$(ipctool ls --limits -r -n --bytes -o RESOURCE,LIMIT,USED,USE%)
	lim() { awk -v r="$1" -v c="$2" '$1 == r { print $c }' <<<"$t"; }
	[ "$(lim MSGMNI 2)" = "$(cat /proc/sys/kernel/msgmni)" ]
	[ "$(lim MSGMAX 2)" = "$(cat /proc/sys/kernel/msgmax)" ]
	[ "$(lim MSGMNB 2)" = "$(cat /proc/sys/kernel/msgmnb)" ]
	[ "$(lim SHMMAX 2)" = "$(cat /proc/sys/kernel/shmmax)" ]
	[ "$(lim SHMALL 2)" = "$(cat /proc/sys/kernel/shmall)" ]
	[ "$(lim SHMMNI 2)" = "$(cat /proc/sys/kernel/shmmni)" ]
	read -r -a sem </proc/sys/kernel/sem
	[ "$(lim SEMMSL 2)" = "${sem[0]}" ]
	[ "$(lim SEMMNS 2)" = "${sem[1]}" ]
	[ "$(lim SEMOPM 2)" = "${sem[2]}" ]
	[ "$(lim SEMMNI 2)" = "${sem[3]}" ]
	[ "$(lim QUEUES_MAX 2)" = "$(cat /proc/sys/fs/mqueue/queues_max)" ]
	[ "$(lim MSG_MAX 2)" = "$(cat /proc/sys/fs/mqueue/msg_max)" ]
	[ "$(lim MSGSIZE_MAX 2)" = "$(cat /proc/sys/fs/mqueue/msgsize_max)" ]
	if [ "$(ulimit -q)" != unlimited ]; then
		[ "$(lim MSGQUEUE 2)" = "$(ulimit -q)" ]
	fi
	[ "$(lim SHM_SPACE 2)" = $(( $(stat -f -c '%b * %S' /dev/shm) )) ]
	# Our queue counts, and the percentage follows from use and limit.
	[ "$(lim MSGMNI 3)" -ge 1 ]
	[ "$(lim MSGMNI 4)" = "$(awk -v u="$(lim MSGMNI 3)" -v l="$(lim MSGMNI 2)" \
		'BEGIN { printf "%.2f%%", 100 * u / l }')" ]
	# JSON: one object per limit, numbers as numbers.
	run ipctool ls --limits -J
	assert_success
	[ "$(jq -r '.limits[] | select(.resource == "SEMMNI") | .limit' <<<"$output")" = "${sem[3]}" ]
	run ipctool ls --limits
	assert_success
	assert_line --regexp "^MSGMNI +System V message queues +$(cat /proc/sys/kernel/msgmni) +[0-9]+ +[0-9.]+%$"
}

@test "a name that does not exist exits 1, after listing the others" {
	local s=/$(uniq_name s)
	posix shm "$s"
	run ipctool ls -n -o NAME "$s" "shm:/$(uniq_name none)" key:0x7ffffff1
	assert_failure 1
	assert_line "$s"
	assert_line "ipctool ls: 'shm:/$(uniq_name none)': no such IPC object"
	assert_line "ipctool ls: 'key:0x7ffffff1': no such IPC object"
}

@test "bad names, columns and options exit 2 quoting the text" {
	run ipctool ls 'mq:/a/b'
	assert_failure 2
	assert_output --partial "'mq:/a/b' is a POSIX name with a second '/'"
	run ipctool ls 'nope:1'
	assert_failure 2
	assert_output --partial "'nope:1' is not an object reference"
	run ipctool ls -o KIND,BOGUS
	assert_failure 2
	assert_output --partial "'BOGUS' is not a column"
	run ipctool ls --limits /x
	assert_failure 2
	run ipctool ls -J -r
	assert_failure 2
}

@test "without /dev/mqueue, ls says how to mount it and lists the rest" {
	[ "$(id -u)" = 0 ] || skip "needs root for a private mount namespace"
	command -v unshare >/dev/null || skip "no unshare(1)"
	unshare -m true 2>/dev/null || skip "cannot unshare the mount namespace"
	local s=/$(uniq_name s)
	posix shm "$s"
	run unshare -m sh -c "umount /dev/mqueue 2>/dev/null; \"$IPCTOOL\" ls -n -o NAME"
	assert_success
	assert_line "ipctool ls: POSIX message queues not listed: /dev/mqueue is not mounted (mount it with 'mount -t mqueue none /dev/mqueue')"
	assert_line "$s"
}

@test "--help lists the columns; -o +LIST adds to the default" {
	run ipctool ls --help
	assert_success
	assert_line --regexp "^  PROCS +processes that have it mapped or open"
	assert_line --regexp "^  USE% "
	local s=/$(uniq_name s)
	posix shm "$s"
	run ipctool ls -o +REF "$s"
	assert_line --regexp "^shm +$s .* shm:$s$"
}

@test "names are shown escaped in every format, JSON is valid UTF-8, the escaped form is a reference" {
	local id=$(uniq_name esc)
	local raw=$'/'"$id"$'\xff\xfe\e[31m\nforged b\\c' shown="/$id"'\xff\xfe\x1b[31m\x0aforged\x20b\\c'
	POSIX_FILES+=("/dev/shm$raw")
	: >"/dev/shm$raw"
	run ipctool ls -n -o NAME -t shm
	assert_success
	assert_line "$shown"
	refute_output --partial $'\e'
	run ipctool ls -J -o NAME -t shm
	assert_success
	printf '%s' "$output" | iconv -f UTF-8 -t UTF-8 >/dev/null
	[ "$(printf '%s' "$output" | jq -r ".ipc[] | select(.name | startswith(\"/$id\")) | .name")" = "$shown" ]
	# -r: libsmartcols writes the backslash and space as \x5c and \x20.
	run ipctool ls -r -n -o NAME -t shm
	assert_line "/$id"'\xff\xfe\x1b[31m\x0aforged\x20b\x5cc'
	# What ls shows is what references take.
	run ipctool shm info -n -o NAME "$shown"
	assert_success
	assert_output "$shown"
	run ipctool shm info -n -o NAME "/$id"'\xff\xfe\x1b[31m\x0aforged\x20b\x5cc'
	assert_output "$shown"
}

@test "ls's exit status does not depend on errno left by printing a warning" {
	# The warning about a missing mqueue directory fails to print (ENOSPC):
	# still no failure, and a bad column is still a usage error.
	IPCTOOL_MQUEUE_DIR=/nonexistent "$IPCTOOL" ls -n -o NAME >/dev/null 2>/dev/full
	run bash -c "IPCTOOL_MQUEUE_DIR=/nonexistent '$IPCTOOL' ls -o NOPE 2>/dev/full"
	assert_failure 2
	run bash -c "'$IPCTOOL' ls --limits -o NOPE 2>/dev/full"
	assert_failure 2
}

@test "--limits sizes as object rows show them: 8K not 8.0K, SHMMAX above 2^63 as 16E" {
	local shmmax
	shmmax=$(cat /proc/sys/kernel/shmmax)
	run ipctool ls --limits -n -r -o RESOURCE,LIMIT,USED
	assert_success
	refute_output --regexp '\.0[KMGTPE]'
	if [ "${#shmmax}" -ge 19 ] && [[ "$shmmax" > 9223372036854775807 ]]; then
		assert_line --regexp '^SHMMAX 16E '
	fi
	if [ "$(cat /proc/sys/kernel/msgmax)" = 8192 ]; then
		assert_line --regexp '^MSGMAX 8K'
	fi
	run ipctool ls --limits -b -n -r -o RESOURCE,LIMIT
	assert_line "SHMMAX $shmmax"
}

@test "System V queue: LSPID and LRPID; LPID is the receiver when it was last in the same second" {
	local sq spid rpid
	sysv sq -Q
	bash -c 'echo $$ >"$1/s.pid"; exec "$2" send "mq:id:$3" hello' _ "$TEST_DIR" "$IPCTOOL" "$sq"
	bash -c 'echo $$ >"$1/r.pid"; exec "$2" recv -c 1 "mq:id:$3"' _ "$TEST_DIR" "$IPCTOOL" "$sq" >/dev/null
	spid=$(cat "$TEST_DIR/s.pid")
	rpid=$(cat "$TEST_DIR/r.pid")
	run ipctool ls -n -r -o LPID,LSPID,LRPID "mq:id:$sq"
	assert_success
	assert_output "$rpid $spid $rpid"
	run ipctool ls -J -o LSPID,LRPID "mq:id:$sq"
	assert_output --partial "\"lspid\": $spid"
}

@test "a FIFO planted in /dev/shm, or swapped in for a file, never hangs ls or shm ls" {
	local f=/dev/shm/$(uniq_name fifo) g=/dev/shm/$(uniq_name swap) i
	POSIX_FILES+=("$f" "$g" "$g.f" "$g.p")
	mkfifo "$f"
	run timeout 10 "$IPCTOOL" ls -n -o NAME
	assert_success
	refute_output --partial "${f#/dev/shm/}"
	run timeout 10 "$IPCTOOL" shm ls -n
	assert_success
	run timeout 10 "$IPCTOOL" shm info "/${f#/dev/shm/}"
	assert_failure 1
	# A file (ring-sized, so ls opens it) and a FIFO, swapped under ls.
	(
		for i in $(seq 2000); do
			head -c 64 /dev/zero >"$g.f" && mv -f "$g.f" "$g"
			rm -f "$g.p" && mkfifo "$g.p" && mv -f "$g.p" "$g"
		done
	) 3>&- &
	local loop=$!
	BG_PIDS+=("$loop")
	for i in $(seq 20); do
		timeout 10 "$IPCTOOL" ls -t shm,posix >/dev/null
		timeout 10 "$IPCTOOL" shm ls >/dev/null
	done
	kill "$loop" 2>/dev/null || true
	wait "$loop" 2>/dev/null || true
	rm -f "$g.f" "$g.p"
}

@test "--list-columns works where it is typed: after ls, a command, or its verb" {
	run ipctool mq --list-columns
	assert_success
	assert_line --regexp '^  MSGSIZE '
	run ipctool mq ls --list-columns
	assert_line --regexp '^  MSGSIZE '
	run ipctool shm --list-columns
	assert_success
	assert_line --regexp '^  NATTCH '
	run ipctool fifo --list-columns
	assert_line --regexp '^  PATH '
	run ipctool signal --list-columns
	assert_line --regexp '^  NUMBER '
	run ipctool ls --list-columns
	assert_line --regexp '^  PROCS '
	# Where there is nothing to list, the message says where it goes.
	run ipctool --list-columns
	assert_failure 2
	assert_output --partial "--list-columns goes after a command that prints a table"
	run ipctool sem --list-columns
	assert_failure 2
	assert_output --partial "no verb of sem prints a table"
}

@test "a segment with a ring's magic but no valid ring is a segment to ls, shm ls and rm --all=ring alike" {
	local m=/$(uniq_name magic)
	POSIX_FILES+=("/dev/shm$m")
	head -c 65536 /dev/zero >"/dev/shm$m"
	printf IPCTRING | dd of="/dev/shm$m" conv=notrunc status=none
	[ "$(field "shm:$m" kind)" = shm ]
	run ipctool shm ls -n -o NAME,RING
	assert_line --regexp "^$m +no$"
	run ipctool rm --all=ring --dry-run
	refute_output --partial "would remove shm:$m"
}
