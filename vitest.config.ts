import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**', '**/dist/**'],
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
