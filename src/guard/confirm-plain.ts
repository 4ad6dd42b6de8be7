// A plain typed confirmation (readline), used when the Ink screen cannot be loaded.
import readline from 'node:readline';
import { checkAnswer } from '../ui/answers.js';

export type PlainOutcome = { outcome: 'confirmed'; typed: string[] } | { outcome: 'declined'; typed: string[] } | { outcome: 'interrupted'; signal: string | null };

/** Ask for each expected answer in turn; the first that does not count (checkAnswer, as on the screen) declines. */
export function askPlain(text: string, prompts: Array<{ question: string; expected: string }>): Promise<PlainOutcome> {
  return new Promise((resolve) => {
    process.stderr.write(text);
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const typed: string[] = [];
    let settled = false;
    const finish = (r: PlainOutcome) => {
      if (settled) return;
      settled = true;
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      rl.close();
      resolve(r);
    };
    const onTerm = () => finish({ outcome: 'interrupted', signal: 'SIGTERM' });
    const onHup = () => finish({ outcome: 'interrupted', signal: 'SIGHUP' });
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    rl.on('SIGINT', () => {
      process.stderr.write('\n');
      finish({ outcome: 'interrupted', signal: 'SIGINT' });
    });
    rl.on('close', () => finish({ outcome: 'declined', typed }));
    const ask = (i: number) => {
      const p = prompts[i];
      if (!p) return finish({ outcome: 'confirmed', typed });
      rl.question(p.question, (answer) => {
        typed.push(answer);
        if (!checkAnswer(p.expected, answer)) return finish({ outcome: 'declined', typed });
        ask(i + 1);
      });
    };
    ask(0);
  });
}
