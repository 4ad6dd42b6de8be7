// What /proc says about a process's footprint: shared by the resource tests and `npm run bench`.
import fs from 'node:fs';

export const CLK_TCK = 100; // USER_HZ on Linux

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/**
 * CPU time of a process in seconds, to the nanosecond: the sum of its threads' time on a CPU
 * (/proc/<pid>/task/<tid>/schedstat, first field). The ticks of /proc/<pid>/stat are 10 ms: a
 * 10 s window of a watcher at 1 % holds only 10 of them.
 */
export function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended in between
    }
  }
  return ns / 1e9;
}

/** VmRSS in kB. */
export function rssKb(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}
