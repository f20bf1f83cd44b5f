import { expect } from 'vitest';
import { BackupError } from '../../db/backup-format.ts';

/** Asserts that p fails with a BackupError of this reason (the typed errors of backup and restore). */
export async function expectBackupError(p: Promise<unknown>, reason: BackupError['reason']): Promise<BackupError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected BackupError ${reason}`).toBeInstanceOf(BackupError);
  expect((err as BackupError).reason, (err as Error).message).toBe(reason);
  return err as BackupError;
}
