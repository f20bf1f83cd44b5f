'use client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../../server/trpc/root.ts';

/** Typed tRPC hooks for client components: `const trpc = useTRPC(); useQuery(trpc.x.y.queryOptions())`. */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();
