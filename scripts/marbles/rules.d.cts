/** Types of rules.cjs: the contract rules that marble cases name in `covers:`. */
export const RULES: Record<string, { required: boolean; text: string }>;
