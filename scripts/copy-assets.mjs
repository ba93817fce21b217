// Copies non-TypeScript files the compiled program reads at run time (the embedded default config).
import { cpSync, mkdirSync } from 'node:fs';
mkdirSync('dist/config', { recursive: true });
cpSync('config/default.yaml', 'dist/config/default.yaml');
