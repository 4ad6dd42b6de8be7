// The parser for each guarded tool.
import type { ToolParser } from './context.js';
import { parseUmount, parseMkfs, parseWipefs } from './disk.js';
import { parseCp, parseDd, parseMv, parseRsync, parseShred, parseTruncate } from './fileops.js';
import { parseFind } from './find.js';
import { parseHostDown } from './host-down.js';
import { parseKill, parseKillall, parsePkill } from './kill.js';
import { parsePgBasebackup } from './pg-basebackup.js';
import { parsePgCtl } from './pg-ctl.js';
import { parsePgCtlcluster } from './pg-ctlcluster.js';
import { parsePgDropcluster, parsePgResetwal, parsePgRewind, parsePgUpgrade } from './pg-offline.js';
import { parsePgbackrest } from './pgbackrest.js';
import { parsePsql } from './psql.js';
import { parseRm } from './rm.js';
import { parseSystemctl } from './systemctl.js';
import type { GuardedTool } from './types.js';
import { parseWalg } from './walg.js';

export const TOOL_PARSERS: Readonly<Record<GuardedTool, ToolParser>> = {
  rm: parseRm,
  pg_ctl: parsePgCtl,
  pg_ctlcluster: parsePgCtlcluster,
  'wal-g': parseWalg,
  pgbackrest: parsePgbackrest,
  pg_basebackup: parsePgBasebackup,
  systemctl: parseSystemctl,
  mv: parseMv,
  cp: parseCp,
  rsync: parseRsync,
  find: parseFind,
  truncate: parseTruncate,
  shred: parseShred,
  dd: parseDd,
  pg_dropcluster: parsePgDropcluster,
  pg_resetwal: parsePgResetwal,
  pg_rewind: parsePgRewind,
  pg_upgrade: parsePgUpgrade,
  kill: parseKill,
  pkill: parsePkill,
  killall: parseKillall,
  psql: parsePsql,
  reboot: parseHostDown,
  shutdown: parseHostDown,
  poweroff: parseHostDown,
  halt: parseHostDown,
  umount: parseUmount,
  mkfs: parseMkfs,
  wipefs: parseWipefs,
};
