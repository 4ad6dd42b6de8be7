# safeops: shell integration for fish 3.5+ (rendered by `safeops init fish`, src/shell/render.ts).
#
#   Load it from ~/.config/fish/config.fish:   safeops init fish | source
#   Escape hatch:             SAFEOPS_DISABLE=1 rm ...   runs the real command, without safeops.
#   State dir:                $SAFEOPS_STATE_DIR, else the first candidate holding a `prompt` file.
#
# Names: the guarded commands and prefix commands (src/contract.ts), sudo, and __safeops_* for
# everything else. The prompt hook forks nothing: it reads the state
# file with `read`, never sources or evaluates it, and prints escapes with the printf builtin.
# The segment leads the prompt: fish_prompt (and fish_title) are wrapped, not replaced.
# A role change redraws the prompt at once: the watcher sends SIGUSR1 to registered shells.

# Values baked in at render time: validated and quoted by render.ts, never taken from the file.
# Placeholders __SAFEOPS_*__ are filled from the options and from src/contract.ts, the one
# place the guarded tools, the roles and their words, and the prompt file's grammar are listed.
set -g __safeops_state_dirs __SAFEOPS_STATE_DIRS__
# A candidate starting with this is under $XDG_RUNTIME_DIR, expanded at each prompt (never for root).
set -g __safeops_xdg __SAFEOPS_XDG_PREFIX__
set -g __safeops_stale_after __SAFEOPS_STALE_AFTER__
set -g __safeops_want_prompt __SAFEOPS_PROMPT__
set -g __safeops_want_bg __SAFEOPS_BACKGROUND__
set -g __safeops_want_title __SAFEOPS_TITLE__
set -g __safeops_want_tmux __SAFEOPS_TMUX__
set -g __safeops_want_color __SAFEOPS_COLOR__
# A guarded tool's name as a word of its own (a basename, or inside an `sh -c` string): a regex.
set -g __safeops_guarded_re __SAFEOPS_GUARDED_RE__
# A bad byte in the state file (a regex): outside the label charset and the newlines between
# lines; then in one line.
set -g __safeops_bad_re __SAFEOPS_PROMPT_BAD_RE__
set -g __safeops_bad_line_re __SAFEOPS_PROMPT_BAD_LINE_RE__
# The prompt file's limits: bytes (the file is smaller), lines (`end` included), bytes a line,
# alert lines, heartbeat digits; and the roles it may name.
set -g __safeops_p_bytes __SAFEOPS_PROMPT_BYTES_MAX__
set -g __safeops_p_lines __SAFEOPS_PROMPT_LINES_MAX__
set -g __safeops_p_line __SAFEOPS_PROMPT_LINE_MAX__
set -g __safeops_p_alerts_max __SAFEOPS_PROMPT_ALERTS_MAX__
set -g __safeops_p_hb_digits __SAFEOPS_HEARTBEAT_DIGITS_MAX__
set -g __safeops_roles __SAFEOPS_ROLES__

set -g __safeops_segment ''
set -g __safeops_title ''
set -g __safeops_last_bg ''
set -g __safeops_reg ''
set -g __safeops_dir ''
set -g __safeops_why ''
set -g __safeops_role ''
set -g __safeops_label ''
set -g __safeops_alerts

# Colours and escapes only for a terminal that wants them (NO_COLOR, TERM=dumb, not a tty: none).
set -g __safeops_esc 0
if test "$__safeops_want_color" = 1 -a -z "$NO_COLOR" -a -n "$TERM" -a "$TERM" != dumb
    and test -t 1
    set __safeops_esc 1
end

# >>> safeops fast path (helper S1; docs/fast-path.md) >>>
# A harmless `rm` runs without Node: when the watcher's `footprint` file is fresh (heartbeat at
# most __safeops_fp_max_age s old) and trusted (a regular file, not a link, owned by us, in a
# directory owned by us), every flag is one the shell can read, and every target resolves with
# builtins (no symlink on the way, the working directory is what $PWD says) to a path that is
# not inside, equal to or above a published path (by string and by identity, -ef), and not in
# or below a directory holding PG_VERSION. Anything else goes to the Node guard as before.
# What the shell may decide, per tool (a table; only rm so far, other tools always go to Node):
#   rm   short flags f i I v d, the long ones in __safeops_fp_rm_long, `--`; a recursive rm (-r -R --recursive) goes to Node.
set -g __safeops_fp_max_age 3
set -g __safeops_fp_max_targets 256
set -g __safeops_fp_rm_long --force --verbose --dir --recursive --interactive --interactive=never --interactive=no --interactive=none --interactive=once --interactive=always --interactive=yes
set -g __safeops_fp_rec 0
set -g __safeops_fp_rc 0
set -g __safeops_fp_paths
set -g __safeops_fp_above
set -g __safeops_fp_conf
set -g __safeops_fp_roots

# Read the footprint in state dir $dir; status 0 only when fresh, trusted and valid.
function __safeops_fp_load --argument-names dir
    set -l f $dir/footprint
    test -n "$dir" -a -d "$dir" -a ! -L "$dir" -a -O "$dir" -a -f "$f" -a ! -L "$f" -a -O "$f" -a -r "$f"; or return 1
    set -l n 0
    set -l fin 0
    set -l bad 0
    set -l hb ''
    set -l rec 0
    set -l paths
    set -l above
    set -l conf
    set -l roots
    # Bounded: 4 KiB a line (then `read` fails), 2000 lines.
    set -l fish_read_limit 4200
    while read -l line
        set n (math $n + 1)
        # Invalid UTF-8 arrives as private-use characters: outside the set like any other.
        if test $n -gt 2000; or test $fin = 1; or string match -qr -- '[^A-Za-z0-9._,:/@+=~ -]' "$line"
            set bad 1
            break
        end
        if test $n -eq 1
            test "$line" = 'safeops-footprint 1'; or set bad 1
            continue
        else if test $n -eq 2
            set hb (string replace -r -- '^heartbeat ([0-9]{1,12})$' '$1' $line)
            if test "$hb" = "$line"
                set bad 1
            end
            continue
        end
        switch $line
            case 'generation *'
            case 'mounts *' # for the Node guard (docs/fast-path.md)
            case 'recursive on'
                set rec 1
            case 'recursive off'
                set rec 0
            case 'config /*'
                set -a conf (string sub -s 8 -- $line)
            case 'path /*'
                set -a paths (string sub -s 6 -- $line)
            case 'above /*'
                set -a above (string sub -s 7 -- $line)
            case 'root /*'
                set -a roots (string sub -s 6 -- $line)
            case end
                set fin 1
            case '*' # `off REASON` included: the watcher is not sure, so neither are we
                set bad 1
        end
        test $bad = 1; and break
    end <$f
    test $bad = 0 -a $fin = 1 -a -n "$hb"; or return 1
    # fish has no clock builtin: now = the file's mtime + its age, both from one stat each.
    set -l mtime (path mtime -- $f)
    set -l rel (path mtime --relative -- $f)
    if not string match -qr -- '^[0-9]+$' "$mtime"; or not string match -qr -- '^-?[0-9]+$' "$rel"
        return 1
    end
    set -l age (math $mtime + $rel - $hb)
    test $age -le $__safeops_fp_max_age -a $age -ge -1; or return 1
    set -g __safeops_fp_rec $rec
    set -g __safeops_fp_paths $paths
    set -g __safeops_fp_above $above
    set -g __safeops_fp_conf $conf
    set -g __safeops_fp_roots $roots
    return 0
end

# 0 when the config files the Node guard would read are the ones the watcher read (a user's
# own config may protect more).
function __safeops_fp_conf_ok
    if test -n "$SAFEOPS_CONFIG"
        contains -- $SAFEOPS_CONFIG $__safeops_fp_conf
        return $status
    end
    set -l user ''
    if test -n "$XDG_CONFIG_HOME"
        set user $XDG_CONFIG_HOME/safeops/config.json
    else if test -n "$HOME"
        set user $HOME/.config/safeops/config.json
    end
    for c in /etc/safeops/config.json $user
        test -n "$c"; or continue
        test -e $c -o -L $c; or continue
        contains -- $c $__safeops_fp_conf; or return 1
    end
    return 0
end

# 0 when rm's operand $w is surely outside every published place ($rec: 1 for a recursive rm).
function __safeops_fp_target --argument-names w rec
    test -n "$w"; or return 1
    set -l abs $w
    if not string match -q -- '/*' $w
        # The kernel resolves from the real working directory: it must be the one $PWD names.
        string match -q -- '/*' "$PWD"; and test . -ef "$PWD"; or return 1
        set abs "$PWD/$w"
    end
    set -l parts (string split -- / $abs)
    # Trailing slashes: the last non-empty part is the target.
    while test (count $parts) -gt 1 -a -z "$parts[-1]"
        set -e parts[-1]
    end
    set -l base $parts[-1]
    test -n "$base" -a "$base" != . -a "$base" != ..; or return 1
    set -e parts[-1]
    set -l cur ''
    # Every directory on the way: a real directory, no symlink; `..` of one is its parent.
    for part in $parts
        switch $part
            case '' .
                continue
            case ..
                set cur (string replace -r -- '/[^/]*$' '' $cur)
                continue
        end
        set cur "$cur/$part"
        test ! -L "$cur" -a -d "$cur"; or return 1
    end
    set -l t "$cur/$base"
    test -L "$t"; and return 1
    set -l tl (string length -- "$t/")
    for p in $__safeops_fp_paths
        test "$p" = / -o "$t" = "$p"; and return 1
        string match -q -- "$p/*" "$t"; and return 1
        test (string sub -l $tl -- "$p") = "$t/"; and return 1
    end
    # Recursive, in or above a discovery root: a cluster made there since the last publish.
    if test "$rec" = 1
        for p in $__safeops_fp_roots
            test "$p" = / -o "$t" = "$p"; and return 1
            string match -q -- "$p/*" "$t"; and return 1
            test (string sub -l $tl -- "$p") = "$t/"; and return 1
        end
    end
    # A directory that is an ancestor of a published path under another name (bind mount).
    if test -d "$t"
        for p in $__safeops_fp_above
            test "$t" -ef "$p"; and return 1
        end
    end
    # The target and its ancestors: no cluster (as the Node guard finds one), no published place
    # under another name (a bind mount made after the last publish, a hard link).
    set -l c $t
    while test -n "$c"
        test -e "$c/PG_VERSION"; and return 1
        for p in $__safeops_fp_paths
            test "$c" -ef "$p"; and return 1
        end
        set c (string replace -r -- '/[^/]*$' '' $c)
    end
    test -e /PG_VERSION; and return 1
    return 0
end

# $argv = rm ARGS. Status 0 when it ran rm itself (its status in __safeops_fp_rc), else 1: the
# caller goes to the Node guard.
function __safeops_fast
    test "$argv[1]" = rm; or return 1
    set -q POSIXLY_CORRECT; and return 1
    set -l opts 1
    set -l rec 0
    set -l targets
    for a in $argv[2..]
        if test $opts = 1; and string match -q -- '-?*' $a
            if test "$a" = --
                set opts 0
            else if string match -q -- '--*' $a
                contains -- $a $__safeops_fp_rm_long; or return 1
                test "$a" = --recursive; and set rec 1
            else
                string match -qr -- '^-[fiIvrRd]+$' $a; or return 1
                string match -qr -- '[rR]' $a; and set rec 1
            end
        else
            set -a targets $a
        end
    end
    test (count $targets) -gt 0 -a (count $targets) -le $__safeops_fp_max_targets; or return 1
    __safeops_find_dir
    __safeops_fp_load "$__safeops_dir"; or return 1
    # A recursive rm goes to Node: the guard asks when another user could swap a directory on its
    # walk for a link to a data dir (docs/races.md), and no builtin reads a directory's mode.
    test $rec = 0; or return 1
    __safeops_fp_conf_ok; or return 1
    for w in $targets
        __safeops_fp_target $w $rec; or return 1
    end
    if test -n "$SAFEOPS_FASTPATH_TRACE"
        printf 'fast rm %s\n' (math (count $argv) - 1) >>$SAFEOPS_FASTPATH_TRACE
    end
    command rm $argv[2..]
    set -g __safeops_fp_rc $status
    return 0
end
# <<< safeops fast path <<<

# Run a guarded command through safeops (or the real one when SAFEOPS_DISABLE is set).
function __safeops_guard
    if test -n "$SAFEOPS_DISABLE" -a "$SAFEOPS_DISABLE" != 0
        command $argv
        return $status
    end
    if not test -x __SAFEOPS_BIN__
        printf 'safeops: %s is missing, so %s did not run (the guard is not installed). To run it anyway: SAFEOPS_DISABLE=1 %s ...\n' __SAFEOPS_BIN__ $argv[1] $argv[1] >&2
        return 127
    end
    if test "$argv[1]" = rm; and __safeops_fast $argv # fast path (S1)
        return $__safeops_fp_rc
    end
    __SAFEOPS_BIN__ $argv
end

# The guarded tools without a pre-filter of their own (src/contract.ts SHELL_PLAIN_TOOLS), each
# a function that hands its command line to safeops (`function rm ... __safeops_guard rm $argv`).
# The names are plain command names (checked by render.ts: [a-z0-9_-]).
for __safeops_t in __SAFEOPS_PLAIN_TOOLS__
    function $__safeops_t --inherit-variable __safeops_t --description "$__safeops_t, guarded by safeops"
        __safeops_guard $__safeops_t $argv
    end
end
set -e __safeops_t

# sudo goes through safeops only when a guarded tool is involved; anything else is plain sudo.
function sudo --description 'sudo, guarded by safeops when it runs a guarded command'
    # A guarded tool's name as a word of its own (a basename, or inside an `sh -c` string).
    if string match -qr -- $__safeops_guarded_re $argv
        __safeops_guard sudo $argv
    else
        command sudo $argv
    end
end

# --- Routing (docs/shell-routing.md): prefix commands and the guarded tools of TOOLS.md. ---
# A prefix command (nice, env, xargs, ...) runs through `safeops exec` when one of its words
# names a guarded tool (also inside a `-c` string); otherwise the real one runs, and nothing
# here forks. `command rm` stays the way around the guard; `time` is a keyword that runs our
# functions itself (`time rm x` is guarded); `/usr/bin/time rm` is not (see the doc).
function __safeops_is_guarded
    string match -qr -- $__safeops_guarded_re $argv
end
function __safeops_via
    if test -n "$SAFEOPS_DISABLE" -a "$SAFEOPS_DISABLE" != 0
        command $argv
        return $status
    end
    if not test -x __SAFEOPS_BIN__
        printf 'safeops: %s is missing, so %s did not run (the guard is not installed). To run it anyway: SAFEOPS_DISABLE=1 %s ...\n' __SAFEOPS_BIN__ $argv[1] $argv[1] >&2
        return 127
    end
    __SAFEOPS_BIN__ exec -- $argv
end
function __safeops_route
    if __safeops_is_guarded $argv
        __safeops_via $argv
    else
        command $argv
    end
end
# The prefix commands (src/contract.ts SHELL_PREFIX_COMMANDS): `function nice ... __safeops_route nice $argv`.
for __safeops_t in __SAFEOPS_PREFIX_COMMANDS__
    function $__safeops_t --inherit-variable __safeops_t --description "$__safeops_t, through safeops when it runs a guarded command"
        __safeops_route $__safeops_t $argv
    end
end
set -e __safeops_t
# `exec` is a keyword fish lets no function replace: an abbreviation turns a typed `exec`
# (command position) into `__safeops_exec`, visibly. A guarded command runs as a child, so
# a refusal stays readable. Pasted or sourced text is not expanded (docs/shell-routing.md).
function __safeops_exec --description 'exec, through safeops when it runs a guarded command'
    if __safeops_is_guarded $argv
        if string match -q -- '-*' "$argv[1]"
            printf 'safeops: `exec %s` with a guarded tool was not run: run the command without exec (or with `safeops exec`)\n' $argv[1] >&2
            return 2
        end
        __safeops_via $argv
        return $status
    end
    exec $argv
end
if status is-interactive
    abbr -a -g exec __safeops_exec
end
# The guarded tools with a cheap pre-filter where most calls are harmless (src/contract.ts
# SHELL_PREFILTERED_TOOLS); the others are defined above.
# mkfs.* found at `safeops init` (names checked by render.ts: mkfs. and [A-Za-z0-9_]).
for __safeops_t in __SAFEOPS_MKFS_TOOLS__
    function $__safeops_t --inherit-variable __safeops_t --description 'guarded by safeops'
        __safeops_guard $__safeops_t $argv
    end
end
set -e __safeops_t
# find: only with an action that deletes or runs something.
function find --description 'find, guarded by safeops when it deletes or runs something'
    if string match -qr -- '^-(delete|exec|execdir|ok|okdir)$' $argv
        __safeops_guard find $argv
    else
        command find $argv
    end
end
# dd: only with an output file.
function dd --description 'dd, guarded by safeops when it writes an output file'
    if string match -q -- 'of=*' $argv
        __safeops_guard dd $argv
    else
        command dd $argv
    end
end
# psql: only with "promote" in an argument or a script file (-f, --file); SQL typed at its
# prompt or read from stdin is not seen (docs/shell-routing.md).
function psql --description 'psql, guarded by safeops for promote and script files'
    if string match -qr -- '^(.*promote.*|-[^-]*f.*|--file(=.*)?)$' (string lower -- $argv)
        __safeops_guard psql $argv
    else
        command psql $argv
    end
end
# kill: job specs (%N) and listing stay with fish (job control); everything else is judged.
function kill --description 'kill, guarded by safeops (job specs and -l stay with fish)'
    set -l args $argv
    if functions -q __fish_expand_pid_args
        set args (__fish_expand_pid_args $argv)
    end
    if __safeops_kill_is_builtin $argv
        command kill $args
    else
        __safeops_guard kill $args
    end
end
function __safeops_kill_is_builtin
    set -l sig 1
    set -l skip 0
    for a in $argv
        if test $skip = 1
            set skip 0
            continue
        end
        if test $sig = 1
            switch $a
                case -l -L
                    return 0
                case -s -n
                    set skip 1
                    continue
                case --
                    set sig 0
                    continue
                case '-*'
                    continue
            end
            set sig 0
        end
        string match -q -- '%*' $a; or return 1
    end
    return 0
end
# --- end of routing ---

# The state dir: SAFEOPS_STATE_DIR, else the first candidate with a `prompt` file (or none).
function __safeops_find_dir
    set -g __safeops_dir ''
    if test -n "$SAFEOPS_STATE_DIR"
        __safeops_dir_ok $SAFEOPS_STATE_DIR; and set __safeops_dir $SAFEOPS_STATE_DIR
        return 0
    end
    for d in $__safeops_state_dirs
        if string match -q -- "$__safeops_xdg*" $d
            string match -q -- '/*' "$XDG_RUNTIME_DIR"; or continue
            # Never for root: after `su` without `-` XDG_RUNTIME_DIR is still the user's.
            test "$__safeops_euid" != 0; or continue
            set d $XDG_RUNTIME_DIR/(string replace -- $__safeops_xdg '' $d)
        end
        if test -f $d/prompt; and __safeops_dir_ok $d
            set __safeops_dir $d
            return 0
        end
    end
    return 0
end

# Our effective uid, from /proc (fish has no $EUID); unknown counts as root, the strict case.
set -g __safeops_euid 0
while read -l __safeops_line
    if string match -qr -- '^Uid:' $__safeops_line
        set __safeops_euid (string split -n \t -- $__safeops_line)[3]
        break
    end
end </proc/$fish_pid/status 2>/dev/null
string match -qr -- '^[0-9]+$' "$__safeops_euid"; or set __safeops_euid 0
set -e __safeops_line

# A state dir this shell may read (docs/shell-routing.md): a real directory owned by us. fish
# cannot see another owner without forking, so a user other than root also accepts the system
# candidates baked in at init (/run/safeops: only root can create it in /run).
function __safeops_dir_ok --argument-names d
    if not test -d "$d"; or test -L "$d"
        set -g __safeops_why 'state dir is not a directory'
        return 1
    end
    test -O "$d"; and return 0
    if test "$__safeops_euid" != 0; and contains -- "$d" $__safeops_state_dirs
        return 0
    end
    set -g __safeops_why 'state dir not owned by you or root'
    return 1
end

# Parse and validate the prompt file (DEVELOPERS.md); status 0 only when valid and fresh.
# Sets __safeops_role, __safeops_label, __safeops_alerts, or __safeops_why when stale.
function __safeops_read --argument-names f
    set -g __safeops_alerts
    set -g __safeops_why 'watcher not running'
    test -f "$f" -a -r "$f"; or return 1
    set __safeops_why 'unreadable state file'
    set -l hb ''
    set -l role ''
    set -l label ''
    set -l n 0
    set -l fin 0
    set -l bad 0
    # The whole file first, NUL-delimited (fish cannot hold a NUL: a line's read would drop the
    # rest of it silently): a NUL, __safeops_p_bytes bytes or more (fish_read_limit: `read`
    # fails), or a byte outside the charset anywhere, also after `end`, is stale, as bash and zsh
    # read it.
    # (`read` fails only past the limit: a file of exactly the limit would pass)
    set -l fish_read_limit (math $__safeops_p_bytes - 1)
    set -l whole ''
    set -l more ''
    begin
        read -z whole; or set bad 1
        read -z more; and set bad 1
    end <$f
    if test $bad = 1; or string match -qr -- $__safeops_bad_re "$whole"
        set -g __safeops_alerts
        return 1
    end
    # Then line by line, bounded: the whole file was smaller than fish_read_limit, and the loop
    # stops after __safeops_p_lines lines. Not `read --nchars`: it silently drops invalid UTF-8.
    while read -l line
        set n (math $n + 1)
        # Invalid UTF-8 arrives as private-use characters: outside the charset like any other.
        if test $n -gt $__safeops_p_lines; or test (string length -- "$line") -gt $__safeops_p_line
            or string match -qr -- $__safeops_bad_line_re "$line"
            set bad 1
            break
        end
        if test $n -eq 1
            if test "$line" != __SAFEOPS_PROMPT_FIRST_LINE__
                set bad 1
                break
            end
            continue
        end
        # The heartbeat is the second line, and only there.
        if test $n -eq 2
            set hb (string replace -r -- '^heartbeat ([0-9]+)$' '$1' $line)
            if test "$hb" = "$line"; or test (string length -- $hb) -gt $__safeops_p_hb_digits
                set bad 1
                break
            end
            continue
        end
        switch $line
            case end
                set fin 1
                break
            case 'role *'
                if test -n "$role"
                    set bad 1
                    break
                end
                set role (string sub -s 6 -- $line)
                if not contains -- $role $__safeops_roles
                    set bad 1
                    break
                end
            case 'label *'
                if test -n "$label"
                    set bad 1
                    break
                end
                set label (string sub -s 7 -- $line)
            case 'alert *'
                if test (count $__safeops_alerts) -ge $__safeops_p_alerts_max
                    set bad 1
                    break
                end
                set -a __safeops_alerts (string sub -s 7 -- $line)
            case '*'
                set bad 1
                break
        end
    end <$f
    if test $bad = 1 -o $fin != 1 -o -z "$hb" -o -z "$role"
        set -g __safeops_alerts
        return 1
    end
    # fish has no clock builtin: now = the file's mtime + its age, both from one stat each.
    set -l mtime (path mtime -- $f)
    set -l rel (path mtime --relative -- $f)
    if not string match -qr -- '^[0-9]+$' "$mtime"; or not string match -qr -- '^-?[0-9]+$' "$rel"
        return 1
    end
    set -l age (math $mtime + $rel - $hb)
    if test $age -gt $__safeops_stale_after
        set __safeops_why "watcher not running, last update $age"s" ago"
        return 1
    end
    if test (math -- -1 '*' $age) -gt $__safeops_stale_after
        set __safeops_why "heartbeat "(math -- -1 '*' $age)"s in the future: clock changed?"
        return 1
    end
    set -g __safeops_role $role
    set -g __safeops_label $label
    return 0
end

# Per role: the background (#rrggbb or empty), SGR parameters (or empty) and the role word.
function __safeops_style --argument-names role
    switch $role
        case primary
            set -g __safeops_bg __SAFEOPS_BG_PRIMARY__
            set -g __safeops_sgr __SAFEOPS_SGR_PRIMARY__
            set -g __safeops_word __SAFEOPS_WORD_PRIMARY__
        case standby
            set -g __safeops_bg __SAFEOPS_BG_STANDBY__
            set -g __safeops_sgr __SAFEOPS_SGR_STANDBY__
            set -g __safeops_word __SAFEOPS_WORD_STANDBY__
        case recovering
            set -g __safeops_bg __SAFEOPS_BG_RECOVERING__
            set -g __safeops_sgr __SAFEOPS_SGR_RECOVERING__
            set -g __safeops_word __SAFEOPS_WORD_RECOVERING__
        case stopped
            set -g __safeops_bg __SAFEOPS_BG_STOPPED__
            set -g __safeops_sgr __SAFEOPS_SGR_STOPPED__
            set -g __safeops_word __SAFEOPS_WORD_STOPPED__
        case none
            set -g __safeops_bg __SAFEOPS_BG_NONE__
            set -g __safeops_sgr __SAFEOPS_SGR_NONE__
            set -g __safeops_word __SAFEOPS_WORD_NONE__
        case unknown
            set -g __safeops_bg __SAFEOPS_BG_UNKNOWN__
            set -g __safeops_sgr __SAFEOPS_SGR_UNKNOWN__
            set -g __safeops_word __SAFEOPS_WORD_UNKNOWN__
        case '*'
            set -g __safeops_bg __SAFEOPS_BG_STALE__
            set -g __safeops_sgr __SAFEOPS_SGR_STALE__
            set -g __safeops_word __SAFEOPS_WORD_STALE__
    end
end

# Recompute the segment and title; emit OSC 11 when the background changed.
function __safeops_refresh
    set -g __safeops_why 'watcher not running'
    set -g __safeops_alerts
    __safeops_find_dir
    set -l text
    if test -n "$__safeops_dir"; and __safeops_read $__safeops_dir/prompt
        __safeops_style $__safeops_role
        set text $__safeops_label
        # The role word is always there: colour is never the only signal.
        if not string match -q -- "*"(string lower -- $__safeops_word)"*" (string lower -- "$text")
            set text (string trim -- "$__safeops_word $text")
        end
    else
        set -g __safeops_alerts
        __safeops_style stale
        set text "STALE ($__safeops_why)"
    end
    set -l mark '!'
    if string match -qir -- 'utf-?8' "$LC_ALL$LC_CTYPE$LANG"
        set mark '⚠'
    end
    for a in $__safeops_alerts
        set text "$text $mark $a"
    end
    set -g __safeops_title (string split -m1 -f1 . -- $hostname)": $text"
    if test $__safeops_esc = 1 -a -n "$__safeops_sgr"
        set -g __safeops_segment \e\[$__safeops_sgr"m $text "\e\[0m' '
    else
        set -g __safeops_segment "[$text] "
    end
    test $__safeops_esc = 1; or return 0
    # Inside GNU screen OSC 11 needs passthrough; the Linux console misreads it: leave them be.
    if test $__safeops_want_bg = 1 -a -z "$STY" -a "$TERM" != linux
        and test -z "$TMUX" -o $__safeops_want_tmux = 1
        if test "$__safeops_bg" != "$__safeops_last_bg"
            if test -n "$__safeops_bg"
                printf '\e]11;%s\a' $__safeops_bg
            else
                printf '\e]111\a'
            end
            set -g __safeops_last_bg $__safeops_bg
        end
    end
    return 0
end

# What fish_prompt prints first.
function __safeops_prompt_segment
    if test $__safeops_want_prompt = 1
        printf '%s' $__safeops_segment
    end
end

function __safeops_return --argument-names code
    return $code
end

# Lead the user's fish_prompt with our segment (and fish_title with our title) by wrapping
# it; done again whenever fish_prompt was redefined after us. `$status` is kept for it.
function __safeops_wrap
    functions -q fish_prompt
    and not string match -q -- '*__safeops_prompt_segment*' (functions fish_prompt)
    and begin
        functions -e __safeops_user_fish_prompt
        functions --copy fish_prompt __safeops_user_fish_prompt
        function fish_prompt --description 'the prompt, led by the safeops segment'
            set -l last $status
            __safeops_prompt_segment
            __safeops_return $last
            __safeops_user_fish_prompt $argv
        end
    end
    if test $__safeops_want_title = 1 -a $__safeops_esc = 1 -a "$TERM" != linux
        functions -q fish_title
        and not string match -q -- '*__safeops_title*' (functions fish_title)
        and begin
            functions -e __safeops_user_fish_title
            functions --copy fish_title __safeops_user_fish_title
            function fish_title --description 'the title, led by the safeops role'
                printf '%s - ' $__safeops_title
                __safeops_user_fish_title $argv
            end
        end
    end
    return 0
end

# Register this shell for live recolouring (DEVELOPERS.md, `shells/`): the watcher sends
# SIGUSR1 when a role changes, and __safeops_on_usr1 repaints the prompt without a keypress.
function __safeops_register --argument-names dir
    set -l reg $dir/shells/$fish_pid
    if test -f $reg -a -O $reg; and not test -L $reg
        return 0
    end
    status is-interactive; or return 0
    test -t 0 -a -O /proc/$fish_pid/fd/0; or return 0
    # A real directory, never a link to one (we would create files where it points); its
    # owner is the state dir's (checked by __safeops_dir_ok), the only one who can create it.
    test -d $dir/shells -a -w $dir/shells -a -x $dir/shells; or return 0
    test -L $dir/shells; and return 0
    # Someone else's file (or a link) under our pid: leave it to the watcher, which deletes it.
    if test -L $reg -o -e $reg
        return 0
    end
    read -l stat </proc/$fish_pid/stat 2>/dev/null; or return 0
    # Field 22 (start time), counted after the last ')': comm may hold spaces and parentheses.
    set -l fields (string split -n ' ' -- (string replace -r -- '^.*\)' '' $stat))
    string match -qr -- '^[0-9]+$' "$fields[20]"; or return 0
    # `>?` opens with O_CREAT|O_EXCL: never follows a planted link, never opens a FIFO or
    # device, never writes an existing file (strace-checked in shell-registration.test.ts).
    begin
        printf 'safeops-shell 1\npid %s\nstart %s\nshell fish\n' $fish_pid $fields[20] >?$reg
    end 2>/dev/null
    and set -g __safeops_reg $reg
    return 0
end

function __safeops_on_prompt --on-event fish_prompt
    __safeops_refresh
    __safeops_wrap
    if test -n "$__safeops_dir"
        __safeops_register $__safeops_dir
    end
end

# SIGUSR1 from the watcher: re-read the state and redraw the prompt now.
function __safeops_on_usr1 --on-signal SIGUSR1
    __safeops_refresh
    if status is-interactive
        commandline -f repaint 2>/dev/null
    end
    return 0
end

# On exit: give the terminal its own background back, and drop our registration.
function __safeops_exit --on-event fish_exit
    if test -n "$__safeops_last_bg"
        printf '\e]111\a'
    end
    if test -n "$__safeops_reg" -a -f "$__safeops_reg" -a -O "$__safeops_reg"
        command rm -f -- $__safeops_reg 2>/dev/null
    end
    return 0
end

__safeops_wrap

# >>> no watcher (docs/release.md) >>>
# Once, when the integration loads in an interactive shell: when no watcher publishes (no fresh
# `prompt` file where this shell looks), say how to start one; with SAFEOPS_START_WATCHER=1 set
# before the init line, start one instead (`safeops watch --daemon`: one per state dir, so shells
# starting together still make one). fish has no clock builtin: one `date` when a file exists.
function __safeops_watcher_notice
    set -l dirs $__safeops_state_dirs
    if test -n "$SAFEOPS_STATE_DIR"
        set dirs $SAFEOPS_STATE_DIR
    end
    for d in $dirs
        if string match -q -- "$__safeops_xdg*" $d
            string match -q -- '/*' "$XDG_RUNTIME_DIR"; or continue
            set d $XDG_RUNTIME_DIR/(string replace -- $__safeops_xdg '' $d)
        end
        set -l f $d/prompt
        test -f $f -a -r $f; or continue
        set -l hb (string replace -r -- '^heartbeat ' '' (string split -m 2 \n -- (head -c 64 $f 2>/dev/null))[2] 2>/dev/null)
        string match -qr -- '^[0-9]+$' "$hb"; and test (string length -- $hb) -le $__safeops_p_hb_digits; or continue
        set -l now (date +%s)
        if test (math -- $now - $hb) -le $__safeops_stale_after
            return 0
        end
    end
    if test "$SAFEOPS_START_WATCHER" = 1
        __SAFEOPS_BIN__ watch --daemon >&2; or true
    else
        printf '%s\n' 'safeops: no watcher is running, so the prompt shows STALE and roles are not live. Start one: sudo systemctl enable --now safeops (with systemd), or safeops watch --daemon (without). To have shells start it: set -gx SAFEOPS_START_WATCHER 1 before the safeops init line.' >&2
    end
end
if status is-interactive
    __safeops_watcher_notice
end
functions -e __safeops_watcher_notice
# <<< no watcher <<<
