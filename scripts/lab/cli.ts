/**
 * pnpm lab list              the workshop's labs, with their durations
 * pnpm lab <n> verify        perform lab n's experiment against the running stack and check the
 *                            expected observation: PASS/FAIL with the figures; exit code 1 on FAIL
 */
import { labs } from './labs.ts';
import { findLab, runVerify } from './run.ts';

const usage = `usage: pnpm lab list | pnpm lab <n> verify   (n: ${labs.map((l) => l.id).join(', ')})`;

async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (first === 'list') {
    for (const l of labs)
      console.log(
        `${String(l.id).padStart(2)}  ${l.title.padEnd(32)} ${String(l.minutes).padStart(3)} min   docs/workshop/${String(l.id).padStart(2, '0')}-${l.slug}.md`,
      );
    return 0;
  }
  if (first === undefined || first === 'help' || first === '--help') {
    console.log(usage);
    return first === undefined ? 2 : 0;
  }
  if (second !== 'verify') {
    console.error(usage);
    return 2;
  }
  const lab = findLab(first);
  console.error(`lab ${lab.id} — ${lab.title}: running the experiment against the stack…`);
  const { report, text } = await runVerify(lab, (line) => console.error(`  … ${line}`));
  console.log(text);
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(2);
  },
);
