// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IDatasetRegistry} from "./interfaces/IDatasetRegistry.sol";
import {IComputeMarket, Job} from "./interfaces/IComputeMarket.sol";
import {ComputeOffer} from "./interfaces/ILicenceTerms.sol";
import {MarketFees} from "./base/MarketFees.sol";
import {Royalties} from "./base/Royalties.sol";
import {ReleaseBudgets} from "./base/ReleaseBudgets.sol";
import {Providers} from "./base/Providers.sol";

/// @title ComputeMarket
/// @notice Compute-to-data: providers register nodes; buyers escrow a job's data fee plus the provider's
/// fee for its maximum minutes; the assigned provider settles with a signed result, or the buyer takes the
/// escrow back after the deadline or before the provider accepts. The data fee is paid only when the job's
/// results were delivered to the buyer. Dataset owners approve algorithms per dataset for the nodes to check, and
/// set what jobs may release ({ReleaseBudgets}): each job reserves its ε and bytes when requested.
/// Anyone can register a provider, but a provider's node sees a dataset's plaintext only if the dataset's owner
/// allowed that provider: jobs can be requested only on allowed providers, and a node may decrypt only while a job
/// it accepted is open, before its deadline, and its provider is still allowed.
/// @dev A job is stored as one word: the keccak256 of its {Job} with the low byte replaced by its status, whose
/// top bit ({RESERVED}) says that the job reserved from its dataset's release budgets and the next ({DERIVED})
/// that its dataset is a derivative, whose ancestors share the data fee ({Royalties}). When a job settles with its
/// results delivered, the hash becomes keccak256(job hash, result hash): the word then commits to the result,
/// which {isDeliveredResult} checks for the registry's lineage proofs at no extra storage.
/// The full Job is emitted in {JobRequested} and passed back to every later call, which keeps requesting
/// and settling cheap while no field can be altered.
contract ComputeMarket is Royalties, ReleaseBudgets, Providers, IComputeMarket {
    using SafeERC20 for IERC20;

    /// @notice Where a job is in its life.
    enum JobStatus {
        None,
        Requested,
        Accepted,
        Settled,
        Refunded,
        Cancelled
    }

    /// @notice How a settled job's escrow was credited. `owner` is the dataset's owner when the results were
    /// delivered, and the zero address when they were not: nobody is then paid the data fee.
    struct Settlement {
        address owner;
        uint256 ownerAmount;
        uint256 providerAmount;
        uint256 marketFee;
        uint256 buyerRefund;
    }

    /// @dev Decryption access of a provider's node to a dataset: its open jobs on it, and the latest deadline
    /// of the jobs opened since the count was last zero. A request that finds no open job replaces `until`, so
    /// the deadline of a closed job never extends access granted by a later, shorter one; leaving the stale
    /// value in place keeps the slot non-zero, which makes the next request's write cheap.
    struct Access {
        uint64 activeJobs;
        uint64 until;
    }

    /// @notice One dataset of a {requestJob} run, with what the buyer accepted for it: the terms, the provider and
    /// environment (with its {environmentHash}), and what the job may spend from the dataset's release budgets.
    struct JobInput {
        uint256 datasetId;
        uint256 termsId;
        uint256 providerId;
        uint8 environment;
        bytes32 environmentSpec;
        uint64 epsilon;
        uint64 releaseBytes;
    }

    /// @dev The bit of a job's low byte set when it reserved from its dataset's release budgets.
    uint256 private constant RESERVED = 0x80;
    /// @dev The bit of a job's low byte set when its dataset has ancestors to pay.
    uint256 private constant DERIVED = 0x40;
    /// @dev The bit of a job's low byte set when it was requested with the job before it, as one run ({requestJob}).
    uint256 private constant LINKED = 0x20;
    /// @dev The bits of a job's low byte that hold its status.
    uint256 private constant STATUS = 0x1f;
    /// @dev Above the low byte, never stored: {_open} prices no minutes on the job.
    uint256 private constant UNPRICED = 0x100;
    /// @dev The flags a job keeps for its life.
    uint256 private constant FLAGS = RESERVED | DERIVED | LINKED;

    bytes32 private constant JOB_RESULT_TYPEHASH =
        keccak256("JobResult(uint256 jobId,bytes32 resultHash,uint32 minutesUsed,bool delivered,uint64 releasedBytes)");
    /// @notice Most jobs one {requestJob} links into a run.
    uint256 public constant MAX_LINKED_JOBS = 8;
    /// @notice Longest settlement window an admin can set.
    uint64 public constant MAX_SETTLEMENT_WINDOW = 7 days;

    /// @notice The registry of datasets and terms.
    IDatasetRegistry public immutable registry;
    /// @notice Time a provider has after a job's maximum run time to settle it.
    uint64 public settlementWindow = 1 hours;

    uint256 private _nextJobId = 1;
    mapping(uint256 jobId => uint256 state) private _jobs;
    mapping(uint256 datasetId => mapping(uint256 providerId => Access)) private _access;
    mapping(uint256 datasetId => mapping(bytes32 algorithmHash => bool approved)) private _approvedAlgorithms;
    mapping(uint256 datasetId => mapping(uint256 providerId => bool allowed)) private _allowedProviders;

    /// @notice The settlement window is now `window` seconds.
    /// @param window Seconds a provider has after a job's maximum run time to settle it.
    event SettlementWindowChanged(uint64 window);
    /// @notice A buyer escrowed `escrow` for `job`.
    /// @param jobId The new job.
    /// @param datasetId The dataset it computes on.
    /// @param providerId The provider assigned to it.
    /// @param job The full job, to pass back to every later call.
    /// @param escrow Amount taken from the buyer: the data fee plus maxMinutes at the price per minute.
    event JobRequested(uint256 indexed jobId, uint256 indexed datasetId, uint256 indexed providerId, Job job, uint256 escrow);
    /// @notice The `count` jobs from `firstJobId` on were requested together as one run ({requestJob}).
    /// @param firstJobId The first job.
    /// @param count How many jobs.
    event JobsLinked(uint256 indexed firstJobId, uint256 count);
    /// @notice The provider accepted `jobId`: it can no longer be cancelled.
    /// @param jobId The job.
    event JobAccepted(uint256 indexed jobId);
    /// @notice `jobId` settled with `resultHash` after `minutesUsed`; `split` lists what each party was credited
    /// (the ancestors of a derivative dataset are paid their royalties out of the owner's part, in {RoyaltyPaid}).
    /// @param jobId The job.
    /// @param resultHash keccak256(abi.encode(receipt hash, outputs root)): the job's signed receipt and the Merkle
    /// root of its outputs' SHA-256s.
    /// @param minutesUsed Minutes billed.
    /// @param delivered Whether the results were released to the buyer; if not, the data fee went back to the buyer.
    /// @param releasedBytes Bytes of results released to the buyer (0 when nothing was delivered).
    /// @param split The amounts credited to the owner, the provider, the treasury and the buyer.
    event JobSettled(uint256 indexed jobId, bytes32 resultHash, uint32 minutesUsed, bool delivered, uint64 releasedBytes, Settlement split);
    /// @notice The buyer cancelled `jobId` before acceptance and was credited `amount`.
    /// @param jobId The job.
    /// @param amount The whole escrow.
    event JobCancelled(uint256 indexed jobId, uint256 amount);
    /// @notice The buyer reclaimed `amount` of `jobId` after its deadline.
    /// @param jobId The job.
    /// @param amount The whole escrow.
    event JobRefunded(uint256 indexed jobId, uint256 amount);
    /// @notice The owner of `datasetId` allowed provider `providerId` to run its jobs (and so to see its
    /// plaintext), or withdrew that permission, which ends the provider's access at once.
    /// @param datasetId The dataset.
    /// @param providerId The provider.
    /// @param allowed Whether the provider is allowed from now on.
    event ProviderAllowanceSet(uint256 indexed datasetId, uint256 indexed providerId, bool allowed);
    /// @notice The owner of `datasetId` approved (or withdrew approval of) the algorithm `algorithmHash` on it.
    /// Emitted on every call, also when the approval was already as set.
    /// @param datasetId The dataset.
    /// @param algorithmHash Hash of the algorithm, as buyers commit it in {requestJob}.
    /// @param approved Whether the algorithm is approved from now on.
    event AlgorithmApprovalSet(uint256 indexed datasetId, bytes32 indexed algorithmHash, bool approved);

    /// @notice The owner of `datasetId` has not allowed provider `providerId` to run jobs on it.
    error ProviderNotAllowed(uint256 datasetId, uint256 providerId);
    /// @notice `datasetId` is sold under `termsId`, not under the `acceptedTermsId` the buyer accepted.
    error TermsMismatch(uint256 datasetId, uint256 acceptedTermsId, uint256 termsId);
    /// @notice Environment `environment` of provider `providerId` is not the specification the buyer accepted
    /// (the provider changed it in flight).
    error EnvironmentMismatch(uint256 providerId, uint8 environment);
    /// @notice The settlement window `window` is above {MAX_SETTLEMENT_WINDOW}.
    error SettlementWindowTooLong(uint64 window);
    /// @notice `datasetId` is delisted.
    error DatasetNotListed(uint256 datasetId);
    /// @notice The terms of `datasetId` do not allow compute jobs.
    error ComputeNotAllowed(uint256 datasetId);
    /// @notice The job declares AI training and the terms of `datasetId` forbid it.
    error AiTrainingNotAllowed(uint256 datasetId);
    /// @notice {requestJob} names 1 to {MAX_LINKED_JOBS} datasets, not `count`.
    error LinkedJobCount(uint256 count);
    /// @notice {requestJob} names datasets in ascending order, each once; `datasetId` breaks it.
    error LinkedDatasetsNotAscending(uint256 datasetId);
    /// @notice Linked jobs share one escrow, so one currency; `datasetId` is sold in `currency`.
    error CurrencyMismatch(uint256 datasetId, address currency);
    /// @notice A job needs at least one minute.
    error ZeroMinutes();
    /// @notice The job's escrow `escrow` is above the buyer's limit `maxPayment`.
    error PaymentAboveMax(uint256 escrow, uint256 maxPayment);
    /// @notice The Job passed for `jobId` is not the one requested, or no such job exists.
    error JobMismatch(uint256 jobId);
    /// @notice `jobId` is `status`, which does not allow this call.
    error InvalidJobStatus(uint256 jobId, JobStatus status);
    /// @notice Only the buyer of `jobId` may do this.
    error NotBuyer(uint256 jobId, address account);
    /// @notice `jobId`'s deadline has passed.
    error DeadlinePassed(uint256 jobId, uint64 deadline);
    /// @notice `jobId`'s deadline has not passed yet.
    error DeadlineNotReached(uint256 jobId, uint64 deadline);
    /// @notice `minutesUsed` is above the job's `maxMinutes`.
    error TooManyMinutes(uint32 minutesUsed, uint32 maxMinutes);
    /// @notice The result was not signed by the provider's node key.
    error InvalidReceiptSignature(uint256 jobId);
    /// @notice `account` is not the current owner of `datasetId` (or the dataset does not exist).
    error NotDatasetOwner(uint256 datasetId, address account);

    constructor(IDatasetRegistry registry_, address admin, address treasury_, uint16 feeBps_)
        MarketFees(admin, treasury_, feeBps_)
        EIP712("Datagora ComputeMarket", "1")
    {
        if (address(registry_) == address(0)) revert ZeroAddress();
        registry = registry_;
    }


    /// @notice Sets how long providers have after a job's maximum run time to settle it.
    /// @param window Seconds, at most {MAX_SETTLEMENT_WINDOW}.
    function setSettlementWindow(uint64 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (window > MAX_SETTLEMENT_WINDOW) revert SettlementWindowTooLong(window);
        settlementWindow = window;
        emit SettlementWindowChanged(window);
    }

    // ---------------------------------------------------------------------------------------------- jobs

    /// @notice Requests a compute job: one run of an algorithm over one or several datasets, as one job per
    /// dataset, in one escrow. Each job holds its dataset's data fee, reserves its ε and bytes from its dataset's
    /// release budgets and is settled or refunded on its own, so each owner is paid its own fee on delivery and
    /// each fee goes back without it. Jobs on the same provider are one run there, whose minutes are escrowed and
    /// priced once, on the first of them (the others carry a price of zero); jobs on different providers are the
    /// participants of a federated training.
    /// @dev Everything the buyer accepted is bound: each dataset's terms (and so the currency and data fee) by
    /// `termsId`, each environment's specification and price by `environmentSpec`, the total by `maxPayment`.
    /// The jobs take consecutive ids; each after the first is marked {LINKED} to the one before, at no storage
    /// cost, so a node learns the whole run from the chain ({jobGroup}) and never from the buyer.
    /// @param inputs The datasets, in ascending order, each with the terms the buyer accepted, an active provider
    /// its owner allowed and one of its environments, and what the job may spend from the dataset's budgets
    /// (ε in millionths, bytes of results); 1 to {MAX_LINKED_JOBS}, all in one currency.
    /// @param algorithmHash Hash of the algorithm (or federated plan) the nodes must run, committed now and
    /// checked by every node.
    /// @param aiTraining Whether the run trains an AI model; every dataset's terms must then allow AI training.
    /// @param maxMinutes Longest run time paid for, on every provider.
    /// @param maxPayment Highest total escrow the buyer accepts.
    /// @return firstJobId The first job's id; the others follow it.
    function requestJob(
        JobInput[] calldata inputs,
        bytes32 algorithmHash,
        bool aiTraining,
        uint32 maxMinutes,
        uint256 maxPayment
    ) external nonReentrant returns (uint256 firstJobId) {
        uint256 count = inputs.length;
        if (count == 0 || count > MAX_LINKED_JOBS) revert LinkedJobCount(count);
        if (maxMinutes == 0) revert ZeroMinutes();
        firstJobId = _nextJobId;
        _nextJobId = firstJobId + count;
        address currency;
        uint256 total;
        for (uint256 i = 0; i < count; ++i) {
            JobInput calldata input = inputs[i];
            uint256 flags = i == 0 ? 0 : LINKED;
            if (i != 0 && input.datasetId <= inputs[i - 1].datasetId) revert LinkedDatasetsNotAscending(input.datasetId);
            for (uint256 j = 0; j < i; ++j) if (inputs[j].providerId == input.providerId) flags |= UNPRICED;
            uint256 escrow;
            (currency, escrow) = _open(firstJobId + i, input, algorithmHash, aiTraining, maxMinutes, flags, currency);
            total += escrow;
        }
        if (total > maxPayment) revert PaymentAboveMax(total, maxPayment);
        if (count > 1) emit JobsLinked(firstJobId, count);
        if (total != 0) IERC20(currency).safeTransferFrom(msg.sender, address(this), total);
    }

    /// @notice The provider takes `jobId`; from now on only settlement or the deadline refund end it. Its node
    /// may decrypt the dataset from now until the job closes or its deadline passes.
    /// @param jobId The job.
    /// @param job The job as emitted in {JobRequested}.
    function acceptJob(uint256 jobId, Job calldata job) external {
        _requireStatus(jobId, job, JobStatus.Requested, JobStatus.Requested);
        _requireProvider(job.providerId);
        if (block.timestamp > job.deadline) revert DeadlinePassed(jobId, job.deadline);
        if (!_allowedProviders[job.datasetId][job.providerId]) revert ProviderNotAllowed(job.datasetId, job.providerId);
        _setStatus(jobId, JobStatus.Accepted);
        Access storage access = _access[job.datasetId][job.providerId];
        // A stale `until` left by jobs closed earlier is replaced, never extended.
        if (access.activeJobs == 0 || job.deadline > access.until) access.until = job.deadline;
        access.activeJobs += 1;
        emit JobAccepted(jobId);
    }

    /// @notice The buyer withdraws a job the provider has not accepted; the whole escrow is credited back.
    /// @param jobId The job.
    /// @param job The job as emitted in {JobRequested}.
    function cancelJob(uint256 jobId, Job calldata job) external {
        JobStatus status = _requireStatus(jobId, job, JobStatus.Requested, JobStatus.Requested);
        if (msg.sender != job.buyer) revert NotBuyer(jobId, msg.sender);
        uint256 amount = _close(jobId, job, status, JobStatus.Cancelled);
        if (_reserved(jobId)) _giveBack(job.datasetId, job.buyer, job.epsilon, job.releaseBytes);
        _credit(job.currency, job.buyer, amount);
        emit JobCancelled(jobId, amount);
    }

    /// @notice Settles a job with its result, signed by the provider's node key (EIP-712 `JobResult`).
    /// Credits `minutesUsed` of compute to the provider and the market fee on it to the treasury. If the results
    /// were delivered, the data fee goes to the dataset's owner, less the market fee; if not (the job failed or
    /// its outputs were withheld), the whole data fee goes back to the buyer, with no fee taken on it. The rest
    /// of the escrow goes back to the buyer.
    /// @param jobId The job.
    /// @param job The job as emitted in {JobRequested}.
    /// @param resultHash Hash of the job's signed receipt and outputs.
    /// @param minutesUsed Minutes billed; at most the job's maxMinutes.
    /// Of the job's reservation, the ε stays spent and the bytes released stay counted if the results were
    /// delivered; the rest is given back.
    /// @param delivered Whether the job's results were released to the buyer.
    /// @param releasedBytes Bytes of results released; at most the job's releaseBytes, 0 unless delivered.
    /// @param receiptSignature The node key's signature of
    /// JobResult(jobId, resultHash, minutesUsed, delivered, releasedBytes).
    function submitResult(
        uint256 jobId,
        Job calldata job,
        bytes32 resultHash,
        uint32 minutesUsed,
        bool delivered,
        uint64 releasedBytes,
        bytes calldata receiptSignature
    ) external {
        JobStatus status = _requireStatus(jobId, job, JobStatus.Requested, JobStatus.Accepted);
        address signer = _requireProvider(job.providerId);
        if (block.timestamp > job.deadline) revert DeadlinePassed(jobId, job.deadline);
        if (minutesUsed > job.maxMinutes) revert TooManyMinutes(minutesUsed, job.maxMinutes);
        if (releasedBytes > (delivered ? job.releaseBytes : 0)) revert ReleasedAboveReserved(releasedBytes, delivered ? job.releaseBytes : 0);
        (address recovered, ECDSA.RecoverError error,) = ECDSA.tryRecoverCalldata(
            _resultDigest(jobId, resultHash, minutesUsed, delivered, releasedBytes), receiptSignature
        );
        if (error != ECDSA.RecoverError.NoError || recovered != signer) revert InvalidReceiptSignature(jobId);

        uint256 state = _jobs[jobId];
        // One write closes the job: its status, and for delivered results the commitment in place of its hash.
        uint256 word = delivered ? _resultCommitment(job, resultHash) : state;
        _jobs[jobId] = ((word >> 8) << 8) | (state & FLAGS) | uint256(JobStatus.Settled);
        if (status == JobStatus.Accepted) _access[job.datasetId][job.providerId].activeJobs -= 1;
        if (state & RESERVED != 0) _giveBack(job.datasetId, job.buyer, delivered ? 0 : job.epsilon, job.releaseBytes - releasedBytes);
        uint256 escrow = _escrow(job.dataFee, job.maxMinutes, job.pricePerMinute);
        _settle(jobId, job, escrow, resultHash, minutesUsed, delivered, releasedBytes, delivered && state & DERIVED != 0);
    }

    /// @notice Closes a job still unsettled after its deadline: its whole escrow is credited back to its buyer and
    /// its reservation of the dataset's release budgets given back. Anyone may call it, so a buyer cannot hold a
    /// dataset's shared ε budget by leaving a job it never ran open; the funds only ever go to the buyer.
    /// @param jobId The job.
    /// @param job The job as emitted in {JobRequested}.
    function refund(uint256 jobId, Job calldata job) external {
        JobStatus status = _requireStatus(jobId, job, JobStatus.Requested, JobStatus.Accepted);
        if (block.timestamp <= job.deadline) revert DeadlineNotReached(jobId, job.deadline);
        uint256 amount = _close(jobId, job, status, JobStatus.Refunded);
        if (_reserved(jobId)) _giveBack(job.datasetId, job.buyer, job.epsilon, job.releaseBytes);
        _credit(job.currency, job.buyer, amount);
        emit JobRefunded(jobId, amount);
    }

    /// @notice Status of `jobId` (None if it does not exist).
    /// @param jobId The job.
    function jobStatus(uint256 jobId) external view returns (JobStatus) {
        return JobStatus(uint8(_jobs[jobId] & STATUS));
    }

    /// @notice The run `jobId` belongs to: its first job and how many jobs were requested with it ({requestJob});
    /// (jobId, 1) for a job requested alone, (0, 0) for none.
    /// @param jobId The job.
    /// @return firstJobId The run's first job.
    /// @return count How many jobs the run has.
    function jobGroup(uint256 jobId) external view returns (uint256 firstJobId, uint256 count) {
        if (_jobs[jobId] == 0) return (0, 0);
        firstJobId = jobId;
        while (_jobs[firstJobId] & LINKED != 0) --firstJobId;
        uint256 last = jobId;
        while (_jobs[last + 1] & LINKED != 0) ++last;
        count = last - firstJobId + 1;
    }

    /// @inheritdoc IComputeMarket
    function isDeliveredResult(uint256 jobId, Job calldata job, bytes32 resultHash) external view returns (bool) {
        uint256 state = _jobs[jobId];
        return state & STATUS == uint256(JobStatus.Settled) && state >> 8 == _resultCommitment(job, resultHash) >> 8;
    }

    /// @notice True if `job` is exactly the job requested as `jobId` and it has not settled with delivered results
    /// (the job's word then commits to its result: see {isDeliveredResult}).
    /// @param jobId The job.
    /// @param job The job as emitted in {JobRequested}.
    function isJob(uint256 jobId, Job calldata job) external view returns (bool) {
        uint256 state = _jobs[jobId];
        return state != 0 && state >> 8 == _jobHash(job) >> 8;
    }

    /// @notice Escrow held for `job`: its data fee plus maxMinutes at its price per minute.
    /// @param job The job as emitted in {JobRequested}.
    function escrowOf(Job calldata job) external pure returns (uint256) {
        return _escrow(job.dataFee, job.maxMinutes, job.pricePerMinute);
    }

    /// @notice Number of jobs ever requested.
    function jobCount() external view returns (uint256) {
        return _nextJobId - 1;
    }

    /// @inheritdoc IComputeMarket
    function hasActiveJob(uint256 datasetId, address account) external view returns (bool) {
        uint256 providerId = providerIdOf[account];
        if (providerId == 0 || !_allowedProviders[datasetId][providerId]) return false;
        Access memory access = _access[datasetId][providerId];
        return access.activeJobs != 0 && block.timestamp <= access.until;
    }

    /// @notice The EIP-712 digest a node key signs to settle `jobId`.
    /// @param jobId The job.
    /// @param resultHash Hash of the job's signed receipt and outputs.
    /// @param minutesUsed Minutes billed.
    /// @param delivered Whether the results were released to the buyer.
    /// @param releasedBytes Bytes of results released.
    function resultDigest(uint256 jobId, bytes32 resultHash, uint32 minutesUsed, bool delivered, uint64 releasedBytes)
        external
        view
        returns (bytes32)
    {
        return _resultDigest(jobId, resultHash, minutesUsed, delivered, releasedBytes);
    }

    // --------------------------------------------------------------------------------- allowed providers

    /// @notice Allows providers to run jobs on a dataset (and so to see its plaintext inside their nodes), or
    /// withdraws that permission; a withdrawn provider loses decryption access at once and takes no new jobs.
    /// Permissions belong to the dataset: they stay when its data NFT changes hands.
    /// @param datasetId The dataset; the caller must be its current owner.
    /// @param providerIds The providers; each must exist.
    /// @param allowed Whether they are allowed from now on.
    function setProvidersAllowed(uint256 datasetId, uint256[] calldata providerIds, bool allowed) external {
        if (registry.datasetOwner(datasetId) != msg.sender) revert NotDatasetOwner(datasetId, msg.sender);
        for (uint256 i = 0; i < providerIds.length; ++i) {
            uint256 providerId = providerIds[i];
            if (_providers[providerId].owner == address(0)) revert UnknownProvider(providerId);
            _allowedProviders[datasetId][providerId] = allowed;
            emit ProviderAllowanceSet(datasetId, providerId, allowed);
        }
    }

    /// @notice Whether the owner of `datasetId` allows provider `providerId` to run jobs on it.
    /// @param datasetId The dataset.
    /// @param providerId The provider.
    function isProviderAllowed(uint256 datasetId, uint256 providerId) external view returns (bool) {
        return _allowedProviders[datasetId][providerId];
    }

    // ---------------------------------------------------------------------------------------- algorithms

    /// @notice Approves, or withdraws approval of, an algorithm on a dataset. Provider nodes read approvals to
    /// enforce a dataset's "approved algorithms only" policy; the market itself does not restrict requests.
    /// Approvals belong to the dataset: they stay when its data NFT changes hands, and only the current owner
    /// may change them. Setting an approval to the value it has succeeds and emits again, so retries are safe.
    /// @param datasetId The dataset; the caller must be its current owner.
    /// @param algorithmHash Hash of the algorithm, as buyers commit it in {requestJob}.
    /// @param approved Whether to approve it.
    function setAlgorithmApproval(uint256 datasetId, bytes32 algorithmHash, bool approved) external {
        if (registry.datasetOwner(datasetId) != msg.sender) revert NotDatasetOwner(datasetId, msg.sender);
        _approvedAlgorithms[datasetId][algorithmHash] = approved;
        emit AlgorithmApprovalSet(datasetId, algorithmHash, approved);
    }

    /// @notice Whether the owner of `datasetId` approved the algorithm `algorithmHash` on it.
    /// @param datasetId The dataset.
    /// @param algorithmHash Hash of the algorithm.
    function isAlgorithmApproved(uint256 datasetId, bytes32 algorithmHash) external view returns (bool) {
        return _approvedAlgorithms[datasetId][algorithmHash];
    }

    // ----------------------------------------------------------------------------------- release budgets

    /// @notice Sets what jobs may release from a dataset: ε (millionths) in all and per buyer, bytes per job and
    /// per buyer; a zero field sets no limit. It binds jobs requested from now on; reservations already made stand.
    /// @param datasetId The dataset; the caller must be its current owner.
    /// @param budget The limits.
    function setReleaseBudget(uint256 datasetId, ReleaseBudget calldata budget) external {
        if (registry.datasetOwner(datasetId) != msg.sender) revert NotDatasetOwner(datasetId, msg.sender);
        _setReleaseBudget(datasetId, budget);
    }

    // ------------------------------------------------------------------------------------------ internal

    /// @dev Checks one requested job against its dataset's offer and provider, reserves from the dataset's release
    /// budgets, stores the job as `jobId` with `flags` and emits it. A job flagged {UNPRICED} carries no minutes (its
    /// run's minutes are priced on an earlier job of the same provider). `currency` is the run's currency so far
    /// (zero before its first job). Returns the job's currency and escrow.
    function _open(
        uint256 jobId,
        JobInput calldata input,
        bytes32 algorithmHash,
        bool aiTraining,
        uint32 maxMinutes,
        uint256 flags,
        address currency
    ) private returns (address, uint256 escrow) {
        uint256 datasetId = input.datasetId;
        ComputeOffer memory offer = registry.computeOffer(datasetId);
        if (currency != address(0) && offer.currency != currency) revert CurrencyMismatch(datasetId, offer.currency);
        if (offer.termsId != input.termsId) revert TermsMismatch(datasetId, input.termsId, offer.termsId);
        if (!offer.listed) revert DatasetNotListed(datasetId);
        if (!offer.computeOnly && offer.computePrice == 0) revert ComputeNotAllowed(datasetId);
        if (aiTraining && !offer.aiTrainingAllowed) revert AiTrainingNotAllowed(datasetId);
        Provider storage provider = _requestedProvider(datasetId, input.providerId, input.environment, input.environmentSpec);

        Job memory job = Job({
            datasetId: datasetId,
            providerId: input.providerId,
            buyer: msg.sender,
            currency: offer.currency,
            algorithmHash: algorithmHash,
            dataFee: offer.computePrice,
            pricePerMinute: flags & UNPRICED == 0 ? provider.environments[input.environment].pricePerMinute : 0,
            maxMinutes: maxMinutes,
            feeBps: feeBps,
            environment: input.environment,
            aiTraining: aiTraining,
            deadline: uint64(block.timestamp) + uint64(maxMinutes) * 60 + settlementWindow,
            epsilon: input.epsilon,
            releaseBytes: input.releaseBytes
        });
        if (_reserve(datasetId, msg.sender, input.epsilon, input.releaseBytes)) flags |= RESERVED;
        if (offer.ancestors != 0) flags |= DERIVED;
        _jobs[jobId] = ((uint256(keccak256(abi.encode(job))) >> 8) << 8) | (flags & FLAGS) | uint256(JobStatus.Requested);
        escrow = _escrow(job.dataFee, job.maxMinutes, job.pricePerMinute);
        emit JobRequested(jobId, datasetId, input.providerId, job, escrow);
        return (offer.currency, escrow);
    }

    /// @dev The provider a request names, checked: registered, active, allowed on the dataset, and offering
    /// `environment` with the specification the buyer accepted.
    function _requestedProvider(uint256 datasetId, uint256 providerId, uint8 environment, bytes32 environmentSpec)
        private
        view
        returns (Provider storage provider)
    {
        provider = _providers[providerId];
        if (provider.owner == address(0)) revert UnknownProvider(providerId);
        if (!provider.active) revert ProviderNotActive(providerId);
        if (!_allowedProviders[datasetId][providerId]) revert ProviderNotAllowed(datasetId, providerId);
        if (environment >= provider.environments.length) revert UnknownEnvironment(providerId, environment);
        if (_environmentHashes[providerId][environment] != environmentSpec) {
            revert EnvironmentMismatch(providerId, environment);
        }
    }


    /// @dev Checks that `job` is the one stored as `jobId` and that its status is `a` or `b`; returns the status.
    function _requireStatus(uint256 jobId, Job calldata job, JobStatus a, JobStatus b)
        private
        view
        returns (JobStatus status)
    {
        uint256 state = _jobs[jobId];
        if (state == 0) revert JobMismatch(jobId);
        status = JobStatus(uint8(state & STATUS));
        // A job settled with delivered results no longer stores its hash, so only its status can be reported.
        if (state >> 8 != _jobHash(job) >> 8 && status != JobStatus.Settled) revert JobMismatch(jobId);
        if (status != a && status != b) revert InvalidJobStatus(jobId, status);
    }

    /// @dev keccak256(abi.encode(job)) without the encoder's copy and range checks: a Job is static, so its
    /// encoding is its calldata image. A job sent with dirty padding hashes differently, so it is refused as a
    /// mismatch (re-encoding it would revert instead).
    function _jobHash(Job calldata job) private pure returns (uint256 hash) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let image := mload(0x40)
            calldatacopy(image, job, 0x1c0)
            hash := keccak256(image, 0x1c0)
        }
    }

    /// @dev The EIP-712 digest of JobResult(jobId, resultHash, minutesUsed, delivered, releasedBytes), which the
    /// node key signs.
    function _resultDigest(uint256 jobId, bytes32 resultHash, uint32 minutesUsed, bool delivered, uint64 releasedBytes)
        private
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(abi.encode(JOB_RESULT_TYPEHASH, jobId, resultHash, minutesUsed, delivered, releasedBytes))
        );
    }

    /// @dev keccak256(job hash, result hash), the word a job settled with delivered results keeps.
    function _resultCommitment(Job calldata job, bytes32 resultHash) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(_jobHash(job) >> 8, resultHash)));
    }

    /// @dev Whether `jobId` reserved from its dataset's release budgets (the datasets had one when it was requested).
    function _reserved(uint256 jobId) private view returns (bool) {
        return _jobs[jobId] & RESERVED != 0;
    }

    function _setStatus(uint256 jobId, JobStatus status) private {
        uint256 state = _jobs[jobId];
        _jobs[jobId] = ((state >> 8) << 8) | (state & ~STATUS & 0xff) | uint256(status);
    }

    /// @dev Ends an open job, now `current`, with a final `status` and returns its escrow. Only an accepted job
    /// counted towards its node's decryption access.
    function _close(uint256 jobId, Job calldata job, JobStatus current, JobStatus status)
        private
        returns (uint256 escrow)
    {
        _setStatus(jobId, status);
        if (current == JobStatus.Accepted) _access[job.datasetId][job.providerId].activeJobs -= 1;
        return _escrow(job.dataFee, job.maxMinutes, job.pricePerMinute);
    }

    /// @dev Splits a settled job's escrow: the data fee to the dataset's owner if the results were delivered (less
    /// the royalties of a derivative's ancestors), minutes used to the provider, the market fee on what they are paid to the treasury, the rest back to the
    /// buyer.
    function _settle(
        uint256 jobId,
        Job calldata job,
        uint256 escrow,
        bytes32 resultHash,
        uint32 minutesUsed,
        bool delivered,
        uint64 releasedBytes,
        bool payRoyalties
    ) private {
        address currency = job.currency;
        // Undelivered results earn no data fee: it stays in the buyer's refund and bears no market fee. The
        // owner is then not looked up, which saves the registry call.
        uint256 dataFee = delivered ? job.dataFee : 0;
        uint16 bps = job.feeBps;
        uint256 providerFee = uint256(minutesUsed) * job.pricePerMinute;
        uint256 dataFeeCut = _feeOn(dataFee, bps);
        uint256 providerFeeCut = _feeOn(providerFee, bps);
        Settlement memory split;
        if (delivered) split.owner = registry.datasetOwner(job.datasetId);
        // Unchecked: a cut never exceeds its amount (bps <= 10,000), and minutesUsed <= maxMinutes makes the
        // data fee plus the provider's fee at most the escrow.
        unchecked {
            split.ownerAmount = dataFee - dataFeeCut;
            split.providerAmount = providerFee - providerFeeCut;
            split.marketFee = dataFeeCut + providerFeeCut;
            split.buyerRefund = escrow - dataFee - providerFee;
        }
        if (payRoyalties) {
            split.ownerAmount -= _payRoyalties(registry, job.datasetId, currency, split.ownerAmount);
        }
        _credit(currency, split.owner, split.ownerAmount);
        _credit(currency, _providers[job.providerId].owner, split.providerAmount);
        _creditFee(currency, split.marketFee);
        _credit(currency, job.buyer, split.buyerRefund);
        emit JobSettled(jobId, resultHash, minutesUsed, delivered, releasedBytes, split);
    }

    /// @dev Fields rather than a Job, so calldata jobs are not copied to memory just for this.
    function _escrow(uint128 dataFee, uint32 maxMinutes, uint128 pricePerMinute) private pure returns (uint256) {
        return uint256(dataFee) + uint256(maxMinutes) * pricePerMinute;
    }
}
