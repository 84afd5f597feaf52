import type { TestProject } from 'vitest/node';
import { buildTemplates, dropTemplates, type TemplateInfo } from './testDatabases.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dbTemplates: TemplateInfo;
  }
}

export default async function setup(project: TestProject) {
  const templates = await buildTemplates();
  project.provide('dbTemplates', templates);
  return () => dropTemplates(templates);
}
