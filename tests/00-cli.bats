#!/usr/bin/env bats
# The command table, dispatch, help and the conventions every command shares.

load helpers

@test "ipctool --help lists every command of the table and exits 0" {
	run ipctool --help
	assert_success
	assert_output --partial "usage: ipctool"
	for c in $(ipctool help --commands); do
		assert_output --regexp "  $c +[a-z]"
	done
}

@test "ipctool without a command prints usage on stderr and exits 2" {
	run --separate-stderr ipctool
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"usage: ipctool"* ]]
}

@test "--version prints the name and the version of the file VERSION" {
	local v
	v=$(sed 's/\./\\./g' "$BATS_TEST_DIRNAME/../VERSION")
	run ipctool --version
	assert_success
	# A development build adds N.gHASH (N commits after the tag vVERSION),
	# or gHASH when there is no such tag yet, and .dirty; at the tag itself
	# with uncommitted changes, just dirty (scripts/version).
	assert_output --regexp "^ipctool $v(\+(([0-9]+\.)?g[0-9a-f]+(\.dirty)?|dirty))?\$"
	run ipctool -V
	assert_output --regexp "^ipctool $v(\+(([0-9]+\.)?g[0-9a-f]+(\.dirty)?|dirty))?\$"
}

@test "VERSION is a semantic version; NEWS and debian/changelog begin with it; LICENSE is there" {
	local top=$BATS_TEST_DIRNAME/.. v
	v=$(cat "$top/VERSION")
	[[ "$v" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]
	run grep -m1 '^## ' "$top/NEWS"
	assert_output --regexp "^## $(sed 's/\./\\./g' <<<"$v") "
	run head -1 "$top/debian/changelog"
	assert_output --regexp "^ipctool \($(sed 's/\./\\./g' <<<"$v")\) "
	assert_file_exists "$top/LICENSE"
}

@test "an unknown command exits 2 with a hint on stderr" {
	run --separate-stderr ipctool sned
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"'sned' is not an ipctool command"* ]]
	[[ "$stderr" == *"ipctool help"* ]]
}

@test "command names match exactly, not by prefix" {
	run ipctool se unix:/nonexistent
	assert_failure 2
	assert_output --partial "'se' is not an ipctool command"
}

@test "an option before the command is refused with exit 2" {
	run ipctool --bogus send -
	assert_failure 2
	assert_output --partial "'--bogus' is not an option"
}

@test "every command has --help on stdout with exit 0, and help COMMAND shows the same" {
	for c in $(ipctool help --commands); do
		run ipctool "$c" --help
		assert_success
		assert_output --regexp "^[Uu]sage: ipctool $c"
		expected=$output
		run ipctool help "$c"
		assert_success
		assert_output "$expected"
	done
}

@test "help for an unknown command exits 2" {
	run ipctool help nosuch
	assert_failure 2
	assert_output --partial "'nosuch' is not an ipctool command"
}

@test "an unknown option exits 2 naming it and the usage line" {
	run ipctool recv --no-such-option -
	assert_failure 2
	assert_output --partial "--no-such-option: unknown option"
	assert_output --partial "usage: ipctool recv [OPTIONS] ENDPOINT"
}

@test "run through a link named ipctool-COMMAND, the binary runs that command" {
	ln -s "$IPCTOOL" "$TEST_DIR/ipctool-send"
	ln -s "$IPCTOOL" "$TEST_DIR/ipctool-recv"
	run bash -c "'$TEST_DIR/ipctool-send' - alpha beta | '$TEST_DIR/ipctool-recv' -"
	assert_success
	assert_output $'alpha\nbeta'
	ln -s "$IPCTOOL" "$TEST_DIR/ipctool-nosuch"
	run "$TEST_DIR/ipctool-nosuch"
	assert_failure 2
}

@test "bad option values exit 2 quoting the value and saying what was expected" {
	run ipctool recv -t soon -
	assert_failure 2
	assert_output --partial "--timeout: 'soon' is not a duration"
	run ipctool recv -b 1K -
	assert_failure 2
	assert_output --partial "--buffer: '1K' is too small (at least 128K)"
	run ipctool call -b 2G unix:/nonexistent
	assert_failure 2
	assert_output --partial "--buffer: '2G' is too large (at most 1G)"
	run ipctool send -b -1M -
	assert_failure 2
	assert_output --partial "--buffer: '-1M' is not a size"
	run ipctool send --count 0 -
	assert_failure 2
	assert_output --partial "--count: '0' is too small"
	run ipctool send --framing lines -
	assert_failure 2
	assert_output --partial "'lines' is not a framing"
	run ipctool recv --mode 0999 --create fifo:"$TEST_DIR/f"
	assert_failure 2
	assert_output --partial "--mode: '0999' is not a mode"
}

@test "a write error on stdout exits 1 with a message" {
	run bash -c "echo hello | '$IPCTOOL' recv - > /dev/full"
	assert_failure 1
	assert_output --partial "cannot write to standard output: No space left on device"
	run bash -c "'$IPCTOOL' help > /dev/full"
	assert_failure 1
	assert_output --partial "error writing standard output"
}

@test "help --endpoints prints one line per transport; the usage lists the same forms" {
	run ipctool help --endpoints
	assert_success
	assert_line --regexp '^- +stream +[a-z]'
	assert_line --regexp '^unix:PATH, unix:@NAME +stream +[a-z]'
	assert_line --regexp '^unix-dgram:PATH +message +[a-z]'
	assert_line --regexp '^shm:OBJECT +message +[a-z]'
	# Both queue families: POSIX and System V.
	[ "$(grep -c '^mq:OBJECT  *message ' <<<"$output")" -eq 2 ]
	# Every line: forms, stream or message, a summary.
	run bash -c "'$IPCTOOL' help --endpoints | grep -cvE '^[-a-z].* (stream|message) +[a-zA-Z]'"
	assert_output 0
	# ipctool --help names every form, each once.
	local forms usage
	forms=$(ipctool help --endpoints | sed -E 's/ +(stream|message) .*//' | uniq | paste -sd, | sed -E 's/, ?/, /g')
	usage=$(ipctool --help | sed -n '/^Endpoints:/,/^Objects:/p' | sed '$d' | tr '\n' ' ' |
		sed -E 's/^Endpoints: +//; s/ +/ /g; s/ $//')
	[ "$usage" = "$forms" ]
}

# What the completions offer: tests/05-completion.bats.
@test "zsh and fish completions are valid scripts" {
	if command -v zsh >/dev/null; then
		zsh -n "$BATS_TEST_DIRNAME/../completions/ipctool.zsh"
	fi
	if command -v fish >/dev/null; then
		fish -n "$BATS_TEST_DIRNAME/../completions/ipctool.fish"
	fi
	bash -n "$BATS_TEST_DIRNAME/../completions/ipctool.bash"
}

@test "every command has a man page and ipctool(1) lists it" {
	local man=$BATS_TEST_DIRNAME/../man
	for c in $(ipctool help --commands); do
		[ "$c" = help ] && continue
		assert_file_exists "$man/ipctool-$c.1"
		grep -q "^\.Xr ipctool-$c 1" "$man/ipctool.1"
	done
}

@test "make install puts the binary, a link per command, man pages and completions under DESTDIR" {
	local d=$TEST_DIR/dest c m
	run make -s -C "$BATS_TEST_DIRNAME/.." install DESTDIR="$d" PREFIX=/usr
	assert_success
	assert_file_executable "$d/usr/bin/ipctool"
	for c in $(ipctool help --commands); do
		[ "$c" = help ] && continue
		assert_link_exists "$d/usr/bin/ipctool-$c"
		assert_file_exists "$d/usr/share/man/man1/ipctool-$c.1"
		# bash-completion looks a command's completion up by its name.
		assert_link_exists "$d/usr/share/bash-completion/completions/ipctool-$c"
		[ "$(readlink "$d/usr/share/bash-completion/completions/ipctool-$c")" = ipctool ]
		[ "$(readlink "$d/usr/share/fish/vendor_completions.d/ipctool-$c.fish")" = ipctool.fish ]
	done
	assert_not_exist "$d/usr/bin/ipctool-help"
	assert_not_exist "$d/usr/share/bash-completion/completions/ipctool-help"
	assert_file_exists "$d/usr/share/man/man7/ipctool-endpoints.7"
	assert_file_exists "$d/usr/share/bash-completion/completions/ipctool"
	assert_file_exists "$d/usr/share/zsh/vendor-completions/_ipctool"
	assert_file_exists "$d/usr/share/fish/vendor_completions.d/ipctool.fish"
	run "$d/usr/bin/ipctool-recv" --help
	assert_success
	assert_output --partial "Usage: ipctool recv"
	# Every page names the installed binary's version and a date, and lints clean.
	local version
	version=$("$d/usr/bin/ipctool" --version)
	for m in "$d"/usr/share/man/man[17]/*; do
		[ "$(sed -n 3p "$m")" = ".Os $version" ]
		grep -qE '^\.Dd [A-Z][a-z]+ [0-9]{1,2}, [0-9]{4}$' "$m"
		if command -v mandoc >/dev/null; then
			run mandoc -Tlint -Wwarning "$m"
			assert_output ""
		fi
	done
	run make -s -C "$BATS_TEST_DIRNAME/.." uninstall DESTDIR="$d" PREFIX=/usr
	assert_success
	run find "$d" ! -type d
	assert_output ""
}

@test "make dist: a tarball of every tracked file and the version baked in, no .git" {
	local top=$BATS_TEST_DIRNAME/.. v
	[ -e "$top/.git" ] || skip "not a git checkout (make dist needs one)"
	command -v git >/dev/null || skip "no git"
	v=$(cat "$top/VERSION")
	run make -s -C "$top" dist DIST_DIR="$TEST_DIR"
	assert_success
	assert_file_exists "$TEST_DIR/ipctool-$v.tar.gz"
	tar -xzf "$TEST_DIR/ipctool-$v.tar.gz" -C "$TEST_DIR"
	local d=$TEST_DIR/ipctool-$v
	assert_not_exist "$d/.git"
	local in_tarball
	in_tarball=$(cd "$d" && find . -type f -o -type l | sed 's|^\./||' | grep -vx .tarball-version)
	[ "$(sort <<<"$in_tarball")" = "$(git -C "$top" ls-tree -r --name-only HEAD | sort)" ]
	# The version it builds as: the checkout's, without .dirty (HEAD is what went in).
	[ "$(cd "$d" && scripts/version)" = "$(cd "$top" && scripts/version --committed)" ]
	run make -s -C "$d" print-version
	assert_output "$(cd "$top" && scripts/version --committed)"
}

@test "the Makefile reads the command table as ipctool help --commands prints it" {
	# make install and uninstall link ipctool-COMMAND without running the binary.
	run make -s -C "$BATS_TEST_DIRNAME/.." print-commands
	assert_success
	[ "$output" = "$(ipctool help --commands)" ]
}

# Short options (HACKING.md, "Short options").

@test "short options: HACKING.md lists every letter that means more than one thing" {
	local hacking=$BATS_TEST_DIRNAME/../HACKING.md section letter long
	section=$(sed -n '/^## Short options/,/^## /p' "$hacking")
	run "$BATS_TEST_DIRNAME/../scripts/option-table" --clashes "$IPCTOOL"
	assert_success
	[ "${#lines[@]}" -ge 2 ]
	while IFS=$'\t' read -r letter long _; do
		[[ $section == *"\`$letter\`"* ]] || { echo "HACKING.md: $letter not listed"; false; }
		[[ $section == *"\`$long\`"* || $section == *"\`$long "* || $section == *"$long\`"* ]] ||
			{ echo "HACKING.md: $letter $long not listed"; false; }
	done <<<"$output"
}

@test "short options: the full table names every command's letters once per meaning" {
	run "$BATS_TEST_DIRNAME/../scripts/option-table" "$IPCTOOL"
	assert_success
	assert_line --regexp $'^-F\t--framing\tsend, recv, relay'
	assert_line --regexp $'^-c\t--count\t.*bench'
	refute_line --regexp $'^-n\t--count'
	refute_line --regexp $'^-o\t--offset'
}

@test "short options: bench -c is --count; -n, its old letter, still is" {
	run --separate-stderr ipctool bench pipe --latency -c 13 --warmup 0 -J
	assert_success
	echo "$output" | jq -e '.results[0].round_trip.samples == 13'
	run --separate-stderr ipctool bench pipe --latency -n 11 --warmup 0 -J
	assert_success
	echo "$output" | jq -e '.results[0].round_trip.samples == 11'
	run ipctool bench --help
	assert_line --regexp '^  -c, --count=COUNT'
	refute_line --regexp '^  -n,'
	run ipctool bench --list -c
	assert_failure 2
}

@test "short options: shm attach takes --offset and --length, and still -o and -l" {
	local s
	s=$(uniq_name s)
	ipctool shm create "/$s" -s 4K
	printf abcdefgh | ipctool shm attach "/$s" --write
	run ipctool shm attach "/$s" --offset 2 --length 3
	assert_output cde
	run ipctool shm attach "/$s" -o 3 -l 2
	assert_output de
	ipctool shm rm "/$s"
	run ipctool shm attach --help
	assert_line --regexp '^      --offset=N'
	assert_line --regexp '^      --length=N'
	refute_line --regexp '^  -o,'
	refute_line --regexp '^  -l,'
}

@test "short options: -m is --mode for every create verb" {
	local q s f
	q=$(uniq_name q)
	s=$(uniq_name s)
	f=$TEST_DIR/f
	if [ -d /dev/mqueue ]; then
		ipctool mq create "/$q" -m 0640 --msgsize 1K --maxmsg 10
		run ipctool mq info "/$q" -n -o PERMS
		ipctool mq rm "/$q"
		assert_output 0640
	fi
	ipctool shm create "/$s" -s 4K -m 0640
	run ipctool shm info "/$s" -n -o PERMS
	ipctool shm rm "/$s"
	assert_output 0640
	ipctool fifo create "$f" -m 0640
	[ "$(stat -c %a "$f")" = 640 ]
}
