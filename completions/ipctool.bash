# bash completion for ipctool and its ipctool-COMMAND links     -*- shell-script -*-
# The candidates come from ipctool itself: `ipctool help --complete -- WORD...`
# reads its command, verb, option and transport tables and the objects that
# exist (HACKING.md, "Completions"). This file hands it the words typed and
# fills COMPREPLY; for bash-completion's on-demand loading it is installed
# (or linked) once per name it registers below.

# The binary to ask: the one typed when it is a path to ipctool, else $PATH's.
_ipctool_bin() {
	if [[ $1 == */ipctool && -x $1 ]]; then
		printf '%s\n' "$1"
	else
		printf '%s\n' ipctool
	fi
}

_ipctool() {
	local line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
	local -a words lines
	local cur strip c action
	# Split as the shell will (backslash escapes kept together), but not at
	# ':' or '=' as COMP_WORDS is: ipctool wants mq:/q and --framing=line whole.
	read -a words <<<"$line"
	[[ -z $line || $line == *[[:space:]] ]] && words+=("")
	cur=${words[${#words[@]} - 1]}
	mapfile -t lines < <("$(_ipctool_bin "${words[0]}")" help --complete -- "${words[@]}" 2>/dev/null)
	COMPREPLY=()
	[[ ${#lines[@]} -gt 0 ]] || return 0
	action=${lines[0]}
	# readline replaces only what follows the word's last break character
	# (':', '=', '@' of COMP_WORDBREAKS).
	local breaks=${COMP_WORDBREAKS//[[:space:]\"\']/}
	strip=
	[[ -n $breaks && $cur == *["$breaks"]* ]] && strip=${cur%"${cur##*["$breaks"]}"}
	for c in "${lines[@]:1}"; do
		c=${c%%$'\t'*}
		c=${c#"$strip"}
		[[ $c == *[[:space:]\'\"\\\$\`\(\)\<\>\;\&\|]* ]] && printf -v c %q "$c"
		COMPREPLY+=("$c")
	done
	case $action in
	files)
		compopt -o filenames 2>/dev/null
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "${cur#"$strip"}")
		;;
	commands)
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -c -- "${cur#"$strip"}")
		;;
	esac
	# fifo:, --wait=, a directory or a list: the word goes on.
	if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *[:/=,] ]]; then
		compopt -o nospace 2>/dev/null
	fi
	return 0
}

# ipctool and its links, registered without running ipctool (at shell start
# it may not be on PATH yet); tests/05-completion.bats checks this list
# against the command table (`ipctool help --commands`).
complete -F _ipctool ipctool ipctool-send ipctool-recv ipctool-relay ipctool-call \
	ipctool-serve ipctool-mq ipctool-shm ipctool-fifo ipctool-sem ipctool-signal ipctool-ls \
	ipctool-rm ipctool-bench
