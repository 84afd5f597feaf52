import type { TestProject } from 'vitest/node';
import { buildTemplates, dropTemplates, type TemplateInfo } from './testDatabases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dbTemplates: TemplateInfo;
  }
}

/**
 * The server and slow projects share one set of templates per run (each runs this setup; building takes about
 * 2 s): the first project to start builds them, the last to finish drops them.
 */
const run = globalThis as { smsOtpDbTemplates?: { built: Promise<TemplateInfo>; projects: number } };

export default async function setup(project: TestProject) {
  const shared = (run.smsOtpDbTemplates ??= { built: buildTemplates(), projects: 0 });
  shared.projects += 1;
  project.provide('dbTemplates', await shared.built);
  return async () => {
    shared.projects -= 1;
    if (shared.projects > 0) return;
    if (run.smsOtpDbTemplates === shared) delete run.smsOtpDbTemplates;
    await dropTemplates(await shared.built);
  };
}
