/**
 * Gas used by the market's main transactions on the embedded chain. Each figure is a transaction's
 * gasUsed; "first" means the payee's balance slots start empty, "steady" that they already hold funds,
 * the usual case in a running market. Derivatives (lineage and royalties) are measured beside the same plain
 * transaction, with Story Protocol's published figures in their notes for comparison.
 */
import { keccak256, maxUint256, parseEventLogs, sha256, toHex, zeroHash, type Hex, type TransactionReceipt } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { AnvilChain, connectPublic, deployMarket, devAccount, fundDevAccounts, walletFor } from '../lib/chain';
import { jobInput, quoteJob, requestJobArgs, type JobChoice } from '../lib/compute/buyer/quote';
import { signJobResult, signProviderNode } from '../lib/compute/settlement';
import { EMPTY_JOB, type Derivation } from '../lib/lineage/derivation';
import { outputsProof, outputsRoot, resultHashOf } from '../lib/lineage/outputs';
import { licenceTerms } from '../lib/licence';
import { computeMarketAbi, contractsOf, datasetRegistryAbi, type LicenceTerms } from '../lib/contracts';

export interface GasFigure {
  name: string;
  gas: number;
  /** Target from the issue tracker, where one is set. */
  target?: number;
  note?: string;
}

/** Story Protocol's periphery gas report, for comparison: registering a derivative (median) and minting licence tokens. */
const STORY = { registerDerivative: 382_994, mintLicenseTokens: 417_585 } as const;
/** A parent of a derivative and what entitles its publisher to it (Lineage.ParentClaim). */
type ParentClaim = Derivation['parents'][number];
/** Lineage.AssetKind.Model. */
const MODEL = 1;
const MODEL_SHA256 = sha256(toHex('model weights'));
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
    /** `buyer` requests a job on `on` at its quote, unrecorded. */
    const requestOn = async (buyer: (typeof buyers)[number], on: JobChoice) => {
      const onQuote = await quoteJob(publicClient, d.contracts, on, buyer.account.address);
      const receipt = await gasOf(await buyer.writeContract({ ...contracts.computeMarket, functionName: 'requestJob', args: requestJobArgs(on, onQuote, keccak256(toHex('algorithm'))) }));
      return parseEventLogs({ abi: computeMarketAbi, logs: receipt.logs, eventName: 'JobRequested' })[0]!.args;
    };
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
    /** Settles a job as its provider, recorded under `name` when given; `resultHash` commits to its outputs. */
    const submit = async (
      jobId: bigint,
      job: Awaited<ReturnType<typeof request>>['job'],
      name?: string,
      options: { target?: number; note?: string; delivered?: boolean; releasedBytes?: bigint; resultHash?: Hex } = {},
    ) => {
      const { delivered = true, releasedBytes = 0n, resultHash = keccak256(toHex(`result ${jobId}`)) } = options;
      const signature = await signJobResult(node, { chainId: d.chainId, computeMarket }, { jobId, resultHash, minutesUsed: 12, delivered, releasedBytes });
      const hash = await providerOwner.writeContract({ ...contracts.computeMarket, functionName: 'submitResult', args: [jobId, job, resultHash, 12, delivered, releasedBytes, signature] });
      await (name ? record(name, hash, options.target, options.note) : gasOf(hash));
    };

    const first = await request(0, 'requestJob (first for dataset and provider)');
    await submit(first.jobId, first.job, 'submitResult (first settlement)', { note: 'every payee balance starts empty' });
    const second = await request(0, 'requestJob', 120_000, 'dataset and provider have had jobs before');
    await record('acceptJob', await providerOwner.writeContract({ ...contracts.computeMarket, functionName: 'acceptJob', args: [second.jobId, second.job] }));
    await submit(second.jobId, second.job, 'submitResult', { target: 80_000, note: 'all four payees already hold a balance' });
    const third = await request(1);
    await submit(third.jobId, third.job, "submitResult (buyer's first refund)", { note: "the buyer's balance starts empty" });
    const undelivered = await request(0);
    await submit(undelivered.jobId, undelivered.job, 'submitResult (not delivered)', { note: 'data fee back to the buyer; payees already hold a balance', delivered: false });
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
    await submit(budgeted.jobId, budgeted.job, 'submitResult (dataset with a release budget)', { note: 'keeps the 1,234 bytes released, gives back the rest', releasedBytes: 1_234n });

    // Lineage: parents of other owners, open to derivatives and AI training, paying 10 % and 7 %; a model of the
    // owner's derived from both under its own terms (5 %), beside a plain publish under the same terms.
    const parentOwners = [wallet(6), wallet(7)];
    const parents: { datasetId: bigint; termsId: bigint }[] = [];
    for (const [i, parentOwner] of parentOwners.entries()) {
      const id = parseEventLogs({ abi: datasetRegistryAbi, logs: (await gasOf(await parentOwner.writeContract({ ...contracts.registry, functionName: 'reserveDatasetId' }))).logs, eventName: 'DatasetIdReserved' })[0]!.args.datasetId;
      const parentTerms = terms({ derivativesAllowed: true, commercialRevShare: [1_000, 700][i]! });
      parents.push(publishedIn(await gasOf(await parentOwner.writeContract({ ...contracts.registry, functionName: 'publishWithTerms', args: [pointer(`parent ${i}`), parentTerms, id] }))));
    }
    const modelTerms = terms({ derivativesAllowed: true, commercialRevShare: 500, uri: 'ipfs://bafkreimodel' });
    await gasOf(await owner.writeContract({ ...contracts.registry, functionName: 'registerTerms', args: [modelTerms] }));
    const modelTermsId = await publicClient.readContract({ ...contracts.registry, functionName: 'termsIdOf', args: [modelTerms] });
    for (const spender of [marketplace, computeMarket]) await gasOf(await owner.writeContract({ ...contracts.stablecoin, functionName: 'approve', args: [spender, maxUint256] }));
    for (const parent of parents) {
      await gasOf(await owner.writeContract({ ...contracts.marketplace, functionName: 'buyLicence', args: [parent.datasetId, parent.termsId, 10_000_000n] }));
    }
    const licensed = (parent: (typeof parents)[number]): ParentClaim => ({ parentId: parent.datasetId, termsId: parent.termsId, jobId: 0n, job: EMPTY_JOB, receiptHash: zeroHash, outputsProof: [] });
    const publishModel = async (name: string, claims: ParentClaim[], target?: number, note?: string) =>
      publishedIn(
        await record(
          name,
          await owner.writeContract({
            ...contracts.registry,
            functionName: 'publishAsset',
            args: [pointer(name), modelTermsId, await reserve(), { kind: MODEL, contentHash: MODEL_SHA256, parents: claims }],
          }),
          target,
          note,
        ),
      );
    await record(
      'publish (the model\'s terms)',
      await owner.writeContract({ ...contracts.registry, functionName: 'publish', args: [pointer('plain'), modelTermsId, await reserve()] }),
      undefined,
      'a dataset under the same terms, to compare with',
    );
    await publishModel('publishAsset (model, no parents)', [], undefined, 'kind and content hash, LineageRegistered with no parents');
    const model = await publishModel(
      'publishAsset (model, 2 parents by licence)',
      parents.map(licensed),
      150_000,
      `Story Protocol registerDerivative: ${STORY.registerDerivative.toLocaleString('en-US')} (median)`,
    );

    // The owner trains on the first parent in a compute job; its settled result commits to the outputs, one of
    // which is the model file, proven with its Merkle path.
    const parentOwner = parentOwners[0]!;
    await gasOf(await parentOwner.writeContract({ ...contracts.computeMarket, functionName: 'setProvidersAllowed', args: [parents[0]!.datasetId, [providerId], true] }));
    const training = { datasetId: parents[0]!.datasetId, providerId, environment: 0, maxMinutes: 30, aiTraining: true };
    const trained = await requestOn(owner, training);
    const outputs = [MODEL_SHA256, sha256(toHex('metrics.json'))];
    const receiptHash = keccak256(toHex('receipt of the training job'));
    await submit(trained.jobId, trained.job, undefined, { resultHash: resultHashOf(receiptHash, outputsRoot(outputs)) });
    await publishModel(
      'publishAsset (model, 2 parents: a job and a licence)',
      [{ ...licensed(parents[0]!), jobId: trained.jobId, job: trained.job, receiptHash, outputsProof: outputsProof(outputs, MODEL_SHA256)! }, licensed(parents[1]!)],
      150_000,
      'the job proven delivered with the model among its outputs',
    );

    // One job over several datasets of different owners on the provider: one escrow, a job per dataset, the minutes
    // priced once. Recorded after a first such request, so every dataset and the provider have had jobs before.
    await gasOf(await parentOwners[1]!.writeContract({ ...contracts.computeMarket, functionName: 'setProvidersAllowed', args: [parents[1]!.datasetId, [providerId], true] }));
    await gasOf(await owner.writeContract({ ...contracts.computeMarket, functionName: 'setProvidersAllowed', args: [datasetId, [providerId], true] }));
    const linked = async (datasetIds: bigint[], name?: string, target?: number, note?: string) => {
      const inputs = [];
      let escrow = 0n;
      for (const [i, id] of datasetIds.entries()) {
        const quoted = await quoteJob(publicClient, d.contracts, { ...training, datasetId: id }, buyers[0]!.account.address);
        inputs.push(jobInput({ ...training, datasetId: id }, quoted));
        escrow += i === 0 ? quoted.escrow : quoted.dataFee;
      }
      const hash = await buyers[0]!.writeContract({ ...contracts.computeMarket, functionName: 'requestJob', args: [inputs, keccak256(toHex('algorithm')), true, training.maxMinutes, escrow] });
      return name ? record(name, hash, target, note) : gasOf(hash);
    };
    await linked([datasetId, parents[0]!.datasetId, parents[1]!.datasetId]);
    await linked([parents[0]!.datasetId, parents[1]!.datasetId], 'requestJob (2 datasets, one provider)', 165_000, '120,000 + 45,000 per extra dataset');
    await linked([datasetId, parents[0]!.datasetId, parents[1]!.datasetId], 'requestJob (3 datasets, one provider)', 210_000, '120,000 + 45,000 per extra dataset');

    // Sales of the 2-parent model: the owner, the treasury and both parents' owners already hold a balance here,
    // as for the plain buyLicence and submitResult rows.
    await record(
      'buyLicence (2-parent derivative)',
      await buyers[1]!.writeContract({ ...contracts.marketplace, functionName: 'buyLicence', args: [model.datasetId, modelTermsId, 10_000_000n] }),
      120_000,
      `pays 2 royalties (compare buyLicence); Story Protocol mintLicenseTokens: ${STORY.mintLicenseTokens.toLocaleString('en-US')}`,
    );
    await gasOf(await owner.writeContract({ ...contracts.computeMarket, functionName: 'setProvidersAllowed', args: [model.datasetId, [providerId], true] }));
    const onModel = { datasetId: model.datasetId, providerId, environment: 0, maxMinutes: 30, aiTraining: false };
    const firstOnModel = await requestOn(buyers[0]!, onModel);
    await submit(firstOnModel.jobId, firstOnModel.job, 'submitResult (2-parent derivative, first)', { note: "the parents' owners' balances start empty" });
    const onDerivative = await requestOn(buyers[0]!, onModel);
    await submit(onDerivative.jobId, onDerivative.job, 'submitResult (2-parent derivative)', {
      note: "pays 2 royalties; all six payees hold a balance (the 80,000 target is the plain submitResult's)",
    });
    await record('withdraw', await owner.writeContract({ ...contracts.marketplace, functionName: 'withdraw', args: [usd] }), undefined, "the owner's licence revenue");
    return figures;
  } finally {
    await chain.stop();
  }
}
