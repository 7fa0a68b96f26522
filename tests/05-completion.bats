#!/usr/bin/env bats
# Shell completions: `ipctool help --complete` and the bash, zsh and fish
# scripts that wrap it. bash is driven through the function its `complete
# -F` registers, with COMP_LINE and COMP_POINT as readline sets them, once
# plain and once after bash-completion's own helpers (when installed).

load helpers

setup() {
	setup_common
	COMPLETIONS=$BATS_TEST_DIRNAME/../completions
	BIN_DIR=$TEST_DIR/bin
	mkdir -p "$BIN_DIR" "$TEST_DIR/cwd"
	ln -s "$IPCTOOL" "$BIN_DIR/ipctool"
	local c
	for c in $(ipctool help --commands); do
		[ "$c" = help ] || ln -s "$IPCTOOL" "$BIN_DIR/ipctool-$c"
	done
	export PATH=$BIN_DIR:$PATH
	# A file in the working directory that no completion but a file's may offer.
	touch "$TEST_DIR/cwd/a-plain-file"
}

teardown() {
	[ -z "${OBJECTS:-}" ] || ipctool rm $OBJECTS 2>/dev/null || true
	teardown_common
}

BASH_COMPLETION_SCRIPT=/usr/share/bash-completion/bash_completion

# One bash: the candidates for LINE, sorted, one a line. $1: "bc" to load
# bash-completion first.
complete_bash_once() {
	(cd "$TEST_DIR/cwd" && bash -c '
		if [ "$1" = bc ]; then source "'"$BASH_COMPLETION_SCRIPT"'" || exit 3; fi
		source "'"$COMPLETIONS"'/ipctool.bash" || exit 3
		COMP_LINE=$2
		COMP_POINT=${#COMP_LINE}
		cmd=${COMP_LINE%% *}
		# The function bash would call for this command name.
		fn=$(complete -p "$cmd" | sed -nE "s/^complete -F ([^ ]+) .*/\1/p")
		[ -n "$fn" ] || { echo "no completion for $cmd"; exit 4; }
		"$fn" "$cmd" "" ""
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"' _ "$1" "$2") | sort -u
}

# complete_bash LINE: the candidates bash offers for LINE<TAB>; the same with
# and without bash-completion's helpers.
complete_bash() {
	local plain with
	plain=$(complete_bash_once plain "$1") || return
	if [ -r "$BASH_COMPLETION_SCRIPT" ]; then
		with=$(complete_bash_once bc "$1") || return
		if [ "$plain" != "$with" ]; then
			echo "with bash-completion: $with" >&2
			echo "without: $plain" >&2
			return 1
		fi
	fi
	printf '%s\n' "$plain"
}

# The candidates ipctool itself prints, without descriptions.
complete_raw() {
	(cd "$TEST_DIR/cwd" && ipctool help --complete -- "$@") | tail -n +2 | cut -f1 | sort -u
}

sorted() { tr ' ' '\n' | sed '/^$/d' | sort -u; }

@test "help --complete: a first line for the shell, then candidates with descriptions" {
	run ipctool help --complete -- ipctool send --fr
	assert_success
	assert_line --index 0 "-"
	assert_line --index 1 --regexp $'^--framing\t[a-z]'
	[ "${#lines[@]}" -eq 2 ]
	run ipctool help --complete -- ipctool serve unix:/s ''
	assert_output "commands"
	run ipctool help --complete -- ipctool recv --dead-letter ''
	assert_output "files"
	run ipctool help --complete
	assert_failure 2
	# Not in the usage: the interface is the completions'.
	run ipctool help --help
	refute_output --partial complete
}

@test "bash: ipctool <TAB> offers every command of the table" {
	run complete_bash "ipctool "
	assert_success
	assert_output "$(ipctool help --commands | sort)"
	run complete_bash "ipctool s"
	assert_success
	assert_output "$(ipctool help --commands | grep '^s' | sort)"
	run complete_bash "ipctool -"
	assert_output "$(sorted <<<"-h --help -V --version")"
}

@test "bash: an object command's verbs, from its verb table" {
	local c
	for c in shm mq fifo sem signal; do
		run complete_bash "ipctool $c "
		assert_success
		assert_output "$(ipctool help --verbs "$c" | sorted)"
	done
}

@test "bash: options come from the command's popt table, long and short" {
	run complete_bash "ipctool send --fr"
	assert_output "--framing"
	run complete_bash "ipctool send --"
	assert_success
	# Every long option --help shows, and nothing else.
	assert_output "$(ipctool send --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)"
	run complete_bash "ipctool shm attach -"
	assert_line "-w"
	assert_line "--hold"
	assert_line "--help"
	run complete_bash "ipctool mq ls --"
	assert_line "--list-columns"
	assert_line "--json"
}

@test "bash: ipctool-COMMAND completes as ipctool COMMAND" {
	local c expected
	for c in send recv ls shm; do
		expected=$(complete_bash "ipctool $c --")
		run complete_bash "ipctool-$c --"
		assert_success
		assert_output "$expected"
	done
	run complete_bash "ipctool-shm "
	assert_output "$(ipctool help --verbs shm | sorted)"
	run complete_bash "ipctool-send -F "
	assert_output "$(sorted <<<"line null chunk whole")"
}

@test "bash: the script registers ipctool and every ipctool-COMMAND link" {
	# Without ipctool on PATH: the names are the script's own list.
	run env PATH=/usr/bin:/bin bash -c "source '$COMPLETIONS/ipctool.bash'; complete -p"
	assert_success
	local c
	assert_line "complete -F _ipctool ipctool"
	for c in $(ipctool help --commands); do
		[ "$c" = help ] && continue
		assert_line "complete -F _ipctool ipctool-$c"
	done
}

@test "bash: bash-completion loads the script on demand under a link's name" {
	[ -r "$BASH_COMPLETION_SCRIPT" ] || skip "bash-completion is not installed"
	mkdir -p "$TEST_DIR/user/completions"
	ln -s "$COMPLETIONS/ipctool.bash" "$TEST_DIR/user/completions/ipctool-send"
	run env BASH_COMPLETION_USER_DIR="$TEST_DIR/user" bash -c "
		source '$BASH_COMPLETION_SCRIPT'
		__load_completion ipctool-send && complete -p ipctool-send"
	assert_success
	assert_output "complete -F _ipctool ipctool-send"
}

@test "bash: option values: framings, signals, columns, types, units" {
	run complete_bash "ipctool send -F "
	assert_output "$(sorted <<<"line null chunk whole")"
	run complete_bash "ipctool recv --framing=n"
	assert_output "null"
	run complete_bash "ipctool ls -o "
	assert_output "$(ipctool ls --list-columns | awk '{ print $1 }' | sort -u)"
	run complete_bash "ipctool ls -o NAME,K"
	assert_output "$(sorted <<<"NAME,KEY NAME,KIND")"
	run complete_bash "ipctool shm ls -o "
	assert_output "$(ipctool shm ls --list-columns | awk '{ print $1 }' | sort -u)"
	run complete_bash "ipctool recv -t 5"
	assert_output "$(sorted <<<"5 5ms 5s 5m 5h" | sed '/^5$/d')"
	run complete_bash "ipctool bench -s 1K,4"
	assert_output "$(sorted <<<"1K,4K 1K,4M 1K,4G")"
	# A number: nothing, certainly no file names.
	run complete_bash "ipctool send -c "
	assert_success
	assert_output ""
	run complete_bash "ipctool sem create /x --value "
	assert_output ""
}

# The names a usage error says a value may be ("expected a, b or c; or
# ipcrm's d, e"), one a line: completion must offer each of them.
expected_names() {
	{ "$@" 2>&1 >/dev/null || true; } | sed -n "1s/.*(expected \(.*\))\$/\1/p" |
		sed "s/; or ipcrm's and lsipc's /, /; s/; or ipcrm's /, /; s/ or /, /g" | tr ',' '\n' | tr -d ' ' | sed '/^$/d'
}

@test "bash: ls -t and rm --all offer exactly what the commands accept" {
	local t names
	run complete_bash "ipctool ls -t "
	assert_success
	[ "${#lines[@]}" -ge 8 ]
	for t in "${lines[@]}"; do
		ipctool ls -t "$t" -n >/dev/null
	done
	names=$(expected_names ipctool ls -t no-such-type)
	[ "$(wc -l <<<"$names")" -ge 8 ]
	for t in $names; do
		assert_line "$t"
	done
	run complete_bash "ipctool ls -t mq,s"
	names="mq,sem mq,shm mq,socket mq,sysv mq,shmem mq,shmems mq,semaphore mq,semaphores"
	assert_output "$(sorted <<<"$names")"
	run complete_bash "ipctool rm --all="
	assert_success
	[ "${#lines[@]}" -ge 5 ]
	local offered=("${lines[@]}")
	for t in "${offered[@]}"; do
		# Taken as a kind: not a usage error (2). The dry run may still
		# fail (1) on an object another test removes meanwhile.
		run ipctool rm --all="$t" --dry-run
		[ "$status" -ne 2 ]
		refute_output --partial "usage:"
	done
	names=$(expected_names ipctool rm --all=no-such-kind --dry-run)
	[ "$(wc -l <<<"$names")" -ge 8 ]
	run complete_bash "ipctool rm --all="
	for t in $names; do
		assert_line "$t"
	done
}

@test "bash: ls --time-format offers exactly what ls accepts" {
	local f names
	run complete_bash "ipctool ls --time-format "
	assert_success
	[ "${#lines[@]}" -ge 3 ]
	local offered=("${lines[@]}")
	for f in "${offered[@]}"; do
		run ipctool ls --time-format "$f" -n -o CTIME
		[ "$status" -ne 2 ]
		refute_output --partial "usage:"
	done
	names=$(expected_names ipctool ls --time-format no-such-format)
	[ "$(wc -l <<<"$names")" -ge 3 ]
	run complete_bash "ipctool ls --time-format "
	for f in $names; do
		assert_line "$f"
	done
	run complete_bash "ipctool ls --time-format=f"
	assert_output "full"
}

@test "bash: signal names after signal send PID and signal wait" {
	local names
	names=$(ipctool signal list -n -o NAME | grep -v '+' | sed 's/^SIG//' | sort -u)
	run complete_bash "ipctool signal wait "
	assert_success
	assert_output "$names"
	run complete_bash "ipctool signal send $$ US"
	assert_output "$(sorted <<<"USR1 USR2")"
	run complete_bash "ipctool signal send $$ SIGTE"
	assert_output "SIGTERM"
	run complete_bash "ipctool signal wait -c 2 usr"
	assert_output "$(sorted <<<"usr1 usr2")"
	run complete_bash "ipctool signal wait RTMIN+1"
	assert_line "RTMIN+1"
	assert_line "RTMIN+10"
}

@test "bash: endpoint schemes come from the transport table" {
	local schemes
	schemes=$(ipctool help --endpoints | cut -d' ' -f1 | sed 's/:.*/:/' | sort -u)
	[ "$(wc -l <<<"$schemes")" -ge 9 ]
	run complete_bash "ipctool recv "
	assert_success
	assert_output "$schemes"
	run complete_bash "ipctool relay - "
	assert_output "$schemes"
	run complete_bash "ipctool send un"
	assert_output "$(sorted <<<"unix: unix-dgram: unix-seqpacket:")"
	# Messages after ENDPOINT: nothing to offer.
	run complete_bash "ipctool send - "
	assert_output ""
	# bench: mechanisms and endpoints.
	run complete_bash "ipctool bench "
	assert_output "$(sort -u <(ipctool bench --list | cut -d' ' -f1) <(echo "$schemes"))"
}

@test "bash: rm mq:/ lists an existing queue, and no files" {
	[ -d /dev/mqueue ] || skip "no /dev/mqueue"
	local q
	q=$(uniq_name q)
	ipctool mq create "/$q" --msgsize 1K --maxmsg 10
	OBJECTS="mq:/$q"
	# bash replaces what follows the ':', so the reply is the rest.
	run complete_bash "ipctool rm mq:/$q"
	assert_success
	assert_output "/$q"
	run complete_bash "ipctool rm mq:/"
	assert_line "/$q"
	refute_line --partial "a-plain-file"
	run complete_bash "ipctool recv mq:/${q:0:6}"
	assert_line "/$q"
	run complete_bash "ipctool mq info /${q:0:6}"
	assert_line "/$q"
	refute_line --partial "a-plain-file"
	run complete_bash "ipctool rm "
	assert_output "$(sorted <<<"mq: shm: sem: fifo: unix:")"
	# create names a new queue.
	run complete_bash "ipctool mq create /${q:0:6}"
	assert_success
	assert_output ""
}

@test "bash: shm and sem verbs list the segments and semaphores that exist" {
	local s m
	s=$(uniq_name s)
	m=$(uniq_name m)
	ipctool shm create "/$s" -s 4K
	ipctool sem create "/$m"
	OBJECTS="shm:/$s sem:/$m"
	run complete_bash "ipctool shm rm /$s"
	assert_output "/$s"
	run complete_bash "ipctool sem get /$m"
	assert_output "/$m"
	run complete_bash "ipctool rm sem:/$m"
	assert_output "/$m"
	# A semaphore is no segment.
	run complete_bash "ipctool shm info /$m"
	assert_output ""
	run complete_bash "ipctool send shm:/$s"
	assert_output "/$s"
}

@test "bash: fifo: and unix: offer FIFOs, sockets and directories, not other files" {
	mkdir "$TEST_DIR/cwd/sub"
	mkfifo "$TEST_DIR/cwd/pipe1"
	# A socket file nobody listens on (bound, then closed).
	python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" \
		"$TEST_DIR/cwd/sock1" 2>/dev/null || true
	run complete_bash "ipctool recv fifo:"
	assert_success
	assert_output "$(sorted <<<"pipe1 sub/")"
	run complete_bash "ipctool recv fifo:$TEST_DIR/cwd/p"
	assert_output "$TEST_DIR/cwd/pipe1"
	run complete_bash "ipctool fifo info "
	assert_output "$(sorted <<<"pipe1 sub/")"
	run complete_bash "ipctool rm fifo:"
	assert_output "$(sorted <<<"pipe1 sub/")"
	if [ -S "$TEST_DIR/cwd/sock1" ]; then
		run complete_bash "ipctool send unix:"
		assert_output "$(sorted <<<"sock1 sub/")"
	fi
	# A new FIFO's name: the shell's file names.
	run complete_bash "ipctool fifo create a-"
	assert_output "a-plain-file"
}

@test "bash: serve's COMMAND and its arguments are the shell's, not ipctool's options" {
	run complete_bash "ipctool serve unix:/x bas"
	assert_line "bash"
	run complete_bash "ipctool serve unix:/x wc --"
	assert_success
	[[ $output != *--framing* ]]
	run complete_bash "ipctool serve -"
	assert_line "--jobs"
	run complete_bash "ipctool sem run /x -- bas"
	assert_line "bash"
	run complete_bash "ipctool recv --dead-letter a-"
	assert_output "a-plain-file"
}

@test "bash: help completes commands, and --verbs the object commands" {
	run complete_bash "ipctool help "
	assert_output "$(ipctool help --commands | sort)"
	run complete_bash "ipctool help --verbs "
	assert_output "$(sorted <<<"mq shm fifo sem signal")"
}

@test "zsh: #compdef names ipctool and every link; the script hands ipctool the words" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	local c first
	first=$(head -1 "$COMPLETIONS/ipctool.zsh")
	for c in $(ipctool help --commands); do
		[ "$c" = help ] && continue
		[[ " $first " == *" ipctool-$c "* ]]
	done
	[[ "$first" == "#compdef ipctool "* ]]
	# _describe, _files and _command_names stubbed: what the script passes them.
	run zsh -f -c '
		_describe() { local a=$4; print -r -- "${(j: :)${(P)a}}${5:+ ${@:5}}"; }
		_files() { print files; }
		_command_names() { print commands; }
		words=(ipctool-send -F ""); CURRENT=3; PREFIX=""
		source "$1/ipctool.zsh"
		words=(ipctool recv fif); CURRENT=3; PREFIX=fif
		source "$1/ipctool.zsh"
		words=(ipctool send --fr); CURRENT=3; PREFIX=--fr
		source "$1/ipctool.zsh"
		words=(ipctool serve unix:/x w); CURRENT=4; PREFIX=w
		source "$1/ipctool.zsh"' _ "$COMPLETIONS"
	assert_success
	assert_line --index 0 "line null chunk whole"
	assert_line --index 1 'fifo\::a named pipe -S '
	assert_line --index 2 --regexp '^--framing:how input is cut'
	assert_line --index 3 "commands"
}

@test "fish: complete -C offers what ipctool prints, for ipctool and its links" {
	command -v fish >/dev/null || skip "fish is not installed"
	run fish -c "source '$COMPLETIONS/ipctool.fish'
		complete -C 'ipctool send --fr'
		echo ==
		complete -C 'ipctool-send -F '
		echo ==
		complete -C 'ipctool s'"
	assert_success
	assert_line --index 0 --regexp $'^--framing\thow input'
	assert_line --index 1 "=="
	assert_line --index 2 "chunk"
	assert_line --index 5 "whole"
	assert_line --index 6 "=="
	[ "$(printf '%s\n' "${lines[@]:7}" | cut -f1 | sort | tr '\n' ' ')" = \
		"$(ipctool help --commands | grep '^s' | sort | tr '\n' ' ')" ]
}

@test "fish: the script registers ipctool and every ipctool-COMMAND link" {
	command -v fish >/dev/null || skip "fish is not installed"
	# Without ipctool on PATH: the names are the script's own list.
	run env PATH=/usr/bin:/bin fish -c "source '$COMPLETIONS/ipctool.fish'; complete"
	assert_success
	local c
	assert_line --partial "complete --no-files ipctool "
	for c in $(ipctool help --commands); do
		[ "$c" = help ] && continue
		assert_line --partial "complete --no-files ipctool-$c "
	done
}

@test "bash: unix:@ offers the abstract sockets someone listens on" {
	local n i
	n=$(uniq_name a)
	bg ipctool recv -t 20 "unix:@$n"
	for i in $(seq 1000); do
		complete_raw ipctool send "unix:@$n" | grep -qx "unix:@$n" && break
		sleep 0.01
	done
	run complete_raw ipctool send "unix:@$n"
	assert_output "unix:@$n"
	# '@' breaks words in bash: the reply is what follows it. bash-completion
	# takes '@' out of COMP_WORDBREAKS: then it is what follows the ':'.
	run complete_bash_once plain "ipctool send unix:@$n"
	assert_output "$n"
	if [ -r "$BASH_COMPLETION_SCRIPT" ]; then
		run complete_bash_once bc "ipctool send unix:@$n"
		assert_output "@$n"
	fi
	run complete_bash "ipctool send unix-dgram:@$n"
	assert_output ""
}

@test "send and recv neither list nor complete the option the other takes alone" {
	# --dead-letter is for taking messages; --priority for sending them.
	run ipctool send --help
	assert_success
	refute_output --partial "--dead-letter"
	assert_output --partial "--priority"
	run ipctool recv --help
	assert_success
	refute_output --partial "--priority"
	assert_output --partial "--dead-letter"
	run complete_raw ipctool send --
	assert_line -- --priority
	refute_line -- --dead-letter
	run complete_raw ipctool recv --
	assert_line -- --dead-letter
	refute_line -- --priority
	run complete_raw ipctool relay --
	assert_line -- --dead-letter
	assert_line -- --priority
	# Still taken, so that their errors say why they do not apply.
	run ipctool send --dead-letter /tmp/x mq:/nothing-here
	assert_failure 2
	assert_output --partial "applies to recv and relay"
	run ipctool recv -p 1 mq:/nothing-here
	assert_failure 2
	assert_output --partial "recv takes every priority"
}
