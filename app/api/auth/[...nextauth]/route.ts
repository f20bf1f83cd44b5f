import NextAuth from 'next-auth';
import { authOptions } from '../../../../server/auth/next-auth-options.ts';

// Options are built per request from the runtime the custom server created (database, limits).
async function handler(req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) {
  return NextAuth(req as never, { params: await ctx.params } as never, authOptions());
}

export { handler as GET, handler as POST };
