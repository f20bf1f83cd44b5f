/** @type {import('next').NextConfig} */
const nextConfig = {
  // The custom server (server/index.ts) owns the database, Redis and Socket.IO; these packages
  // must load from node_modules at run time rather than be bundled a second time.
  serverExternalPackages: [
    '@electric-sql/pglite',
    'pg',
    'ioredis',
    '@node-rs/argon2',
    'pino',
    'prom-client',
    'socket.io',
  ],
  poweredByHeader: false,
  reactStrictMode: true,
  // Turbopack must not walk up past the project (the checkout may sit inside another workspace).
  turbopack: { root: import.meta.dirname },
};

export default nextConfig;
