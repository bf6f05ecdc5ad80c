import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../scripts/stack/paths.ts';

/**
 * The renderer is kustomize itself, the one `kubectl kustomize` embeds, built once per version
 * with `go install` into the home cache as the local stack builds its Go stand-ins
 * (scripts/stack/go-tools.ts), so a fresh clone needs nothing but Go.
 */
export const kustomizeModule = 'sigs.k8s.io/kustomize/kustomize/v5';
export const kustomizeVersion = 'v5.8.2';

export const kubernetesDir = import.meta.dirname;
export const overlays = ['dev', 'managed'] as const;
export type Overlay = (typeof overlays)[number];

export const overlayDir = (overlay: Overlay) => join(kubernetesDir, 'overlays', overlay);
export const renderedFile = (overlay: Overlay) => join(kubernetesDir, 'rendered', `${overlay}.yaml`);

/** The kustomize binary, built first if this machine has none of this version. */
export function ensureKustomize(): string {
  const dir = join(cacheDir, 'go-bin', `kustomize-${kustomizeVersion}`);
  const bin = join(dir, 'kustomize');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  execFileSync('go', ['install', `${kustomizeModule}@${kustomizeVersion}`], {
    env: { ...process.env, GOBIN: dir, CGO_ENABLED: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (!existsSync(bin)) throw new Error(`go install did not produce ${bin}`);
  return bin;
}

/** What `kubectl kustomize overlays/<overlay>` prints. */
export function render(overlay: Overlay, bin = ensureKustomize()): string {
  return execFileSync(bin, ['build', overlayDir(overlay)], { encoding: 'utf8' });
}
