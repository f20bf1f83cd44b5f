import { defineConfig } from 'vitest/config';

/**
 * Tests that start PostgreSQL and Redis servers of their own (tests/helpers/throwaway-services.ts):
 * left out of the run under a faked clock (scripts/test.ts), where redis-server hangs under
 * libfaketime; they test outages, not the time of day.
 */
const OWN_SERVERS = [
  'server/faults.integration.test.ts',
  'server/realtime/outage.integration.test.ts',
  'server/auth/sign-in.integration.test.ts',
];
const fakedClock = process.env.TIDEWATCH_FAKED_CLOCK === '1';

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
          exclude: ['node_modules/**', '.next/**', ...(fakedClock ? OWN_SERVERS : [])],
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
