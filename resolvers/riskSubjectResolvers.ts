import { riskResolvers } from "./riskResolvers.js";

/** A risk subject reference: any address, like a provider's (partners may extend it whether or not it registered). */
type RiskSubjectRef = { address: `0x${string}` };

/**
 * `RiskSubject`: an address. Its provider is Caldera's `Provider` at the same address, and its risk features are
 * that provider's (one implementation: `Provider.riskFeatures`).
 */
export const riskSubjectResolvers = {
  Query: {
    riskSubject: (_: unknown, { address }: RiskSubjectRef) => ({ address }),
  },
  RiskSubject: {
    __resolveReference: ({ address }: RiskSubjectRef) => ({ address }),
    provider: ({ address }: RiskSubjectRef) => ({ address }),
    riskFeatures: riskResolvers.Provider.riskFeatures,
  },
};
