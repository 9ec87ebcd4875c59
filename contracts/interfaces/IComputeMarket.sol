// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IComputeMarket
/// @notice The part of ComputeMarket the Marketplace calls for {Marketplace-canDecrypt}.
interface IComputeMarket {
    /// @notice True while `account` is the node key of a provider the owner of `datasetId` allows, with a job on
    /// it that the provider accepted, before the job's deadline.
    /// @param datasetId The dataset.
    /// @param account The account to check (a provider node key).
    function hasActiveJob(uint256 datasetId, address account) external view returns (bool);
}
