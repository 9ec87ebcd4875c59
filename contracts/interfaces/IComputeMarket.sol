// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @notice A compute job as requested; fixed for its life. `epsilon` (millionths) is the privacy budget its results
/// may spend and `releaseBytes` the most its node may release; both are reserved from the dataset's budgets.
struct Job {
    uint256 datasetId;
    uint256 providerId;
    address buyer;
    address currency;
    bytes32 algorithmHash;
    uint128 dataFee;
    uint128 pricePerMinute;
    uint32 maxMinutes;
    uint16 feeBps;
    uint8 environment;
    bool aiTraining;
    uint64 deadline;
    uint64 epsilon;
    uint64 releaseBytes;
}

/// @title IComputeMarket
/// @notice The part of ComputeMarket the Marketplace calls for {Marketplace-canDecrypt} and the registry calls to
/// check a derivative's compute provenance.
interface IComputeMarket {
    /// @notice True while `account` is the node key of a provider the owner of `datasetId` allows, with a job on
    /// it that the provider accepted, before the job's deadline.
    /// @param datasetId The dataset.
    /// @param account The account to check (a provider node key).
    /// @return Whether the account may decrypt the dataset for a job now.
    function hasActiveJob(uint256 datasetId, address account) external view returns (bool);

    /// @notice True if `job` is the job `jobId` and it settled with its results delivered and with `resultHash`.
    /// @param jobId The job.
    /// @param job The job as emitted in {JobRequested}.
    /// @param resultHash The result hash to check against its settlement.
    /// @return Whether the job was settled, delivered, with exactly that result.
    function isDeliveredResult(uint256 jobId, Job calldata job, bytes32 resultHash) external view returns (bool);
}
