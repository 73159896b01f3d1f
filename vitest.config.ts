import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/src/**/*.test.ts'],
    testTimeout: 60_000,
    // The JSON report lets .ci/run print a plain closing line of counts.
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    hookTimeout: 30_000,
    // Tests that fail tasks on purpose would otherwise fill stderr with routine's JSON log lines;
    // those that check the logging pass a logger of their own (which keeps its own level) or set
    // the variable themselves.
    env: { ROUTINE_LOG_LEVEL: 'silent' },
    // Every file starts worker threads of its own; two files at a time keep a 2-core machine busy
    // without starving the timing-sensitive ones.
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    // Load the built packages natively, exactly as users get them (vitest would otherwise
    // transform workspace packages, which the worker threads they start could not share).
    server: { deps: { external: [/\/packages\/[^/]+\/dist\//] } },
  },
});
