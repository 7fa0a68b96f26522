#!/usr/bin/env bats
# ipctool mq: create, info, send, recv, rm, ls for both queue families.

load helpers

setup() {
	setup_common
	Q="/$(uniq_name q)"
	SVKEY=$(printf '0x%x' $(( (($$ & 0xffff) << 12) + BATS_TEST_NUMBER + 0x30000000 )))
}

teardown() {
	teardown_common
	ipctool mq rm "$Q" 2>/dev/null || true
	ipctool mq rm "key:$SVKEY" 2>/dev/null || true
	if [ -n "${MNT:-}" ]; then umount "$MNT" 2>/dev/null || true; fi
}

@test "mq create, info with attributes, rm" {
	ipctool mq create "$Q" --maxmsg 4 --msgsize 128
	ipctool mq send "$Q" -p 2 hello
	run ipctool mq info -o NAME,TYPE,MSGS,BYTES,MAXMSG,MSGSIZE,PERMS "$Q"
	assert_success
	assert_line --index 1 --regexp "^$Q +posix +1 +5 +4 +128 +0600$"
	run ipctool mq info -J --bytes "$Q"
	assert_output --partial '"maxmsg": 4'
	assert_output --partial '"msgsize": 128'
	run ipctool mq recv -c 1 "$Q"
	assert_output hello
	ipctool mq rm "$Q"
	run ipctool mq info "$Q"
	assert_failure 1
}

@test "mq info on a System V queue shows qbytes and the last sender" {
	ipctool mq create "key:$SVKEY"
	ipctool mq send "key:$SVKEY" abc
	run ipctool mq info -J --bytes -o KEY,MSGS,BYTES,QBYTES,LSPID "key:$SVKEY"
	assert_success
	assert_output --partial "\"key\": \"$(printf '0x%08x' "$SVKEY")\""
	assert_output --partial '"msgs": 1'
	assert_output --partial '"bytes": 3'
	refute_output --partial '"lspid": 0'
}

@test "POSIX names are validated" {
	run ipctool mq create /a/b
	assert_failure 2
	assert_output --partial "second '/'"
	run ipctool mq create "/$(head -c 256 /dev/zero | tr '\0' n)"
	assert_failure 2
	assert_output --partial "longer than 255"
	run ipctool mq info noslash
	assert_failure 2
	run ipctool mq rm /
	assert_failure 2
}

@test "mq rm reports each failure and removes the rest" {
	ipctool mq create "$Q" --msgsize 1K
	run ipctool mq rm "/$(uniq_name missing)" "$Q"
	assert_failure 1
	assert_output --partial "No such file or directory"
	run ipctool mq info "$Q"
	assert_failure 1
}

@test "mq ls without an mqueue file system says how to mount one" {
	ipctool mq create "key:$SVKEY"
	IPCTOOL_MQUEUE_DIR=$TEST_DIR run ipctool mq ls -r -n -o NAME
	assert_success
	assert_output --partial "mount -t mqueue none $TEST_DIR"
	assert_output --partial "key:$(printf '0x%08x' "$SVKEY")"
}

@test "mq ls lists POSIX queues from a mounted mqueue file system" {
	MNT=$TEST_DIR/mqueue
	mkdir "$MNT"
	mount -t mqueue none "$MNT" 2>/dev/null || skip "cannot mount an mqueue file system here (needs root)"
	ipctool mq create "$Q" --msgsize 1K
	IPCTOOL_MQUEUE_DIR=$MNT run ipctool mq ls -J -o NAME,TYPE,PERMS
	assert_success
	assert_output --partial "\"name\": \"$Q\""
}

@test "verbs have their own help; unknown verbs are usage errors" {
	run ipctool mq create --help
	assert_success
	assert_output --partial "--maxmsg"
	run ipctool mq recv --help
	assert_success
	assert_output --partial "--type"
	run ipctool mq frob
	assert_failure 2
	assert_output --partial "'frob' is not a verb of mq"
	run ipctool mq
	assert_failure 2
	run ipctool help --verbs mq
	assert_output "create info send recv rm ls"
}

@test "mq create exclusive, --reuse, key:private" {
	ipctool mq create "$Q" --msgsize 1K
	run ipctool mq create "$Q" --msgsize 1K
	assert_failure 1
	assert_output --partial "File exists"
	ipctool mq create --reuse "$Q"
	# The id on standard output, as shm create and sem create print it.
	run --separate-stderr ipctool mq create key:private
	assert_success
	assert_output --regexp "^id:[0-9]+$"
	ipctool mq rm "$output"
}
