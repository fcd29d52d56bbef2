import SQLite from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withStatementCache } from './index.ts';

let database: SQLite.Database;

beforeEach(() => {
  database = new SQLite(':memory:');
  database.exec('create table t (n integer)');
  database.exec('insert into t values (1), (2), (3)');
});

afterEach(() => {
  if (database.open) database.close();
});

describe('withStatementCache', () => {
  it('hands out one prepared statement per SQL text', () => {
    const cached = withStatementCache(database);
    const a = cached.prepare('select n from t where n > ?');
    expect(cached.prepare('select n from t where n > ?')).toBe(a);
    expect(cached.prepare('select n from t where n < ?')).not.toBe(a);
    expect(a.all([1])).toEqual([{ n: 2 }, { n: 3 }]);
    expect(a.all([2])).toEqual([{ n: 3 }]);
  });

  it('drops the least recently used statement past its size', () => {
    const cached = withStatementCache(database, 2);
    const one = cached.prepare('select 1');
    const two = cached.prepare('select 2');
    expect(cached.prepare('select 1')).toBe(one);
    cached.prepare('select 3');
    expect(cached.prepare('select 1')).toBe(one);
    expect(cached.prepare('select 2')).not.toBe(two);
  });

  it('does not hand out a statement that is still being iterated', () => {
    const cached = withStatementCache(database);
    const sql = 'select n from t order by n';
    const iterating = cached.prepare(sql);
    const rows = iterating.iterate([]);
    expect(rows.next().value).toEqual({ n: 1 });
    const other = cached.prepare(sql);
    expect(other).not.toBe(iterating);
    expect(other.all([])).toHaveLength(3);
    expect([...rows]).toEqual([{ n: 2 }, { n: 3 }]);
  });

  it('closes the database', () => {
    withStatementCache(database).close();
    expect(database.open).toBe(false);
  });
});
