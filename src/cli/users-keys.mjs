#!/usr/bin/env node
// The `users-keys` command (package.json "bin"): loads tsx's TypeScript
// loader, then runs src/cli/keys.ts, the same as `npm run keys --`.
import { register } from 'tsx/esm/api';

register();
await import('./keys.ts');
