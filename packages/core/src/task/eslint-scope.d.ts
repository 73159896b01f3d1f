declare module 'eslint-scope' {
  interface Reference {
    identifier: { name: string };
  }
  interface Scope {
    type: string;
    through: Reference[];
  }
  interface ScopeManager {
    scopes: Scope[];
  }
  export function analyze(ast: unknown, options?: { ecmaVersion?: number; sourceType?: 'script' | 'module' }): ScopeManager;
}
