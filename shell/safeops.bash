# shellcheck shell=bash
# safeops: shell integration for bash 4.4+ (rendered by `safeops init bash`, src/shell/render.ts).
#
#   Load it from ~/.bashrc:   eval "$(safeops init bash)"
#   Escape hatch:             SAFEOPS_DISABLE=1 rm ...   runs the real command, without safeops.
#   State dir:                $SAFEOPS_STATE_DIR, else the first candidate holding a `prompt` file.
#
# Names: the guarded commands and prefix commands (src/contract.ts), sudo, and __safeops_* for
# everything else. The prompt hook forks nothing: it reads the state
# file with `read`, never sources or evaluates it, and prints escapes with the printf builtin.

# Values baked in at render time: validated and quoted by render.ts, never taken from the file.
# Placeholders __SAFEOPS_*__ are filled from the options and from src/contract.ts, the one
# place the guarded tools, the roles and their words, and the prompt file's grammar are listed.
# shellcheck disable=SC2016 # `$XDG_RUNTIME_DIR/...` candidates are expanded at each prompt
__safeops_state_dirs=(__SAFEOPS_STATE_DIRS__)
# A candidate starting with this is under $XDG_RUNTIME_DIR, expanded at each prompt (never for root).
# shellcheck disable=SC2016 # the literal marker
__safeops_xdg=__SAFEOPS_XDG_PREFIX__
__safeops_stale_after=__SAFEOPS_STALE_AFTER__
__safeops_want_prompt=__SAFEOPS_PROMPT__
__safeops_want_bg=__SAFEOPS_BACKGROUND__
__safeops_want_title=__SAFEOPS_TITLE__
__safeops_want_tmux=__SAFEOPS_TMUX__
__safeops_want_color=__SAFEOPS_COLOR__
# A guarded tool's name as a word of its own (a basename, or inside an `sh -c` string): an ERE.
__safeops_guarded_re=__SAFEOPS_GUARDED_RE__
# A bad byte in the state file: anything outside the label charset (printable ASCII subset)
# and the newlines between lines. Listed, not ranges: ranges depend on the locale, and setting
# LC_ALL=C at each prompt costs bash more than the whole rest of the hook.
__safeops_bad_content=__SAFEOPS_PROMPT_BAD_GLOB__
# The prompt file's limits: bytes (the file is smaller), lines (`end` included), bytes a line,
# alert lines, heartbeat digits.
__safeops_p_bytes=__SAFEOPS_PROMPT_BYTES_MAX__
__safeops_p_lines=__SAFEOPS_PROMPT_LINES_MAX__
__safeops_p_line=__SAFEOPS_PROMPT_LINE_MAX__
__safeops_p_alerts_max=__SAFEOPS_PROMPT_ALERTS_MAX__
__safeops_p_hb_digits=__SAFEOPS_HEARTBEAT_DIGITS_MAX__

__safeops_segment=''
__safeops_last_bg=''
__safeops_last_title=''
__safeops_reg=''
__safeops_dir=''
__safeops_bg_on=0
__safeops_alerts=()
__safeops_why=''
__safeops_cache=''
__safeops_drawn=''
__safeops_p_role='' __safeops_p_label='' __safeops_p_alerts=()

# Colours and escapes only for a terminal that wants them (NO_COLOR, TERM=dumb, not a tty: none).
__safeops_esc=0
if [[ $__safeops_want_color == 1 && -z ${NO_COLOR:-} && ${TERM:-dumb} != dumb && -t 1 ]]; then
  __safeops_esc=1
fi

# >>> safeops fast path (helper S1; docs/fast-path.md) >>>
# A harmless `rm` runs without Node: when the watcher's `footprint` file is fresh (heartbeat at
# most __safeops_fp_max_age s old) and trusted (a regular file, not a link, owned by us, in a
# directory owned by us), every flag is one the shell can read, and every target resolves with
# builtins (no symlink on the way, the working directory is what $PWD says) to a path that is
# not inside, equal to or above a published path (by string and by identity, -ef), and not in
# or below a directory holding PG_VERSION. Anything else goes to the Node guard as before.
# What the shell may decide, per tool (a table; only rm so far, other tools always go to Node):
#   rm   short flags f i I v d, the long ones in __safeops_fp_rm_flag, `--`; a recursive rm (-r -R --recursive) goes to Node.
__safeops_fp_max_age=3
__safeops_fp_max_targets=256
__safeops_fp_bad='*[!ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._,:/@+=~ '$'\n''-]*'
__safeops_fp_cache='' __safeops_fp_rec=0 __safeops_fp_rc=0
__safeops_fp_paths=() __safeops_fp_above=() __safeops_fp_conf=() __safeops_fp_roots=()

# 0 for a long rm flag the fast path understands (exact spellings: abbreviations go to Node).
__safeops_fp_rm_flag() {
  case $1 in
    --force | --verbose | --dir | --recursive | --interactive | --interactive=never | --interactive=no | --interactive=none | --interactive=once | --interactive=always | --interactive=yes) return 0 ;;
  esac
  return 1
}

# Read the footprint in state dir $1; status 0 only when fresh, trusted and valid.
__safeops_fp_load() {
  local dir=$1 f content rest body hb now age line fin=0 rec=0
  local -a paths=() above=() conf=() roots=()
  f=$dir/footprint
  [[ -n $dir && -d $dir && ! -L $dir && -O $dir && -f $f && ! -L $f && -O $f && -r $f ]] || return 1
  IFS= read -r -d '' -n 60001 content <"$f"
  (( ${#content} <= 60000 )) || return 1
  [[ $content == 'safeops-footprint 1'$'\n''heartbeat '* ]] || return 1
  rest=${content#*$'\n'heartbeat }
  hb=${rest%%$'\n'*}
  rest=${rest:${#hb}+1}
  [[ -n $hb && ${#hb} -le 12 && $hb != *[!0123456789]* ]] || return 1
  now=${EPOCHSECONDS:-}
  if [[ -z $now || $now == *[!0123456789]* ]]; then \builtin printf -v now '%(%s)T' -1; fi
  age=$((now - 10#$hb))
  (( age <= __safeops_fp_max_age && age >= -1 )) || return 1
  if [[ -n $rest && $rest == "$__safeops_fp_cache" ]]; then return 0; fi
  __safeops_fp_cache=''
  # shellcheck disable=SC2053 # a pattern on purpose
  if [[ $rest == $__safeops_fp_bad ]]; then return 1; fi
  body=$rest
  while [[ -n $rest ]]; do
    line=${rest%%$'\n'*}
    rest=${rest:${#line}+1}
    case $line in
      'generation '[0-9a-z]*) ;;
      'recursive on') rec=1 ;;
      'mounts '[0-9a-z]*) ;; # for the Node guard (docs/fast-path.md)
      'recursive off') rec=0 ;;
      'config /'*) conf+=("${line#config }") ;;
      'path /'*) paths+=("${line#path }") ;;
      'above /'*) above+=("${line#above }") ;;
      'root /'*) roots+=("${line#root }") ;;
      end) fin=1; break ;;
      *) return 1 ;; # `off REASON` included: the watcher is not sure, so neither are we
    esac
  done
  [[ $fin == 1 && -z $rest ]] || return 1
  __safeops_fp_rec=$rec
  __safeops_fp_paths=("${paths[@]}") __safeops_fp_above=("${above[@]}") __safeops_fp_conf=("${conf[@]}") __safeops_fp_roots=("${roots[@]}")
  __safeops_fp_cache=$body
  return 0
}

# 0 when the config files the Node guard would read are the ones the watcher read (a user's
# own config may protect more).
__safeops_fp_conf_ok() {
  local c x found
  if [[ -n ${SAFEOPS_CONFIG:-} ]]; then
    for x in "${__safeops_fp_conf[@]}"; do [[ $x == "$SAFEOPS_CONFIG" ]] && return 0; done
    return 1
  fi
  for c in /etc/safeops/config.json "${XDG_CONFIG_HOME:-${HOME:+$HOME/.config}}/safeops/config.json"; do
    [[ $c == /safeops/config.json ]] && continue # neither XDG_CONFIG_HOME nor HOME: no user file
    [[ -e $c || -L $c ]] || continue
    found=0
    for x in "${__safeops_fp_conf[@]}"; do [[ $x == "$c" ]] && found=1; done
    [[ $found == 1 ]] || return 1
  done
  return 0
}

# 0 when rm's operand $1 is surely outside every published place ($2: 1 for a recursive rm).
__safeops_fp_target() {
  local w=$1 rec=$2 abs base rest part cur='' t c p
  [[ -n $w ]] || return 1
  if [[ $w == /* ]]; then
    abs=$w
  else
    # The kernel resolves from the real working directory: it must be the one $PWD names.
    [[ $PWD == /* && . -ef $PWD ]] || return 1
    abs=$PWD/$w
  fi
  while [[ $abs == */ && $abs != / ]]; do abs=${abs%/}; done
  base=${abs##*/}
  [[ -z $base || $base == . || $base == .. ]] && return 1
  rest=${abs%/*}
  # Every directory on the way: a real directory, no symlink; `..` of one is its parent.
  while [[ -n $rest ]]; do
    part=${rest%%/*}
    if [[ $part == "$rest" ]]; then rest=''; else rest=${rest#*/}; fi
    case $part in
      '' | .) continue ;;
      ..) cur=${cur%/*}; continue ;;
    esac
    cur+=/$part
    [[ ! -L $cur && -d $cur ]] || return 1
  done
  t=$cur/$base
  [[ -L $t ]] && return 1
  for p in "${__safeops_fp_paths[@]}"; do
    [[ $p == / || $t == "$p" || $t == "$p"/* || $p == "$t"/* ]] && return 1
  done
  # Recursive, in or above a discovery root: a cluster made there since the last publish.
  if [[ $rec == 1 ]]; then
    for p in "${__safeops_fp_roots[@]}"; do
      [[ $p == / || $t == "$p" || $t == "$p"/* || $p == "$t"/* ]] && return 1
    done
  fi
  # A directory that is an ancestor of a published path under another name (bind mount).
  if [[ -d $t ]]; then
    for p in "${__safeops_fp_above[@]}"; do [[ $t -ef $p ]] && return 1; done
  fi
  # The target and its ancestors: no cluster (as the Node guard finds one), no published place
  # under another name (a bind mount made after the last publish, a hard link).
  c=$t
  while [[ -n $c ]]; do
    [[ -e $c/PG_VERSION ]] && return 1
    for p in "${__safeops_fp_paths[@]}"; do [[ $c -ef $p ]] && return 1; done
    c=${c%/*}
  done
  [[ -e /PG_VERSION ]] && return 1
  return 0
}

# "$@" = rm ARGS. Status 0 when it ran rm itself (its status in __safeops_fp_rc), else 1: the
# caller goes to the Node guard.
__safeops_fast() {
  local a opts=1 rec=0 w
  local -a targets=()
  [[ $1 == rm && -z ${POSIXLY_CORRECT+x} ]] || return 1
  \builtin shopt -q nocasematch && return 1
  shift
  for a in "$@"; do
    if (( opts )) && [[ $a == -?* ]]; then
      if [[ $a == -- ]]; then
        opts=0
      elif [[ $a == --* ]]; then
        __safeops_fp_rm_flag "$a" || return 1
        [[ $a == --recursive ]] && rec=1
      else
        [[ ${a:1} == *[!fiIvrRd]* ]] && return 1
        [[ $a == *[rR]* ]] && rec=1
      fi
    else
      targets+=("$a")
    fi
  done
  (( ${#targets[@]} > 0 && ${#targets[@]} <= __safeops_fp_max_targets )) || return 1
  __safeops_find_dir
  __safeops_fp_load "$__safeops_dir" || return 1
  # A recursive rm goes to Node: the guard asks when another user could swap a directory on its
  # walk for a link to a data dir (docs/races.md), and no builtin reads a directory's mode.
  (( rec == 0 )) || return 1
  __safeops_fp_conf_ok || return 1
  for w in "${targets[@]}"; do __safeops_fp_target "$w" "$rec" || return 1; done
  if [[ -n ${SAFEOPS_FASTPATH_TRACE:-} ]]; then \builtin printf 'fast rm %s\n' "$#" >>"$SAFEOPS_FASTPATH_TRACE"; fi
  \command rm "$@"
  __safeops_fp_rc=$?
  return 0
}
# <<< safeops fast path <<<

# Run a guarded command through safeops (or the real one when SAFEOPS_DISABLE is set).
__safeops_guard() {
  if [[ -n ${SAFEOPS_DISABLE:-} && ${SAFEOPS_DISABLE:-} != 0 ]]; then
    \command "$@"
    return
  fi
  if [[ ! -x __SAFEOPS_BIN__ ]]; then
    \builtin printf 'safeops: %s is missing, so %s did not run (the guard is not installed). To run it anyway: SAFEOPS_DISABLE=1 %s ...\n' __SAFEOPS_BIN__ "$1" "$1" >&2
    return 127
  fi
  if [[ $1 == rm ]] && __safeops_fast "$@"; then return "$__safeops_fp_rc"; fi # fast path (S1)
  __SAFEOPS_BIN__ "$@"
}

# The guarded tools without a pre-filter of their own (src/contract.ts SHELL_PLAIN_TOOLS), each
# a function that hands its command line to safeops: `function rm { __safeops_guard rm "$@"; }`.
# The names are plain command names (checked by render.ts: [a-z0-9_-]).
__safeops_tools=(__SAFEOPS_PLAIN_TOOLS__)
for __safeops_t in "${__safeops_tools[@]}"; do
  eval "function $__safeops_t { __safeops_guard $__safeops_t \"\$@\"; }"
done
unset __safeops_t __safeops_tools

# sudo goes through safeops only when a guarded tool is involved; anything else is plain sudo.
function sudo {
  if __safeops_sudo_guarded "$@"; then
    __safeops_guard sudo "$@"
  else
    \command sudo "$@"
  fi
}

# True when any word names a guarded tool (`sudo -u postgres rm x`, `sudo sh -c 'rm -rf y'`).
__safeops_sudo_guarded() {
  local w
  for w in "$@"; do
    if [[ $w =~ $__safeops_guarded_re ]]; then return 0; fi
  done
  return 1
}

# --- Routing (docs/shell-routing.md): prefix commands and the guarded tools of TOOLS.md. ---
# A prefix command (nice, env, xargs, ...) runs through `safeops exec` when one of its words
# names a guarded tool (also inside a `-c` string); otherwise the real one runs, and nothing
# here forks. `command rm` stays the way around the guard; `time` is a keyword that runs our
# functions itself (`time rm x` is guarded); `/usr/bin/time rm` is not (see the doc).
__safeops_via() {
  if [[ -n ${SAFEOPS_DISABLE:-} && ${SAFEOPS_DISABLE:-} != 0 ]]; then
    \command "$@"
    return
  fi
  if [[ ! -x __SAFEOPS_BIN__ ]]; then
    \builtin printf 'safeops: %s is missing, so %s did not run (the guard is not installed). To run it anyway: SAFEOPS_DISABLE=1 %s ...\n' __SAFEOPS_BIN__ "$1" "$1" >&2
    return 127
  fi
  __SAFEOPS_BIN__ exec -- "$@"
}
__safeops_route() {
  if __safeops_sudo_guarded "$@"; then __safeops_via "$@"; else \command "$@"; fi
}
# The prefix commands (src/contract.ts SHELL_PREFIX_COMMANDS): `function nice { __safeops_route nice "$@"; }`.
__safeops_prefixes=(__SAFEOPS_PREFIX_COMMANDS__)
for __safeops_t in "${__safeops_prefixes[@]}"; do
  eval "function $__safeops_t { __safeops_route $__safeops_t \"\$@\"; }"
done
unset __safeops_t __safeops_prefixes
# `exec` is a builtin that a function cannot replace without breaking `exec >log` (a function's
# redirections end with it): an alias (interactive shells only) sends `exec CMD...` here.
# A guarded command runs as a child, so a refusal stays readable; redirections alone are
# refused with a hint, never silently undone. `\exec` and `builtin exec` bypass the alias.
__safeops_exec() {
  if (( $# == 0 )); then
    \builtin printf 'safeops: `exec` with only redirections cannot pass the safeops alias; type `\\exec ...` or `builtin exec ...`\n' >&2
    return 2
  fi
  if __safeops_sudo_guarded "$@"; then
    if [[ $1 == -* ]]; then
      \builtin printf 'safeops: `exec %s` with a guarded tool was not run: run the command without exec (or with `safeops exec`)\n' "$1" >&2
      return 2
    fi
    __safeops_via "$@"
    return
  fi
  builtin exec "$@"
}
alias exec=__safeops_exec
# The guarded tools with a cheap pre-filter where most calls are harmless (src/contract.ts
# SHELL_PREFILTERED_TOOLS); the others are defined above.
# mkfs.* found at `safeops init` (names checked by render.ts: mkfs. and [A-Za-z0-9_]).
__safeops_mkfs=(__SAFEOPS_MKFS_TOOLS__)
for __safeops_t in "${__safeops_mkfs[@]}"; do
  eval "function $__safeops_t { __safeops_guard $__safeops_t \"\$@\"; }"
done
unset __safeops_t __safeops_mkfs
# find: only with an action that deletes or runs something.
function find {
  local a
  for a in "$@"; do
    case $a in -delete | -exec | -execdir | -ok | -okdir) __safeops_guard find "$@"; return ;; esac
  done
  \command find "$@"
}
# dd: only with an output file.
function dd {
  local a
  for a in "$@"; do
    case $a in of=*) __safeops_guard dd "$@"; return ;; esac
  done
  \command dd "$@"
}
# psql: only with "promote" in an argument or a script file (-f, --file); SQL typed at its
# prompt or read from stdin is not seen (docs/shell-routing.md).
function psql {
  local a
  for a in "$@"; do
    case ${a,,} in *promote* | -f* | -[!-]*f* | --file | --file=*) __safeops_guard psql "$@"; return ;; esac
  done
  \command psql "$@"
}
# kill: job specs (%N) and listing stay the builtin (job control); everything else is judged.
function kill {
  if __safeops_kill_is_builtin "$@"; then builtin kill "$@"; else __safeops_guard kill "$@"; fi
}
__safeops_kill_is_builtin() {
  local a sig=1
  while (( $# > 0 )); do
    a=$1
    shift
    if (( sig )); then
      case $a in
        -l | -L) return 0 ;;
        -s | -n) shift; continue ;;
        --) sig=0; continue ;;
        -*) continue ;;
      esac
      sig=0
    fi
    [[ $a == %* ]] || return 1
  done
  return 0
}
# --- end of routing ---

# The state dir: SAFEOPS_STATE_DIR, else the first candidate with a `prompt` file (or none).
__safeops_find_dir() {
  local d
  __safeops_dir=''
  if [[ -n ${SAFEOPS_STATE_DIR:-} ]]; then
    if __safeops_dir_ok "$SAFEOPS_STATE_DIR"; then __safeops_dir=$SAFEOPS_STATE_DIR; fi
    return 0
  fi
  for d in "${__safeops_state_dirs[@]}"; do
    if [[ $d == "$__safeops_xdg"* ]]; then
      # Never for root: after `su` without `-` XDG_RUNTIME_DIR is still the user's.
      if [[ ${XDG_RUNTIME_DIR:-} != /* || $EUID == 0 ]]; then continue; fi
      d=$XDG_RUNTIME_DIR/${d#"$__safeops_xdg"}
    fi
    if [[ -f $d/prompt ]] && __safeops_dir_ok "$d"; then
      __safeops_dir=$d
      return 0
    fi
  done
  return 0
}

# A state dir this shell may read (docs/shell-routing.md): a real directory owned by us. bash
# cannot see another owner without forking, so a user other than root also accepts the system
# candidates baked in at init (/run/safeops: only root can create it in /run).
__safeops_dir_ok() {
  local c
  if [[ ! -d $1 || -L $1 ]]; then
    __safeops_why='state dir is not a directory'
    return 1
  fi
  if [[ -O $1 ]]; then return 0; fi
  if (( EUID != 0 )); then
    for c in "${__safeops_state_dirs[@]}"; do
      if [[ $c == "$1" ]]; then return 0; fi
    done
  fi
  __safeops_why='state dir not owned by you or root'
  return 1
}

# Parse the prompt file after its first two lines (DEVELOPERS.md); status 0 only when valid.
# Sets __safeops_p_role, __safeops_p_label and __safeops_p_alerts.
__safeops_parse() {
  local LC_ALL=C
  local rest=$1 line role='' label='' n=2 fin=0
  __safeops_p_alerts=()
  # One pattern over it all: a byte outside the label charset (or newline) makes it stale.
  # shellcheck disable=SC2053 # a pattern on purpose
  if [[ $rest == $__safeops_bad_content ]]; then return 1; fi
  while [[ -n $rest ]]; do
    line=${rest%%$'\n'*}
    rest=${rest:${#line}+1}
    n=$((n + 1))
    if (( n > __safeops_p_lines || ${#line} > __safeops_p_line )); then return 1; fi
    case $line in
      end) fin=1; break ;;
      'role '*)
        if [[ -n $role ]]; then return 1; fi
        role=${line#role }
        case $role in __SAFEOPS_ROLES_ALT__) ;; *) return 1 ;; esac ;;
      'label '*)
        if [[ -n $label ]]; then return 1; fi
        label=${line#label } ;;
      'alert '*)
        if (( ${#__safeops_p_alerts[@]} >= __safeops_p_alerts_max )); then return 1; fi
        __safeops_p_alerts+=("${line#alert }") ;;
      *) return 1 ;;
    esac
  done
  if [[ $fin != 1 || -z $role ]]; then return 1; fi
  __safeops_p_role=$role __safeops_p_label=$label
  return 0
}

# Read and validate the prompt file; status 0 only when valid and fresh. Sets __safeops_role,
# __safeops_label, __safeops_alerts, or __safeops_why when stale. One `read` of at most
# __safeops_p_bytes bytes (a larger file is stale). The heartbeat (line 2) changes every 2 s and is checked on its own;
# the rest is parsed again only when it changed.
__safeops_read() {
  local f=$1 content='' rest hb now age
  __safeops_alerts=()
  __safeops_why='watcher not running'
  if [[ ! -f $f || ! -r $f ]]; then return 1; fi
  __safeops_why='unreadable state file'
  # No 2>/dev/null (it costs a third of the hook): the watcher replaces the file by rename and
  # never deletes it while it runs, and a missing file was caught just above.
  IFS= read -r -d '' -n "$__safeops_p_bytes" content <"$f"
  if (( ${#content} >= __safeops_p_bytes )); then return 1; fi
  if [[ $content != __SAFEOPS_PROMPT_FIRST_LINE__$'\n''heartbeat '* ]]; then return 1; fi
  rest=${content#*$'\n'heartbeat }
  hb=${rest%%$'\n'*}
  rest=${rest:${#hb}+1}
  if [[ -z $hb || ${#hb} -gt __safeops_p_hb_digits || $hb == *[!0123456789]* ]]; then return 1; fi
  if [[ $rest != "$__safeops_cache" || -z $__safeops_cache ]]; then
    __safeops_cache=''
    if ! __safeops_parse "$rest"; then return 1; fi
    __safeops_cache=$rest
  fi
  now=${EPOCHSECONDS:-}
  if [[ -z $now || $now == *[!0123456789]* ]]; then \builtin printf -v now '%(%s)T' -1; fi
  age=$(( now - 10#$hb ))
  if (( age > __safeops_stale_after )); then
    __safeops_why="watcher not running, last update ${age}s ago"
    return 1
  fi
  if (( -age > __safeops_stale_after )); then
    __safeops_why="heartbeat $((-age))s in the future: clock changed?"
    return 1
  fi
  __safeops_role=$__safeops_p_role
  __safeops_label=$__safeops_p_label
  __safeops_alerts=("${__safeops_p_alerts[@]}")
  return 0
}

# Per role: __safeops_bg (#rrggbb or empty) and __safeops_sgr (SGR parameters or empty).
__safeops_style() {
  case $1 in
    primary) __safeops_bg=__SAFEOPS_BG_PRIMARY__ __safeops_sgr=__SAFEOPS_SGR_PRIMARY__ __safeops_word=__SAFEOPS_WORD_PRIMARY__ ;;
    standby) __safeops_bg=__SAFEOPS_BG_STANDBY__ __safeops_sgr=__SAFEOPS_SGR_STANDBY__ __safeops_word=__SAFEOPS_WORD_STANDBY__ ;;
    recovering) __safeops_bg=__SAFEOPS_BG_RECOVERING__ __safeops_sgr=__SAFEOPS_SGR_RECOVERING__ __safeops_word=__SAFEOPS_WORD_RECOVERING__ ;;
    stopped) __safeops_bg=__SAFEOPS_BG_STOPPED__ __safeops_sgr=__SAFEOPS_SGR_STOPPED__ __safeops_word=__SAFEOPS_WORD_STOPPED__ ;;
    none) __safeops_bg=__SAFEOPS_BG_NONE__ __safeops_sgr=__SAFEOPS_SGR_NONE__ __safeops_word=__SAFEOPS_WORD_NONE__ ;;
    unknown) __safeops_bg=__SAFEOPS_BG_UNKNOWN__ __safeops_sgr=__SAFEOPS_SGR_UNKNOWN__ __safeops_word=__SAFEOPS_WORD_UNKNOWN__ ;;
    *) __safeops_bg=__SAFEOPS_BG_STALE__ __safeops_sgr=__SAFEOPS_SGR_STALE__ __safeops_word=__SAFEOPS_WORD_STALE__ ;;
  esac
}

# Recompute the segment from the state file; emit OSC 11 / OSC 2 when they changed.
__safeops_refresh() {
  local text style a title mark='!'
  __safeops_why='watcher not running'
  __safeops_alerts=()
  __safeops_find_dir
  if [[ -n $__safeops_dir ]] && __safeops_read "$__safeops_dir/prompt"; then
    # The same fresh file as at the last prompt: segment, background and title are already right.
    if [[ $__safeops_cache == "$__safeops_drawn" ]]; then return 0; fi
    __safeops_drawn=$__safeops_cache
    style=$__safeops_role
    __safeops_style "$style"
    text=$__safeops_label
    # The role word is always there: colour is never the only signal.
    if [[ ${text,,} != *"${__safeops_word,,}"* ]]; then text="$__safeops_word${text:+ $text}"; fi
  else
    __safeops_drawn=''
    style=stale
    __safeops_alerts=()
    __safeops_style stale
    text="STALE ($__safeops_why)"
  fi
  case ${LC_ALL:-${LC_CTYPE:-${LANG:-}}} in *[Uu][Tt][Ff]-8* | *[Uu][Tt][Ff]8*) mark='⚠' ;; esac
  for a in "${__safeops_alerts[@]}"; do text+=" $mark $a"; done
  if [[ $__safeops_esc == 1 && -n $__safeops_sgr ]]; then
    __safeops_segment=$'\001\e['"$__safeops_sgr"$'m\002 '"$text"$' \001\e[0m\002 '
  else
    __safeops_segment="[$text] "
  fi
  __safeops_bg_on=0
  if [[ $__safeops_esc != 1 ]]; then return 0; fi
  # Inside GNU screen OSC 11 needs passthrough; the Linux console misreads it: leave them be.
  if [[ $__safeops_want_bg == 1 && -z ${STY:-} && ${TERM:-} != linux && ( -z ${TMUX:-} || $__safeops_want_tmux == 1 ) ]]; then
    __safeops_bg_on=1
    if [[ $__safeops_bg != "$__safeops_last_bg" ]]; then
      if [[ -n $__safeops_bg ]]; then
        \builtin printf '\e]11;%s\a' "$__safeops_bg"
      else
        \builtin printf '\e]111\a'
      fi
      __safeops_last_bg=$__safeops_bg
    fi
  fi
  if [[ $__safeops_want_title == 1 && ${TERM:-} != linux ]]; then
    title="${HOSTNAME%%.*}: $text"
    if [[ $title != "$__safeops_last_title" ]]; then
      \builtin printf '\e]2;%s\a' "$title"
      __safeops_last_title=$title
    fi
  fi
  return 0
}

# Register this shell for live recolouring (DEVELOPERS.md, `shells/`): the watcher then writes
# OSC 11 to our terminal when a role changes (bash cannot redraw its prompt from a trap).
__safeops_register() {
  local -
  local dir=$1 reg stat rest
  local -a fields
  # Registered by us before and still there (one stat): nothing to do.
  if [[ -n $__safeops_reg && $__safeops_reg == "$dir/shells/$$."* && -O $__safeops_reg && -f $__safeops_reg && ! -L $__safeops_reg ]]; then return 0; fi
  if [[ $- != *i* || ! -t 0 || ! -O /proc/$$/fd/0 ]]; then return 0; fi
  # A real directory, never a link to one (we would create files where it points); its
  # owner is the state dir's (checked by __safeops_dir_ok), the only one who can create it.
  if [[ ! -d $dir/shells || -L $dir/shells || ! -w $dir/shells || ! -x $dir/shells ]]; then return 0; fi
  # `set -C` opens a name that does not exist with O_CREAT|O_EXCL (no link followed, no FIFO
  # opened) but reopens an existing non-regular file: so the name is one nobody can plant in
  # advance, <pid>.<64 random bits> (SRANDOM, bash 5.1+; older bash does not register).
  if [[ -z ${SRANDOM:-} ]]; then return 0; fi
  reg=$dir/shells/$$.$SRANDOM$SRANDOM
  if [[ -L $reg || -e $reg ]]; then return 0; fi
  if ! IFS= read -r stat </proc/$$/stat 2>/dev/null; then return 0; fi
  # Field 22 (start time), counted after the last ')': comm may hold spaces and parentheses.
  rest=${stat##*)}
  IFS=' ' read -r -a fields <<<"$rest"
  if [[ ! ${fields[19]:-} =~ ^[0-9]+$ ]]; then return 0; fi
  set -C # O_CREAT|O_EXCL on the fresh random name
  if { \builtin printf 'safeops-shell 1\npid %s\nstart %s\nshell bash\n' "$$" "${fields[19]}" >"$reg"; } 2>/dev/null; then
    __safeops_reg=$reg
  fi
  return 0
}

# The prompt hook: first in PROMPT_COMMAND, it keeps `$?` for the hooks and prompt after it.
__safeops_precmd() {
  local __safeops_status=$?
  __safeops_refresh
  # shellcheck disable=SC2016 # the literal text, expanded by bash at each prompt (promptvars)
  if [[ $__safeops_want_prompt == 1 && -n ${PS1:-} && ${PS1:-} != *'${__safeops_segment}'* ]] && \builtin shopt -q promptvars; then
    # shellcheck disable=SC2016
    PS1='${__safeops_segment}'$PS1
  fi
  if [[ -n $__safeops_dir && $__safeops_bg_on == 1 ]]; then
    __safeops_register "$__safeops_dir"
  fi
  return "$__safeops_status"
}

# On exit: give the terminal its own background back, and drop our registration.
__safeops_exit() {
  if [[ -n $__safeops_last_bg ]]; then \builtin printf '\e]111\a'; fi
  if [[ -n $__safeops_reg && -f $__safeops_reg && -O $__safeops_reg ]]; then
    \command rm -f -- "$__safeops_reg" 2>/dev/null || :
  fi
}

# PROMPT_COMMAND: an array since bash 5.1 (a string before); prepend once, keep what is there.
if [[ ${PROMPT_COMMAND[*]:-} != *__safeops_precmd* ]]; then
  if (( BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1) )); then
    PROMPT_COMMAND=(__safeops_precmd "${PROMPT_COMMAND[@]}")
  else
    # shellcheck disable=SC2128,SC2178 # bash < 5.1: a string
    PROMPT_COMMAND="__safeops_precmd${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
  fi
fi

# EXIT trap: chain to one already set (`trap -p` quotes it as shell input, so eval is exact).
__safeops_prev_trap=$(\builtin trap -p EXIT)
if [[ $__safeops_prev_trap != *__safeops_exit* ]]; then
  if [[ -n $__safeops_prev_trap ]]; then
    __safeops_prev_trap=${__safeops_prev_trap#trap -- }
    __safeops_prev_trap=${__safeops_prev_trap% EXIT}
    eval "__safeops_prev_trap=$__safeops_prev_trap"
    \builtin trap -- "__safeops_exit; $__safeops_prev_trap" EXIT
  else
    \builtin trap -- __safeops_exit EXIT
  fi
fi
unset __safeops_prev_trap

# >>> no watcher (docs/release.md) >>>
# Once, when the integration loads in an interactive shell: when no watcher publishes (no fresh
# `prompt` file where this shell looks), say how to start one; with SAFEOPS_START_WATCHER=1 set
# before the init line, start one instead (`safeops watch --daemon`: one per state dir, so shells
# starting together still make one). Builtins only, unless it starts the watcher.
__safeops_watcher_notice() {
  local d f hb='' now dirs=()
  if [[ -n ${SAFEOPS_STATE_DIR:-} ]]; then dirs=("$SAFEOPS_STATE_DIR"); else dirs=("${__safeops_state_dirs[@]}"); fi
  for d in "${dirs[@]}"; do
    if [[ $d == "$__safeops_xdg"* ]]; then
      if [[ ${XDG_RUNTIME_DIR:-} != /* ]]; then continue; fi
      d=$XDG_RUNTIME_DIR/${d#"$__safeops_xdg"}
    fi
    f=$d/prompt
    if [[ -f $f && -r $f ]] && { IFS= read -r hb && IFS= read -r hb; } <"$f"; then
      hb=${hb#heartbeat }
      now=${EPOCHSECONDS:-}
      if [[ -z $now ]]; then \builtin printf -v now '%(%s)T' -1; fi
      if [[ $hb =~ ^[0-9]+$ && ${#hb} -le __safeops_p_hb_digits ]] && (( now - 10#$hb <= __safeops_stale_after )); then return 0; fi
    fi
  done
  if [[ ${SAFEOPS_START_WATCHER:-} == 1 ]]; then
    __SAFEOPS_BIN__ watch --daemon >&2 || :
  else
    \builtin printf '%s\n' 'safeops: no watcher is running, so the prompt shows STALE and roles are not live. Start one: sudo systemctl enable --now safeops (with systemd), or safeops watch --daemon (without). To have shells start it: export SAFEOPS_START_WATCHER=1 before the safeops init line.' >&2
  fi
}
if [[ $- == *i* ]]; then __safeops_watcher_notice; fi
unset -f __safeops_watcher_notice
# <<< no watcher <<<
