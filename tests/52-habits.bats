#!/usr/bin/env bats
# The habits of ipcs/ipcrm/lsipc users: ipcrm's -q/-Q/-m/-M/-s/-S on rm,
# lsipc's -e/-b/-c/-p/-P/--time-format/-i/--notruncate on ls, -r that never
# shifts fields, an 80-column default view, JSON types that do not drift with
# the options, one time format everywhere, recv -q. Objects come from ipcmk
# and are compared with what ipcs and lsipc say; other users' objects may
# exist, so every check filters by the ids made here.

load helpers
load ipcobj

# The key of a System V object by id, as ipcs prints it: key_of -q|-m|-s ID
key_of() { ipcs "$1" | awk -v id="$2" '$2 == id { print $1 }'; }

# Whether ipcs still lists the id: exists -q|-m|-s ID
exists() { ipcs "$1" | awk -v id="$2" '$2 == id { f = 1 } END { exit !f }'; }

# ISO 8601 with the zone offset, the one time format of every command.
ISO_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?[+-][0-9]{2}:[0-9]{2}$'

# Check JSON types: json_types JSON PYTHON-EXPR... each expression over `d`
# (the parsed document) must be true.
json_types() {
	local doc=$1
	shift
	python3 -c '
import json, re, sys
d = json.loads(sys.argv[1])
iso = re.compile(sys.argv[2])
num = lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))
string = lambda v: v is None or isinstance(v, str)
boolean = lambda v: v is None or isinstance(v, bool)
time = lambda v: v is None or (isinstance(v, str) and iso.match(v) is not None)
for e in sys.argv[3:]:
    if not eval(e):
        sys.exit("false: " + e)
' "$doc" "$ISO_RE" "$@"
}

# ---- rm: ipcrm's options ----

@test "rm -q/-m/-s ID removes exactly that object, the others stay (ipcs)" {
	local q1 q2 m1 m2 s1 s2
	sysv q1 -Q
	sysv q2 -Q
	sysv m1 -M 4096
	sysv m2 -M 4096
	sysv s1 -S 1
	sysv s2 -S 1
	run ipctool rm -q "$q1" -m "$m1" -s "$s1"
	assert_success
	run exists -q "$q1"
	assert_failure
	run exists -m "$m1"
	assert_failure
	run exists -s "$s1"
	assert_failure
	exists -q "$q2"
	exists -m "$m2"
	exists -s "$s2"
}

@test "rm -Q/-M/-S KEY and the long forms, mixed with ipctool references" {
	local q1 q2 m1 m2 s1 s2 p=/$(uniq_name p)
	sysv q1 -Q
	sysv q2 -Q
	sysv m1 -M 4096
	sysv m2 -M 4096
	sysv s1 -S 1
	sysv s2 -S 1
	posix shm "$p"
	run ipctool rm -v -Q "$(key_of -q "$q1")" --shmem-key "$(key_of -m "$m1")" \
		"shm:$p" -S "$(key_of -s "$s1")"
	assert_success
	run exists -q "$q1"
	assert_failure
	run exists -m "$m1"
	assert_failure
	run exists -s "$s1"
	assert_failure
	[ ! -e "/dev/shm$p" ]
	run ipctool rm --queue-id "$q2" --shmem-id "$m2" --semaphore-key "$(key_of -s "$s2")"
	assert_success
	run exists -q "$q2"
	assert_failure
	run exists -m "$m2"
	assert_failure
	run exists -s "$s2"
	assert_failure
}

@test "rm -q with an id nobody has: exit 1, named; a malformed id or key: exit 2" {
	local q
	sysv q -Q
	run ipctool rm -q 2147483000 -q "$q"
	assert_failure 1
	assert_output --partial "cannot remove 'mq:id:2147483000': no such object"
	run exists -q "$q"
	assert_failure
	run ipctool rm -q abc
	assert_failure 2
	assert_output --partial "-q: 'abc' is not"
	run ipctool rm -M 0x
	assert_failure 2
	assert_output --partial "-M: '0x' is not"
	run ipctool rm -Q 0
	assert_failure 2
	assert_output --partial "IPC_PRIVATE"
}

@test "rm -m of a queue's id is no queue: the segment table is asked, not the queue's" {
	local q
	sysv q -Q
	if exists -m "$q"; then skip "a segment happens to have id $q"; fi
	run ipctool rm -m "$q"
	assert_failure 1
	exists -q "$q"
}

# ---- ls: lsipc's options ----

@test "ls -r -b agrees with ipcs on keys, ids, owners, perms and sizes" {
	local q m s
	sysv q -Q -p 0640
	sysv m -M 8192 -p 0600
	sysv s -S 3
	run ipctool ls -r -n -b -o KEY,ID,OWNER,PERMS,SIZE,NSEMS "mq:id:$q" "shm:id:$m" "sem:id:$s"
	assert_success
	assert_line "$(key_of -q "$q") $q root rw-r----- $(ipcs -q -i "$q" | sed -n 's/.*qbytes=\([0-9]*\).*/\1/p') -"
	assert_line "$(key_of -m "$m") $m root rw------- 8192 -"
	assert_line "$(key_of -s "$s") $s root rw-r--r-- - 3"
	# -P: ipcs -c's octal permissions (ipcs drops the leading zero).
	run ipctool ls -r -n -P -o ID,PERMS "mq:id:$q"
	assert_output "$q 0$(ipcs -q -c | awk -v id="$q" '$1==id{print $2}')"
}

@test "ls -c and -p add creator and pid columns as ipcs -c and -p show them" {
	local m
	sysv m -M 4096
	run ipctool ls -r -n -c -o ID "shm:id:$m"
	assert_output "$m root root root root"
	run ipctool ls -r -n -p -o ID "shm:id:$m"
	# A pid ipcs shows as 0 (none yet) is an empty cell, '-' with -r.
	assert_output "$m $(ipcs -m -p | awk -v id="$m" '$1==id{print $3, ($4 == 0 ? "-" : $4)}')"
}

@test "ls -r never shifts fields: empty cells are '-'" {
	local q m s
	sysv q -Q
	sysv m -M 4096
	sysv s -S 2
	run ipctool ls -r -n -o KIND,NAME,KEY,ID,SIZE,MSGS,VALUE,NSEMS,LPID,MTIME,STATUS,PROCS \
		"mq:id:$q" "shm:id:$m" "sem:id:$s"
	assert_success
	[ "$(awk '{ print NF }' <<<"$output" | sort -u)" = 12 ]
	assert_line --regexp "^sem key:0x[0-9a-f]{8} 0x[0-9a-f]{8} $s - - 0,0 2 "
}

@test "ls -e: NAME=\"value\" pairs that eval reads back, whatever the names hold" {
	local q m
	local odd="/$(uniq_name 'a b"c$d`e')"
	sysv q -Q
	sysv m -M 4096
	posix shm "$odd"
	run ipctool ls -e -o ID,KIND,NAME,PERMS,SIZE,USED,PROCS
	assert_success
	local line seen=0 names=()
	while IFS= read -r line; do
		ID= KIND= NAME=
		eval "$line"
		[ -n "$KIND" ]
		case "$KIND:$ID" in
		"mq:$q" | "shm:$m") seen=$((seen + 1)) ;;
		esac
		names+=("$NAME")
	done <<<"$output"
	[ "$seen" = 2 ]
	# The odd name comes back as lsipc writes it: " $ ` as \xHH.
	local want=${odd//\"/\\x22}
	want=${want//\$/\\x24}
	want=${want//\`/\\x60}
	printf '%s\n' "${names[@]}" | grep -qxF -- "$want"
	# USE% of --limits becomes USE_PCT, a name a shell accepts.
	run ipctool ls --limits -e
	assert_success
	assert_line --regexp '^RESOURCE="MSGMNI" .* USE_PCT="'
}

@test "ls --time-format short, full and iso; iso is the default" {
	local m
	sysv m -M 4096
	run ipctool ls -r -n -o CTIME "shm:id:$m"
	assert_output --regexp "${ISO_RE%\$}"'$'
	run ipctool ls -r -n -o CTIME --time-format iso "shm:id:$m"
	assert_output --regexp "${ISO_RE%\$}"'$'
	run ipctool ls -r -n -o CTIME --time-format short "shm:id:$m"
	assert_output --regexp '^[0-9]{2}:[0-9]{2}$'
	run ipctool ls -n -o CTIME --time-format full "shm:id:$m"
	assert_output "$(ipcs -m -i "$m" | sed -n 's/^change_time=//p' | sed 's/ *$//')"
	run ipctool ls --time-format long
	assert_failure 2
}

@test "ls -i ID: the detail view, with each semaphore's value, waiters and last pid" {
	local s
	sysv s -S 2
	ipctool sem post "id:$s" --index 1 --count 3
	bg ipctool sem wait "id:$s" --index 0 --timeout 20s
	local i
	for i in $(seq 400); do
		[ "$(ipctool ls -J -i "$s" -t sem | jq '.ipc[0].semaphores[0].ncnt')" = 1 ] && break
		sleep 0.025
	done
	run ipctool ls -i "$s" -t sem
	assert_success
	assert_line --regexp "^ID: +$s$"
	assert_line --regexp "^KEY: +$(key_of -s "$s")$"
	assert_line --regexp '^SEMNUM +VALUE +NCNT +ZCNT +PID$'
	assert_line --regexp "^ +0 +0 +1 +0 +[0-9]+$"
	assert_line --regexp "^ +1 +3 +0 +0 +[0-9]+$"
	# lsipc's own view of the same set.
	[ "$(lsipc -s -i "$s" | awk '$1 == "1" { print $2 }')" = 3 ]
	run ipctool ls -J -i "$s" -t sem
	assert_success
	json_types "$output" 'd["ipc"][0]["id"] == '"$s" \
		'[m["value"] for m in d["ipc"][0]["semaphores"]] == [0, 3]' \
		'd["ipc"][0]["semaphores"][0]["ncnt"] == 1' \
		'all(num(m[k]) for m in d["ipc"][0]["semaphores"] for k in ("semnum", "value", "ncnt", "zcnt", "pid"))'
	run ipctool ls -i 2147483000
	assert_failure 1
	assert_output --partial "'2147483000': no such IPC object"
	run ipctool ls -i x
	assert_failure 2
}

@test "ls -t takes util-linux's names: queues, shmems, semaphores (and -q, -m, -s)" {
	local q m s
	sysv q -Q
	sysv m -M 4096
	sysv s -S 1
	run ipctool ls -r -n -o KIND,ID -t queues,sysv
	assert_line "mq $q"
	refute_line "shm $m"
	run ipctool ls -r -n -o KIND,ID -t shmems,semaphores,sysv
	assert_line "shm $m"
	assert_line "sem $s"
	refute_line "mq $q"
	run ipctool ls -r -n -o KIND,ID -m -s
	assert_line "shm $m"
	assert_line "sem $s"
	refute_line "mq $q"
}

@test "default ls fits 80 columns on a terminal; --wide and --notruncate do not cut" {
	local m p=/$(uniq_name "a-rather-long-name-for-a-segment-that-would-not-fit-otherwise")
	sysv m -M 4096
	posix shm "$p"
	run env COLUMNS=80 script -qec "stty cols 80 2>/dev/null; $IPCTOOL ls" /dev/null
	assert_success
	local line
	while IFS= read -r line; do
		line=${line%$'\r'}
		[ "${#line}" -le 80 ] || { echo "too wide (${#line}): $line" >&2; false; }
	done <<<"$output"
	run env COLUMNS=80 script -qec "stty cols 80 2>/dev/null; $IPCTOOL ls --notruncate shm:$p" /dev/null
	assert_output --partial "$p"
	run ipctool ls --wide -n "shm:$p"
	assert_line --regexp "^shm +$p .* [0-9]{4}-"
}

@test "ls prints its header even when nothing is listed" {
	mkdir "$TEST_DIR/mq"
	run env IPCTOOL_MQUEUE_DIR="$TEST_DIR/mq" "$IPCTOOL" ls -t mq,posix
	assert_output --partial "KIND"
	run ipctool ls -e -t mq,posix -o KIND "mq:/$(uniq_name none)"
	assert_failure 1
}

# ---- JSON: types that do not drift ----

@test "ls -J: sizes are byte numbers with or without --bytes, ids numbers, times ISO" {
	local m q
	sysv m -M 8192
	sysv q -Q
	local sel=(-o KIND,NAME,KEY,ID,OWNER,PERMS,SIZE,USED,MSGS,VALUE,NSEMS,ATTACH,CPID,LPID,MTIME,CTIME,PROCS "shm:id:$m" "mq:id:$q")
	for b in "" --bytes; do
		run ipctool ls -J $b "${sel[@]}"
		assert_success
		json_types "$output" 'len(d["ipc"]) == 2' \
			'all(num(o[k]) for o in d["ipc"] for k in ("id", "size", "used", "msgs", "nsems", "attach", "cpid", "lpid"))' \
			'all(string(o[k]) for o in d["ipc"] for k in ("kind", "name", "key", "owner", "perms", "value", "procs"))' \
			'all(time(o[k]) for o in d["ipc"] for k in ("mtime", "ctime"))' \
			'[o["size"] for o in d["ipc"] if o["kind"] == "shm"] == [8192]'
	done
	run ipctool ls --limits -J
	json_types "$output" 'all(num(o["limit"]) and num(o["used"]) and num(o["use%"]) for o in d["limits"])'
}

@test "mq ls/info -J, shm ls/info -J, fifo info -J: numbers and times" {
	need_mqueue
	local q=/$(uniq_name q) s=/$(uniq_name s) f="$TEST_DIR/f"
	POSIX_FILES+=("/dev/mqueue$q" "/dev/shm$s")
	ipctool mq create "$q" --maxmsg 10 --msgsize 1K
	ipctool mq send "$q" hello
	ipctool shm create "$s" -s 4K
	mkfifo "$f"
	run ipctool mq ls -J
	assert_success
	json_types "$output" 'all(num(o[k]) for o in d["queues"] for k in ("id", "msgs", "bytes", "maxmsg", "msgsize"))' \
		'[o["msgsize"] for o in d["queues"] if o["name"] == "'"$q"'"] == [1024]'
	run ipctool mq info -J "$q"
	json_types "$output" 'all(num(o[k]) for o in d["queues"] for k in ("id", "msgs", "bytes", "maxmsg", "msgsize", "qbytes", "lspid", "lrpid"))' \
		'all(time(o[k]) for o in d["queues"] for k in ("stime", "rtime", "ctime"))' \
		'd["queues"][0]["bytes"] == 5'
	run ipctool shm info -J "$s"
	json_types "$output" 'd["shm"][0]["size"] == 4096' \
		'all(time(d["shm"][0][k]) for k in ("atime", "dtime", "ctime"))' \
		'd["shm"][0]["ctime"] is not None' 'boolean(d["shm"][0]["ring"])'
	run ipctool shm ls -J
	json_types "$output" 'all(num(o["size"]) for o in d["shm"])'
	run ipctool fifo info -J "$f"
	json_types "$output" 'd["fifos"][0]["buffered"] == 0' 'd["fifos"][0]["capacity"] == 65536'
}

@test "recv -J times carry the zone offset, as ls and shm info do" {
	need_mqueue
	local q=/$(uniq_name q)
	POSIX_FILES+=("/dev/mqueue$q")
	ipctool mq create "$q" --maxmsg 10 --msgsize 1K
	ipctool mq send "$q" hi
	run ipctool recv -J -c 1 "mq:$q"
	assert_success
	json_types "$output" 'time(d["time"])' 'd["time"] is not None' 'd["size"] == 2'
}

@test "bench -J: a version object with ipctool, kernel, CPU and timestamp" {
	run ipctool bench pipe -n 200 --warmup 10 -s 64 -J
	assert_success
	json_types "$output" 'isinstance(d["version"], dict)' \
		'd["version"]["ipctool"] == "'"$(ipctool --version | sed 's/^ipctool //')"'"' \
		'd["version"]["kernel"] == "'"$(uname -sr)"'"' \
		'string(d["version"]["cpu"])' 'time(d["version"]["timestamp"])' \
		'd["version"]["timestamp"] is not None'
}

# ---- recv -q ----

@test "recv -q -n on an empty queue: nothing said, still exit 124" {
	need_mqueue
	local q=/$(uniq_name q)
	POSIX_FILES+=("/dev/mqueue$q")
	ipctool mq create "$q" --maxmsg 10 --msgsize 1K
	run --separate-stderr ipctool recv -q -c 1 -n "mq:$q"
	[ "$status" = 124 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	ipctool mq send "$q" job
	run ipctool recv --quiet -c 1 -n "mq:$q"
	assert_success
	assert_output job
	# Without -q the empty poll is reported as before.
	run --separate-stderr ipctool recv -c 1 -n "mq:$q"
	[ "$status" = 124 ]
	[ -n "$stderr" ]
}
