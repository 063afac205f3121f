import type { Hex, LocalAccount, TypedDataDefinition } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type GraphQLResponse, graphql } from "./startTestStack.js";

/**
 * What a frontend does to act for a provider, with viem alone: ask the hub for the EIP-712 typed data, sign it as
 * it arrives (`signTypedData(typedData)`), send the signature and the typed data's deadline with the mutation. The
 * tests and the bench certify and register through here; the key never leaves this process.
 */

type TypedDataJson = {
  domain: Record<string, unknown>;
  types: Record<string, unknown>;
  primaryType: string;
  message: Record<string, unknown> & { deadline: number; nonce: number };
};

/** A private key (0x…) or a viem local account. */
export type Signer = Hex | LocalAccount;

const accountOf = (signer: Signer): LocalAccount =>
  typeof signer === "string" ? privateKeyToAccount(signer) : signer;

const TYPED_DATA_FIELDS = "domain types primaryType message";

export const CERTIFY_TYPED_DATA = /* GraphQL */ `
  query CertifyTypedData($input: CertifyCoreInput!, $deadline: DateTime) {
    certifyCoreTypedData(input: $input, deadline: $deadline) { ${TYPED_DATA_FIELDS} }
  }
`;

/** The default mutation: the certificate's id, gas and the measured quality. */
export const CERTIFY = /* GraphQL */ `
  mutation Certify($input: CertifyCoreInput!, $authorization: SignedAuthorization!) {
    certifyCore(input: $input, authorization: $authorization) {
      certificate { id }
      quality { presentReadings integrityBps timelinessBps continuityBps longestGapSlots }
      transactionHash
      gasUsed
    }
  }
`;

/** A mutation for tests that follow a certificate through a reorg: its id, dataset commitment and transaction. */
export const CERTIFY_COMMITMENT = /* GraphQL */ `
  mutation Certify($input: CertifyCoreInput!, $authorization: SignedAuthorization!) {
    certifyCore(input: $input, authorization: $authorization) {
      certificate { id datasetCommitment }
      transactionHash
    }
  }
`;

/** What CERTIFY_COMMITMENT returns. */
export type CertifiedCommitment = {
  certifyCore: { certificate: { id: string; datasetCommitment: string }; transactionHash: Hex };
};

export const REGISTER_TYPED_DATA = /* GraphQL */ `
  query RegisterTypedData($provider: Address!, $name: String!, $deadline: DateTime) {
    registerProviderTypedData(provider: $provider, name: $name, deadline: $deadline) { ${TYPED_DATA_FIELDS} }
  }
`;

export const REGISTER = /* GraphQL */ `
  mutation Register($provider: Address!, $name: String!, $authorization: SignedAuthorization!) {
    registerProvider(provider: $provider, name: $name, authorization: $authorization) { address name }
  }
`;

export type Authorization = { signature: Hex; deadline: number };

/** Signs typed data from the API exactly as it arrived; returns the authorization a mutation takes. */
export async function signTypedDataJson(signer: Signer, typedData: TypedDataJson): Promise<Authorization> {
  const signature = await accountOf(signer).signTypedData(typedData as unknown as TypedDataDefinition);
  return { signature, deadline: typedData.message.deadline };
}

/** `certifyCoreTypedData` for `input`: the typed data, or the query's errors. */
export async function certificationTypedData(
  url: string,
  input: Record<string, unknown>,
  deadline?: string,
): Promise<GraphQLResponse<{ certifyCoreTypedData: TypedDataJson }>> {
  return graphql<{ certifyCoreTypedData: TypedDataJson }>(url, CERTIFY_TYPED_DATA, { input, deadline });
}

/** Typed data → `signer`'s authorization, or the typed-data query's errors. */
export async function signCertification(
  url: string,
  signer: Signer,
  input: Record<string, unknown>,
  deadline?: string,
): Promise<{ authorization: Authorization; typedData: TypedDataJson } | GraphQLResponse<never>> {
  const typed = await certificationTypedData(url, input, deadline);
  const typedData = typed.data?.certifyCoreTypedData;
  if (typedData === undefined) return { errors: typed.errors ?? [{ message: "no typed data" }] };
  return { authorization: await signTypedDataJson(signer, typedData), typedData };
}

/**
 * Certifies `input` as `signer` (the input's provider, by default the signer's address): typed data, signature,
 * `certifyCore` with `query` (default CERTIFY). Returns the GraphQL response, the typed-data query's errors included.
 */
export async function certifyCoreAs<T = { certifyCore: { certificate: { id: string }; gasUsed: string } }>(
  url: string,
  signer: Signer,
  input: Record<string, unknown>,
  { query = CERTIFY, deadline }: { query?: string; deadline?: string } = {},
): Promise<GraphQLResponse<T>> {
  const withProvider = { provider: accountOf(signer).address, ...input };
  const signed = await signCertification(url, signer, withProvider, deadline);
  if (!("authorization" in signed)) return signed as GraphQLResponse<T>;
  return graphql<T>(url, query, { input: withProvider, authorization: signed.authorization });
}

/** Certifies through `target`'s gateway as `signer` and returns the certificate id; any error throws. */
export async function certifyAs(
  target: { gatewayUrl: string },
  signer: Signer,
  input: Record<string, unknown>,
): Promise<string> {
  const result = await certifyCoreAs(target.gatewayUrl, signer, input);
  const id = result.data?.certifyCore.certificate.id;
  if (id === undefined) throw new Error(`certifyCore failed: ${JSON.stringify(result.errors)}`);
  return id;
}

/** Registers `signer`'s address as a provider under `name` through the hub, by signature. */
export async function registerProviderAs(
  url: string,
  signer: Signer,
  name: string,
): Promise<GraphQLResponse<{ registerProvider: { address: string; name: string } }>> {
  const provider = accountOf(signer).address;
  const typed = await graphql<{ registerProviderTypedData: TypedDataJson }>(url, REGISTER_TYPED_DATA, {
    provider,
    name,
  });
  const typedData = typed.data?.registerProviderTypedData;
  if (typedData === undefined) return { errors: typed.errors ?? [{ message: "no typed data" }] };
  const authorization = await signTypedDataJson(signer, typedData);
  return graphql(url, REGISTER, { provider, name, authorization });
}
