/**
 * The seed's headline metric from its definition, over the views schema: the utilisation rate of confirmed value,
 * i.e. the share of core certificates bound to at least one derivative with a recorded adoption or invocation by an
 * account licensed for it. README "Utilisation rate (SQL)" prints `utilisationDefinitionSql("caldera")` verbatim
 * (resolvers/utilisationSql.test.ts checks it): the statement to adapt (by provider, by domain, by month).
 * `Query.utilisation` serves the same number from the indexer's running counts (`utilisationSql`), which cost one
 * row to read; tests hold the two equal on generated rows and on a real chain.
 *
 * A use counts when its licence (the `licence_id` the event carried) is the user's licence of that derivative; the
 * contract already refuses use without a valid licence, so the join states the definition rather than filters.
 * Cost: it reads every adoption and invocation (and their licences by primary key) and counts the certificate table's
 * primary-key index, so it grows with use.
 */
export function utilisationDefinitionSql(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new Error(`views schema "${schema}" is not a plain identifier`);
  const s = schema;
  return `with used_derivative as (
  select a.derivative_id
  from ${s}.adoption a
  join ${s}.licence l on l.id = a.licence_id and l.derivative_id = a.derivative_id and l.licensee = a.adopter
  union
  select i.derivative_id
  from ${s}.invocation i
  join ${s}.licence l on l.id = i.licence_id and l.derivative_id = i.derivative_id and l.licensee = i.enterprise
),
in_use as (
  select count(distinct dc.certificate_id) as cores
  from ${s}.derivative_core dc
  join used_derivative u on u.derivative_id = dc.derivative_id
),
certified as (
  select count(*) as cores from ${s}.certificate
)
select
  certified.cores::int as certified_cores,
  in_use.cores::int as cores_with_derivative_in_use,
  coalesce(in_use.cores::float8 / nullif(certified.cores, 0), 0) as rate
from certified, in_use;`;
}
