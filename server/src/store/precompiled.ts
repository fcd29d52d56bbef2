import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';
import type { Database } from './schema.ts';

const MARK = '\u0000handoff-param:';

/**
 * Stands for a named parameter in a query given to `precompile`: the query is built and compiled
 * with these marks in place of values, once, and each run passes the values by name.
 */
export const param = <T = string>(name: string): T => `${MARK}${name}` as T;

/**
 * A query compiled on first use and then run with new parameter values: the hot paths (session
 * lookup, audit insert) skip building and compiling the same query through Kysely on every
 * request. Every value in the query must be a `param(name)`; the SQL is whatever the dialect
 * compiled, so it runs the same on SQLite and PostgreSQL.
 *
 * @example
 * const byHash = precompile(db, () =>
 *   db.selectFrom('sessions').select('user_id').where('token_hash', '=', param('hash')),
 * );
 * const { rows } = await byHash({ hash });
 */
export function precompile<Row>(
  db: Kysely<Database>,
  build: () => Compilable<Row>,
): (values: Readonly<Record<string, unknown>>) => Promise<QueryResult<Row>> {
  let compiled: CompiledQuery<Row> | undefined;
  let names: string[] = [];
  return (values) => {
    if (compiled === undefined) {
      const query = build().compile();
      names = query.parameters.map((value) => {
        if (typeof value !== 'string' || !value.startsWith(MARK)) {
          throw new Error(`A precompiled query takes only param() values, not ${JSON.stringify(value)}.`);
        }
        return value.slice(MARK.length);
      });
      compiled = query;
    }
    const parameters = names.map((name) => {
      if (!(name in values)) throw new Error(`Missing value for parameter "${name}".`);
      return values[name];
    });
    return db.executeQuery<Row>({ ...compiled, parameters });
  };
}
