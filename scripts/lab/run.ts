import { formatReport, type Lab, LabReport } from './lab.ts';
import { labs } from './labs.ts';

export function findLab(arg: string | undefined): Lab {
  const id = Number(arg);
  const lab = labs.find((l) => l.id === id || l.slug === arg);
  if (!lab) {
    throw new Error(
      `no lab ${arg ?? '(none given)'}; labs: ${labs.map((l) => `${l.id} ${l.slug}`).join(', ')}`,
    );
  }
  return lab;
}

/** Runs one lab's verify; an exception is a failed check, never a crash without a verdict. */
export async function runVerify(
  lab: Lab,
  log: (line: string) => void = () => {},
): Promise<{ report: LabReport; text: string; elapsedMs: number }> {
  const report = new LabReport();
  const started = Date.now();
  try {
    await lab.verify(report, log);
  } catch (err) {
    report.fail('experiment ran to the end', err);
  }
  const elapsedMs = Date.now() - started;
  return { report, text: formatReport(lab, report, elapsedMs), elapsedMs };
}
