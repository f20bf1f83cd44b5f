/** Who is making a change, for the audit log. */
export interface TActor {
  kind: 'user' | 'cli' | 'system' | 'policy';
  id?: number;
  label: string;
}

export const CLI_ACTOR: TActor = { kind: 'cli', label: `cli:${process.env.USER ?? 'unknown'}` };
