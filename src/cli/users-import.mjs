#!/usr/bin/env node
// The `users-import` command (package.json "bin"): loads tsx's TypeScript
// loader, then runs src/cli/import.ts, the same as `npm run import --`.
import { register } from 'tsx/esm/api';

register();
await import('./import.ts');
