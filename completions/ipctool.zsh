#compdef ipctool ipctool-send ipctool-recv ipctool-relay ipctool-call ipctool-serve ipctool-mq ipctool-shm ipctool-fifo ipctool-sem ipctool-signal ipctool-ls ipctool-rm ipctool-bench
# zsh completion for ipctool and its ipctool-COMMAND links. The candidates
# come from ipctool itself: `ipctool help --complete -- WORD...` reads its
# command, verb, option and transport tables and the objects that exist
# (HACKING.md, "Completions"). The #compdef line names every command of the
# table (tests/05-completion.bats checks it).

_ipctool() {
	local bin=ipctool action line word
	local -a lines goes_on ends
	[[ $words[1] == */ipctool && -x $words[1] ]] && bin=$words[1]
	lines=("${(@f)$($bin help --complete -- "${(@)words[1,CURRENT-1]}" "$PREFIX" 2>/dev/null)}")
	action=$lines[1]
	# word<TAB>description, as _describe takes it (word:description).
	for line in "${(@)lines[2,-1]}"; do
		[[ -n $line ]] || continue
		word=${line%%$'\t'*}
		word=${word//:/\\:}
		[[ $line == *$'\t'* ]] && word+=:${line#*$'\t'}
		# fifo:, a directory or a list: the word goes on.
		if [[ ${line%%$'\t'*} == *[:/=,] ]]; then
			goes_on+=("$word")
		else
			ends+=("$word")
		fi
	done
	(( $#ends )) && _describe -t ipctool 'ipctool' ends
	(( $#goes_on )) && _describe -t ipctool 'ipctool' goes_on -S ''
	case $action in
	(files) _files ;;
	(commands) _command_names -e ;;
	esac
	return 0
}

_ipctool "$@"
