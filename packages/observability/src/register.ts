/**
 * Loaded with `node --import @akaso/observability/register` before the service's main module.
 * ESM imports are linked before any of their code runs, so an SDK started from runService would
 * come after fastify, pg and the http module were already bound: the loader hook has to be in
 * place first, hence a preloaded file. The hook is Node's synchronous module.registerHooks (no
 * loader thread) and wraps only the modules the instrumentations patch; with tracing off
 * (OTEL_SDK_DISABLED=true) nothing is registered and the SDK is not even loaded.
 */
import { loadConfigOrExit } from '@akaso/config';
import { tracingConfigSchema } from './config.ts';

const config = loadConfigOrExit('tracing', tracingConfigSchema);
if (!config.OTEL_SDK_DISABLED) {
  const { register, supportsSyncHooks } = await import('import-in-the-middle/register-hooks.mjs');
  const { instrumentedModules, startTracing } = await import('./sdk.ts');
  if (supportsSyncHooks()) register({ include: instrumentedModules });
  else {
    // Older Node 24 lines: the same hook on a loader thread.
    const { register: registerLoader } = await import('node:module');
    registerLoader('import-in-the-middle/hook.mjs', import.meta.url, {
      data: { include: instrumentedModules },
    });
  }
  startTracing(config);
}
