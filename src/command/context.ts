// What every parser of a guarded tool receives and returns.
import type { Op } from './types.js';

/** The environment, passed down from the edge (parsers never read process.env). */
export type Env = Readonly<Record<string, string | undefined>>;

export interface ToolContext {
  /** The variables the tool will see, as far as they are known. */
  env: Env;
  /** True when the tool's environment is unknown (sudo -i, su -): a variable absent from `env` may still be set. */
  envUnknown: boolean;
  /** argv[0] as typed (for argv the parser builds, e.g. a dry run); defaults to the tool's name. */
  argv0?: string;
}

export interface ToolResult {
  ops: Op[];
  notes: string[];
}

export type ToolParser = (args: string[], ctx: ToolContext) => ToolResult;
