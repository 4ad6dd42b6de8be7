# fish completion for safeops. Installed to /usr/share/fish/vendor_completions.d/safeops.fish
# (or ~/.config/fish/completions/). After a wrapped tool (`safeops rm ...`, `safeops exec CMD
# ...`), the tool's own completion takes over (__fish_complete_subcommand).

# Filled from src/contract.ts and the config's keys by `safeops completions fish` (and the
# build, dist/completions/): the guarded tools and sudo (a command line follows), the
# management commands (name:description), the config keys, the shells.
set -l wrapped __SAFEOPS_WRAPPED__
set -l items __SAFEOPS_COMMAND_ITEMS__
set -l keys __SAFEOPS_CONFIG_KEYS__
set -l shells __SAFEOPS_SHELLS__

complete -c safeops -f
complete -c safeops -n __fish_use_subcommand -l confirm -x -a '(prompt_hostname)' -d 'Confirm without a terminal: the short host name'
complete -c safeops -n __fish_use_subcommand -l help -d 'Show help'
complete -c safeops -n __fish_use_subcommand -l version -d 'Show the version'

for item in $items
    set -l nd (string split -m 1 : -- $item)
    complete -c safeops -n __fish_use_subcommand -a $nd[1] -d $nd[2]
end

# The wrapped tool's own completion, for the rest of the line.
complete -c safeops -n "__fish_seen_subcommand_from $wrapped" -x -a '(__fish_complete_subcommand)'
complete -c safeops -n '__fish_seen_subcommand_from exec' -x -a '(__fish_complete_subcommand --fcs-skip=2)'

complete -c safeops -n '__fish_seen_subcommand_from status' -l json -d 'Machine-readable output'
complete -c safeops -n '__fish_seen_subcommand_from init completions' -x -a "$shells"
complete -c safeops -n '__fish_seen_subcommand_from watch' -l state-dir -x -a '(__fish_complete_directories)' -d 'Where to publish the state'
complete -c safeops -n '__fish_seen_subcommand_from watch' -l once -d 'Publish once and exit'
complete -c safeops -n '__fish_seen_subcommand_from watch' -l user -d 'A user watcher (state in $XDG_RUNTIME_DIR/safeops)'
complete -c safeops -n '__fish_seen_subcommand_from demo' -l shell -x -a "$shells" -d 'The shell to start'
complete -c safeops -n '__fish_seen_subcommand_from demo' -l no-shell -d 'Start no shell'
complete -c safeops -n '__fish_seen_subcommand_from demo' -l keep -d 'Keep the clusters on exit'
complete -c safeops -n '__fish_seen_subcommand_from config; and not __fish_seen_subcommand_from get set unset path' -x -a 'get set unset path'
complete -c safeops -n '__fish_seen_subcommand_from config; and __fish_seen_subcommand_from get set unset' -x -a "$keys"
