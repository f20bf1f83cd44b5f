'use client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { useState, type ReactNode } from 'react';
import superjson from 'superjson';
import { IntlProvider } from 'use-intl';
import type { TLocale, TMessages } from '../lib/i18n/config.ts';
import { TRPCProvider } from '../lib/trpc/react.tsx';
import type { AppRouter } from '../server/trpc/root.ts';

/** Browser-side context: data fetching (tRPC + TanStack Query) and the chosen language. */
export function Providers({
  children,
  locale,
  messages,
}: {
  children: ReactNode;
  locale: TLocale;
  messages: TMessages;
}) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 2, refetchOnWindowFocus: false } } }),
  );
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/api/trpc', transformer: superjson })] }),
  );
  return (
    <IntlProvider locale={locale} messages={messages} timeZone="Asia/Shanghai">
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          {children}
        </TRPCProvider>
      </QueryClientProvider>
    </IntlProvider>
  );
}
