/**
 * Money is kept in fen (分, integers) and spoken in yuan (元, two decimals): one conversion each
 * way, rounded to the fen, for every service and screen.
 */
export const fen = (yuan: number): number => Math.round(yuan * 100);
export const yuan = (fen: number): number => Math.round(Number(fen)) / 100;
