import next from 'next';
import { AppError } from '../lib/errors.ts';
import { startApp, type App } from './app.ts';
import { ConfigError, loadConfig, type TConfig } from './config.ts';
import { logger } from './logger.ts';

/** SIGTERM must end the process within this long (ms), whatever is still open. */
const SHUTDOWN_DEADLINE_MS = 9_500;

/**
 * The one Node server: Next.js pages, tRPC at /api/trpc, Socket.IO (/gates, /channels, /live),
 * /api/health and /metrics on one port.
 */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  const dev = argv.includes('--dev');
  let config: TConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  process.env.NEXTAUTH_SECRET = config.authSecret;
  // next-auth takes the origin from the Host header, so any instance behind a load balancer works.
  process.env.AUTH_TRUST_HOST ??= 'true';
  process.env.NEXTAUTH_URL ??= `http://localhost:${config.PORT}`;

  const nextApp = next({ dev, hostname: config.HOST, port: config.PORT, dir: process.cwd() });
  let app: App;
  try {
    app = await startApp({
      config,
      next: {
        handle: async (req, res) => {
          await nextReady;
          return nextApp.getRequestHandler()(req, res);
        },
        upgrade: async (req, socket, head) => {
          await nextReady;
          return nextApp.getUpgradeHandler()(req, socket, head);
        },
        close: () => nextApp.close(),
      },
    });
  } catch (err) {
    if (err instanceof AppError) {
      console.error(`Tidewatch cannot start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  // Next prepares while the database, sockets and health are already up.
  const nextReady = nextApp.prepare();
  await nextReady;
  logger.info({ url: app.url, dev }, 'pages ready');

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    logger.fatal({ err: (err as Error).stack }, 'tidewatch failed to start');
    process.exit(1);
  });
}
