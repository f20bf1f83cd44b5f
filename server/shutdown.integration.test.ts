import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('graceful shutdown', () => {
  it('on SIGTERM stops accepting, closes the database and exits 0', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tw-term-'));
    const child = spawn(path.join('node_modules', '.bin', 'tsx'), ['tests/fixtures/serve-api.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: '',
        REDIS_URL: '',
        PORT: '0',
        HOST: '127.0.0.1',
        TIDEWATCH_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /LISTENING (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (c) => reject(new Error(`exited early (${c})`)));
    });
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
    // The embedded lock was released: the data directory can be opened again.
    expect(existsSync(path.join(dataDir, 'tidewatch.lock'))).toBe(false);
  });
});
