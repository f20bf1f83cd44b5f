/** A numeric command-line option between min and max; `whole` refuses fractions. Throws a message naming the option. */
export function numArg(name: string, v: string | undefined, min: number, max: number, whole = false): number {
  const n = Number(v);
  if (!(whole ? Number.isInteger(n) : Number.isFinite(n)) || n < min || n > max)
    throw new Error(`--${name} must be a ${whole ? 'whole ' : ''}number from ${min} to ${max} (got "${v}")`);
  return n;
}
