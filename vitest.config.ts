import { defineConfig } from 'vitest/config';

// Three tiers by file name (shared/STYLE.md): *.test.ts (unit), *.integration.test.ts (real
// databases, Redis and sockets), tests/e2e/*.spec.ts (Playwright, not run by Vitest).
export default defineConfig({
  test: {
    // Tests assert on behaviour, not log lines; LOG_LEVEL=info npm test shows them.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', 'node_modules/**', 'tests/e2e/**', '.next/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.integration.test.ts'],
          exclude: ['node_modules/**', '.next/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file boots real databases (PGlite is ~100 MB a copy); two at a time fits 2 cores.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
