import { describe, expect, it } from 'vitest';
import { withSecretFiles } from './secret-files.ts';

describe('withSecretFiles', () => {
  const files: Record<string, string> = { '/run/secrets/a': 'alpha\n', '/run/secrets/b': 'beta\r\n' };
  const readFile = (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    return text;
  };

  it('reads NAME_FILE into NAME without its trailing newline, and drops NAME_FILE', () => {
    const problems: string[] = [];
    const env = withSecretFiles(
      { A_FILE: '/run/secrets/a', B_FILE: ' /run/secrets/b ', OTHER: 'kept', C: 'inline' },
      problems,
      ['A', 'B', 'C'],
      readFile,
    );
    expect(problems).toEqual([]);
    expect(env).toEqual({ A: 'alpha', B: 'beta', OTHER: 'kept', C: 'inline' });
  });

  it('names the variable when its file cannot be read or both forms are set', () => {
    const problems: string[] = [];
    const env = withSecretFiles(
      { A_FILE: '/run/secrets/missing', B: 'inline', B_FILE: '/run/secrets/b' },
      problems,
      ['A', 'B'],
      readFile,
    );
    expect(problems).toEqual([
      'A_FILE: cannot read /run/secrets/missing (ENOENT)',
      'B_FILE: set B or B_FILE, not both',
    ]);
    expect(env.A).toBeUndefined();
    expect(env.B).toBe('inline');
  });
});
