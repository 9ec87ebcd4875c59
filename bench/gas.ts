/**
 * Gas used by the market's main transactions on the embedded chain. Each figure is a transaction's
 * gasUsed; "first" means the payee's balance slots start empty, "steady" that they already hold funds,
 * the usual case in a running market.
 */
import { keccak256, maxUint256, parseEventLogs, toHex, type Hex, type TransactionReceipt } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { AnvilChain, connectPublic, deployMarket, devAccount, fundDevAccounts, walletFor } from '../lib/chain';
import { quoteJob, requestJobArgs } from '../lib/compute/buyer/quote';
import { signJobResult, signProviderNode } from '../lib/compute/settlement';
import { licenceTerms } from '../lib/licence';
import { computeMarketAbi, contractsOf, datasetRegistryAbi, type LicenceTerms } from '../lib/contracts';

export interface GasFigure {
  name: string;
  gas: number;
  /** Target from the issue tracker, where one is set. */
  target?: number;
  note?: string;
}

const DAG_JSON = 0x0129;
const pointer = (seed: string) => ({ codec: DAG_JSON, digest: keccak256(toHex(seed)) });

export async function measureGas(port: number): Promise<GasFigure[]> {
  const chain = new AnvilChain({ host: '127.0.0.1', port });
  await chain.start();
  try {
    const publicClient = await connectPublic(chain.rpcUrl);
    const wallet = (i: number) => walletFor(publicClient, devAccount(i));
    const d = await deployMarket({ publicClient, wallet: wallet(0) }, { feeBps: 250, stablecoin: { mock: true } });
    await fundDevAccounts(publicClient, wallet(0), d);
    const contracts = contractsOf(d);
    const { marketplace, computeMarket } = d.contracts;
    const usd = d.stablecoin.address;
    const figures: GasFigure[] = [];
    const gasOf = async (hash: Hex) => {
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== 'success') throw new Error(`benchmark transaction ${hash} reverted`);
      return receipt;
    };
    const record = async (name: string, hash: Hex, target?: number, note?: string) => {
      const receipt = await gasOf(hash);
      figures.push({ name, gas: Number(receipt.gasUsed), target, note });
      return receipt;
    };

    const owner = wallet(1);
    const buyers = [wallet(2), wallet(3), wallet(4)];
    const providerOwner = wallet(5);
    const node = privateKeyToAccount(generatePrivateKey());
    const terms = (overrides: Partial<LicenceTerms>) => licenceTerms({ currency: usd, aiTrainingAllowed: true, uri: 'ipfs://bafkreilicence', ...overrides });

    // A publisher reserves an id, prepares its key envelope and metadata for it, then publishes under it.
    const reserve = async (name?: string, note?: string) => {
      const hash = await owner.writeContract({ ...contracts.registry, functionName: 'reserveDatasetId' });
      const receipt = name ? await record(name, hash, undefined, note) : await gasOf(hash);
      return parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'DatasetIdReserved' })[0]!.args.datasetId;
    };
    const publishedIn = (receipt: TransactionReceipt) => parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'DatasetPublished' })[0]!.args;

    await record('registerTerms', await owner.writeContract({ ...contracts.registry, functionName: 'registerTerms', args: [terms({})] }));
    const computeTermsReceipt = await record(
      'publishWithTerms (new terms)',
      await owner.writeContract({
        ...contracts.registry,
        functionName: 'publishWithTerms',
        args: [pointer('c'), terms({ computeOnly: true, downloadPrice: 0n }), await reserve('reserveDatasetId', 'the step before every publish')],
      }),
      undefined,
      'id reserved',
    );
    const computeDataset = publishedIn(computeTermsReceipt).datasetId;
    const published = await record(
      'publish',
      await owner.writeContract({ ...contracts.registry, functionName: 'publish', args: [pointer('a'), 1n, await reserve()] }),
      150_000,
      'registered terms, id reserved, owner already holds a data NFT',
    );
    const { datasetId, termsId } = publishedIn(published);
    await record('updateMetadata', await owner.writeContract({ ...contracts.registry, functionName: 'updateMetadata', args: [datasetId, pointer('a2')] }));

    for (const buyer of [...buyers, wallet(0)]) {
      await gasOf(await buyer.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [marketplace, maxUint256] }));
      await gasOf(await buyer.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [computeMarket, maxUint256] }));
    }
    // Unlimited approvals, the usual wallet flow: OpenZeppelin's ERC-20 then skips the allowance update.
    const buy = (i: number) =>
      buyers[i]!.writeContract({ ...contracts.marketplace, functionName: 'buyLicence', args: [datasetId, termsId, 10_000_000n] });
    await record('buyLicence (first sale)', await buy(0), undefined, "owner's and treasury's balances start empty");
    await record('buyLicence', await buy(1), 90_000, 'owner and treasury already credited');
    await record('buyLicence (renewal)', await buy(1), undefined, 'extends an existing licence');

    const endpoint = 'http://127.0.0.1:8800';
    const registered = await record(
      'registerProvider',
      await providerOwner.writeContract({
        ...contracts.computeMarket,
        functionName: 'registerProvider',
        args: [
          endpoint,
          node.address,
          [{ kind: 0, cpus: 2, memoryMb: 4096, gpus: 0, gpuModel: '', pricePerMinute: 10_000n }],
          await signProviderNode(node, { chainId: d.chainId, computeMarket }, providerOwner.account.address, endpoint),
        ],
      }),
      undefined,
      "one environment; checks the node key's signature",
    );
    const providerId = parseEventLogs({ abi: computeMarketAbi, logs: registered.logs, eventName: 'ProviderRegistered' })[0]!.args.providerId;
    await record(
      'setProvidersAllowed (1 provider)',
      await owner.writeContract({ ...contracts.computeMarket, functionName: 'setProvidersAllowed', args: [computeDataset, [providerId], true] }),
      undefined,
      'the dataset owner allows the provider',
    );
    // The buyer's quote binds the dataset's terms and the environment's specification.
    const choice = { datasetId: computeDataset, providerId, environment: 0, maxMinutes: 30, aiTraining: true };
    const quote = await quoteJob(publicClient, d.contracts, choice, buyers[0]!.account.address);
    const request = async (buyerIndex: number, name?: string, target?: number, note?: string, reserve?: { epsilon: bigint; releaseBytes: bigint }) => {
      const hash = await buyers[buyerIndex]!.writeContract({
        ...contracts.computeMarket,
        functionName: 'requestJob',
        args: requestJobArgs(choice, { ...quote, ...reserve }, keccak256(toHex('algorithm'))),
      });
      const receipt = name ? await record(name, hash, target, note) : await gasOf(hash);
      const event = parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'JobRequested' })[0]!;
      return { jobId: event.args.jobId, job: event.args.job };
    };
    const submit = async (
      jobId: bigint,
      job: Awaited<ReturnType<typeof request>>['job'],
      name: string,
      target?: number,
      note?: string,
      delivered = true,
      releasedBytes = 0n,
    ) => {
      const resultHash = keccak256(toHex(`result ${jobId}`));
      const signature = await signJobResult(node, { chainId: d.chainId, computeMarket }, { jobId, resultHash, minutesUsed: 12, delivered, releasedBytes });
      await record(
        name,
        await providerOwner.writeContract({ ...contracts.computeMarket, functionName: 'submitResult', args: [jobId, job, resultHash, 12, delivered, releasedBytes, signature] }),
        target,
        note,
      );
    };

    const first = await request(0, 'requestJob (first for dataset and provider)');
    await submit(first.jobId, first.job, 'submitResult (first settlement)', undefined, 'every payee balance starts empty');
    const second = await request(0, 'requestJob', 120_000, 'dataset and provider have had jobs before');
    await record('acceptJob', await providerOwner.writeContract({ ...contracts.computeMarket, functionName: 'acceptJob', args: [second.jobId, second.job] }));
    await submit(second.jobId, second.job, 'submitResult', 80_000, 'all four payees already hold a balance');
    const third = await request(1);
    await submit(third.jobId, third.job, "submitResult (buyer's first refund)", undefined, "the buyer's balance starts empty");
    const undelivered = await request(0);
    await submit(undelivered.jobId, undelivered.job, 'submitResult (not delivered)', undefined, 'data fee back to the buyer; payees already hold a balance', false);
    const cancelled = await request(2);
    await record('cancelJob', await buyers[2]!.writeContract({ ...contracts.computeMarket, functionName: 'cancelJob', args: [cancelled.jobId, cancelled.job] }));
    const late = await request(2);
    const testRpc = (method: string, params: unknown[]) =>
      fetch(chain.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    await testRpc('evm_increaseTime', [Number(late.job.deadline) + 1 - Math.floor(Date.now() / 1000) + 7200]);
    await testRpc('evm_mine', []);
    await record('refund', await buyers[2]!.writeContract({ ...contracts.computeMarket, functionName: 'refund', args: [late.jobId, late.job] }));
    await record(
      'setAlgorithmApproval',
      await owner.writeContract({ ...contracts.computeMarket, functionName: 'setAlgorithmApproval', args: [computeDataset, keccak256(toHex('algorithm')), true] }),
      undefined,
      'first approval of an algorithm on the dataset',
    );
    await record(
      'setReleaseBudget',
      await owner.writeContract({ ...contracts.computeMarket, functionName: 'setReleaseBudget', args: [computeDataset, { epsilonTotal: 0n, epsilonPerBuyer: 2_000_000n, bytesPerJob: 65_536n, bytesPerBuyer: 1n << 20n }] }),
      undefined,
      'ε 2 per buyer, 64 KiB a job, 1 MiB per buyer',
    );
    const budgeted = await request(0, 'requestJob (dataset with a release budget)', undefined, 'reserves ε 0.5 and 64 KiB for the buyer', { epsilon: 500_000n, releaseBytes: 65_536n });
    await submit(budgeted.jobId, budgeted.job, 'submitResult (dataset with a release budget)', undefined, 'keeps the 1,234 bytes released, gives back the rest', true, 1_234n);
    await record('withdraw', await owner.writeContract({ ...contracts.marketplace, functionName: 'withdraw', args: [usd] }), undefined, "the owner's licence revenue");
    return figures;
  } finally {
    await chain.stop();
  }
}
