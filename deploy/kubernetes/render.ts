import { writeFileSync } from 'node:fs';
import { overlays, render, renderedFile } from './kustomize.ts';

// Writes rendered/<overlay>.yaml after a change to the manifests: node deploy/kubernetes/render.ts
// (manifests.test.ts fails while the committed output differs from what kustomize renders).
for (const overlay of overlays) {
  writeFileSync(renderedFile(overlay), render(overlay));
  console.log(`rendered ${renderedFile(overlay)}`);
}
