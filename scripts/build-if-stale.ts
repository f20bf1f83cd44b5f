import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What the Next.js build depends on; a change in any of these triggers a rebuild. */
const INPUTS = [
  'app',
  'components',
  'lib',
  'server',
  'db',
  'public',
  'next.config.js',
  'package-lock.json',
  'tsconfig.json',
];
const STAMP = path.join('.next', 'tidewatch-build-stamp');

function hashTree(root: string, h = createHash('sha256')): ReturnType<typeof createHash> {
  if (!existsSync(root)) return h;
  const st = statSync(root);
  if (st.isDirectory()) {
    for (const e of readdirSync(root).sort()) hashTree(path.join(root, e), h);
  } else {
    h.update(root).update(readFileSync(root));
  }
  return h;
}

/** Runs `next build` unless the last build was made from exactly these sources. Returns true if it built. */
export function buildIfStale(log: (m: string) => void = console.log): boolean {
  const h = createHash('sha256');
  for (const i of INPUTS) hashTree(i, h);
  const digest = h.digest('hex');
  if (existsSync(path.join('.next', 'BUILD_ID')) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest) {
    log('pages are built and up to date');
    return false;
  }
  log('building the pages (next build; about a minute on a 2-core machine)…');
  const r = spawnSync(process.execPath, [path.join('node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
  });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status})`);
  writeFileSync(STAMP, digest);
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) buildIfStale();
