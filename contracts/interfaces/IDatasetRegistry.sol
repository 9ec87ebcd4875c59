// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ComputeOffer, LicenceTerms, Offer, Royalty} from "./ILicenceTerms.sol";

/// @title IDatasetRegistry
/// @notice The part of DatasetRegistry the marketplaces call.
interface IDatasetRegistry {
    /// @notice Owner, listing state, terms and prices of `datasetId`; reverts for an unknown dataset.
    /// @param datasetId The dataset.
    function getOffer(uint256 datasetId) external view returns (Offer memory);

    /// @notice What a compute job on `datasetId` binds, without its owner (a job pays the owner at settlement); all
    /// zero for an unknown dataset.
    /// @param datasetId The dataset.
    function computeOffer(uint256 datasetId) external view returns (ComputeOffer memory);

    /// @notice Current owner of `datasetId`, or the zero address if it does not exist.
    /// @param datasetId The dataset.
    function datasetOwner(uint256 datasetId) external view returns (address);

    /// @notice Terms registered under `termsId`; reverts for an unknown id.
    /// @param termsId The terms id.
    function getTerms(uint256 termsId) external view returns (LicenceTerms memory);

    /// @notice The royalties a sale of `assetId` owes: each ancestor, its current owner and its share (absolute
    /// basis points of the sale's net). Empty for an asset with no lineage.
    /// @param assetId The asset.
    function royaltiesOf(uint256 assetId) external view returns (Royalty[] memory);
}
