/**
 * The owner's desk flows (lib/market/actions over the browser's port, lib/client/port.ts) against a real anvil, with a viem wallet client in the place
 * the browser's wallet takes: delist and relist, withdrawing licence revenue, answering an algorithm, and the
 * next metadata version signed through the wallet signer.
 */
import type { Address } from 'viem';
import type { ClientConfig } from '@/lib/client/config';
import { browserPort } from '@/lib/client/port';
import { readEarnings, setAlgorithmApproval, setListed, withdrawEarnings } from '@/lib/market/actions/owner';
import { nextVersion } from '@/lib/market/document';
import { signer, type BrowserWallet } from '@/lib/client/wallet';
import { contractsOf } from '@/lib/contracts';
import { TransactionRejectedError } from '@/lib/market/errors';
import type { WritePhase } from '@/lib/market/send';
import { cidFromPointer } from '@/lib/metadata/cid';
import { signDataset, verifySignedDataset } from '@/lib/metadata/signing';
import { useMarketFixture, type Published } from '../contracts/fixture';
import { sampleDocument } from '../metadata/fixtures';
import { metadataPointer, termsFor } from '../helpers/terms';

const fixture = useMarketFixture();

const OWNER = 1;
const BUYER = 2;
const STRANGER = 3;

function clientConfig(): ClientConfig {
  const { deployments, publicClient } = fixture();
  return {
    chainId: deployments.chainId,
    chainName: 'test chain',
    rpcUrl: publicClient.transport.url as string,
    contracts: deployments.contracts,
    stablecoin: deployments.stablecoin,
    keyNetwork: { kind: 'lit', network: 'none' },
    siwe: { domain: 'localhost', uri: 'http://localhost' },
    devWallet: true,
  };
}

/** Dev account `index` as the browser flows see a connected wallet, recording each transaction's phases. */
function walletOf(index: number, phases: WritePhase[] = []): BrowserWallet {
  return { config: clientConfig(), publicClient: fixture().publicClient, walletClient: fixture().market.wallet(index), onPhase: (phase) => phases.push(phase) };
}

/** The market's port as the browser builds it over that wallet. */
function portOf(index: number, phases: WritePhase[] = []) {
  return browserPort(walletOf(index, phases));
}

let published = 0;

function publish(price = 10_000_000n): Promise<Published> {
  const terms = termsFor({ currency: fixture().deployments.stablecoin.address, downloadPrice: price });
  return fixture().publish(OWNER, metadataPointer(`owner-${++published}`), terms);
}

async function listed(id: bigint): Promise<boolean> {
  return (await fixture().registry().read.getDataset([id])).listed;
}

async function balanceOf(account: Address): Promise<bigint> {
  return fixture().publicClient.readContract({ ...contractsOf(fixture().deployments).stablecoin, functionName: 'balanceOf', args: [account] });
}

describe('owner desk flows', () => {
  it('delists and relists with the wallet, reporting each phase; a stranger is refused in words', async () => {
    const { datasetId: id } = await publish();
    const phases: WritePhase[] = [];
    await setListed(portOf(OWNER, phases), id, false);
    expect(await listed(id)).toBe(false);
    expect(phases.map((p) => p.phase)).toEqual(['signing', 'pending', 'confirmed']);
    expect(phases[0]!.action).toBe(`delist dataset ${id}`);
    await setListed(portOf(OWNER), id, true);
    expect(await listed(id)).toBe(true);

    const refused = setListed(portOf(STRANGER), id, false);
    await expect(refused).rejects.toBeInstanceOf(TransactionRejectedError);
    await expect(refused).rejects.toMatchObject({ errorName: 'NotDatasetOwner' });
    expect(await listed(id)).toBe(true);
  });

  it('withdraws what licence sales credited, and nothing twice', async () => {
    const price = 10_000_000n;
    const { datasetId: id, termsId } = await publish(price);
    await fixture().mined(fixture().stablecoin(BUYER).write.approve([fixture().deployments.contracts.marketplace, price]));
    await fixture().mined(fixture().marketplace(BUYER).write.buyLicence([id, termsId, price]));
    const owner = fixture().address(OWNER);
    const before = await readEarnings({ publicClient: fixture().publicClient, market: clientConfig() }, owner);
    expect(before.sales).toBeGreaterThan(0n);
    expect(before.sales).toBeLessThan(price);
    expect(before.compute).toBe(0n);
    expect(before.wallet).toBe(await balanceOf(owner));

    const first = await withdrawEarnings(portOf(OWNER));
    expect(first.amount).toBe(before.sales);
    expect(first.txHashes).toHaveLength(1);
    const after = await readEarnings({ publicClient: fixture().publicClient, market: clientConfig() }, owner);
    expect(after).toEqual({ sales: 0n, compute: 0n, wallet: before.wallet + before.sales });
    expect(await withdrawEarnings(portOf(OWNER))).toEqual({ amount: 0n, txHashes: [] });
  });

  it('approves and then rejects an algorithm on the owner’s dataset only', async () => {
    const { datasetId: id } = await publish();
    const hash = `0x${'ab'.repeat(32)}` as const;
    const approved = () => fixture().publicClient.readContract({ ...contractsOf(fixture().deployments).computeMarket, functionName: 'isAlgorithmApproved', args: [id, hash] });
    await setAlgorithmApproval(portOf(OWNER), id, hash, true);
    expect(await approved()).toBe(true);
    await setAlgorithmApproval(portOf(OWNER), id, hash, false);
    expect(await approved()).toBe(false);
    await expect(setAlgorithmApproval(portOf(STRANGER), id, hash, true)).rejects.toMatchObject({ errorName: 'NotDatasetOwner' });
  });

  it('builds the next version on the current one, signed by the wallet for the registry', async () => {
    const wallet = walletOf(OWNER);
    const owner = fixture().address(OWNER);
    const document = sampleDocument(fixture().address(STRANGER));
    const metadataCid = cidFromPointer(metadataPointer('current'));
    const next = nextVersion({ document, version: 1, metadataCid }, { title: 'Berlin air, hourly', tags: ['air'] }, owner);
    expect(next).toMatchObject({ version: 2, previous: metadataCid, publisher: owner, title: 'Berlin air, hourly', tags: ['air'], description: document.description, content: document.content, key: document.key });
    expect(Date.parse(next.updatedAt)).toBeGreaterThan(Date.parse(document.updatedAt));

    const domain = { chainId: wallet.config.chainId, registry: wallet.config.contracts.datasetRegistry };
    const signed = await signDataset(next, signer(wallet), domain);
    await expect(verifySignedDataset(signed, domain, 'next')).resolves.toBeUndefined();
  });
});
