// OpenTelemetry spans for every task, nested ones included, and a task's progress read from its
// handle. Any SDK works; this one keeps its spans in memory to print them (npm install
// @opentelemetry/api @opentelemetry/sdk-trace-base @opentelemetry/context-async-hooks).
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createRuntime } from '@routine/runtime';

const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
const rt = createRuntime({ workers: 2 });

// A request span, and under it a task that starts two nested tasks on the workers.
const tracer = trace.getTracer('app');
await tracer.startActiveSpan('GET /album', async (request) => {
  const album = rt.goWith({ name: 'render-album' })(async (pages) => {
    const { current, go } = await import('@routine/runtime');
    const thumbs = [];
    for (let page = 1; page <= pages; page++) {
      thumbs.push(await go.with({ name: 'thumbnail' })((n) => `thumb-${n}`, page));
      current().progress({ done: page, of: pages }); // to whoever holds the handle
    }
    return thumbs;
  }, 2);
  console.log(await album);
  // Reported before anyone listened: the handle kept the values for its first reader.
  for await (const { done, of } of album.progress()) console.log(`progress ${done}/${of}`);
  request.end();
});

// A nested task's span is made on the main thread from its worker's report: wait for both.
while (exporter.getFinishedSpans().length < 4) await new Promise((resolve) => setTimeout(resolve, 5));
const spans = exporter.getFinishedSpans();
const print = (parentId, depth) => {
  for (const span of spans.filter((s) => s.parentSpanContext?.spanId === parentId)) {
    const { 'routine.worker': worker, 'routine.outcome': outcome } = span.attributes;
    const ran = outcome === undefined ? '' : ` (${outcome}, on worker ${typeof worker === 'number' ? 'N' : 'unknown'})`;
    console.log(`${'  '.repeat(depth)}${span.name}${ran}`);
    print(span.spanContext().spanId, depth + 1);
  }
};
print(undefined, 0);
await rt.close();

// Output:
// [ 'thumb-1', 'thumb-2' ]
// progress 1/2
// progress 2/2
// GET /album
//   render-album (ok, on worker N)
//     thumbnail (ok, on worker N)
//     thumbnail (ok, on worker N)
