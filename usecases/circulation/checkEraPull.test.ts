import { type Address, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BaseError } from "../../errors/BaseError.js";
import { ANVIL_DEV_KEYS } from "../../stack/resolveSigner.js";
import { type StartTestChainReturnType, startTestChain } from "../../test/support/startTestChain.js";
import type { HubServices } from "../HubServices.js";
import { chainNow } from "../verifySignedAuthorization.js";
import { checkEraPull } from "./checkEraPull.js";
import { prepareEraPermit } from "./prepareEraPermit.js";

/**
 * A real anvil and a real EraToken (OpenZeppelin ERC20Permit "Caldera ERA"): the permit typed data the hub hands out
 * is what the token accepts, and the checks before an ERA-pulling action refuse what the token would refuse.
 */

let chain: StartTestChainReturnType;
let hub: Pick<HubServices, "deployment" | "publicClient">;
const owner = privateKeyToAccount(ANVIL_DEV_KEYS[3]);
const spender: Address = "0x000000000000000000000000000000000000cafe";

beforeAll(async () => {
  chain = await startTestChain();
  hub = {
    deployment: {
      chainId: 31337,
      contracts: { EraToken: { address: chain.token.address } },
    } as unknown as HubServices["deployment"],
    publicClient: chain.publicClient,
  };
  const hash = await chain.walletClient.writeContract({
    ...chain.token,
    functionName: "transfer",
    args: [owner.address, parseEther("100")],
  });
  await chain.publicClient.waitForTransactionReceipt({ hash });
}, 120_000);

afterAll(async () => {
  await chain?.stop();
});

const codeOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BaseError);
  return error as BaseError;
};

describe("checkEraPull", () => {
  it("hands out a permit EraToken accepts, relayed by anyone as the contract would", async () => {
    const now = await chainNow(hub);
    const value = parseEther("12");
    const typedData = await prepareEraPermit({
      hub,
      owner: owner.address,
      spender,
      value,
      deadline: now + 600n,
    });
    const signature = await owner.signTypedData(typedData);
    const permit = await checkEraPull({
      hub,
      owner: owner.address,
      spender,
      amount: parseEther("10"),
      permit: { signature, deadline: now + 600n },
      permitValue: value,
      now,
    });
    expect(permit).toMatchObject({ value, deadline: now + 600n });
    // The hub's signer relays the permit, as the market does inside buyLicence.
    const hash = await chain.walletClient.writeContract({
      ...chain.token,
      functionName: "permit",
      args: [owner.address, spender, permit.value, permit.deadline, permit.v, permit.r, permit.s],
    });
    expect((await chain.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(
      await chain.publicClient.readContract({
        ...chain.token,
        functionName: "allowance",
        args: [owner.address, spender],
      }),
    ).toBe(value);
  });

  it("refuses a permit used already, for another value, or expired (NOT_AUTHORIZED)", async () => {
    const now = await chainNow(hub);
    // Signed for nonce 0, which the permit above used.
    const stale = await owner.signTypedData(
      await prepareEraPermit({
        hub,
        owner: owner.address,
        spender,
        value: 1n,
        deadline: now + 600n,
      }).then((t) => ({ ...t, message: { ...t.message, nonce: 0n } })),
    );
    const replayed = await codeOf(
      checkEraPull({
        hub,
        owner: owner.address,
        spender,
        amount: 1n,
        permit: { signature: stale, deadline: now + 600n },
        permitValue: 1n,
        now,
      }),
    );
    expect([replayed.code, replayed.details.reason]).toEqual(["NOT_AUTHORIZED", "replayed"]);

    const forTwo = await owner.signTypedData(
      await prepareEraPermit({ hub, owner: owner.address, spender, value: 2n, deadline: now + 600n }),
    );
    const otherValue = await codeOf(
      checkEraPull({
        hub,
        owner: owner.address,
        spender,
        amount: 1n,
        permit: { signature: forTwo, deadline: now + 600n },
        permitValue: 1_000n,
        now,
      }),
    );
    expect([otherValue.code, otherValue.details.reason]).toEqual(["NOT_AUTHORIZED", "signature"]);

    const expired = await codeOf(
      checkEraPull({
        hub,
        owner: owner.address,
        spender,
        amount: 1n,
        permit: { signature: forTwo, deadline: now - 1n },
        permitValue: 2n,
        now,
      }),
    );
    expect([expired.code, expired.details.reason]).toEqual(["NOT_AUTHORIZED", "expired"]);
  });

  it("refuses a pull above the balance, or above the allowance without a permit (INSUFFICIENT_FUNDS)", async () => {
    const now = await chainNow(hub);
    const balance = await codeOf(
      checkEraPull({ hub, owner: owner.address, spender, amount: parseEther("101"), permitValue: 0n, now }),
    );
    expect(balance.code).toBe("INSUFFICIENT_FUNDS");
    expect(balance.details).toMatchObject({ of: "balance", needed: parseEther("101").toString() });

    // The allowance is the 12 ERA the first test's permit set.
    const allowance = await codeOf(
      checkEraPull({ hub, owner: owner.address, spender, amount: parseEther("13"), permitValue: 0n, now }),
    );
    expect(allowance.code).toBe("INSUFFICIENT_FUNDS");
    expect(allowance.details).toMatchObject({ of: "allowance", available: parseEther("12").toString() });

    // Within the allowance: no permit needed, none relayed.
    const none = await checkEraPull({
      hub,
      owner: owner.address,
      spender,
      amount: parseEther("12"),
      permitValue: 0n,
      now,
    });
    expect(none.deadline).toBe(0n);
  });

  it("refuses a permit signature that is not 65 bytes (ERC-2612 has no ERC-1271) before reading the chain", async () => {
    const error = await codeOf(
      checkEraPull({
        hub: { deployment: hub.deployment } as never,
        owner: owner.address,
        spender,
        amount: 1n,
        permit: { signature: "0x1234", deadline: 2_000_000_000n },
        permitValue: 1n,
        now: 1n,
      }),
    );
    expect([error.code, error.details.field]).toEqual(["BAD_USER_INPUT", "permit.signature"]);
  });
});
