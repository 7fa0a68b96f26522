# bash completion for ipctool                                  -*- shell-script -*-
# Commands, verbs, options and endpoint schemes come from ipctool itself
# (`help --commands`, `help --verbs CMD`, `CMD [VERB] --help`, `help
# --endpoints`), so they follow its command and transport tables.
# Used when ipctool cannot be run: the commands of this release.
_ipctool_fallback_commands="send recv relay call serve mq shm fifo sem signal ls rm bench help"
# bench's mechanisms, when `ipctool bench --list` cannot be run.
_ipctool_bench_mechs="pipe fifo unix unix-dgram unix-seqpacket tcp udp mq sysvmq shm shm-spin eventfd signal sem sysvsem floor"

# The endpoint schemes, when `ipctool help --endpoints` cannot be run.
_ipctool_fallback_endpoints="- fifo: unix: unix-dgram: unix-seqpacket: tcp: udp: mq: shm:"

# The schemes of the transport table: "unix:PATH, unix:@NAME ..." gives "unix:".
_ipctool_endpoint_kinds() {
	local kinds
	kinds=$(ipctool help --endpoints 2>/dev/null | cut -d' ' -f1 | sed 's/:.*/:/' | uniq)
	echo "${kinds:-$_ipctool_fallback_endpoints}"
}

# Reply with words, after dropping what bash treats as already typed before
# the last ':' (':' is a word break in COMP_WORDBREAKS).
_ipctool_reply() {
	local cur=$1 w
	shift
	COMPREPLY=()
	for w in "$@"; do
		[[ $w == "$cur"* ]] || continue
		if [[ $COMP_WORDBREAKS == *:* && $cur == *:* ]]; then
			w=${w#"${cur%:*}:"}
		fi
		COMPREPLY+=("$w")
	done
}

_ipctool_endpoint() {
	local cur=$1 scheme rest
	case $cur in
	fifo:* | unix:* | unix-dgram:* | unix-seqpacket:*)
		scheme=${cur%%:*}
		rest=${cur#*:}
		[[ $rest == @* ]] && return
		local IFS=$'\n'
		_ipctool_reply "$cur" $(compgen -f -- "$rest" | sed "s|^|$scheme:|")
		;;
	mq:/*)
		_ipctool_reply "$cur" $(ls /dev/mqueue 2>/dev/null | sed 's|^|mq:/|')
		;;
	shm:/*)
		_ipctool_reply "$cur" $(ls /dev/shm 2>/dev/null | grep -v '^sem\.' | sed 's|^|shm:/|')
		;;
	*)
		_ipctool_reply "$cur" $(_ipctool_endpoint_kinds)
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *: ]] && compopt -o nospace 2>/dev/null
		;;
	esac
}

_ipctool() {
	local line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
	local cur=${line##*[[:space:]]}
	local -a words
	read -r -a words <<<"$line"
	[[ $line == *[[:space:]] ]] && words+=("")
	local cword=$((${#words[@]} - 1))
	local prev=${words[cword - 1]}
	local cmd=${words[1]} verb="" verbs cmds opts

	if [[ $cword -eq 1 ]]; then
		cmds=$(ipctool help --commands 2>/dev/null) || cmds=$_ipctool_fallback_commands
		_ipctool_reply "$cur" $cmds --help --version
		return
	fi
	verbs=$(ipctool help --verbs "$cmd" 2>/dev/null)
	if [[ -n $verbs ]]; then
		if [[ $cword -eq 2 ]]; then
			_ipctool_reply "$cur" $verbs --help
			return
		fi
		verb=${words[2]}
	fi
	if [[ $cur == -* ]]; then
		opts=$(ipctool "$cmd" $verb --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
		_ipctool_reply "$cur" $opts
		return
	fi
	case $prev in
	-F | --framing) _ipctool_reply "$cur" line null chunk whole; return ;;
	--allow-uid) COMPREPLY=($(compgen -u -- "${cur##*,}")); return ;;
	--allow-gid) COMPREPLY=($(compgen -g -- "${cur##*,}")); return ;;
	--dead-letter) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-t | --timeout | --wait | -s | --size | -c | --count | -b | --buffer | --mode | -p | --priority | --type) return ;;
	-n | -d | --duration | --warmup | --pin) return ;;
	-q | --quit-after | -j | --jobs | --grace | --per-uid) return ;;
	--maxmsg | --msgsize | --capacity) return ;;
	esac
	case $cmd in
	send | recv | relay | call) _ipctool_endpoint "$cur" ;;
	serve)
		# ENDPOINT, then COMMAND (a program name), then its arguments.
		local i nargs=0
		for ((i = 2; i < cword; i++)); do
			[[ ${words[i]} == -* || ${words[i - 1]} == @(-j|--jobs|--per-uid|--grace|--mode|--allow-uid|--allow-gid|--maxmsg|--msgsize|--capacity) ]] ||
				nargs=$((nargs + 1))
		done
		case $nargs in
		0) _ipctool_endpoint "$cur" ;;
		1) COMPREPLY=($(compgen -c -- "$cur")) ;;
		*) COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac
		;;
	bench)
		local mechs
		mechs=$(ipctool bench --list 2>/dev/null | cut -d' ' -f1) || mechs=$_ipctool_bench_mechs
		[[ -n $mechs ]] || mechs=$_ipctool_bench_mechs
		_ipctool_endpoint "$cur"
		local -a eps=("${COMPREPLY[@]}")
		_ipctool_reply "$cur" $mechs
		COMPREPLY+=("${eps[@]}")
		;;
	help) _ipctool_reply "$cur" $(ipctool help --commands 2>/dev/null) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}

complete -F _ipctool ipctool
