import type { CoreDomain } from "../prover/coreDataset.js";

/** GraphQL enum ⇄ the registry's uint8 domain. */
export const domainValues = { AGRICULTURAL: 1, INDUSTRIAL: 2 } as const satisfies Record<string, CoreDomain>;
export type DomainName = keyof typeof domainValues;
