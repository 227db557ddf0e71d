#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's loader (the same loader the pipeline thread is started with).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
