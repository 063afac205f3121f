import { type Address, hashDomain, parseAbi, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditVaultAbi, derivativeMarketAbi } from "../../contracts/generated/abis.js";
import { creditVaultBytecode, derivativeMarketBytecode } from "../../contracts/generated/bytecode.js";
import type { IndexerClient } from "../../services/createIndexerClient.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { type StartTestChainReturnType, startTestChain } from "../../test/support/startTestChain.js";
import { createTransactionSender } from "../createTransactionSender.js";
import type { HubServices } from "../HubServices.js";
import { depositLiquidity, prepareDepositLiquidity } from "./depositLiquidity.js";
import { fundRewardPool, prepareFundRewardPool } from "./fundRewardPool.js";
import { signedActionContracts } from "./signedActionTypedData.js";
import { prepareWithdrawLiquidity, withdrawLiquidity } from "./withdrawLiquidity.js";

/**
 * The typed data against the real DerivativeMarket and CreditVault on anvil: the hub's typed data, signed by a dev
 * key, with its EraToken permit, is what the contracts accept (the use cases relay it; the indexer is stood in for
 * by `waitForBlock` alone). Funding and lending need no derivative, so the registry, rules and timelock are stand-in
 * addresses.
 */

const vaultBytecode = creditVaultBytecode;
const marketBytecode = derivativeMarketBytecode;

let chain: StartTestChainReturnType;
let hub: HubServices;
const lender = privateKeyToAccount(ANVIL_DEV_KEYS[5]);
const standIn: Address = "0x000000000000000000000000000000000000dEaD";

/** Both constructors take four addresses. */
const constructorAbi = parseAbi(["constructor(address, address, address, address)"]);

async function deploy(
  bytecode: `0x${string}`,
  args: readonly [Address, Address, Address, Address],
): Promise<Address> {
  const hash = await chain.walletClient.deployContract({ abi: constructorAbi, bytecode, args });
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("no contract deployed");
  return receipt.contractAddress;
}

beforeAll(async () => {
  chain = await startTestChain();
  const era = chain.token.address;
  const vault = await deploy(vaultBytecode, [era, standIn, standIn, standIn]);
  const market = await deploy(marketBytecode, [era, standIn, vault, standIn]);
  const indexer: IndexerClient = {
    url: "http://indexer.invalid",
    maxLagBlocks: 2,
    status: async () => ({
      reachable: true,
      indexedBlock: 0n,
      headBlock: 0n,
      lagBlocks: 0,
      maxLagBlocks: 2,
      catchingUp: false,
      live: true,
    }),
    waitForBlock: async () => {},
  };
  hub = {
    deployment: {
      chainId: 31337,
      contracts: {
        EraToken: { address: era },
        DerivativeMarket: { address: market },
        CreditVault: { address: vault },
      },
    },
    publicClient: chain.publicClient,
    walletClient: chain.walletClient,
    sender: createTransactionSender({ publicClient: chain.publicClient, walletClient: chain.walletClient }),
    indexer,
  } as unknown as HubServices;
  const hash = await chain.walletClient.writeContract({
    ...chain.token,
    functionName: "transfer",
    args: [lender.address, parseEther("1000")],
  });
  await chain.publicClient.waitForTransactionReceipt({ hash });
}, 120_000);

afterAll(async () => {
  await chain?.stop();
});

describe("signed circulation actions on the real contracts", () => {
  it("uses each contract's own EIP-712 domain", async () => {
    for (const name of ["DerivativeMarket", "CreditVault"] as const) {
      const address = hub.deployment.contracts[name]?.address as Address;
      const onChain = await chain.publicClient.readContract({
        address,
        abi: name === "DerivativeMarket" ? derivativeMarketAbi : creditVaultAbi,
        functionName: "DOMAIN_SEPARATOR",
      });
      expect(onChain).toBe(
        hashDomain({
          domain: { ...signedActionContracts[name], chainId: 31337n, verifyingContract: address },
          types: {
            EIP712Domain: [
              { name: "name", type: "string" },
              { name: "version", type: "string" },
              { name: "chainId", type: "uint256" },
              { name: "verifyingContract", type: "address" },
            ],
          },
        }),
      );
    }
  });

  it("funds the reward pool with a PoolFunding and an ERA permit, in one relayed call", async () => {
    const input = { funder: lender.address, amount: parseEther("100") };
    const prepared = await prepareFundRewardPool(input, hub);
    const result = await fundRewardPool(
      {
        ...input,
        authorization: {
          signature: await lender.signTypedData(prepared.typedData),
          deadline: prepared.deadline,
        },
        permit: {
          signature: await lender.signTypedData(prepared.permitTypedData),
          deadline: prepared.deadline,
        },
      },
      hub,
    );
    expect(result.poolBalance).toBe(parseEther("100"));
    expect(result.gasUsed).toBeGreaterThan(0n);
  });

  it("lends to the credit pool and withdraws the shares (Deposit, Withdrawal)", async () => {
    const input = { lender: lender.address, amount: parseEther("300") };
    const prepared = await prepareDepositLiquidity(input, hub);
    const deposited = await depositLiquidity(
      {
        ...input,
        authorization: {
          signature: await lender.signTypedData(prepared.typedData),
          deadline: prepared.deadline,
        },
        permit: {
          signature: await lender.signTypedData(prepared.permitTypedData),
          deadline: prepared.deadline,
        },
      },
      hub,
    );
    expect(deposited.shares).toBeGreaterThan(0n);
    const withdrawal = { lender: lender.address, shares: deposited.shares };
    const typed = await prepareWithdrawLiquidity(withdrawal, hub);
    // The vault's nonce moved with the deposit: the withdrawal carries the next one.
    expect(typed.nonce).toBe(1n);
    const withdrawn = await withdrawLiquidity(
      {
        ...withdrawal,
        authorization: { signature: await lender.signTypedData(typed.typedData), deadline: typed.deadline },
      },
      hub,
    );
    // Rounding favours the pool, never the lender.
    expect(withdrawn.amount).toBeLessThanOrEqual(parseEther("300"));
    expect(withdrawn.amount).toBeGreaterThan(parseEther("299"));
  });
});
