# fish completion for safeops. Installed to /usr/share/fish/vendor_completions.d/safeops.fish
# (or ~/.config/fish/completions/). After a wrapped tool (`safeops rm ...`, `safeops exec CMD
# ...`), the tool's own completion takes over (__fish_complete_subcommand).

set -l wrapped rm pg_ctl pg_ctlcluster wal-g pgbackrest pg_basebackup systemctl sudo
set -l commands $wrapped exec status watch init demo config

complete -c safeops -f
complete -c safeops -n __fish_use_subcommand -l confirm -x -a '(prompt_hostname)' -d 'Confirm without a terminal: the short host name'
complete -c safeops -n __fish_use_subcommand -l help -d 'Show help'
complete -c safeops -n __fish_use_subcommand -l version -d 'Show the version'

complete -c safeops -n __fish_use_subcommand -a rm -d 'rm, refused on a live cluster'
complete -c safeops -n __fish_use_subcommand -a pg_ctl -d 'pg_ctl, guarded'
complete -c safeops -n __fish_use_subcommand -a pg_ctlcluster -d 'pg_ctlcluster, guarded'
complete -c safeops -n __fish_use_subcommand -a wal-g -d 'wal-g, guarded'
complete -c safeops -n __fish_use_subcommand -a pgbackrest -d 'pgbackrest, guarded'
complete -c safeops -n __fish_use_subcommand -a pg_basebackup -d 'pg_basebackup, guarded'
complete -c safeops -n __fish_use_subcommand -a systemctl -d 'systemctl, guarded for PostgreSQL units'
complete -c safeops -n __fish_use_subcommand -a sudo -d 'sudo, seeing through to the guarded command'
complete -c safeops -n __fish_use_subcommand -a exec -d 'Run any command line, seeing through prefixes'
complete -c safeops -n __fish_use_subcommand -a status -d 'List clusters with their live roles'
complete -c safeops -n __fish_use_subcommand -a watch -d 'The watcher that publishes roles to shells'
complete -c safeops -n __fish_use_subcommand -a init -d 'Print the shell integration'
complete -c safeops -n __fish_use_subcommand -a demo -d 'A disposable primary and standby to try it on'
complete -c safeops -n __fish_use_subcommand -a config -d 'Read or change the configuration'

# The wrapped tool's own completion, for the rest of the line.
complete -c safeops -n "__fish_seen_subcommand_from $wrapped" -x -a '(__fish_complete_subcommand)'
complete -c safeops -n '__fish_seen_subcommand_from exec' -x -a '(__fish_complete_subcommand --fcs-skip=2)'

complete -c safeops -n '__fish_seen_subcommand_from status' -l json -d 'Machine-readable output'
complete -c safeops -n '__fish_seen_subcommand_from init' -x -a 'bash zsh fish'
complete -c safeops -n '__fish_seen_subcommand_from watch' -l state-dir -x -a '(__fish_complete_directories)' -d 'Where to publish the state'
complete -c safeops -n '__fish_seen_subcommand_from watch' -l once -d 'Publish once and exit'
complete -c safeops -n '__fish_seen_subcommand_from watch' -l user -d 'A user watcher (state in $XDG_RUNTIME_DIR/safeops)'
complete -c safeops -n '__fish_seen_subcommand_from demo' -l shell -x -a 'bash zsh fish' -d 'The shell to start'
complete -c safeops -n '__fish_seen_subcommand_from demo' -l no-shell -d 'Start no shell'
complete -c safeops -n '__fish_seen_subcommand_from demo' -l keep -d 'Keep the clusters on exit'
complete -c safeops -n '__fish_seen_subcommand_from config; and not __fish_seen_subcommand_from get set unset path' -x -a 'get set unset path'
complete -c safeops -n '__fish_seen_subcommand_from config; and __fish_seen_subcommand_from get set unset' -x -a 'protect discovery.roots discovery.maxDepth discovery.clusters sql.user sql.database sql.connectTimeoutMs audit.path watch.sqlIntervalMs watch.rediscoverIntervalMs watch.staleAfterSeconds shell.colors.primary shell.colors.standby shell.colors.recovering shell.colors.stopped shell.colors.unknown shell.colors.stale shell.colors.none shell.background shell.title shell.tmux shell.prompt'
