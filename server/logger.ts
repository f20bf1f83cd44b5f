import pino from 'pino';

/**
 * One structured logger. Anything that may carry an ID-card number, password or token is redacted
 * by key; callers must still never put those values in messages.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { svc: 'tidewatch' },
  redact: {
    paths: [
      'password',
      '*.password',
      'token',
      '*.token',
      'idNumber',
      '*.idNumber',
      '*.*.idNumber',
      'authorization',
      '*.authorization',
      'cookie',
      '*.cookie',
    ],
    censor: '[redacted]',
  },
});

export type TLogger = typeof logger;
