// The parser for each guarded tool.
import type { ToolParser } from './context.js';
import { parsePgBasebackup } from './pg-basebackup.js';
import { parsePgCtl } from './pg-ctl.js';
import { parsePgCtlcluster } from './pg-ctlcluster.js';
import { parsePgbackrest } from './pgbackrest.js';
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
};
