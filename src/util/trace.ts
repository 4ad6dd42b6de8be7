// SAFEOPS_TRACE=FILE appends "ms-since-start stage" lines: how start-up time is spent (bench, debugging).
import fs from 'node:fs';

const file = process.env.SAFEOPS_TRACE;

export function trace(stage: string): void {
  if (file) fs.appendFileSync(file, `${performance.now().toFixed(1)} ${stage}\n`);
}
