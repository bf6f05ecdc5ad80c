import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from '@akaso/kafka';
import { type StackControl, unavailableReason } from './fault-catalogue.ts';
import type { FaultRoutesOptions } from './fault-routes.ts';
import { createFaultScheduler, type FaultScheduler } from './fault-scheduler.ts';
import { createStepRunner } from './fault-steps.ts';

/** The fault panel's parts, put together from the dashboard's configuration. */

export interface FaultPanelSettings {
  STACK_CONTROL: StackControl;
  STACK_ROOT?: string | undefined;
  FLAGS_FILE?: string | undefined;
}

export type FaultPanel = Omit<FaultRoutesOptions, 'guard'> & { scheduler: FaultScheduler };

export class FaultPanelConfigError extends Error {}

export function createFaultPanel(
  settings: FaultPanelSettings,
  { kafka, nodePath, now = Date.now }: { kafka: Kafka; nodePath: string; now?: () => number },
): FaultPanel {
  const control = settings.STACK_CONTROL;
  if (control === 'local') {
    const cli = settings.STACK_ROOT && join(settings.STACK_ROOT, 'scripts', 'stack', 'cli.ts');
    if (!cli || !existsSync(cli)) {
      throw new FaultPanelConfigError(
        `STACK_CONTROL=local needs STACK_ROOT, the repository holding scripts/stack/cli.ts (got ${settings.STACK_ROOT ?? 'nothing'})`,
      );
    }
  }
  const flags = settings.FLAGS_FILE !== undefined;
  const runStep = createStepRunner({
    control,
    stackRoot: settings.STACK_ROOT,
    nodePath,
    flagsFile: settings.FLAGS_FILE,
    kafka,
    now,
  });
  const scheduler = createFaultScheduler({
    runStep,
    now,
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    unavailable: (variant) => unavailableReason(variant, { control, flags }),
  });
  return { scheduler, control, flags, flagsFile: settings.FLAGS_FILE, now };
}
