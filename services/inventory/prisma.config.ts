import { defineConfig } from 'prisma/config';

// Migrations are applied offline by packages/db at start-up (see docs/reference.md, "Database migrations").
export default defineConfig({ schema: 'prisma/schema.prisma', migrations: { path: 'prisma/migrations' } });
