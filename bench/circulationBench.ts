import { type Hex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type ActionResult, circulationActions } from "../cli/circulationActions.js";
import { type DemoDataset, machineDatasets, weatherDatasets } from "../cli/demoDatasets.js";
import { ANVIL_DEV_KEYS } from "../stack/resolveSigner.js";
import { certifyAs, registerProviderAs } from "../test/support/certifyAs.js";
import { graphql, startTestStack } from "../test/support/startTestStack.js";
import type { BenchRow, BenchSuite } from "./BenchRow.js";
import { percentile } from "./measure.js";

const FARM = 4;
const FACTORY = 5;
const LENDER = 7;
const ENTERPRISES = [8, 9, 10];
const FARMERS = Array.from({ length: 10 }, (_, i) => 11 + i);
/** Invocations per enterprise: 21 in all for the latency percentile. */
const INVOCATIONS_EACH = 7;

const TYPED = `query($input: DeriveValueInput!) { deriveValueTypedData(input: $input) { typedData { domain types primaryType message } } }`;
const DERIVE = `mutation($input: DeriveValueInput!, $a: SignedAuthorization!) {
  deriveValue(input: $input, authorization: $a) { derivative { id } } }`;

/**
 * ERA circulation on the real stack, every action signed and relayed through the gateway as the demo does: gas per
 * setLicenceTerms, buyLicence (with an ERA permit), adoption, invocation, reward claim, pledge, borrow, repay and
 * unpledge, read from each transaction's receipt; and `invokeFaultModel` p50 (typed data → sign → the hub runs the
 * exported model, records the invocation and returns once it is indexed).
 */
export const circulationBench: BenchSuite = {
  name: "circulation",
  run: async () => {
    const stack = await startTestStack();
    try {
      const { EraToken, DerivativeMarket, CreditVault } = stack.deployment.contracts;
      if (DerivativeMarket === undefined || CreditVault === undefined)
        throw new Error("the stack deployed no DerivativeMarket/CreditVault");
      const act = circulationActions({
        gatewayUrl: stack.gatewayUrl,
        rpcUrl: stack.rpcUrl,
        chainId: stack.deployment.chainId,
        contracts: {
          EraToken: EraToken.address,
          DerivativeMarket: DerivativeMarket.address,
          CreditVault: CreditVault.address,
        },
      });
      const key = (n: number) => ANVIL_DEV_KEYS[n] as Hex;
      const certify = async (n: number, datasets: DemoDataset[]) => {
        const ids: string[] = [];
        for (const d of datasets)
          ids.push(await certifyAs(stack, key(n), d as unknown as Record<string, unknown>));
        return ids;
      };
      const derive = async (n: number, certificateIds: string[], kind: string, parameters: unknown) => {
        const input = { certificateIds, kind, parameters };
        const typed = await graphql<{
          deriveValueTypedData: { typedData: { message: { deadline: number } } };
        }>(stack.gatewayUrl, TYPED, { input });
        const typedData = typed.data?.deriveValueTypedData.typedData;
        if (typedData === undefined) throw new Error(JSON.stringify(typed.errors));
        const signature = await privateKeyToAccount(key(n)).signTypedData(typedData as never);
        const result = await graphql<{ deriveValue: { derivative: { id: string } } }>(
          stack.gatewayUrl,
          DERIVE,
          {
            input,
            a: { signature, deadline: typedData.message.deadline },
          },
        );
        if (result.data === undefined) throw new Error(JSON.stringify(result.errors));
        return result.data.deriveValue.derivative.id;
      };

      await registerProviderAs(stack.gatewayUrl, key(FARM), "Green Valley Farm");
      await registerProviderAs(stack.gatewayUrl, key(FACTORY), "Northgate Stamping Works");
      const plan = await derive(FARM, await certify(FARM, weatherDatasets()), "PLANTING_PLAN", {
        station: { latitudeDeg: 13.7, elevationM: 2, windHeightM: 2 },
        crop: "maize",
        soil: { fieldCapacity: 0.32, wiltingPoint: 0.14 },
      });
      const fault = await derive(FACTORY, await certify(FACTORY, machineDatasets()), "FAULT_WARNING_MODEL", {
        machineId: "press-7",
        windowHours: 6,
        horizonHours: 12,
      });
      for (const n of FARMERS) await act.payFromTreasury(act.address(n), parseEther("10"));
      for (const n of ENTERPRISES) await act.payFromTreasury(act.address(n), parseEther("100"));
      await act.payFromTreasury(act.address(LENDER), parseEther("10000"));
      await act.payFromTreasury(act.address(FARM), parseEther("100"));
      await act.passVote(
        { admitAccounts: { accounts: [...FARMERS, ...ENTERPRISES].map(act.address), admitted: true } },
        "Admit the bench's farmers and enterprises",
      );
      await act.fundRewardPool(0, parseEther("5000"));

      const gas: Record<string, bigint[]> = {};
      const receiptGas = async (what: string, result: Promise<ActionResult>) => {
        const { transactionHash } = await result;
        const receipt = await act.publicClient.getTransactionReceipt({ hash: transactionHash });
        gas[what] = [...(gas[what] ?? []), receipt.gasUsed];
      };

      await receiptGas(
        "setLicenceTerms",
        act.setLicenceTerms(FARM, plan, { price: parseEther("5"), mode: "PER_USE", quantity: 1n }),
      );
      await receiptGas(
        "setLicenceTerms",
        act.setLicenceTerms(FACTORY, fault, { price: parseEther("10"), mode: "PER_USE", quantity: 10n }),
      );
      for (const n of FARMERS) {
        await receiptGas("buyLicence (with ERA permit)", act.buyLicence(n, plan, parseEther("5")));
        await receiptGas("adoption (recordAdoption)", act.adoptDerivative(n, plan));
      }
      await receiptGas("claimReward", act.claimReward(plan, "ADOPTERS"));

      const latencies: number[] = [];
      for (const n of ENTERPRISES)
        await receiptGas("buyLicence (with ERA permit)", act.buyLicence(n, fault, parseEther("10")));
      for (let round = 0; round < INVOCATIONS_EACH; round++)
        for (const [i, n] of ENTERPRISES.entries()) {
          const readings = Array.from({ length: 6 }, (_, h) => ({
            at: new Date(Date.UTC(2026, 5, 1 + round, h)).toISOString(),
            temperatureC: 60 + i + h * 0.5 * (round + 1),
          }));
          const started = performance.now();
          const result = act.invokeFaultModel(n, fault, readings);
          await result;
          latencies.push(performance.now() - started);
          await receiptGas("invocation (recordInvocation)", result);
        }
      await receiptGas("claimReward", act.claimReward(fault, "ENTERPRISES"));

      await receiptGas(
        "depositLiquidity (with ERA permit)",
        act.depositLiquidity(LENDER, parseEther("5000")),
      );
      await receiptGas("pledge", act.pledgeDerivative(FARM, plan));
      const line = (await act.lineOf(plan)).toString();
      await receiptGas("borrow", act.borrowCredit(FARM, line, parseEther("1000")));
      await act.passTime(30 * 86_400);
      const debt = await act.debtOf(line);
      await receiptGas("repay (with ERA permit)", act.repayCredit(FARM, line, debt + parseEther("1")));
      await receiptGas("unpledge", act.unpledgeDerivative(FARM, line));

      const rows: BenchRow[] = Object.entries(gas).map(([what, values]) => {
        const sorted = values.map(Number).sort((a, b) => a - b);
        return {
          row: `gas per ${what}`,
          target: "report",
          measured:
            sorted.length === 1
              ? `${(sorted[0] as number).toLocaleString("en-US")}`
              : `${percentile(sorted, 50).toLocaleString("en-US")} p50, max ${(sorted.at(-1) as number).toLocaleString("en-US")} (${sorted.length} tx)`,
          met: null,
        };
      });
      rows.push({
        row: "invokeFaultModel through the gateway (typed data → sign → run model → record → indexed) p50",
        target: "report",
        measured: `${percentile(latencies, 50).toFixed(0)} ms (p95 ${percentile(latencies, 95).toFixed(0)} ms, ${latencies.length} calls)`,
        met: null,
      });
      return rows;
    } finally {
      await stack.teardown();
    }
  },
};
