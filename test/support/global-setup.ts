/**
 * Vitest global setup: starts ONE MongoDB for the whole run, prints which,
 * hands its URI to the test files (`inject('mongoUri')`) and stops it at the
 * end. Order of preference and the TEST_MONGO override: see choose-backend.ts.
 */
import type { TestProject } from 'vitest/node';
import { localMongodBinary, startBackend } from './backends.ts';
import { chooseBackend, type BackendName } from './choose-backend.ts';
import { dockerEngineAnswers } from './docker-probe.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the run's MongoDB (a replica set). */
    mongoUri: string;
    /** Which kind of MongoDB it is. */
    mongoBackend: BackendName;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const choice = await chooseBackend(process.env, {
    dockerEngineAnswers: () => dockerEngineAnswers(process.env),
    localMongodBinary,
  });
  const running = await startBackend(choice, process.env);
  console.log(`[mongo] backend: ${running.backend} (${running.description})`);
  project.provide('mongoUri', running.uri);
  project.provide('mongoBackend', running.backend);
  return () => running.stop();
}
