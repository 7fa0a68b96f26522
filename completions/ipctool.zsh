#compdef ipctool
# zsh completion for ipctool. Commands, verbs, options and endpoint schemes
# come from ipctool itself (`help --commands`, `help --verbs CMD`, `CMD [VERB]
# --help`, `help --endpoints`), so they follow its command and transport tables.
# Used when ipctool cannot be run: the commands of this release.
_ipctool_fallback_commands=(send recv relay call serve mq shm fifo sem signal ls rm bench help)
# bench's mechanisms, when `ipctool bench --list` cannot be run.
_ipctool_bench_mechs=(pipe fifo unix unix-dgram unix-seqpacket tcp udp mq sysvmq shm shm-spin eventfd signal sem sysvsem floor)

# The endpoint schemes, when `ipctool help --endpoints` cannot be run.
_ipctool_fallback_endpoints=('-' 'fifo:' 'unix:' 'unix-dgram:' 'unix-seqpacket:' 'tcp:' 'udp:' 'mq:' 'shm:')

_ipctool_endpoint() {
	local -a kinds
	# The schemes of the transport table: "unix:PATH, unix:@NAME ..." gives "unix:".
	kinds=(${(u)${(f)"$(ipctool help --endpoints 2>/dev/null | cut -d' ' -f1 | sed 's/:.*/:/')"}})
	(( ${#kinds} )) || kinds=($_ipctool_fallback_endpoints)
	case $PREFIX in
	(fifo:*|unix:*|unix-dgram:*|unix-seqpacket:*)
		compset -P '*:'
		_files
		;;
	(mq:/*)
		compset -P 'mq:/'
		compadd -- ${(f)"$(ls /dev/mqueue 2>/dev/null)"}
		;;
	(*)
		compadd -S '' -- $kinds
		;;
	esac
}

_ipctool() {
	local -a cmds verbs opts
	local cmd verb
	if (( CURRENT == 2 )); then
		cmds=(${(f)"$(ipctool help --commands 2>/dev/null)"})
		(( ${#cmds} )) || cmds=($_ipctool_fallback_commands)
		compadd -- $cmds --help --version
		return
	fi
	cmd=$words[2]
	verbs=(${=${(f)"$(ipctool help --verbs $cmd 2>/dev/null)"}})
	if (( ${#verbs} )); then
		if (( CURRENT == 3 )); then
			compadd -- $verbs
			return
		fi
		verb=$words[3]
	fi
	if [[ $PREFIX == -* ]]; then
		opts=(${(f)"$(ipctool $cmd $verb --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)"})
		compadd -- $opts
		return
	fi
	case $words[CURRENT-1] in
	(-F|--framing) compadd line null chunk whole; return ;;
	(--allow-uid) _users; return ;;
	(--allow-gid) _groups; return ;;
	(--dead-letter) _files; return ;;
	esac
	case $cmd in
	(send|recv|relay|call) _ipctool_endpoint ;;
	(serve)
		# ENDPOINT, then COMMAND and its arguments.
		local -a args
		args=(${${words[3,CURRENT-1]}:#-*})
		if (( ${#args} == 0 )); then
			_ipctool_endpoint
		elif (( ${#args} == 1 )); then
			_command_names -e
		else
			_files
		fi
		;;
	(bench)
		local -a mechs
		mechs=(${${(f)"$(ipctool bench --list 2>/dev/null)"}%% *})
		(( ${#mechs} )) || mechs=($_ipctool_bench_mechs)
		compadd -- $mechs
		_ipctool_endpoint
		;;
	(help) compadd -- ${(f)"$(ipctool help --commands 2>/dev/null)"} ;;
	(*) _files ;;
	esac
}

_ipctool "$@"
