/** A small seeded generator (mulberry32), so a failing run can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed to use: ROUTINE_SEED from the environment, or a fresh one. */
export function pickSeed(): number {
  const fromEnv = Number(process.env.ROUTINE_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

/** Runs `check`, and on failure says which seed replays it. */
export async function withSeed<T>(seed: number, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    (error as Error).message += `\n(replay with ROUTINE_SEED=${seed})`;
    throw error;
  }
}
