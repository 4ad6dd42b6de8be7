// Which clusters a decision will be about: the guard's facts plan reads the expensive facts
// (Patroni, the fleet view, SQL) for these clusters only. Pure, like decide().
import type { Command } from '../command/types.js';
import type { HostFacts } from '../facts/types.js';
import { decide, type PolicyConfig } from './decide.js';

/**
 * Data dirs of the clusters `command` touches, judged on the facts read so far (files and /proc).
 * The final verdict is decided again on all the facts; its `touched` is the one that counts.
 */
export function touchedBy(command: Command, facts: HostFacts, config: PolicyConfig): string[] {
  return decide(command, facts, config).touched;
}
