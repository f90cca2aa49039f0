#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so the command is always the code you are reading.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
