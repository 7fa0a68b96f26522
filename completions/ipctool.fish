# fish completion for ipctool and its ipctool-COMMAND links. The candidates
# come from ipctool itself: `ipctool help --complete -- WORD...` reads its
# command, verb, option and transport tables and the objects that exist
# (HACKING.md, "Completions"). For fish's loading by command name, this file
# is installed (or linked) as ipctool-COMMAND.fish too.

function __ipctool_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l bin ipctool
    if string match -q -- '*/ipctool' $words[1]; and test -x $words[1]
        set bin $words[1]
    end
    set -l lines ($bin help --complete -- $words 2>/dev/null)
    test (count $lines) -ge 1; or return
    # word<TAB>description, as fish takes it.
    for line in $lines[2..-1]
        printf '%s\n' $line
    end
    switch $lines[1]
        case files
            __fish_complete_path (commandline -ct)
        case commands
            __fish_complete_command
    end
end

# ipctool and its links, registered without running ipctool;
# tests/05-completion.bats checks this list against the command table.
for __ipctool_name in ipctool ipctool-send ipctool-recv ipctool-relay ipctool-call \
        ipctool-serve ipctool-mq ipctool-shm ipctool-fifo ipctool-sem ipctool-signal \
        ipctool-ls ipctool-rm ipctool-bench
    complete -c $__ipctool_name -f -a '(__ipctool_complete)'
end
set -e __ipctool_name
