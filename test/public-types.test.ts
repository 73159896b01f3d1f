/**
 * The public types, checked by the compiler (tsc -b type-checks this file with the rest of the
 * tests): an expectation here that stops holding fails the build, and every `@ts-expect-error`
 * line fails it if the mistake it marks ever starts to compile.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  createRuntime, go, goWithRecover, pipeline, tasks, type Pipeline, type Result, type Task,
} from '@routine/runtime';

type Math = typeof import('./fixtures/math.ts');
const math = tasks<Math>(new URL('./fixtures/math.ts', import.meta.url));

describe('the public types', () => {
  it('Task is a thenable with then, catch, finally and result', () => {
    const task = go((a: number, b: number) => a + b, 1, 2);
    expectTypeOf(task).toEqualTypeOf<Task<number>>();
    expectTypeOf(task.gid).toEqualTypeOf<number>();
    expectTypeOf(task.catch(() => 'fallback' as const)).toEqualTypeOf<Promise<number | 'fallback'>>();
    expectTypeOf(task.finally(() => undefined)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(task.result()).toEqualTypeOf<Promise<Result<number>>>();
    expectTypeOf<Awaited<typeof task>>().toEqualTypeOf<number>();
    void task.result();
  });

  it('go checks the arguments against the function, inline and module tasks alike', () => {
    expectTypeOf(go(math.slowSquare, 3, 1)).toEqualTypeOf<Task<number>>();
    // @ts-expect-error: add takes numbers
    void go(math.add, 'one', 2).result();
    // @ts-expect-error: a missing argument
    void go((a: number, b: number) => a + b, 1).result();
    expectTypeOf(goWithRecover(math.add, 1, 2)).toEqualTypeOf<Promise<Result<number>>>();
  });

  it('pipeline() takes its input type from its first stage', () => {
    const scores = pipeline()
      .stage('parse', (line: string) => line.length)
      .stage('double', (n: number) => n * 2);
    expectTypeOf(scores).toEqualTypeOf<Pipeline<string, number>>();
    expectTypeOf(scores.process).parameter(0).toEqualTypeOf<Iterable<string> | AsyncIterable<string>>();
    expectTypeOf<ReturnType<typeof scores.process>>().toEqualTypeOf<Promise<number[]>>();
    // @ts-expect-error: the second stage takes what the first returns (a number)
    pipeline().stage('parse', (line: string) => line.length).stage('upper', (text: string) => text.toUpperCase());
    // An input type given keeps its say: a first stage must take it.
    expectTypeOf(pipeline<number>().stage('half', (n: number) => n / 2)).toEqualTypeOf<Pipeline<number, number>>();
    // @ts-expect-error: a pipeline of numbers cannot start with a stage of strings
    pipeline<number>().stage('parse', (line: string) => line.length);
    const runtime = createRuntime({ workers: 1 });
    expectTypeOf(runtime.pipeline().stage('async', async (n: number) => `${n}`)).toEqualTypeOf<Pipeline<number, string>>();
    void runtime.close();
  });
});
