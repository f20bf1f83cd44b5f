import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('runs embedded with no environment at all', () => {
    const c = loadConfig({ TIDEWATCH_DATA_DIR: '/tmp/tidewatch-config-test' });
    expect(c.mode).toBe('embedded');
    expect(c.PORT).toBe(3000);
    expect(c.authSecret.length).toBeGreaterThanOrEqual(32);
    // The generated secret is kept, so sessions survive a restart.
    expect(loadConfig({ TIDEWATCH_DATA_DIR: '/tmp/tidewatch-config-test' }).authSecret).toBe(c.authSecret);
  });

  it('names every bad value at once', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'http://r', LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const key of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL']) expect(problems).toContain(key);
  });

  it('requires a shared session secret in production mode, and never echoes secrets', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:pw@h/db' })).toThrow(/NEXTAUTH_SECRET/);
    try {
      loadConfig({ DATABASE_URL: 'postgres://u:hunter2@h/db', NEXTAUTH_SECRET: 'short' });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('short');
    }
    expect(loadConfig({ DATABASE_URL: 'postgres://u:pw@h/db' }, 'tool').mode).toBe('production');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '', TIDEWATCH_DATA_DIR: '/tmp/tidewatch-config-test' }).mode).toBe(
      'embedded',
    );
  });

  it('takes the queue alarm lines in order', () => {
    const dir = { TIDEWATCH_DATA_DIR: '/tmp/tidewatch-config-test' };
    expect(loadConfig(dir)).toMatchObject({ TIDEWATCH_QUEUE_WARN: 0.9, TIDEWATCH_QUEUE_CRITICAL: 1 });
    expect(() => loadConfig({ ...dir, TIDEWATCH_QUEUE_WARN: '1.2' })).toThrow(/TIDEWATCH_QUEUE_WARN/);
  });
});
