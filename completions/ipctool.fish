# fish completion for ipctool. Commands, verbs, options and endpoint schemes
# come from ipctool itself (`help --commands`, `help --verbs CMD`, `CMD [VERB]
# --help`, `help --endpoints`), so they follow its command and transport tables.
# Used when ipctool cannot be run: the commands of this release.
set -g __ipctool_fallback_commands send recv relay call serve mq shm fifo sem signal ls rm bench help
# bench's mechanisms, when `ipctool bench --list` cannot be run.
set -g __ipctool_bench_mechs pipe fifo unix unix-dgram unix-seqpacket tcp udp mq sysvmq shm shm-spin eventfd signal sem sysvsem floor
# The endpoint schemes, when `ipctool help --endpoints` cannot be run.
set -g __ipctool_fallback_endpoints - fifo: unix: unix-dgram: unix-seqpacket: tcp: udp: mq: shm:

# The schemes of the transport table: "unix:PATH, unix:@NAME ..." gives "unix:".
function __ipctool_endpoint_kinds
    set -l k (ipctool help --endpoints 2>/dev/null | string replace -r ' .*' '' | string replace -r ':.*' ':' | uniq)
    or set k $__ipctool_fallback_endpoints
    test (count $k) -gt 0; or set k $__ipctool_fallback_endpoints
    printf '%s\n' $k
end

function __ipctool_bench_mechs
    set -l m (ipctool bench --list 2>/dev/null | string replace -r ' .*' '')
    or set m $__ipctool_bench_mechs
    printf '%s\n' $m
end

function __ipctool_is_bench
    set -l w (__ipctool_words)
    test (count $w) -ge 2; and test $w[2] = bench
end

function __ipctool_commands
    set -l cmds (ipctool help --commands 2>/dev/null)
    or set cmds $__ipctool_fallback_commands
    printf '%s\n' $cmds
end

function __ipctool_words
    commandline -opc
end

function __ipctool_needs_verb
    set -l w (__ipctool_words)
    test (count $w) -eq 2; and test -n "(ipctool help --verbs $w[2] 2>/dev/null)"
end

function __ipctool_verbs
    set -l w (__ipctool_words)
    string split ' ' -- (ipctool help --verbs $w[2] 2>/dev/null)
end

function __ipctool_options
    set -l w (__ipctool_words)
    set -l verb
    if test (count $w) -ge 3; and test -n "(ipctool help --verbs $w[2] 2>/dev/null)"
        set verb $w[3]
    end
    ipctool $w[2] $verb --help 2>/dev/null | string match -r -a -g -- '(--[a-z][a-z0-9-]*)' | sort -u
end

function __ipctool_takes_endpoint
    set -l w (__ipctool_words)
    test (count $w) -ge 2; and contains -- $w[2] send recv relay call serve bench
end

complete -c ipctool -f
complete -c ipctool -n __fish_use_subcommand -a '(__ipctool_commands)'
complete -c ipctool -n __fish_use_subcommand -l help -s h -d 'show help'
complete -c ipctool -n __fish_use_subcommand -l version -s V -d 'show the version'
complete -c ipctool -n __ipctool_needs_verb -a '(__ipctool_verbs)'
complete -c ipctool -n 'not __fish_use_subcommand; and string match -q -- "-*" (commandline -ct)' -a '(__ipctool_options)'
complete -c ipctool -n __ipctool_takes_endpoint -a '(__ipctool_endpoint_kinds)'
complete -c ipctool -n __ipctool_is_bench -a '(__ipctool_bench_mechs)' -d mechanism
complete -c ipctool -n __ipctool_takes_endpoint -l framing -s F -x -a 'line null chunk whole'
complete -c ipctool -n __ipctool_takes_endpoint -l allow-uid -x -a '(__fish_complete_users)' -d 'also take these users (unix:)'
complete -c ipctool -n __ipctool_takes_endpoint -l allow-gid -x -a '(__fish_complete_groups)' -d 'also take these groups (unix:)'
complete -c ipctool -n __ipctool_takes_endpoint -l dead-letter -r -F -d 'where a message that cannot be put back goes'
# serve: after ENDPOINT, the COMMAND to run per connection.
function __ipctool_serve_wants_command
    set -l w (__ipctool_words)
    test (count $w) -ge 3; and test "$w[2]" = serve
    or return 1
    set -l args (string match -v -- '-*' $w[3..-1])
    test (count $args) -eq 1
end
complete -c ipctool -n __ipctool_serve_wants_command -a '(__fish_complete_command)' -d command
complete -c ipctool -n '__fish_seen_subcommand_from serve' -s j -l jobs -x -d 'commands at once'
complete -c ipctool -n '__fish_seen_subcommand_from serve' -l per-uid -x -d 'commands at once per peer user (unix:)'
complete -c ipctool -n '__fish_seen_subcommand_from call' -s q -l quit-after -x -d 'wait after input ends'
