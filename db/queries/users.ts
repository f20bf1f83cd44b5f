import type { Queryable } from '../client.ts';
import type { TRole } from '../../lib/roles.ts';

export interface UserRow {
  id: number;
  email: string;
  name: string;
  role: TRole;
  all_venues: boolean;
  venue_ids: number[];
  disabled_at: Date | null;
}

const USER_COLUMNS = `u.id, u.email, u.name, u.role, u.all_venues, u.disabled_at,
  COALESCE(array_agg(uv.venue_id ORDER BY uv.venue_id) FILTER (WHERE uv.venue_id IS NOT NULL), '{}') AS venue_ids`;

export async function findUserById(db: Queryable, id: number): Promise<UserRow | undefined> {
  const r = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users u LEFT JOIN user_venues uv ON uv.user_id = u.id WHERE u.id = $1 GROUP BY u.id`,
    [id],
  );
  return r.rows[0];
}

export async function findUserForSignIn(
  db: Queryable,
  email: string,
): Promise<(UserRow & { password_hash: string }) | undefined> {
  const r = await db.query<UserRow & { password_hash: string }>(
    `SELECT ${USER_COLUMNS}, u.password_hash FROM users u LEFT JOIN user_venues uv ON uv.user_id = u.id
     WHERE u.email = $1 GROUP BY u.id`,
    [email.toLowerCase()],
  );
  return r.rows[0];
}

export async function listUsers(db: Queryable): Promise<UserRow[]> {
  const r = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users u LEFT JOIN user_venues uv ON uv.user_id = u.id GROUP BY u.id ORDER BY u.email`,
  );
  return r.rows;
}

/** Creates the user or, when the email exists, replaces its role, password, scope and re-enables it. */
export async function upsertUser(
  db: Queryable,
  u: { email: string; name: string; passwordHash: string; role: TRole; venueIds: number[] | 'all' },
): Promise<{ id: number; before: UserRow | undefined }> {
  const prev = await db.query<{ id: number }>('SELECT id FROM users WHERE email = $1 FOR UPDATE', [
    u.email.toLowerCase(),
  ]);
  const before = prev.rows[0] ? await findUserById(db, prev.rows[0].id) : undefined;
  const r = await db.query<{ id: number }>(
    `INSERT INTO users (email, name, password_hash, role, all_venues) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, password_hash = EXCLUDED.password_hash, role = EXCLUDED.role,
       all_venues = EXCLUDED.all_venues, disabled_at = NULL, updated_at = now()
     RETURNING id`,
    [u.email.toLowerCase(), u.name, u.passwordHash, u.role, u.venueIds === 'all'],
  );
  const id = r.rows[0].id;
  await db.query('DELETE FROM user_venues WHERE user_id = $1', [id]);
  if (u.venueIds !== 'all' && u.venueIds.length) {
    await db.query('INSERT INTO user_venues (user_id, venue_id) SELECT $1, unnest($2::int[])', [id, u.venueIds]);
  }
  return { id, before };
}

export async function setUserRoleAndState(
  db: Queryable,
  id: number,
  patch: { role?: TRole; disabled?: boolean },
): Promise<void> {
  await db.query(
    `UPDATE users SET role = COALESCE($2, role),
       disabled_at = CASE WHEN $3::boolean IS NULL THEN disabled_at WHEN $3 THEN COALESCE(disabled_at, now()) ELSE NULL END,
       updated_at = now() WHERE id = $1`,
    [id, patch.role ?? null, patch.disabled ?? null],
  );
}
