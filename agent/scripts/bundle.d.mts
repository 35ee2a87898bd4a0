/** Types of bundle.mjs, for the TypeScript tests and helpers that import it. */
export declare const AGENT_ENTRY: string;
export declare const DEFAULT_BUNDLE: string;
export declare function buildAgentBundle(
  outFile?: string,
  entry?: string,
): Promise<{ outFile: string; bytes: number }>;
