// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IMarketplace
/// @notice The part of Marketplace the registry calls to check that a derivative's registrant holds a licence.
interface IMarketplace {
    /// @notice True if `account` holds an unexpired download licence to `datasetId`.
    /// @param datasetId The dataset.
    /// @param account The account to check.
    /// @return Whether the licence is valid now.
    function hasLicence(uint256 datasetId, address account) external view returns (bool);
}
