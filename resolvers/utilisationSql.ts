/**
 * The utilisation rate as `Query.utilisation` serves it: the indexer's running counts (`utilisation_count`, kept by
 * the CoreCertified and adoption/invocation handlers), one row to read however many certificates and uses there
 * are. Equal to `utilisationDefinitionSql`, the same number from its definition (README "Utilisation rate (SQL)"
 * prints both; tests compare them on generated rows and on a real chain).
 */
export function utilisationSql(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`views schema "${schema}" is not a plain identifier`);
  return `select
  coalesce(u.certified_cores, 0) as certified_cores,
  coalesce(u.cores_in_use, 0) as cores_with_derivative_in_use,
  coalesce(u.cores_in_use::float8 / nullif(u.certified_cores, 0), 0) as rate
from (select 1) as one
left join ${schema}.utilisation_count u on u.id = 1;`;
}
