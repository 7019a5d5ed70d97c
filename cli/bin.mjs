#!/usr/bin/env node
// The `vault-migrator` bin: the command is TypeScript, run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
