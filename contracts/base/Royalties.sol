// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDatasetRegistry} from "../interfaces/IDatasetRegistry.sol";
import {Royalty} from "../interfaces/ILicenceTerms.sol";
import {MarketFees} from "./MarketFees.sol";

/// @title Royalties
/// @notice Pays a derivative's ancestors their shares of a sale, in the sale's currency, into the same pull-payment
/// balances as every other payee. The market fee is taken first; each ancestor's share is of what is left.
/// @dev The registry bounds an asset's ancestors ({Lineage-MAX_ANCESTORS}) and their shares' sum (at most 100 %),
/// so the loop is bounded and the owner's remainder never underflows.
abstract contract Royalties is MarketFees {
    /// @notice A sale of `assetId` credited `owner`, the owner of its ancestor `ancestorId`, `amount` of `currency`.
    /// @param assetId The derivative sold.
    /// @param ancestorId The ancestor paid.
    /// @param owner The ancestor's owner at the sale, credited with `amount`.
    /// @param currency The ERC-20 of the sale.
    /// @param amount The royalty.
    event RoyaltyPaid(uint256 indexed assetId, uint256 indexed ancestorId, address indexed owner, address currency, uint256 amount);

    /// @dev Credits every ancestor of `assetId` its share of `net` in `currency`; returns the sum credited, which the
    /// caller takes off the asset owner's part.
    function _payRoyalties(IDatasetRegistry registry, uint256 assetId, address currency, uint256 net)
        internal
        returns (uint256 paid)
    {
        Royalty[] memory royalties = registry.royaltiesOf(assetId);
        for (uint256 i = 0; i < royalties.length; ++i) {
            Royalty memory royalty = royalties[i];
            uint256 amount = _feeOn(net, royalty.bps);
            if (amount == 0) continue;
            _credit(currency, royalty.owner, amount);
            emit RoyaltyPaid(assetId, royalty.ancestorId, royalty.owner, currency, amount);
            paid += amount;
        }
    }
}
