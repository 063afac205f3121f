import {
  type Address,
  getAddress,
  type Hex,
  keccak256,
  parseEther,
  stringToHex,
  type TypedDataDefinition,
  verifyTypedData,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { beforeEach, describe, expect, it } from "vitest";
import { BaseError } from "../../errors/BaseError.js";
import { type FaultModelModule, predictFaultRisk } from "../../models/fault/faultModelRuntime.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import type { SignedAuthorization } from "../certificationTypedData.js";
import type { HubServices } from "../HubServices.js";
import { adoptDerivative, prepareAdoptDerivative } from "./adoptDerivative.js";
import { borrowCredit, prepareBorrowCredit } from "./borrowCredit.js";
import { buyLicence, prepareBuyLicence } from "./buyLicence.js";
import { MAX_FAULT_READINGS } from "./checkFaultReadings.js";
import { claimReward } from "./claimReward.js";
import { declareDefault } from "./declareDefault.js";
import { depositLiquidity, prepareDepositLiquidity } from "./depositLiquidity.js";
import { faultInvocationHashes } from "./faultInvocationHashes.js";
import { fundRewardPool, prepareFundRewardPool } from "./fundRewardPool.js";
import { invokeFaultModel, prepareInvokeFaultModel } from "./invokeFaultModel.js";
import { pledgeDerivative, preparePledgeDerivative } from "./pledgeDerivative.js";
import { releaseRevenue } from "./releaseRevenue.js";
import { prepareRepayCredit, repayCredit } from "./repayCredit.js";
import { prepareSetLicenceTerms, setLicenceTerms } from "./setLicenceTerms.js";
import { prepareUnpledgeDerivative, unpledgeDerivative } from "./unpledgeDerivative.js";
import { prepareWithdrawLiquidity, withdrawLiquidity } from "./withdrawLiquidity.js";

/**
 * The use cases around the chain: every refusal they owe the client — bad input, what the market or vault would
 * revert with, a signature that is not the signer's — comes back as its typed code with nothing sent, and a
 * correctly signed action reaches the sender with the request the contract takes. The chain's state is a table the
 * test sets (real contracts and the indexer are exercised end to end in test/e2e/circulation.test.ts); signatures
 * are real, from dev keys, checked by viem.
 */

const provider = privateKeyToAccount(ANVIL_DEV_KEYS[1]);
const farmer = privateKeyToAccount(ANVIL_DEV_KEYS[2]);
const enterprise = privateKeyToAccount(ANVIL_DEV_KEYS[3]);
const stranger = privateKeyToAccount(ANVIL_DEV_KEYS[4]);
const NOW = BigInt(Math.floor(Date.now() / 1000));

const contracts = {
  EraToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  DerivativeRegistry: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  DerivativeMarket: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  CreditVault: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
} as const;

const FAULT_OUTPUT: Hex = keccak256(stringToHex("fault output"));
const faultModule: FaultModelModule = {
  format: "caldera-fault-model/1",
  features: ["meanC", "fluctuationC", "maxStepC", "trendCPerHour", "gapFraction"],
  intervalSeconds: 600,
  windowSeconds: 6 * 3600,
  horizonSeconds: 6 * 3600,
  standardisation: { mean: [60, 2, 1, 0, 0], sd: [10, 1, 1, 1, 0.5] },
  weights: [0.8, 1.2, 0.5, 0.3, 0.1],
  bias: -1,
  threshold: 0.5,
};
const readings = Array.from({ length: 36 }, (_, i) => ({
  at: 1_750_000_000 + i * 600,
  temperatureC: 60 + Math.sin(i) * 3,
}));

type Line = {
  borrower: Address;
  status: number;
  limit: bigint;
  dueAt: bigint;
  debt: bigint;
  derivativeId: bigint;
};

/** The chain as the use cases read it; each test changes what it needs. */
function freshState() {
  return {
    terms: { price: parseEther("25"), mode: 1, quantity: 10n, active: true },
    licensed: new Set<string>([farmer.address, enterprise.address]),
    adopted: new Set<string>(),
    claimable: parseEther("500"),
    pool: parseEther("1000"),
    revenue: 0n,
    balance: parseEther("100"),
    allowance: 0n,
    lineOf: 0n,
    creditLimit: parseEther("1500"),
    idle: parseEther("10000"),
    shares: parseEther("5"),
    lines: {
      1: {
        borrower: provider.address,
        status: 1,
        limit: parseEther("1500"),
        dueAt: NOW + 86_400n,
        debt: parseEther("100"),
        derivativeId: 1n,
      },
      2: {
        borrower: provider.address,
        status: 2,
        limit: parseEther("1500"),
        dueAt: NOW + 86_400n,
        debt: 0n,
        derivativeId: 1n,
      },
      3: {
        borrower: provider.address,
        status: 1,
        limit: parseEther("1500"),
        dueAt: NOW - 60n,
        debt: parseEther("50"),
        derivativeId: 1n,
      },
      4: {
        borrower: provider.address,
        status: 1,
        limit: parseEther("1500"),
        dueAt: NOW - 60n,
        debt: 0n,
        derivativeId: 1n,
      },
    } as Record<string, Line>,
  };
}

let state: ReturnType<typeof freshState>;
let sent: { functionName: string; args: readonly unknown[]; address: Address }[];

/** What the use cases send stops here: the test sees the call the hub would have simulated and sent. */
class Sent extends Error {}

const derivatives: Record<string, { kind: number; outputHash: Hex }> = {
  1: { kind: 1, outputHash: keccak256(stringToHex("plan output")) },
  2: { kind: 3, outputHash: FAULT_OUTPUT },
  3: { kind: 3, outputHash: keccak256(stringToHex("derived elsewhere")) },
};

const reads: Record<string, (...args: never[]) => unknown> = {
  derivativeCount: () => 3n,
  derivative: (id: bigint) => ({
    ...derivatives[id.toString()],
    weightBps: 15_000,
    ruleId: 1n,
    coreIds: [1n],
  }),
  ownerOf: () => provider.address,
  nonces: () => 0n,
  providerOf: () => provider.address,
  termsOf: () => state.terms,
  hasValidLicence: (_: bigint, who: Address) => state.licensed.has(who),
  hasAdopted: (_: bigint, who: Address) => state.adopted.has(who),
  claimable: () => state.claimable,
  poolBalance: () => state.pool,
  revenueOf: () => state.revenue,
  balanceOf: () => state.balance,
  allowance: () => state.allowance,
  lineOf: () => state.lineOf,
  creditLimitOf: () => state.creditLimit,
  creditLine: (id: bigint) => state.lines[id.toString()] ?? { status: 0 },
  debtOf: (id: bigint) => state.lines[id.toString()]?.debt ?? 0n,
  idleAssets: () => state.idle,
  sharesOf: () => state.shares,
};

const hub = {
  deployment: {
    chainId: 31337,
    contracts: Object.fromEntries(Object.entries(contracts).map(([name, address]) => [name, { address }])),
  },
  publicClient: {
    readContract: async ({ functionName, args = [] }: { functionName: string; args?: unknown[] }) => {
      const read = reads[functionName];
      if (read === undefined) throw new Error(`the test has no ${functionName}`);
      return read(...(args as never[]));
    },
    getBlock: async () => ({ timestamp: NOW }),
    verifyTypedData: (parameters: Parameters<typeof verifyTypedData>[0]) => verifyTypedData(parameters),
  },
  indexer: {
    status: async () => ({
      reachable: true,
      catchingUp: false,
      live: true,
      indexedBlock: 1n,
      headBlock: 1n,
      lagBlocks: 0,
      maxLagBlocks: 2,
    }),
    waitForBlock: async () => {
      throw new Error("nothing should reach the indexer");
    },
  },
  sender: {
    send: async ({
      call,
    }: {
      call: { functionName: string; args: readonly unknown[]; address: Address };
    }) => {
      sent.push({ functionName: call.functionName, args: call.args, address: call.address });
      throw new Sent(call.functionName);
    },
    resync: () => {},
  },
  derivations: {
    get: async (outputHash: Hex) =>
      outputHash === FAULT_OUTPUT ? { output: { module: faultModule } } : undefined,
  },
} as unknown as HubServices;

beforeEach(() => {
  state = freshState();
  sent = [];
});

/** The typed code the promise rejects with; and nothing was sent. */
async function refused(promise: Promise<unknown>): Promise<BaseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof BaseError)) throw new Error(`expected a typed error, got ${String(error)}`);
  expect(sent).toEqual([]);
  return error;
}

const codeOf = async (promise: Promise<unknown>) => (await refused(promise)).code;

/** The one call that reached the sender. */
async function reachedSender(promise: Promise<unknown>) {
  await expect(promise).rejects.toBeInstanceOf(Sent);
  expect(sent).toHaveLength(1);
  return sent[0] as (typeof sent)[number];
}

async function sign(
  account: ReturnType<typeof privateKeyToAccount>,
  typedData: unknown,
  deadline: bigint,
): Promise<SignedAuthorization> {
  return { signature: await account.signTypedData(typedData as TypedDataDefinition), deadline };
}

describe("setLicenceTerms", () => {
  const terms = { derivative: "1", price: parseEther("25"), mode: "PER_USE" as const, quantity: 10n };

  it.each([
    [{ derivative: "0" }, "derivative"],
    [{ derivative: "first" }, "derivative"],
    [{ price: "-1" }, "price"],
    [{ price: "1.5" }, "price"],
    [{ mode: "FOREVER" }, "mode"],
    [{ quantity: 0n }, "quantity"],
    [{ quantity: 2n ** 64n }, "quantity"],
  ])("refuses %o as BAD_USER_INPUT naming the field", async (bad, field) => {
    const error = await refused(
      setLicenceTerms(
        { ...terms, ...(bad as object), authorization: { signature: "0x", deadline: NOW + 60n } },
        hub,
      ),
    );
    expect([error.code, error.details.field]).toEqual(["BAD_USER_INPUT", field]);
  });

  it("refuses an unknown derivative, and a deadline already past for the typed data", async () => {
    expect(await codeOf(prepareSetLicenceTerms({ ...terms, derivative: "9" }, hub))).toBe(
      "UNKNOWN_DERIVATIVE",
    );
    expect(await codeOf(prepareSetLicenceTerms(terms, hub, { deadline: NOW - 1n }))).toBe("BAD_USER_INPUT");
  });

  it("sends the provider's signed terms; anyone else's signature is NOT_AUTHORIZED", async () => {
    const prepared = await prepareSetLicenceTerms(terms, hub);
    expect(prepared.provider).toBe(provider.address);
    expect(prepared.typedData.message).toMatchObject({
      derivativeId: 1n,
      mode: 1,
      quantity: 10n,
      active: true,
      nonce: 0n,
    });
    const forged = await sign(stranger, prepared.typedData, prepared.deadline);
    const error = await refused(setLicenceTerms({ ...terms, authorization: forged }, hub));
    expect([error.code, error.details.reason]).toEqual(["NOT_AUTHORIZED", "signature"]);
    // Signed for other terms than those sent.
    const signed = await sign(provider, prepared.typedData, prepared.deadline);
    expect(await codeOf(setLicenceTerms({ ...terms, price: 1n, authorization: signed }, hub))).toBe(
      "NOT_AUTHORIZED",
    );
    const expired = await refused(
      setLicenceTerms({ ...terms, authorization: { ...signed, deadline: NOW - 1n } }, hub),
    );
    expect(expired.details.reason).toBe("expired");

    const call = await reachedSender(setLicenceTerms({ ...terms, authorization: signed }, hub));
    expect(call).toMatchObject({ functionName: "setLicenceTerms", address: contracts.DerivativeMarket });
    expect(call.args).toEqual([prepared.typedData.message, signed.signature]);
  });
});

describe("buyLicence", () => {
  const purchase = { derivative: "1", licensee: farmer.address, maxPrice: parseEther("25") };

  it("refuses terms not for sale, or above maxPrice, before anything is signed", async () => {
    state.terms = { ...state.terms, active: false };
    expect(await codeOf(prepareBuyLicence(purchase, hub))).toBe("NOT_FOR_SALE");
    state.terms = { ...state.terms, active: true, price: parseEther("26") };
    const error = await refused(prepareBuyLicence(purchase, hub));
    expect(error.code).toBe("PRICE_CHANGED");
    expect(error.details).toMatchObject({
      price: parseEther("26").toString(),
      maxPrice: parseEther("25").toString(),
    });
  });

  it("refuses the zero address as licensee", async () => {
    const error = await refused(
      prepareBuyLicence({ ...purchase, licensee: "0x0000000000000000000000000000000000000000" }, hub),
    );
    expect([error.code, error.details.field]).toEqual(["BAD_USER_INPUT", "licensee"]);
  });

  it("hands out the purchase and a permit to the market for maxPrice with the same deadline", async () => {
    const prepared = await prepareBuyLicence(purchase, hub);
    expect(prepared.price).toBe(parseEther("25"));
    expect(prepared.permitTypedData.domain).toMatchObject({
      name: "Caldera ERA",
      version: "1",
      verifyingContract: contracts.EraToken,
    });
    expect(prepared.permitTypedData.message).toMatchObject({
      owner: farmer.address,
      spender: contracts.DerivativeMarket,
      value: parseEther("25"),
      deadline: prepared.deadline,
    });
  });

  it("checks balance and allowance (INSUFFICIENT_FUNDS), then relays the purchase with the permit", async () => {
    const prepared = await prepareBuyLicence(purchase, hub);
    const authorization = await sign(farmer, prepared.typedData, prepared.deadline);
    const noAllowance = await refused(buyLicence({ ...purchase, authorization }, hub));
    expect([noAllowance.code, noAllowance.details.of]).toEqual(["INSUFFICIENT_FUNDS", "allowance"]);
    const permit = await sign(farmer, prepared.permitTypedData, prepared.deadline);
    state.balance = parseEther("24");
    const poor = await refused(buyLicence({ ...purchase, authorization, permit }, hub));
    expect([poor.code, poor.details.of]).toEqual(["INSUFFICIENT_FUNDS", "balance"]);
    state.balance = parseEther("100");

    const call = await reachedSender(buyLicence({ ...purchase, authorization, permit }, hub));
    expect(call.functionName).toBe("buyLicence");
    const [request, signature, contractPermit] = call.args as [
      unknown,
      Hex,
      { value: bigint; deadline: bigint; v: number },
    ];
    expect(request).toEqual(prepared.typedData.message);
    expect(signature).toBe(authorization.signature);
    expect(contractPermit).toMatchObject({ value: parseEther("25"), deadline: prepared.deadline });
    expect([27, 28]).toContain(contractPermit.v);
  });

  it("pays by allowance without a permit (the contract's 'no permit' is deadline 0)", async () => {
    state.allowance = parseEther("25");
    const prepared = await prepareBuyLicence(purchase, hub);
    const authorization = await sign(farmer, prepared.typedData, prepared.deadline);
    const call = await reachedSender(buyLicence({ ...purchase, authorization }, hub));
    expect((call.args[2] as { deadline: bigint }).deadline).toBe(0n);
  });
});

describe("adoptDerivative", () => {
  it("refuses a fault-warning model, an unlicensed account and a second adoption", async () => {
    expect(await codeOf(prepareAdoptDerivative({ derivative: "2", adopter: farmer.address }, hub))).toBe(
      "WRONG_USAGE_KIND",
    );
    expect(await codeOf(prepareAdoptDerivative({ derivative: "1", adopter: stranger.address }, hub))).toBe(
      "LICENCE_REQUIRED",
    );
    state.adopted.add(farmer.address);
    expect(await codeOf(prepareAdoptDerivative({ derivative: "1", adopter: farmer.address }, hub))).toBe(
      "ALREADY_ADOPTED",
    );
  });

  it("relays the adopter's signed adoption; re-checks before sending", async () => {
    const input = { derivative: "1", adopter: farmer.address };
    const prepared = await prepareAdoptDerivative(input, hub);
    const authorization = await sign(farmer, prepared.typedData, prepared.deadline);
    state.licensed.delete(farmer.address);
    expect(await codeOf(adoptDerivative({ ...input, authorization }, hub))).toBe("LICENCE_REQUIRED");
    state.licensed.add(farmer.address);
    const call = await reachedSender(adoptDerivative({ ...input, authorization }, hub));
    expect(call.functionName).toBe("recordAdoption");
    expect(call.args[0]).toEqual({
      derivativeId: 1n,
      adopter: farmer.address,
      nonce: 0n,
      deadline: prepared.deadline,
    });
  });
});

describe("invokeFaultModel", () => {
  const input = { derivative: "2", enterprise: enterprise.address, readings };

  it.each([
    ["none", [], "readings"],
    [
      "too many",
      Array.from({ length: MAX_FAULT_READINGS + 1 }, (_, i) => ({ at: i, temperatureC: 20 })),
      "readings",
    ],
    ["a NaN", [{ at: 1, temperatureC: Number.NaN }], "readings[0].temperatureC"],
    [
      "an infinity",
      [
        { at: 1, temperatureC: 20 },
        { at: 2, temperatureC: Number.POSITIVE_INFINITY },
      ],
      "readings[1].temperatureC",
    ],
    ["below absolute zero", [{ at: 1, temperatureC: -300 }], "readings[0].temperatureC"],
    [
      "out of time order",
      [
        { at: 5, temperatureC: 20 },
        { at: 5, temperatureC: 21 },
      ],
      "readings[1].at",
    ],
    ["a fractional second", [{ at: 1.5, temperatureC: 20 }], "readings[0].at"],
    [
      "a span beyond the window",
      [
        { at: 0, temperatureC: 20 },
        { at: 6 * 3600 + 1, temperatureC: 21 },
      ],
      "readings",
    ],
  ])("refuses readings with %s as BAD_USER_INPUT naming the field", async (_, bad, field) => {
    const error = await refused(prepareInvokeFaultModel({ ...input, readings: bad }, hub));
    expect([error.code, error.details.field]).toEqual(["BAD_USER_INPUT", field]);
  });

  it("refuses a planting plan, an unlicensed enterprise and a model this hub does not hold", async () => {
    expect(await codeOf(prepareInvokeFaultModel({ ...input, derivative: "1" }, hub))).toBe(
      "WRONG_USAGE_KIND",
    );
    expect(await codeOf(prepareInvokeFaultModel({ ...input, enterprise: stranger.address }, hub))).toBe(
      "LICENCE_REQUIRED",
    );
    expect(await codeOf(prepareInvokeFaultModel({ ...input, derivative: "3" }, hub))).toBe("MODEL_NOT_FOUND");
  });

  it("signs the readings' hash; runs the module and records its result hash; other readings are NOT_AUTHORIZED", async () => {
    const prepared = await prepareInvokeFaultModel(input, hub);
    const { inputHash } = faultInvocationHashes({ readings });
    expect(prepared.typedData.message.inputHash).toBe(inputHash);
    const authorization = await sign(enterprise, prepared.typedData, prepared.deadline);
    const changed = readings.map((r, i) => (i === 3 ? { ...r, temperatureC: r.temperatureC + 0.1 } : r));
    expect(await codeOf(invokeFaultModel({ ...input, readings: changed, authorization }, hub))).toBe(
      "NOT_AUTHORIZED",
    );

    const call = await reachedSender(invokeFaultModel({ ...input, authorization }, hub));
    expect(call.functionName).toBe("recordInvocation");
    const result = predictFaultRisk(faultModule, readings);
    expect(call.args[1]).toBe(faultInvocationHashes({ readings, result }).resultHash);
    expect(call.args[1]).toBe(
      keccak256(stringToHex(JSON.stringify({ probability: result.probability, warning: result.warning }))),
    );
  });
});

describe("claimReward and releaseRevenue (unsigned)", () => {
  it("refuses a bad metric, nothing claimable and an empty pool", async () => {
    const bad = await refused(claimReward({ derivative: "1", metric: "FARMERS" as never }, hub));
    expect([bad.code, bad.details.field]).toEqual(["BAD_USER_INPUT", "metric"]);
    state.claimable = 0n;
    expect(await codeOf(claimReward({ derivative: "1", metric: "ADOPTERS" }, hub))).toBe("NOTHING_TO_CLAIM");
    state.claimable = parseEther("500");
    state.pool = 0n;
    const empty = await refused(claimReward({ derivative: "1", metric: "ADOPTERS" }, hub));
    expect(empty.code).toBe("POOL_EMPTY");
    expect(empty.details.owed).toBe(parseEther("500").toString());
    expect(await codeOf(claimReward({ derivative: "7", metric: "ADOPTERS" }, hub))).toBe(
      "UNKNOWN_DERIVATIVE",
    );
  });

  it("sends a claim anyone may make", async () => {
    const call = await reachedSender(claimReward({ derivative: "2", metric: "ENTERPRISES" }, hub));
    expect(call).toMatchObject({ functionName: "claimReward", args: [2n, 2] });
  });

  it("refuses a release with nothing owed, or a malformed account", async () => {
    expect(await codeOf(releaseRevenue({ account: provider.address }, hub))).toBe("NOTHING_TO_CLAIM");
    expect(await codeOf(releaseRevenue({ account: "0x1234" }, hub))).toBe("BAD_USER_INPUT");
    state.revenue = 1n;
    const call = await reachedSender(releaseRevenue({ account: provider.address.toLowerCase() }, hub));
    expect(call.args).toEqual([getAddress(provider.address)]);
  });
});

describe("fundRewardPool, depositLiquidity, withdrawLiquidity", () => {
  it("refuses zero amounts and amounts beyond uint256", async () => {
    for (const amount of [0n, 2n ** 256n]) {
      const error = await refused(prepareFundRewardPool({ funder: farmer.address, amount }, hub));
      expect([error.code, error.details.field]).toEqual(["BAD_USER_INPUT", "amount"]);
    }
  });

  it("funds the pool and lends with the signer's permit; refuses more than the balance", async () => {
    const fund = { funder: farmer.address, amount: parseEther("200") };
    const prepared = await prepareFundRewardPool(fund, hub);
    const authorization = await sign(farmer, prepared.typedData, prepared.deadline);
    const permit = await sign(farmer, prepared.permitTypedData, prepared.deadline);
    expect(await codeOf(fundRewardPool({ ...fund, authorization, permit }, hub))).toBe("INSUFFICIENT_FUNDS");
    state.balance = parseEther("200");
    expect((await reachedSender(fundRewardPool({ ...fund, authorization, permit }, hub))).functionName).toBe(
      "fundPool",
    );

    sent = [];
    const lend = { lender: farmer.address, amount: parseEther("50") };
    const deposit = await prepareDepositLiquidity(lend, hub);
    expect(deposit.permitTypedData.message.spender).toBe(contracts.CreditVault);
    const call = await reachedSender(
      depositLiquidity(
        {
          ...lend,
          authorization: await sign(farmer, deposit.typedData, deposit.deadline),
          permit: await sign(farmer, deposit.permitTypedData, deposit.deadline),
        },
        hub,
      ),
    );
    expect(call).toMatchObject({ functionName: "deposit", address: contracts.CreditVault });
  });

  it("refuses to withdraw more shares than the lender holds", async () => {
    const error = await refused(
      prepareWithdrawLiquidity({ lender: farmer.address, shares: parseEther("6") }, hub),
    );
    expect(error.code).toBe("INSUFFICIENT_SHARES");
    const prepared = await prepareWithdrawLiquidity({ lender: farmer.address, shares: parseEther("5") }, hub);
    const authorization = await sign(farmer, prepared.typedData, prepared.deadline);
    const call = await reachedSender(
      withdrawLiquidity({ lender: farmer.address, shares: parseEther("5"), authorization }, hub),
    );
    expect(call.functionName).toBe("withdraw");
  });
});

describe("credit lines", () => {
  it("refuses to pledge a unit already pledged, someone else's, or of a domain without credit", async () => {
    const input = { derivative: "1", borrower: provider.address };
    state.lineOf = 4n;
    const pledged = await refused(preparePledgeDerivative(input, hub));
    expect([pledged.code, pledged.details.lineId]).toEqual(["ALREADY_PLEDGED", "4"]);
    state.lineOf = 0n;
    expect(await codeOf(preparePledgeDerivative({ ...input, borrower: farmer.address }, hub))).toBe(
      "NOT_AUTHORIZED",
    );
    state.creditLimit = 0n;
    expect(await codeOf(preparePledgeDerivative(input, hub))).toBe("NO_CREDIT_FOR_DOMAIN");
    state.creditLimit = parseEther("1500");
    const prepared = await preparePledgeDerivative(input, hub);
    expect(prepared.limit).toBe(parseEther("1500"));
    const call = await reachedSender(
      pledgeDerivative(
        { ...input, authorization: await sign(provider, prepared.typedData, prepared.deadline) },
        hub,
      ),
    );
    expect(call.functionName).toBe("pledge");
  });

  it("refuses to borrow on an unknown, closed or overdue line, above the limit or the pool's idle ERA", async () => {
    expect(await codeOf(prepareBorrowCredit({ creditLine: "9", amount: 1n }, hub))).toBe(
      "UNKNOWN_CREDIT_LINE",
    );
    const closed = await refused(prepareBorrowCredit({ creditLine: "2", amount: 1n }, hub));
    expect([closed.code, closed.details.status]).toEqual(["CREDIT_LINE_NOT_OPEN", "CLOSED"]);
    expect(await codeOf(prepareBorrowCredit({ creditLine: "3", amount: 1n }, hub))).toBe(
      "CREDIT_LINE_OVERDUE",
    );
    const above = await refused(prepareBorrowCredit({ creditLine: "1", amount: parseEther("1401") }, hub));
    expect(above.code).toBe("CREDIT_LIMIT_EXCEEDED");
    expect(above.details).toMatchObject({
      debtAfter: parseEther("1501").toString(),
      limit: parseEther("1500").toString(),
    });
    state.idle = parseEther("10");
    expect(await codeOf(prepareBorrowCredit({ creditLine: "1", amount: parseEther("11") }, hub))).toBe(
      "INSUFFICIENT_LIQUIDITY",
    );
  });

  it("relays the borrower's signed borrow; the lender's signature over it is NOT_AUTHORIZED", async () => {
    const input = { creditLine: "1", amount: parseEther("1400") };
    const prepared = await prepareBorrowCredit(input, hub);
    expect(prepared.borrower).toBe(provider.address);
    expect(
      await codeOf(
        borrowCredit(
          { ...input, authorization: await sign(farmer, prepared.typedData, prepared.deadline) },
          hub,
        ),
      ),
    ).toBe("NOT_AUTHORIZED");
    const call = await reachedSender(
      borrowCredit(
        { ...input, authorization: await sign(provider, prepared.typedData, prepared.deadline) },
        hub,
      ),
    );
    expect(call.args[0]).toEqual({
      lineId: 1n,
      amount: parseEther("1400"),
      nonce: 0n,
      deadline: prepared.deadline,
    });
  });

  it("repays at most the debt: checks funds for the lesser of amount and debt; NOTHING_OWED on a line without debt", async () => {
    expect(
      await codeOf(prepareRepayCredit({ creditLine: "4", payer: provider.address, amount: 1n }, hub)),
    ).toBe("NOTHING_OWED");
    const input = { creditLine: "1", payer: provider.address, amount: parseEther("1000") };
    const prepared = await prepareRepayCredit(input, hub);
    expect(prepared.debt).toBe(parseEther("100"));
    const authorization = await sign(provider, prepared.typedData, prepared.deadline);
    // Allowance for the debt (100 ERA), not the 1,000 named: enough.
    state.allowance = parseEther("100");
    const call = await reachedSender(repayCredit({ ...input, authorization }, hub));
    expect(call.functionName).toBe("repay");
    sent = [];
    state.allowance = parseEther("99");
    expect(await codeOf(repayCredit({ ...input, authorization }, hub))).toBe("INSUFFICIENT_FUNDS");
  });

  it("refuses to unpledge while anything is owed", async () => {
    const error = await refused(prepareUnpledgeDerivative({ creditLine: "1" }, hub));
    expect([error.code, error.details.debt]).toEqual(["DEBT_OUTSTANDING", parseEther("100").toString()]);
    state.lines[1] = { ...(state.lines[1] as Line), debt: 0n };
    const prepared = await prepareUnpledgeDerivative({ creditLine: "1" }, hub);
    const call = await reachedSender(
      unpledgeDerivative(
        { creditLine: "1", authorization: await sign(provider, prepared.typedData, prepared.deadline) },
        hub,
      ),
    );
    expect(call.functionName).toBe("unpledge");
  });

  it("declares a default only past the due time with debt", async () => {
    expect(await codeOf(declareDefault({ creditLine: "1" }, hub))).toBe("NOT_YET_DUE");
    expect(await codeOf(declareDefault({ creditLine: "4" }, hub))).toBe("NOTHING_OWED");
    expect(await codeOf(declareDefault({ creditLine: "2" }, hub))).toBe("CREDIT_LINE_NOT_OPEN");
    expect(await codeOf(declareDefault({ creditLine: "x" }, hub))).toBe("BAD_USER_INPUT");
    const call = await reachedSender(declareDefault({ creditLine: "3" }, hub));
    expect(call).toMatchObject({ functionName: "declareDefault", args: [3n] });
  });
});
